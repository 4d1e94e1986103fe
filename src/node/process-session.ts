/**
 * A session channel wired to a running program, with flow control both ways and the exit
 * reported (RFC 4254 §6.10):
 *
 * - output: the program's stdout (and, without a pty, stderr as extended data 1) is piped into
 *   the channel; while too much waits for the client's window the program is paused (pipe
 *   backpressure, or pausing the terminal's master), so a slow client holds the program and
 *   memory stays bounded;
 * - input: the client's data goes to the program's stdin; the window is refilled only as the
 *   program's side takes it. The client's EOF ends the program's stdin. With a pty, EOF does
 *   nothing: the master has no half-close (sshd does not close it either);
 * - end: once the program exited and its output was read to the end, exit-status (or
 *   exit-signal: the RFC name without "SIG", others "SIG@openssh.com" as sshd), EOF, CLOSE.
 *   Node reports no core-dump flag: it is always false.
 * - the client closing the channel (or the connection) closes the pipes (the program sees
 *   EOF/EPIPE as under sshd) or hangs up the terminal (SIGHUP to its session).
 */
import { closeSync } from 'node:fs';
import type { OnReadOpts, Socket } from 'node:net';
import type { IPty } from 'node-pty';
import { SIGNAL_NAMES } from '../connection/session-requests.js';
import { NativeChild, whenStarted, type ProgramProcess } from './native-spawn.js';
import { FdWriter, hangUp, masterFd, openSlave, signalName } from './pty.js';
import { DEFAULT_SESSION_HIGH_WATER, type ExitResult, type SessionChannel } from './session-channel.js';

/** What the session handler can still do to a running program. */
export interface RunningProgram {
  readonly pid: number | undefined;
  /** Delivers a signal (name with "SIG") to the program's process group. */
  signal(signal: NodeJS.Signals): void;
  /** Terminal size change (pty only). */
  resize(cols: number, rows: number): void;
}

const RFC_SIGNALS: ReadonlySet<string> = new Set(SIGNAL_NAMES);

/** exit-status, or exit-signal with the RFC 4254 §6.10 name; other signals as sshd names them ("SIG@openssh.com"). */
function exitResult(code: number | null, signal: string | null | undefined): ExitResult {
  if (signal) {
    const name = signal.replace(/^SIG/, '');
    return { signal: RFC_SIGNALS.has(name) ? name : 'SIG@openssh.com' };
  }
  return code ?? 255;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

/** Bytes per read of a program's output: small at first, large once a read fills the buffer. */
const OUTPUT_READ_SMALL = 4 * 1024;
/**
 * A program writing in bulk is read 256 KiB at a time: fewer, larger reads and socket writes
 * wake the program and the client less often (ssh -> hushd, 1 GiB of aes128-gcm, 9 runs each,
 * alternated: median 1.50 s against 1.64 s with 64 KiB reads).
 */
const OUTPUT_READ_LARGE = 256 * 1024;
/** Large buffers tracked while queued, and kept for reuse (the session's high-water mark is 1 MiB). */
const MAX_GIVEN = 8;

/**
 * Reads one output stream of a program (started natively, with net.Socket's `onread`) straight
 * into the channel: one read buffer, reused while the client's window takes each read at once
 * (then no reference to it is kept), given away to the channel's queue when it does not. No
 * stream stands in between, and no new buffer is allocated per read: profiled on hushd sending
 * 2 GiB, the per-read 64 KiB buffers and the garbage collections their external memory paced
 * came next after the socket writes. Above the session's high-water mark of queued output the
 * socket is paused, so the program blocks on its pipe as with stream backpressure.
 */
export class OutputReader {
  private buffer: Buffer | undefined;
  private size = OUTPUT_READ_SMALL;
  private socket: Socket | undefined;
  private paused = false;
  /** Buffers given to the channel's queue; free again once the queue has emptied (it copies into packets). */
  private given: Buffer[] = [];
  private spare: Buffer[] = [];
  readonly onread: OnReadOpts = {
    // Small until the program writes in bulk: a command with little output (the common case)
    // does not cost two large buffers per session.
    buffer: (): Uint8Array => (this.buffer ??= this.spare.pop() ?? Buffer.allocUnsafeSlow(this.size)),
    callback: (n: number, buf: Uint8Array): boolean => {
      if (n === buf.length && this.size < OUTPUT_READ_LARGE) {
        this.size = OUTPUT_READ_LARGE;
        this.buffer = undefined; // the next read gets the large one
      }
      const queued = this.session.sendOutput(buf.subarray(0, n), this.stderr);
      if (queued > 0) {
        this.buffer = undefined; // the channel's queue holds it until the window opens
        if (buf.length === OUTPUT_READ_LARGE && this.given.length < MAX_GIVEN) this.given.push(buf as Buffer);
      }
      if (queued < this.highWater) return true;
      this.paused = true;
      return false; // paused: resumed by the channel's 'writable'
    },
  };

  constructor(
    private readonly session: SessionChannel,
    private readonly stderr: boolean,
    private readonly highWater = DEFAULT_SESSION_HIGH_WATER,
  ) {
    session.outputWritable.push((queued) => {
      if (queued === 0 && this.given.length > 0) {
        // Everything queued went out (copied into packets): the buffers are free again.
        for (const b of this.given.splice(0)) if (this.spare.length < MAX_GIVEN) this.spare.push(b);
      }
      if (this.paused && queued < this.highWater) {
        this.paused = false;
        this.socket?.resume();
      }
    });
  }

  /** Starts delivering: the socket reads with `onread`; its end ends the channel's stream. */
  attach(socket: Socket, end: () => void): void {
    this.socket = socket;
    socket.once('end', end);
  }
}

/** Readers for a session's stdout and stderr (pass `onread` of each to NativeChild). */
export function outputReaders(session: SessionChannel): { stdout: OutputReader; stderr: OutputReader } {
  return { stdout: new OutputReader(session, false), stderr: new OutputReader(session, true) };
}

/**
 * Wires a child started with pipes (user-process spawnWithPipes) to the session. `readers`:
 * the OutputReaders the child was started with (a NativeChild reading with them), else its
 * output streams are piped.
 */
export function runWithPipes(session: SessionChannel, child: ProgramProcess, readers?: ReturnType<typeof outputReaders>): RunningProgram {
  let exited = false;
  let result: ExitResult = 255;
  const stdin = child.stdin!;
  const stdout = child.stdout!;
  const stderr = child.stderr!;

  const direct = readers !== undefined && child instanceof NativeChild && child.readsWith(readers.stdout.onread, readers.stderr.onread);
  if (direct) {
    readers.stdout.attach(child.stdout, () => session.stdout.end());
    readers.stderr.attach(child.stderr, () => session.stderr.end());
  } else {
    stdout.pipe(session.stdout);
    stderr.pipe(session.stderr);
  }
  // The client's data is written to the program's stdin as it comes, and the client's window
  // refilled as each write completes (so the read buffers it was read into can be reused). The
  // window bounds what is in flight. The packets of one socket read arrive in one go: stdin is
  // corked until the next tick so they reach the program in one writev, not one write each.
  let corked = false;
  let discarding = false;
  session.setInputSink({
    data: (data, done) => {
      if (discarding || stdin.destroyed) {
        done();
        return;
      }
      if (!corked) {
        corked = true;
        stdin.cork();
        process.nextTick(() => {
          corked = false;
          stdin.uncork();
        });
      }
      stdin.write(data, () => done());
    },
    end: () => {
      if (!discarding && !stdin.destroyed) stdin.end();
    },
  });

  const discardInput = (): void => {
    // The program no longer reads: what the client still sends is dropped, its window refilled.
    discarding = true;
  };
  stdin.on('error', discardInput);
  stdin.on('close', discardInput);
  stdout.on('error', () => undefined);
  stderr.on('error', () => undefined);

  child.on('error', (err) => {
    // The program could not be started (EAGAIN, ENOENT, ...): said on stderr, as sshd's child would.
    if (exited) return;
    exited = true;
    if (!direct) {
      stdout.unpipe(session.stdout);
      stderr.unpipe(session.stderr);
    }
    if (!session.stderr.writableEnded) session.stderr.write(`hush: cannot start the session's program: ${err.message}\n`);
    result = 1;
    session.exit(result);
  });
  child.on('exit', (code, signal) => {
    result = exitResult(code, signal);
  });
  child.on('close', () => {
    if (exited) return;
    exited = true;
    session.exit(result);
  });
  session.on('close', () => {
    stdin.destroy();
    stdout.destroy();
    stderr.destroy();
  });
  return {
    get pid() {
      return child.pid;
    },
    signal: (sig) => {
      if (exited || child.exitCode !== null || child.signalCode !== null) return;
      // A program still starting (NativeChild) gets the signal as soon as its pid is known.
      if (child.pid === undefined) whenStarted(child, (pid) => killGroup(pid, sig));
      else killGroup(child.pid, sig);
    },
    resize: () => undefined,
  };
}

/** No output for this long after the program exited: the terminal's buffer is empty. */
const PTY_QUIET_MS = 15;

/**
 * Wires a node-pty terminal to the session.
 *
 * The end of a terminal session needs care, because two layers lose its last output:
 * - libuv takes POLLHUP after a short read as end-of-file, but a pty master returns at most 4095
 *   bytes per read, so whatever the program wrote just before the last slave descriptor closed
 *   (up to the terminal's buffer) is dropped;
 * - node-pty destroys the master 200 ms after the program exited, read or not, and reports the
 *   exit before the last chunk it read was emitted.
 * So the server holds a descriptor of the slave itself (no POLLHUP while it is open), watches
 * the program (kill(pid, 0) every 20 ms), and once it is gone reads on (unpaused, whatever the
 * client's window: the rest is bounded by the terminal's buffer) until the terminal is quiet;
 * only then does it let go of the slave, so the master reads end-of-file on an empty buffer.
 */
export function runOnPty(session: SessionChannel, p: IPty): RunningProgram {
  let exited = false;
  let childGone = false;
  let paused = false;
  let lastData = Date.now();
  let slave = openSlave(p);

  const releaseSlave = (): void => {
    if (slave === undefined) return;
    const fd = slave;
    slave = undefined;
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  };
  const resume = (): void => {
    if (!paused) return;
    paused = false;
    p.resume();
  };
  const watch = setInterval(() => {
    if (!childGone) {
      try {
        process.kill(p.pid, 0);
        return;
      } catch {
        childGone = true;
        lastData = Date.now();
        resume();
        return;
      }
    }
    if (Date.now() - lastData >= PTY_QUIET_MS) {
      clearInterval(watch);
      releaseSlave();
    }
  }, 20);
  watch.unref();

  p.onData((chunk: unknown) => {
    lastData = Date.now();
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    if (!session.stdout.write(data) && !childGone && !paused) {
      paused = true;
      p.pause();
    }
  });
  session.stdout.on('drain', resume);

  const fd = masterFd(p);
  const writer = fd === undefined ? undefined : new FdWriter(fd);
  session.stdin.on('data', (chunk: Buffer) => {
    if (!writer) {
      p.write(chunk); // no descriptor: node-pty's own unbounded queue
      return;
    }
    session.stdin.pause();
    writer.write(chunk, () => session.stdin.resume());
  });

  p.onExit(({ exitCode, signal }) => {
    exited = true;
    childGone = true;
    clearInterval(watch);
    releaseSlave();
    writer?.stop();
    resume();
    const name = signal ? signalName(signal) : undefined;
    const result = exitResult(exitCode, name ?? null);
    // Chunks read but not yet emitted by the stream come on the next tick: the status follows them.
    setImmediate(() => session.exit(result));
  });
  session.on('close', () => {
    clearInterval(watch);
    writer?.stop();
    releaseSlave();
    if (!exited) hangUp(p);
  });
  return {
    get pid() {
      return p.pid;
    },
    signal: (sig) => {
      if (!exited) killGroup(p.pid, sig);
    },
    resize: (cols, rows) => {
      if (exited || cols <= 0 || rows <= 0) return;
      try {
        p.resize(cols, rows);
      } catch {
        // the terminal is already gone
      }
    },
  };
}
