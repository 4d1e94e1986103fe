/**
 * The server side of one "session" channel (RFC 4254 §6) as Node streams:
 *
 *   session.stdin   Readable: the client's data; ends at the client's EOF. Our window is given
 *                   back only for bytes taken out of it, so a consumer that stops (a child that
 *                   does not read its stdin) stops the client at the window (§5.2).
 *   session.stdout  Writable: CHANNEL_DATA.
 *   session.stderr  Writable: CHANNEL_EXTENDED_DATA type 1 (§5.2).
 *   session.exit()  once stdout and stderr have finished: exit-status or exit-signal (§6.10),
 *                   then EOF, then CLOSE.
 *
 * Writes call back only while the data queued for the client (beyond its window) is under a
 * threshold, so `child.stdout.pipe(session.stdout)` pauses the child when the client reads
 * slowly: memory stays bounded whatever the child produces.
 *
 * Requests arrive as 'request' events, decoded; each is answered once with accept() or reject()
 * (§5.4: replies go out in the order of the requests, whatever the order of the answers).
 */
import { EventEmitter } from 'node:events';
import { Readable, Writable, finished } from 'node:stream';
import type { AuthorizedKeyOptions } from '../keys/authorized-keys/index.js';
import type { UserAccount } from './users.js';
import { decodeSessionRequest, encodeExitSignal, encodeExitStatus, type SessionRequest } from '../connection/session-requests.js';
import { EXTENDED_DATA_STDERR } from '../connection/messages.js';

/** What a session needs from the connection that owns its channel. */
export interface SessionChannelOwner {
  write(id: number, data: Uint8Array, extendedType?: number): number;
  consume(id: number, n: number): void;
  sendEof(id: number): void;
  close(id: number): void;
  sendRequest(id: number, type: string, wantReply: boolean, data?: Uint8Array): void;
  answerRequest(id: number, requestId: number, ok: boolean): void;
  /** Makes the owner send what the calls above produced. */
  flush(): void;
  /**
   * Claims channel data being delivered now (SocketReader.claim): the returned function is
   * called once the bytes are no longer needed, so their read buffer may be reused.
   */
  claim?(data: Uint8Array): (() => void) | undefined;
}

/** Where the client's data goes when it bypasses session.stdin (see SessionChannel.setInputSink). */
export interface InputSink {
  /** Bytes from the client; call `done` once they have been taken (written to the program). */
  data(data: Uint8Array, done: () => void): void;
  /** The client's EOF. */
  end(): void;
}

/** The connection a session belongs to, as the session handler sees it. */
export interface SessionContext {
  /** The authenticated user name. */
  readonly user: string;
  /** The authentication method that succeeded. */
  readonly method: string;
  /** For publickey: the key blob whose signature was verified. */
  readonly key?: Uint8Array;
  /** The user's account, when the server's account lookup found one. */
  readonly account?: UserAccount;
  /** Restrictions from the authorized_keys line that let the user in (command=, no-pty, environment=, ...). */
  readonly keyOptions: AuthorizedKeyOptions;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
}

/** A channel request on a session, decoded. Answer it exactly once. */
export interface SessionRequestEvent {
  /** The request type as sent ("pty-req", "exec", ..., or anything else). */
  readonly type: string;
  /** The decoded request, or undefined for types the codecs do not know. */
  readonly request: SessionRequest | undefined;
  /** The request-specific data as received. */
  readonly data: Uint8Array;
  readonly wantReply: boolean;
  accept(): void;
  reject(): void;
}

export type ExitResult = number | { signal: string; coreDumped?: boolean; message?: string };

/** What a session runs, for logs (emitted as 'start' by the handler that starts it). */
export interface SessionStart {
  kind: 'shell' | 'exec' | 'subsystem';
  /** The command run (exec, subsystems, forced commands). */
  command?: string;
  /** An authorized_keys command= or ForceCommand replaced what the client asked for. */
  forced: boolean;
  pty: boolean;
  pid?: number;
}

export interface SessionChannelEvents {
  request: [request: SessionRequestEvent];
  /** A program was started for the session (emitted by the handler). */
  start: [info: SessionStart];
  /** exit() was called: the status that goes to the client. */
  exit: [result: ExitResult];
  /** The channel is gone (both CLOSEs exchanged, or the connection ended). */
  close: [];
}

/** Bytes queued for the client above which writes wait (the child is paused). */
export const DEFAULT_SESSION_HIGH_WATER = 1024 * 1024;
const READ_HIGH_WATER = 256 * 1024;

/** The client's data, credited back to the window as it is consumed. */
class ChannelInput extends Readable {
  private pushed = 0;
  private reported = 0;

  constructor(private readonly credit: (n: number) => void) {
    super({ highWaterMark: READ_HIGH_WATER });
  }

  deliver(data: Uint8Array): void {
    // Nobody will read this any more: count it as consumed so the client is not stalled.
    if (this.destroyed || this.readableEnded) {
      this.credit(data.length);
      return;
    }
    this.pushed += data.length;
    this.push(data);
    this.creditConsumed();
  }

  override _read(): void {
    this.creditConsumed();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Whatever was buffered will never be read: give the window back.
    const unread = this.pushed - this.reported;
    this.reported = this.pushed;
    if (unread > 0) this.credit(unread);
    callback(error);
  }

  private creditConsumed(): void {
    const consumed = this.pushed - this.readableLength;
    if (consumed > this.reported) {
      const n = consumed - this.reported;
      this.reported = consumed;
      this.credit(n);
    }
  }
}

/** Data for the client: one CHANNEL_DATA or EXTENDED_DATA stream of the channel. */
class ChannelOutput extends Writable {
  private pending: (() => void) | undefined;
  private gone = false;

  constructor(
    private readonly send: (data: Uint8Array) => number,
    private readonly highWater: number,
  ) {
    super({ highWaterMark: 64 * 1024 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    // After the channel closed the client reads nothing more: output is dropped, as sshd does.
    if (this.gone || chunk.length === 0) {
      callback();
      return;
    }
    const queued = this.send(chunk);
    if (queued < this.highWater) callback();
    else this.pending = () => callback();
  }

  onWritable(queued: number): void {
    if (queued < this.highWater) this.release();
  }

  onGone(): void {
    this.gone = true;
    this.release();
  }

  private release(): void {
    const p = this.pending;
    this.pending = undefined;
    p?.();
  }
}

export class SessionChannel extends EventEmitter<SessionChannelEvents> {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  private readonly input: ChannelInput;
  private readonly outputs: ChannelOutput[];
  private exiting = false;
  private ended = false;
  private isClosed = false;
  private eofReceived = false;
  private sink: InputSink | undefined;

  /** @internal created by the server for each accepted session channel */
  constructor(
    readonly id: number,
    readonly context: SessionContext,
    private readonly owner: SessionChannelOwner,
    highWater = DEFAULT_SESSION_HIGH_WATER,
  ) {
    super();
    this.input = new ChannelInput((n) => {
      if (this.isClosed) return;
      owner.consume(id, n);
      owner.flush();
    });
    const out = new ChannelOutput((d) => this.send(d, undefined), highWater);
    const err = new ChannelOutput((d) => this.send(d, EXTENDED_DATA_STDERR), highWater);
    this.outputs = [out, err];
    this.stdin = this.input;
    this.stdout = out;
    this.stderr = err;
    // A stream error (a write after end by a handler, say) must not become an uncaught exception
    // that takes every other connection down with this one.
    for (const s of [this.input, out, err]) s.on('error', () => undefined);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * @internal Program output sent at once, without a stream (process-session's OutputReader).
   * Returns the bytes still queued for the client: 0 means none of `data` is referenced any more.
   * Output after exit() or close is dropped, as through stdout/stderr.
   */
  sendOutput(data: Uint8Array, stderr: boolean): number {
    return this.send(data, stderr ? EXTENDED_DATA_STDERR : undefined);
  }

  /** @internal Called with the queued byte count whenever the client's window let queued output out. */
  readonly outputWritable: Array<(queued: number) => void> = [];

  private send(data: Uint8Array, ext: number | undefined): number {
    if (this.isClosed || this.ended) return 0;
    const queued = this.owner.write(this.id, data, ext);
    this.owner.flush();
    return queued;
  }

  /**
   * Ends the session: once stdout and stderr have finished (they are ended here if they were
   * not), sends exit-status (a number) or exit-signal, then EOF and CLOSE (§6.10). exit-status
   * may overtake data still waiting for the client's window; EOF and CLOSE never do.
   */
  exit(result: ExitResult): void {
    if (this.exiting) return;
    this.exiting = true;
    this.emit('exit', result);
    let waiting = this.outputs.length;
    const done = (): void => {
      if (--waiting > 0 || this.isClosed) return;
      this.ended = true;
      if (typeof result === 'number') {
        this.owner.sendRequest(this.id, 'exit-status', false, encodeExitStatus(result >>> 0));
      } else {
        this.owner.sendRequest(
          this.id,
          'exit-signal',
          false,
          encodeExitSignal({ signal: result.signal, coreDumped: result.coreDumped ?? false, message: result.message ?? '' }),
        );
      }
      this.owner.sendEof(this.id);
      this.owner.close(this.id);
      this.owner.flush();
    };
    for (const o of this.outputs) {
      finished(o, () => done());
      if (!o.writableEnded) o.end();
    }
  }

  /** Closes the channel without an exit status (what is queued still goes out first). */
  close(): void {
    if (this.isClosed) return;
    this.ended = true;
    this.owner.close(this.id);
    this.owner.flush();
  }

  /**
   * @internal The client's data goes to `sink` rather than through session.stdin, with the
   * window refilled as the sink reports each piece taken (process-session writes it to the
   * program's stdin and reports when the write completed). The views it gets are claimed from
   * the connection's reader, so the read buffers come back once the program took the bytes.
   * What session.stdin already holds goes first; an EOF already received follows it.
   */
  setInputSink(sink: InputSink): void {
    this.sink = sink;
    for (let chunk = this.input.read() as Buffer | null; chunk !== null; chunk = this.input.read() as Buffer | null) {
      sink.data(chunk, () => undefined); // credited by the stream as it was read out
    }
    if (this.eofReceived) sink.end();
  }

  // ---- fed by the server ----------------------------------------------------------------------

  /** @internal */
  onData(data: Uint8Array, extendedType: number | undefined): void {
    // RFC 4254 §5.2: a client has no business sending extended data; it is counted and dropped.
    if (extendedType !== undefined) {
      this.owner.consume(this.id, data.length);
      this.owner.flush();
      return;
    }
    const sink = this.sink;
    if (!sink) {
      this.input.deliver(data);
      return;
    }
    const release = this.owner.claim?.(data);
    const n = data.length;
    let taken = false;
    sink.data(data, () => {
      if (taken) return;
      taken = true;
      release?.();
      if (this.isClosed) return;
      this.owner.consume(this.id, n);
      this.owner.flush();
    });
  }

  /** @internal */
  onEof(): void {
    this.eofReceived = true;
    this.input.push(null);
    this.sink?.end();
  }

  /** @internal */
  onWritable(queued: number): void {
    for (const o of this.outputs) o.onWritable(queued);
    for (const f of this.outputWritable) f(queued);
  }

  /** @internal */
  onRequest(requestId: number, type: string, wantReply: boolean, data: Uint8Array): void {
    let answered = false;
    const answer = (ok: boolean): void => {
      if (answered) return;
      answered = true;
      if (wantReply && !this.isClosed) {
        this.owner.answerRequest(this.id, requestId, ok);
        this.owner.flush();
      }
    };
    let request: SessionRequest | undefined;
    try {
      request = decodeSessionRequest(type, data);
    } catch {
      // Malformed request data: refused (§5.4), the connection goes on.
      answer(false);
      return;
    }
    if (this.listenerCount('request') === 0) {
      answer(false);
      return;
    }
    this.emit('request', { type, request, data, wantReply, accept: () => answer(true), reject: () => answer(false) });
  }

  /** @internal the channel is gone */
  onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const o of this.outputs) o.onGone();
    if (!this.input.readableEnded) this.input.push(null);
    this.emit('close');
  }
}
