/**
 * hushd with `Workers N` (N > 1): one primary process and N workers (node:cluster).
 *
 * The primary reads and checks the configuration and the host keys (generating the default one
 * if needed) and hands every worker a snapshot of what it read: the configuration files' text
 * and the host key files' bytes. Workers parse the snapshot, never the disk, so all of them
 * (and a worker started later to replace one that died) serve the same configuration, and a
 * file edited without SIGHUP changes nothing, as with one process.
 *
 * The workers listen on the same addresses; node:cluster's primary accepts each connection and
 * hands it to the workers in turn (round-robin, the default on Linux). Measured on 2 cores, this
 * costs the primary about 0.25 ms of CPU per connection; letting the workers accept from the
 * shared socket themselves (NODE_CLUSTER_SCHED_POLICY=none, which Node honours) was 0-6% faster,
 * within the noise, and leaves the spread of connections to the kernel's wake-ups, so the
 * predictable default stays. Each worker is a whole server: its own connections, sessions,
 * limits (MaxStartups counts per worker) and log lines.
 *
 * Signals go to the primary:
 *   SIGHUP   re-read and check; if good, every worker switches to it for new connections
 *            (existing ones carry on), then "configuration reloaded" is logged once;
 *   SIGTERM  every worker stops (clients are disconnected), then the primary exits 0.
 * A worker that dies unexpectedly is replaced, after a back-off that grows while replacements
 * keep dying young, so a crash loop does not spin.
 */
import cluster, { type Worker } from 'node:cluster';
import type { SshdConfig } from '../config/index.js';
import type { PrivateKey } from '../keys/private-key.js';
import type { LogSink } from './hushd-log.js';
import { serve, type ServeLog, type Serving } from './hushd-serve.js';

/** What the primary read: the configuration files' text and the host key files' bytes. */
export interface Snapshot {
  /** Every configuration file read (the main one and Included ones), by path. */
  readonly files: Readonly<Record<string, string>>;
  /** Every directory Include listed, by path. */
  readonly dirs: Readonly<Record<string, readonly string[]>>;
  /** Host key files as read (or as written when generated), base64. */
  readonly hostKeys: readonly { readonly name: string; readonly data: string }[];
}

type ToWorker = { type: 'settings'; generation: number; snapshot: Snapshot } | { type: 'stop' };
type ToPrimary =
  | { type: 'hello' }
  | { type: 'listening'; addresses: { host: string; port: number }[] }
  | { type: 'failed'; message: string }
  | { type: 'applied'; generation: number }
  | { type: 'reload-failed'; generation: number; message: string };

/** A replacement worker starts after 0.1 s, doubling while replacements die within 10 s, up to 30 s. */
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 30_000;
const DIED_YOUNG_MS = 10_000;
/** Workers still running this long after SIGTERM are killed. */
const STOP_GRACE_MS = 20_000;

export interface PrimaryOptions {
  readonly count: number;
  readonly snapshot: Snapshot;
  /** Re-reads and checks everything (SIGHUP); throws on a bad file. */
  readonly reread: () => { snapshot: Snapshot; workers: number };
  readonly sink: LogSink;
  readonly quiet: boolean;
  /** Startup errors: always to stderr. */
  readonly fatal: (message: string) => never;
  /** Logged once every worker is listening (the "Connect with" hint). */
  readonly onReady: (addresses: readonly { host: string; port: number }[]) => void;
}

interface Slot {
  readonly n: number;
  worker: Worker | undefined;
  startedAt: number;
  /** Consecutive replacements that died young. */
  failures: number;
  restart: NodeJS.Timeout | undefined;
  /** It has asked for (and been sent) the settings. */
  configured: boolean;
  /** Listening at least once since it was (re)started. */
  listening: boolean;
}

export function runPrimary(o: PrimaryOptions): void {
  const info = (m: string) => !o.quiet && o.sink.line(m);
  let snapshot = o.snapshot;
  let generation = 0;
  let ready = false;
  let stopping = false;
  /** A SIGHUP waiting for every worker to confirm the new configuration. */
  let pending: { generation: number; waiting: Set<Worker> } | undefined;
  const slots: Slot[] = Array.from({ length: o.count }, (_, i) => ({ n: i + 1, worker: undefined, startedAt: 0, failures: 0, restart: undefined, configured: false, listening: false }));
  const slotOf = (w: Worker) => slots.find((s) => s.worker === w);
  const send = (w: Worker, m: ToWorker) => {
    if (w.isConnected()) w.send(m);
  };

  /** A worker has the new configuration (or is gone): once all have, the reload is done. */
  const settle = (w?: Worker) => {
    if (pending === undefined) return;
    if (w !== undefined) pending.waiting.delete(w);
    if (pending.waiting.size > 0) return;
    pending = undefined;
    info('Received SIGHUP; configuration reloaded.');
  };

  const start = (slot: Slot) => {
    slot.restart = undefined;
    slot.configured = false;
    slot.listening = false;
    slot.startedAt = Date.now();
    const w = cluster.fork();
    slot.worker = w;
    w.on('message', (m: ToPrimary) => {
      switch (m.type) {
        case 'hello':
          slot.configured = true;
          send(w, { type: 'settings', generation, snapshot });
          break;
        case 'listening':
          slot.listening = true;
          if (ready) info(`Worker ${slot.n} restarted (pid ${w.process.pid}).`);
          else if (slots.every((s) => s.listening)) {
            ready = true;
            for (const a of m.addresses) info(`Server listening on ${a.host} port ${a.port}.`);
            o.onReady(m.addresses);
          }
          break;
        case 'failed':
          if (!ready) {
            for (const s of slots) s.worker?.process.kill('SIGKILL');
            o.fatal(m.message);
          }
          info(`Worker ${slot.n} (pid ${w.process.pid}) failed: ${m.message}`);
          break;
        case 'applied':
          if (pending?.generation === m.generation) settle(w);
          break;
        case 'reload-failed':
          info(`Worker ${slot.n} (pid ${w.process.pid}): reload failed, keeping its running configuration: ${m.message}`);
          if (pending?.generation === m.generation) settle(w);
          break;
      }
    });
  };

  cluster.on('exit', (w, code, signal) => {
    const slot = slotOf(w);
    if (pending) settle(w);
    if (!slot) return;
    slot.worker = undefined;
    if (stopping) {
      if (slots.every((s) => s.worker === undefined)) {
        o.sink.close();
        process.exit(0);
      }
      return;
    }
    const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
    if (!ready) {
      for (const s of slots) s.worker?.process.kill('SIGKILL');
      o.fatal(`worker ${slot.n} ${how} while starting`);
    }
    slot.failures = Date.now() - slot.startedAt < DIED_YOUNG_MS ? slot.failures + 1 : 1;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (slot.failures - 1));
    info(`Worker ${slot.n} (pid ${w.process.pid}) ${how}; starting a new one in ${delay / 1000} s.`);
    slot.restart = setTimeout(() => start(slot), delay);
  });

  // SIGHUP: the primary re-reads and checks; a broken file is reported once and nothing changes.
  process.on('SIGHUP', () => {
    if (stopping) return;
    let next: { snapshot: Snapshot; workers: number };
    try {
      next = o.reread();
    } catch (e) {
      info(`hushd: reload failed, keeping the running configuration: ${(e as Error).message}`);
      return;
    }
    if (next.workers !== o.count) info(`Workers ${next.workers} (running ${o.count}) takes effect when hushd is restarted.`);
    snapshot = next.snapshot;
    generation++;
    // Workers that have not asked for their settings yet will get these when they do.
    const told = slots.flatMap((s) => (s.worker && s.configured ? [s.worker] : []));
    pending = { generation, waiting: new Set(told) };
    for (const w of told) send(w, { type: 'settings', generation, snapshot });
    settle();
  });

  const stop = () => {
    if (stopping) return;
    stopping = true;
    info('Received signal; terminating.');
    for (const s of slots) clearTimeout(s.restart);
    const live = slots.flatMap((s) => (s.worker ? [s.worker] : []));
    if (live.length === 0) {
      o.sink.close();
      process.exit(0);
    }
    for (const w of live) send(w, { type: 'stop' });
    setTimeout(() => {
      for (const w of live) w.process.kill('SIGKILL');
    }, STOP_GRACE_MS).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  for (const s of slots) start(s);
}

export interface WorkerOptions {
  /** The configuration and host keys from a snapshot (parsing only; no file is read). */
  readonly load: (snapshot: Snapshot) => { cfg: SshdConfig; keys: PrivateKey[] };
  /** The log sink, created once the first configuration is known. */
  readonly log: () => ServeLog;
}

/** A worker: asks the primary for the settings, serves, follows reloads, stops when told. */
export function runWorker(o: WorkerOptions): void {
  const tell = (m: ToPrimary) => process.connected && process.send?.(m);
  let serving: Serving | undefined;
  let log: ServeLog | undefined;
  /** Settings that arrived while the first ones were still being put to work. */
  let queued: { generation: number; snapshot: Snapshot } | undefined;
  let starting = false;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await serving?.stop();
    log?.sink.close();
    process.exit(0);
  };
  const fail = (e: unknown) => {
    // Exit once the message is written (send is asynchronous).
    const m: ToPrimary = { type: 'failed', message: (e as Error).message };
    if (!process.connected || !process.send?.(m, () => process.exit(1))) process.exit(1);
  };
  const reload = (generation: number, snapshot: Snapshot, s: Serving) => {
    try {
      const { cfg, keys } = o.load(snapshot);
      s.reload(cfg, keys);
      tell({ type: 'applied', generation });
    } catch (e) {
      tell({ type: 'reload-failed', generation, message: (e as Error).message });
    }
  };
  const first = (snapshot: Snapshot) => {
    starting = true;
    let loaded: { cfg: SshdConfig; keys: PrivateKey[] };
    try {
      loaded = o.load(snapshot);
      log = o.log();
    } catch (e) {
      fail(e);
      return;
    }
    serve(loaded.cfg, loaded.keys, log).then((s) => {
      serving = s;
      tell({ type: 'listening', addresses: [...s.addresses] });
      if (queued) reload(queued.generation, queued.snapshot, s);
      queued = undefined;
    }, fail);
  };
  process.on('message', (m: ToWorker) => {
    if (m.type === 'stop') void stop();
    else if (serving) reload(m.generation, m.snapshot, serving);
    else if (starting) queued = { generation: m.generation, snapshot: m.snapshot };
    else first(m.snapshot);
  });
  // The primary coordinates: a terminal's SIGINT or SIGHUP reaches the whole process group, and
  // the primary passes on what it decides. SIGTERM sent to one worker stops just that one (the
  // primary starts another).
  process.on('SIGINT', () => undefined);
  process.on('SIGHUP', () => undefined);
  process.on('SIGTERM', () => void stop());
  tell({ type: 'hello' });
}

/** True in a process node:cluster started as a hushd worker. */
export const isWorker = (): boolean => cluster.isWorker;
