/**
 * Runs one measurement in a fresh Node process: `fn`, exported by `module`, called with `args`
 * (JSON), its JSON result read back from the child's stdout.
 *
 * Why: the Node clients and library pairs used to be measured inside the benchmark's own
 * process, one after another. Measured apart (hush client downloading 1 GiB of aes128-gcm from
 * the same sshd): ~880 MiB/s in a fresh process, 527-597 MiB/s once the ssh2 client had run in
 * that process. Node core's stream and buffer code is shared, and whichever library ran before
 * leaves it tuned to its own objects. OpenSSH's ssh always runs as its own process; now every
 * Node implementation does too.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinnedCommand } from './pinning.js';

const CHILD = fileURLToPath(new URL('./isolated-child.js', import.meta.url));

/** `cpus`: run the child on these CPUs only (taskset list; see pinning.ts). */
export function runIsolated<T>(module: URL, fn: string, args: readonly unknown[], cpus?: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const p = spawn(...pinnedCommand(process.execPath, [CHILD, module.href, fn, JSON.stringify(args)], cpus), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const last = out.trim().split('\n').at(-1);
      if (code !== 0 || last === undefined || last === '') return reject(new Error(`${fn} in a child process failed (exit ${code}): ${err.trim()}`));
      resolve(JSON.parse(last) as T);
    });
  });
}
