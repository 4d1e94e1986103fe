/**
 * Starting a session's program through the native addon's posix_spawn (native/src/spawn.c)
 * instead of child_process.spawn().
 *
 * Why: libuv's spawn forks the whole server and blocks the event loop until the child has
 * exec'd. Profiled on hushd under 20 concurrent `exec true` logins (`node --cpu-prof`),
 * ChildProcess.spawn held the loop ~2.9 ms per session, 25% of the server's time; a scratch
 * measurement of the call alone: 1.1-2.1 ms for child_process.spawn() against 0.28-0.30 ms for
 * the native spawn with its three descriptors, on a 55-165 MB process.
 *
 * The child looks to the program as under sshd on Linux: a socketpair as stdin, pipes as
 * stdout and stderr (libuv would give socketpairs for all three; a program's small writes,
 * such as head's 4 KiB ones, cost it less on a pipe). Default signal dispositions, an empty
 * signal mask, setsid when detached. One thing is stricter: every descriptor above 2 is closed in the child (closefrom), so nothing this
 * process has open (node-pty's terminal masters, inherited descriptors) leaks into it.
 *
 * The start itself runs on libuv's thread pool (the vfork parent waits for the child's exec, and
 * under load that was 2-4 ms per session on the event loop). The three streams exist at once;
 * the pid comes with the 'spawn' event, or 'error' says why the program could not start
 * (code ENOENT, EACCES, ... as child_process's errors), as ChildProcess does.
 *
 * The object it returns has the part of ChildProcess that the session code uses ('spawn',
 * 'error', 'exit', 'close', exitCode, signalCode, pid, the three streams).
 */
import { EventEmitter } from 'node:events';
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { nativeCrypto } from '../crypto/native.js';

/** What the session code needs of a started program: ChildProcess and NativeChild both are one. */
export interface ProgramProcess {
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'exit' | 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  once(event: 'spawn', listener: () => void): this;
  once(event: 'error', listener: (err: Error) => void): this;
}

/**
 * Calls `started` once the program's start is settled: with its pid when it runs, without when it
 * could not start. At once for a ChildProcess (its pid is known when spawn() returns).
 */
export function whenStarted(child: ProgramProcess, started: (pid?: number) => void): void {
  if (child.pid !== undefined || !(child instanceof NativeChild) || child.settled) {
    started(child.pid);
    return;
  }
  child.once('spawn', () => started(child.pid));
  child.once('error', () => started(undefined));
}

const SIGNAL_BY_NUMBER = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

let supported: boolean | undefined;

/** Bytes buffered for a program's stdin before writes report backpressure. */
const STDIN_HIGH_WATER = 256 * 1024;

/** Whether programs can be started natively here (the addon is loaded, glibc and the kernel can). */
export function nativeSpawnAvailable(): boolean {
  if (supported === undefined) {
    const addon = nativeCrypto();
    try {
      supported = typeof addon?.spawnSupported === 'function' && addon.spawnSupported();
    } catch {
      supported = false;
    }
  }
  return supported;
}

export interface NativeSpawnOptions {
  env: Readonly<Record<string, string>>;
  cwd?: string;
  /** setsid(): the program leads a new session and process group. */
  detached?: boolean;
  /** Read stdout / stderr with net.Socket's `onread` (into the caller's buffer, no 'data' events). */
  onread?: { stdout?: OnReadOpts; stderr?: OnReadOpts };
}

/** A program started by the addon. */
export class NativeChild extends EventEmitter implements ProgramProcess {
  /** Known from the 'spawn' event on. */
  pid: number | undefined;
  readonly stdin: Socket;
  readonly stdout: Socket;
  readonly stderr: Socket;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  /** Whether the start is over: 'spawn' or 'error' was emitted. */
  settled = false;
  /** stdout and stderr not yet closed ('close' waits for them, as ChildProcess's does; stdin is not counted). */
  private open = 2;
  private readonly onread: NativeSpawnOptions['onread'];
  private reaped = false;
  /** Signals asked for before the pid was known, delivered once it is. */
  private pending: (NodeJS.Signals | number)[] = [];

  constructor(file: string, args: readonly string[], options: NativeSpawnOptions) {
    super();
    const addon = nativeCrypto();
    if (!addon || !nativeSpawnAvailable()) throw new Error('native spawn is not available');
    const env = Object.entries(options.env).map(([k, v]) => `${k}=${v}`);
    const [i, o, e] = addon.spawn(
      file,
      [file, ...args],
      env,
      options.cwd ?? '',
      options.detached ?? false,
      (err, pid) => this.onSpawn(err, pid),
      (code, signo) => this.onExit(code, signo),
    );
    // A larger write buffer than net.Socket's 16 KiB lets a corked batch of packets (see
    // process-session.ts) go to the program in one writev.
    // (net.Socket hands its options to stream.Duplex, which takes writableHighWaterMark; @types/node omits it.)
    this.stdin = new Socket({ fd: i, readable: false, writable: true, writableHighWaterMark: STDIN_HIGH_WATER } as SocketConstructorOpts);
    this.onread = options.onread;
    const out = options.onread?.stdout;
    const err = options.onread?.stderr;
    this.stdout = new Socket({ fd: o, readable: true, writable: false, ...(out ? { onread: out } : {}) });
    this.stderr = new Socket({ fd: e, readable: true, writable: false, ...(err ? { onread: err } : {}) });
    for (const s of [this.stdout, this.stderr]) s.once('close', () => this.streamClosed());
  }

  /** Whether stdout and stderr were created reading with exactly these `onread` options. */
  readsWith(stdout: OnReadOpts, stderr: OnReadOpts): boolean {
    return this.onread?.stdout === stdout && this.onread?.stderr === stderr;
  }

  /**
   * Sends a signal to the program: at once, or as soon as it has started; not after it was
   * reaped (its pid may belong to another by then), nor when it never started.
   */
  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.reaped) return false;
    if (this.pid === undefined) {
      if (this.settled) return false;
      this.pending.push(signal);
      return true;
    }
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  private onSpawn(err: Error | null, pid: number | undefined): void {
    this.settled = true;
    if (err !== null || pid === undefined) {
      // As ChildProcess: nothing runs, the streams end, 'error' says why.
      this.reaped = true;
      this.stdin.destroy();
      this.stdout.destroy();
      this.stderr.destroy();
      this.emit('error', err ?? new Error('the program did not start'));
      return;
    }
    this.pid = pid;
    this.emit('spawn');
    for (const signal of this.pending.splice(0)) this.kill(signal);
  }

  private onExit(code: number, signo: number): void {
    this.reaped = true;
    if (code >= 0) this.exitCode = code;
    else this.signalCode = SIGNAL_BY_NUMBER.get(signo) ?? null;
    // As ChildProcess: nobody reads the program's stdin any more.
    this.stdin.destroy();
    this.emit('exit', this.exitCode, this.signalCode);
    this.maybeClose();
  }

  private streamClosed(): void {
    this.open--;
    this.maybeClose();
  }

  private maybeClose(): void {
    if (this.reaped && this.open === 0) this.emit('close', this.exitCode, this.signalCode);
  }
}
