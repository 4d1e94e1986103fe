/**
 * Connection setup, side by side: latency of connect + key exchange + publickey auth + `exec true`
 * (sequential, p50/p90), and sustained connections per second with 20 concurrent clients, against
 * the hush server (hushd, its own process), OpenSSH sshd and an ssh2-package server (its own
 * process). The load generator is the same for all three: the hush client library in this process.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePrivateKey } from '../src/keys/formats/index.js';
import { connect } from '../src/node/client.js';
import { freePort, startSshd } from '../test/harness/peers.js';

export interface SetupResult {
  server: 'hush server' | 'OpenSSH sshd' | 'ssh2 server';
  kex: string;
  p50Ms: number;
  p90Ms: number;
  perSecond: number;
}

function startChild(cmd: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const on = (b: Buffer) => (out += b.toString());
  child.stdout!.on('data', on);
  child.stderr!.on('data', on);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start: ${out}`)), 15_000);
    const check = () => {
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${out}`)));
  });
}

async function once(port: number, key: ReturnType<typeof parsePrivateKey>, kex: string): Promise<number> {
  const start = process.hrtime.bigint();
  const c = await connect({ host: '127.0.0.1', port, username: 'root', privateKey: key, hostKey: () => true, transport: { algorithms: { kex: [kex] } } });
  const r = await c.exec('true');
  if (r.code !== 0) throw new Error(`exec true gave ${r.code}`);
  await c.close();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function measure(port: number, key: ReturnType<typeof parsePrivateKey>, kex: string, quick: boolean): Promise<{ p50Ms: number; p90Ms: number; perSecond: number }> {
  const lat: number[] = [];
  for (let i = 0; i < (quick ? 5 : 40); i++) lat.push(await once(port, key, kex));
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
  const seconds = quick ? 1 : 5;
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (Date.now() < deadline) {
        await once(port, key, kex);
        done++;
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return { p50Ms: pct(0.5), p90Ms: pct(0.9), perSecond: done / elapsed };
}

export async function benchSetup(opts: { quick: boolean }): Promise<SetupResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hush-setup-'));
  const keyPath = join(dir, 'id');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
  const hostKey = join(dir, 'host');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const line = readFileSync(`${keyPath}.pub`, 'utf8').trim();
  const ak = join(dir, 'authorized_keys');
  writeFileSync(ak, `${line}\n`, { mode: 0o600 });
  const key = parsePrivateKey(readFileSync(keyPath));
  const out: SetupResult[] = [];
  // sshd's MaxStartups (10:30:100) would drop concurrent unauthenticated connections: raise it for all three.
  const sshd = await startSshd({ authorizedKeys: [line], config: ['LogLevel ERROR', 'MaxStartups 200', 'MaxSessions 50'] });
  const hushPort = await freePort();
  const conf = join(dir, 'hushd_config');
  writeFileSync(conf, `ListenAddress 127.0.0.1\nPort ${hushPort}\nHostKey ${hostKey}\nAuthorizedKeysFile ${ak}\nMaxStartups 200\nLogLevel ERROR\n`);
  const hushd = await startChild(process.execPath, ['dist/src/cli/hushd.js', '-e', '-f', conf], /Server listening/);
  const s2 = await startChild(process.execPath, ['dist/bench/ssh2-server.js', hostKey, line], /listening \d+/);
  const s2Port = Number(/listening (\d+)/.exec(s2.output())![1]);
  try {
    await new Promise((r) => setTimeout(r, 300));
    for (const kex of ['curve25519-sha256', 'mlkem768x25519-sha256']) {
      out.push({ server: 'hush server', kex, ...(await measure(hushPort, key, kex, opts.quick)) });
      // OpenSSH 9.2 and ssh2 1.17 do not implement mlkem768x25519-sha256.
      if (kex !== 'mlkem768x25519-sha256') {
        out.push({ server: 'OpenSSH sshd', kex, ...(await measure(sshd.port, key, kex, opts.quick)) });
        out.push({ server: 'ssh2 server', kex, ...(await measure(s2Port, key, kex, opts.quick)) });
      }
    }
  } finally {
    hushd.child.kill('SIGTERM');
    s2.child.kill('SIGTERM');
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
