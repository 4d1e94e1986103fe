/** hushd as its tests start it: the CLI in its own process, logging to stderr, and the usual files. */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort, makeTempDir, sshKeygen } from '../harness/peers.js';
import type { TempDir } from '../harness/processes.js';

export interface Hushd {
  proc: ChildProcess;
  log: () => string;
  /** Resolves when `re` matches the log written after offset `from` (default: anywhere). */
  until: (re: RegExp, from?: number) => Promise<RegExpMatchArray>;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
}

/** Starts `hushd -e ARGS` and resolves once it logs "Server listening on". */
export function startHushd(args: string[]): Promise<Hushd> {
  // -e: logs to stderr (the default is syslog, as sshd).
  const proc = spawn(process.execPath, ['dist/src/cli/hushd.js', '-e', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const waiters = new Set<() => void>();
  proc.stderr!.on('data', (b: Buffer) => {
    log += b.toString();
    for (const w of [...waiters]) w();
  });
  const until = (re: RegExp, from = 0) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      // A guard against hanging forever, not a timing assertion.
      const timer = setTimeout(() => done(new Error(`${re} not logged: ${log}`)), 30_000);
      const onExit = () => done(new Error(`hushd exited (${proc.exitCode ?? proc.signalCode}) before ${re} was logged: ${log}`));
      const check = () => {
        const m = log.slice(from).match(re);
        if (m) done(undefined, m);
      };
      const done = (e?: Error, m?: RegExpMatchArray) => {
        clearTimeout(timer);
        waiters.delete(check);
        proc.off('exit', onExit);
        if (e) reject(e);
        else resolve(m!);
      };
      waiters.add(check);
      proc.once('exit', onExit);
      check();
    });
  const stop = () =>
    new Promise<number | null>((r) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return r(proc.exitCode);
      proc.once('exit', (code) => r(code));
      proc.kill('SIGTERM');
    });
  const d: Hushd = { proc, log: () => log, until, stop };
  return until(/Server listening on/).then(() => d);
}

export interface HushdFiles {
  tmp: TempDir;
  /** The client's key, listed in `ak`. */
  id: Awaited<ReturnType<typeof sshKeygen>>;
  ak: string;
  hk: Awaited<ReturnType<typeof sshKeygen>>;
  port: number;
  conf: string;
  /**
   * Writes `conf`: ListenAddress 127.0.0.1, Port, HostKey, AuthorizedKeysFile, StrictModes no
   * (the file lies under /tmp, which anyone may write), then `extra` lines.
   */
  write: (extra: string) => void;
}

/** A temp dir with a client key in authorized_keys, a host key, a free port and a config writer. */
export async function hushdFiles(t: TestContext, hostKeyType: 'ed25519' | 'ecdsa' = 'ed25519'): Promise<HushdFiles> {
  const tmp = await makeTempDir(t);
  const id = await sshKeygen(tmp.path, 'ed25519');
  const ak = join(tmp.path, 'authorized_keys');
  writeFileSync(ak, `${id.publicLine}\n`, { mode: 0o600 });
  const hk = await sshKeygen(tmp.path, hostKeyType, 'host_key');
  const port = await freePort();
  const conf = join(tmp.path, 'sshd_config');
  const write = (extra: string) => writeFileSync(conf, `ListenAddress 127.0.0.1\nPort ${port}\nHostKey ${hk.privatePath}\nAuthorizedKeysFile ${ak}\nStrictModes no\n${extra}\n`);
  return { tmp, id, ak, hk, port, conf, write };
}
