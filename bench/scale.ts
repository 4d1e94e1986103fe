/**
 * Scale: memory of the server process per idle authenticated connection.
 *
 * For each server (hushd, the hush server CLI in its own process; an ssh2-package server in its own
 * process; OpenSSH sshd), open N connections that authenticate with publickey (ed25519) and then
 * stay idle with no channel open. The server's memory is measured after a warm-up (a few
 * connections opened, used and closed) and again with the N connections up:
 *   - Node servers: VmRSS of the process from /proc/<pid>/status, after a full GC (the server runs
 *     with --expose-gc and a tiny preload that, on SIGUSR2, runs gc() and writes
 *     process.memoryUsage() to a file, which also gives the V8 heap and external memory);
 *   - sshd: the sum of Pss (/proc/<pid>/smaps_rollup) over the listener and all its descendants
 *     (sshd runs two processes per authenticated connection; PSS splits shared pages fairly).
 * KiB per connection = (after - before) / N. Then, to show the connections are still usable, 20 of
 * them picked at random each run `exec true`.
 *
 * The load generator is the hush client library in forked worker processes (this file, started
 * with `scale-generator`), each opening its share with a bounded number of handshakes in flight.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parsePrivateKey } from '../src/keys/formats/index.js';
import { connect, type Client } from '../src/node/client.js';
import { descendants } from '../test/harness/processes.js';
import { freePort, startSshd } from '../test/harness/peers.js';
import { benchKeyFiles } from './key-files.js';

export type ScaleServer = 'hush server' | 'ssh2 server' | 'OpenSSH sshd';

export interface ScaleResult {
  server: ScaleServer;
  connections: number;
  /** What was measured: 'RSS' (one process) or 'PSS of n processes'. */
  metric: string;
  beforeKiB: number;
  afterKiB: number;
  kibPerConnection: number;
  /** Node servers: growth of V8 heapUsed and of external (incl. ArrayBuffers) memory, per connection. */
  heapKiBPerConnection?: number;
  externalKiBPerConnection?: number;
  /** Wall time to open and authenticate the N connections. */
  openSeconds: number;
  /** Connections that needed a retry (each is retried up to 3 times). */
  retries: number;
  /** Connections that dropped while idle, before the sample ran. */
  dropped: number;
  sampled: number;
  usable: number;
  /** The load generator's own RSS growth per connection (the hush client holding idle connections). */
  clientKiBPerConnection: number;
  workers: number;
}

const SAMPLE = 20;
const CONCURRENCY = 50; // handshakes in flight, over all workers
const WARMUP = 10;
const KEX = 'curve25519-sha256'; // the one all three servers implement (sshd 9.2 and ssh2 lack ML-KEM)

// ---------------------------------------------------------------- generator (worker process) ----

type ToWorker =
  | { cmd: 'warmup'; port: number; keyPath: string; n: number }
  | { cmd: 'open'; port: number; keyPath: string; n: number; concurrency: number }
  | { cmd: 'sample'; indices: number[] }
  | { cmd: 'mem' }
  | { cmd: 'exit' };

interface FromWorker {
  type: string;
  [k: string]: unknown;
}

async function openOne(port: number, key: ReturnType<typeof parsePrivateKey>): Promise<{ client: Client; retries: number }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const client = await connect({ host: '127.0.0.1', port, username: 'root', privateKey: key, hostKey: () => true, readyTimeoutMs: 60_000, transport: { algorithms: { kex: [KEX] } } });
      return { client, retries: attempt };
    } catch (e) {
      if (attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
  }
}

function generatorMain(): void {
  const clients: Client[] = [];
  let dropped = 0;
  const send = (m: FromWorker) => process.send!(m);
  const gcMem = () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    return process.memoryUsage();
  };
  process.on('message', (m: ToWorker) => {
    void (async () => {
      try {
        switch (m.cmd) {
          case 'warmup': {
            const key = parsePrivateKey(readFileSync(m.keyPath));
            const cs = await Promise.all(Array.from({ length: m.n }, () => openOne(m.port, key).then((o) => o.client)));
            for (const r of await Promise.all(cs.map((c) => c.exec('true')))) {
              if (r.code !== 0) throw new Error(`warm-up exec true gave ${r.code}`);
            }
            await Promise.all(cs.map((c) => c.close()));
            send({ type: 'warmed' });
            return;
          }
          case 'open': {
            const key = parsePrivateKey(readFileSync(m.keyPath));
            let next = 0;
            let retries = 0;
            const start = process.hrtime.bigint();
            await Promise.all(
              Array.from({ length: Math.min(m.concurrency, m.n) }, async () => {
                while (next < m.n) {
                  const i = next++;
                  const o = await openOne(m.port, key);
                  retries += o.retries;
                  clients[i] = o.client;
                  void o.client.closed.then(() => dropped++);
                }
              }),
            );
            send({ type: 'opened', retries, seconds: Number(process.hrtime.bigint() - start) / 1e9 });
            return;
          }
          case 'sample': {
            const droppedBefore = dropped;
            let ok = 0;
            const errors: string[] = [];
            // Concurrently: one exec per sampled connection (a login shell can take a while to start).
            await Promise.all(
              m.indices.map(async (i) => {
                try {
                  const r = await clients[i]!.exec('true');
                  if (r.code === 0) ok++;
                  else errors.push(`#${i}: exit ${r.code}`);
                } catch (e) {
                  errors.push(`#${i}: ${(e as Error).message}`);
                }
              }),
            );
            send({ type: 'sampled', ok, errors, dropped: droppedBefore });
            return;
          }
          case 'mem':
            send({ type: 'mem', rss: gcMem().rss });
            return;
          case 'exit':
            // The OS closes the sockets; the servers see N connections end at once.
            process.exit(0);
        }
      } catch (e) {
        send({ type: 'error', message: (e as Error).stack ?? String(e) });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0)); // the benchmark is gone: so are our connections
  send({ type: 'ready' });
}

class Worker {
  private readonly queue: Array<(m: FromWorker) => void> = [];
  private constructor(readonly child: ChildProcess) {
    child.on('message', (m: FromWorker) => this.queue.shift()?.(m));
  }

  static async start(): Promise<Worker> {
    const child = fork(fileURLToPath(import.meta.url), ['scale-generator'], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const w = new Worker(child);
    await w.reply('ready');
    return w;
  }

  private reply(type: string): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`load generator exited (${code}) waiting for ${type}`));
      this.child.once('exit', onExit);
      this.queue.push((m) => {
        this.child.off('exit', onExit);
        if (m.type === 'error') reject(new Error(`load generator: ${String(m['message'])}`));
        else if (m.type !== type) reject(new Error(`load generator answered ${m.type}, expected ${type}`));
        else resolve(m);
      });
    });
  }

  ask(m: ToWorker, answer: string): Promise<FromWorker> {
    const r = this.reply(answer);
    this.child.send(m);
    return r;
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.send({ cmd: 'exit' });
    return gone;
  }
}

// ------------------------------------------------------------------------- servers and memory ----

const PRELOAD = `
import { renameSync, writeFileSync } from 'node:fs';
const file = process.env.HUSH_BENCH_MEM_FILE;
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
  writeFileSync(file + '.part', JSON.stringify(process.memoryUsage()));
  renameSync(file + '.part', file);
});
`;

interface Running {
  pid: number;
  port: number;
  stop(): Promise<void>;
  /** Memory in KiB, and for Node servers the V8 figures (bytes). */
  memory(): Promise<{ kib: number; metric: string; heapUsed?: number; external?: number }>;
  /** For sshd: wait until only the listener is left (the warm-up connections' processes exited). */
  settle(): Promise<void>;
}

function statusKiB(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // exited while we looked
  }
}

function pssKiB(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // exited while we looked
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startNodeServer(dir: string, name: string, script: string, args: string[], ready: RegExp, portOf: (out: string) => number): Promise<Running> {
  const preload = join(dir, 'mem-preload.mjs');
  writeFileSync(preload, PRELOAD);
  const memFile = join(dir, `${name}.mem.json`);
  const child = spawn(process.execPath, ['--expose-gc', '--import', pathToFileURL(preload).href, script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HUSH_BENCH_MEM_FILE: memFile },
  });
  let out = '';
  const on = (b: Buffer) => {
    out += b.toString();
    if (out.length > 65536) out = out.slice(-32768);
  };
  child.stdout!.on('data', on);
  child.stderr!.on('data', on);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${out}`)), 15_000);
    const check = () => {
      if (!ready.test(out)) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve();
    };
    const onExit = (code: number | null) => reject(new Error(`${name} exited ${code}: ${out}`));
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', onExit);
  });
  const pid = child.pid!;
  return {
    pid,
    port: portOf(out),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGKILL'); // N connections: a graceful shutdown would only measure the shutdown
      await gone;
    },
    async memory() {
      if (existsSync(memFile)) unlinkSync(memFile);
      process.kill(pid, 'SIGUSR2');
      for (let i = 0; !existsSync(memFile); i++) {
        if (i > 600) throw new Error(`${name} did not report its memory: ${out}`);
        await sleep(50);
      }
      const m = JSON.parse(readFileSync(memFile, 'utf8')) as NodeJS.MemoryUsage;
      // One process (hushd's default); should the server run worker processes, their RSS counts too.
      const pids = [pid, ...descendants(pid)];
      const kib = pids.reduce((sum, p) => sum + statusKiB(p, 'VmRSS'), 0);
      return { kib, metric: pids.length === 1 ? 'RSS' : `RSS of ${pids.length} processes`, heapUsed: m.heapUsed, external: m.external };
    },
    async settle() {
      await sleep(500);
    },
  };
}

async function startSshdServer(line: string): Promise<Running> {
  // MaxStartups and MaxSessions raised as in the connection-setup section.
  const sshd = await startSshd({ authorizedKeys: [line], config: ['LogLevel ERROR', 'MaxStartups 200', 'MaxSessions 50'] });
  const all = () => [sshd.pid, ...descendants(sshd.pid)];
  return {
    pid: sshd.pid,
    port: sshd.port,
    stop: () => sshd.stop(),
    async memory() {
      const pids = all();
      return { kib: pids.reduce((s, p) => s + pssKiB(p), 0), metric: `PSS of ${pids.length} process${pids.length === 1 ? '' : 'es'}` };
    },
    async settle() {
      for (let i = 0; i < 100 && descendants(sshd.pid).length > 0; i++) await sleep(100);
      await sleep(200);
    },
  };
}

// ------------------------------------------------------------------------------------ the run ----

function pick(n: number, k: number): number[] {
  const s = new Set<number>();
  while (s.size < Math.min(n, k)) s.add(Math.floor(Math.random() * n));
  return [...s].sort((a, b) => a - b);
}

async function measureOne(server: ScaleServer, running: Running, n: number, keyPath: string): Promise<ScaleResult> {
  // One generator process per 5,000 connections: one Node process can hold 10,000, but two share
  // the client-side handshake work and the per-process memory and file descriptors.
  const workers = await Promise.all(Array.from({ length: Math.max(1, Math.ceil(n / 5000)) }, () => Worker.start()));
  try {
    await workers[0]!.ask({ cmd: 'warmup', port: running.port, keyPath, n: WARMUP }, 'warmed');
    await running.settle();
    const before = await running.memory();
    const clientBefore = (await Promise.all(workers.map((w) => w.ask({ cmd: 'mem' }, 'mem')))).reduce((s, m) => s + (m['rss'] as number), 0);
    const shares = workers.map((_, i) => Math.floor(n / workers.length) + (i < n % workers.length ? 1 : 0));
    const start = process.hrtime.bigint();
    const opened = await Promise.all(
      workers.map((w, i) => w.ask({ cmd: 'open', port: running.port, keyPath, n: shares[i]!, concurrency: Math.ceil(CONCURRENCY / workers.length) }, 'opened')),
    );
    const openSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    await sleep(1000); // let the last handshakes' garbage become garbage
    const after = await running.memory();
    const clientAfter = (await Promise.all(workers.map((w) => w.ask({ cmd: 'mem' }, 'mem')))).reduce((s, m) => s + (m['rss'] as number), 0);
    // The sample: global indices, mapped onto the workers' contiguous shares.
    const indices = pick(n, SAMPLE);
    const per = workers.map(() => [] as number[]);
    for (const g of indices) {
      let i = 0;
      let local = g;
      while (local >= shares[i]!) local -= shares[i++]!;
      per[i]!.push(local);
    }
    const sampled = await Promise.all(workers.map((w, i) => w.ask({ cmd: 'sample', indices: per[i]! }, 'sampled')));
    const usable = sampled.reduce((s, r) => s + (r['ok'] as number), 0);
    const errors = sampled.flatMap((r) => r['errors'] as string[]);
    if (errors.length) console.error(`scale: ${server} at ${n}: ${errors.length} sampled connection(s) failed: ${errors.slice(0, 3).join('; ')}`);
    const res: ScaleResult = {
      server,
      connections: n,
      metric: after.metric,
      beforeKiB: before.kib,
      afterKiB: after.kib,
      kibPerConnection: (after.kib - before.kib) / n,
      openSeconds,
      retries: opened.reduce((s, r) => s + (r['retries'] as number), 0),
      dropped: sampled.reduce((s, r) => s + (r['dropped'] as number), 0),
      sampled: indices.length,
      usable,
      clientKiBPerConnection: (clientAfter - clientBefore) / 1024 / n,
      workers: workers.length,
    };
    if (after.heapUsed !== undefined && before.heapUsed !== undefined) res.heapKiBPerConnection = (after.heapUsed - before.heapUsed) / 1024 / n;
    if (after.external !== undefined && before.external !== undefined) res.externalKiBPerConnection = (after.external - before.external) / 1024 / n;
    return res;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

export interface ScalePlan {
  hush: number[];
  ssh2: number[];
  sshd: number[];
}

export function scalePlan(quick: boolean): ScalePlan {
  // sshd is a pair of processes per connection: 10,000 would be 20,000 processes on this 2-core
  // machine (and pid_max is 32768 here), so it runs at 1,000 only.
  return quick ? { hush: [50], ssh2: [50], sshd: [50] } : { hush: [1000, 10000], ssh2: [1000, 10000], sshd: [1000] };
}

export async function benchScale(opts: { quick: boolean; plan?: ScalePlan }): Promise<ScaleResult[]> {
  const plan = opts.plan ?? scalePlan(opts.quick);
  const { dir, keyPath, line, hostKey, ak } = benchKeyFiles('hush-scale-');
  const out: ScaleResult[] = [];
  const run = async (server: ScaleServer, n: number, start: () => Promise<Running>) => {
    const running = await start();
    try {
      out.push(await measureOne(server, running, n, keyPath));
    } finally {
      await running.stop();
    }
  };
  try {
    for (const n of plan.hush) {
      await run('hush server', n, async () => {
        const port = await freePort();
        const conf = join(dir, 'hushd_config');
        writeFileSync(conf, `ListenAddress 127.0.0.1\nPort ${port}\nHostKey ${hostKey}\nAuthorizedKeysFile ${ak}\nStrictModes no\nMaxStartups 200\nLogLevel ERROR\n`);
        return startNodeServer(dir, 'hushd', 'dist/src/cli/hushd.js', ['-e', '-f', conf], /Server listening/, () => port);
      });
    }
    for (const n of plan.ssh2) {
      await run('ssh2 server', n, () =>
        startNodeServer(dir, 'ssh2-server', 'dist/bench/ssh2-server.js', [hostKey, line], /listening \d+/, (o) => Number(/listening (\d+)/.exec(o)![1])),
      );
    }
    for (const n of plan.sshd) await run('OpenSSH sshd', n, () => startSshdServer(line));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (process.argv[2] === 'scale-generator' && process.send) generatorMain();

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** The Markdown table (and notes) for the results. */
export function scaleTable(results: ScaleResult[], quick: boolean): string[] {
  const plan = scalePlan(quick);
  const workers = [...new Set(results.map((r) => r.workers))].sort().join('-');
  const kib = (x: number | undefined) => (x === undefined ? '' : fmt(x));
  return [
    `## scale: server memory per idle connection (authenticated with publickey ed25519, no channel open; ${KEX}; load generator: hush client in ${workers} worker process(es), ${CONCURRENCY} handshakes in flight)`,
    '',
    '| server | connections | memory measured | before MiB | after MiB | KiB / connection | V8 heap KiB / conn | external KiB / conn | hush client KiB / conn | open s | sample: exec true |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...results.map(
      (r) =>
        `| ${r.server} | ${r.connections} | ${r.metric} | ${fmt(r.beforeKiB / 1024)} | ${fmt(r.afterKiB / 1024)} | ${fmt(r.kibPerConnection)} | ${kib(r.heapKiBPerConnection)} | ${kib(r.externalKiBPerConnection)} | ${fmt(r.clientKiBPerConnection)} | ${fmt(r.openSeconds)} | usable: ${r.usable}/${r.sampled}${r.dropped ? `, ${r.dropped} dropped` : ''}${r.retries ? `, ${r.retries} retried` : ''} |`,
    ),
    '',
    'KiB / connection = (after - before) / connections. Node servers: VmRSS after a full GC, and the growth of V8 heapUsed and',
    'external memory (Buffers, ArrayBuffers) from process.memoryUsage(). OpenSSH sshd: Pss summed over the listener and every',
    `descendant (a login as root skips post-auth privilege separation: one process per connection).${plan.sshd.join() !== plan.hush.join() ? ` sshd runs at ${plan.sshd.join(', ')} connections only: one process each is too heavy at 10,000 on this machine.` : ''}`,
    `"hush client KiB / conn" is the load generator's own RSS growth. ulimit -n: ${ulimitN()}.`,
  ];
}

function ulimitN(): string {
  try {
    const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? `${m[1]} (hard ${m[2]})` : 'unknown';
  } catch {
    return 'unknown';
  }
}
