/**
 * Connection setup, side by side: latency of connect + key exchange + publickey auth + `exec true`
 * (sequential, p50/p90), and sustained connections per second with 20 concurrent clients, against
 * the hush server (hushd, its own process; and hushd with `Workers 2`, a primary and two worker
 * processes), OpenSSH sshd and an ssh2-package server (its own process). The load generator is
 * the same for all: the hush client library, in this process for the latency, and for the
 * sustained rate in SETUP_GENERATORS (default 2; the environment variable of that name changes
 * it) forked processes (bench/setup-load.ts) sharing the 20 clients, so that one Node process
 * making the load is not what is measured. Next to each rate: the CPU the server (all its
 * processes and their reaped children) and the generators used, in cores: on a 2-core machine
 * their sum shows when the machine, not the server, is the limit.
 *
 * Where it can (root and unshare), every server runs with an empty throwaway directory mounted
 * over root's home: bash sources ~/.bashrc for commands run over SSH (Debian's SSH_SOURCE_BASHRC),
 * and a developer's .bashrc (pyenv init and the like) would otherwise cost more than the whole
 * SSH connection, for sshd and hushd but not for the ssh2 server (whose exec uses /bin/sh).
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePrivateKey } from '../src/keys/formats/index.js';
import { canIsolateHome, isolatedHome } from '../test/harness/home.js';
import { descendants } from '../test/harness/processes.js';
import { freePort, startSshd } from '../test/harness/peers.js';
import { oneConnection, type LoadJob, type LoadReport } from './setup-load.js';
import { benchKeyFiles } from './key-files.js';

/** Load generator processes for the sustained rate, and clients in flight over all of them. */
export const SETUP_GENERATORS = Number(process.env['SETUP_GENERATORS']) || 2;
const CONCURRENCY = 20;

export interface SetupResult {
  server: 'hush server' | 'hush server, Workers 2' | 'OpenSSH sshd' | 'ssh2 server';
  kex: string;
  p50Ms: number;
  p90Ms: number;
  perSecond: number;
  /** CPU used during the sustained run, in cores (CPU seconds / wall seconds): the server's processes, and the generators'. */
  serverCores: number;
  generatorCores: number;
  /** What the sessions saw as root's home: an empty throwaway directory, or the real one (whose ~/.bashrc runs for each exec). */
  home: 'empty' | 'real';
}

/** Starts a server process and resolves once its output matches `ready`. */
export function startChild(cmd: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; output: () => string }> {
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

/** Clock ticks per second of /proc/PID/stat's times. */
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds used so far by `pid`, its live descendants, and the children they have reaped (/proc/PID/stat). */
export function cpuSeconds(pid: number, tick: number = CLK_TCK): number {
  let total = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14-17 (utime, stime, cutime, cstime) are 11-14 after the command name.
      total += [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0);
    } catch {
      // exited while we looked
    }
  }
  return total / tick;
}

/** `n` generator processes, each given its share of the clients; resolves when all are ready. */
async function generators(job: Omit<LoadJob, 'concurrency'>, n: number): Promise<ChildProcess[]> {
  const script = fileURLToPath(new URL('./setup-load.js', import.meta.url));
  return Promise.all(
    Array.from({ length: n }, (_, i) => {
      const share = Math.floor(CONCURRENCY / n) + (i < CONCURRENCY % n ? 1 : 0);
      const child = fork(script, ['setup-load'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      return new Promise<ChildProcess>((resolve, reject) => {
        child.once('message', (m: LoadReport) => (m.type === 'ready' ? resolve(child) : reject(new Error(`load generator: ${JSON.stringify(m)}`))));
        child.once('exit', (code) => reject(new Error(`load generator exited ${code}`)));
        child.send({ ...job, concurrency: share } satisfies LoadJob);
      });
    }),
  );
}

async function measure(
  server: { port: number; pid: number },
  keyPath: string,
  kex: string,
  quick: boolean,
  tick: number,
): Promise<Omit<SetupResult, 'server' | 'kex' | 'home'>> {
  const key = parsePrivateKey(readFileSync(keyPath));
  const lat: number[] = [];
  for (let i = 0; i < (quick ? 5 : 40); i++) {
    const start = process.hrtime.bigint();
    await oneConnection(server.port, key, kex);
    lat.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
  const seconds = quick ? 1 : 5;
  const gens = await generators({ port: server.port, keyPath, kex, seconds }, SETUP_GENERATORS);
  const cpu0 = cpuSeconds(server.pid, tick);
  const start = process.hrtime.bigint();
  const reports = await Promise.all(
    gens.map(
      (g) =>
        new Promise<Extract<LoadReport, { type: 'done' }>>((resolve, reject) => {
          g.once('message', (m: LoadReport) => (m.type === 'done' ? resolve(m) : reject(new Error(`load generator: ${JSON.stringify(m)}`))));
          g.once('exit', (code) => reject(new Error(`load generator exited ${code} before reporting`)));
          g.send({ type: 'go' });
        }),
    ),
  );
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const serverCpu = cpuSeconds(server.pid, tick) - cpu0;
  return {
    p50Ms: pct(0.5),
    p90Ms: pct(0.9),
    // Each generator's own rate, summed (they run side by side for the same time).
    perSecond: reports.reduce((sum, r) => sum + r.connections / r.seconds, 0),
    serverCores: serverCpu / wall,
    generatorCores: reports.reduce((sum, r) => sum + r.cpuSeconds, 0) / wall,
  };
}

export async function benchSetup(opts: { quick: boolean }): Promise<SetupResult[]> {
  const tick = CLK_TCK;
  const { dir, keyPath, line, hostKey, ak } = benchKeyFiles('hush-setup-');
  const out: SetupResult[] = [];
  const isolate = await canIsolateHome();
  const prefix = isolate ? (await isolatedHome(dir, undefined)).prefix : [];
  const home: SetupResult['home'] = isolate ? 'empty' : 'real';
  // A Node server, under the home-mounting prefix when there is one (it execs: the pid is the server's).
  const node = (args: string[], ready: RegExp) => {
    const [cmd, ...rest] = [...prefix, process.execPath, ...args];
    return startChild(cmd!, rest, ready);
  };
  const stops: Array<() => unknown> = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    // sshd's MaxStartups (10:30:100) would drop concurrent unauthenticated connections: raise it for all three.
    const sshd = await startSshd({ authorizedKeys: [line], config: ['LogLevel ERROR', 'MaxStartups 200', 'MaxSessions 50'], isolateHome: isolate });
    stops.unshift(() => sshd.stop());
    const hushd = async (workers: number) => {
      const port = await freePort();
      const conf = join(dir, `hushd_config_${workers}`);
      writeFileSync(conf, `ListenAddress 127.0.0.1\nPort ${port}\nHostKey ${hostKey}\nAuthorizedKeysFile ${ak}\nStrictModes no\nMaxStartups 200\nLogLevel ERROR\nWorkers ${workers}\n`);
      const h = await node(['dist/src/cli/hushd.js', '-e', '-f', conf], /Server listening/);
      stops.unshift(() => h.child.kill('SIGTERM'));
      return { port, pid: h.child.pid! };
    };
    const hush1 = await hushd(1);
    const hush2 = await hushd(2);
    const s2 = await node(['dist/bench/ssh2-server.js', hostKey, line], /listening \d+/);
    stops.unshift(() => s2.child.kill('SIGTERM'));
    const ssh2 = { port: Number(/listening (\d+)/.exec(s2.output())![1]), pid: s2.child.pid! };
    const run = async (server: SetupResult['server'], target: { port: number; pid: number }, kex: string) =>
      out.push({ server, kex, ...(await measure(target, keyPath, kex, opts.quick, tick)), home });
    await new Promise((r) => setTimeout(r, 300));
    for (const kex of ['curve25519-sha256', 'mlkem768x25519-sha256']) {
      await run('hush server', hush1, kex);
      await run('hush server, Workers 2', hush2, kex);
      // OpenSSH 9.2 and ssh2 1.17 do not implement mlkem768x25519-sha256.
      if (kex !== 'mlkem768x25519-sha256') {
        await run('OpenSSH sshd', sshd, kex);
        await run('ssh2 server', ssh2, kex);
      }
    }
  } finally {
    for (const stop of stops) await stop();
  }
  return out;
}
