/**
 * An SSH channel as a Node Duplex stream. Backpressure is the SSH window both ways:
 * - reading: our window is refilled (connection.consume) only for bytes the consumer has taken
 *   out of the stream's buffer, so a reader that stops reading stops the peer at the window;
 * - writing: write() calls back once the chunk was packed into packets (the peer's window allowed
 *   it), so pipeline(file, channel) neither blocks forever nor buffers without bound, and the
 *   caller may reuse its buffer after the callback.
 */
import { Duplex, PassThrough } from 'node:stream';

/** What a channel stream needs from the connection that owns it. */
export interface ChannelOwner {
  write(id: number, data: Uint8Array, extendedType?: number): number;
  consume(id: number, n: number): void;
  sendEof(id: number): void;
  close(id: number): void;
  /** Makes the owner flush what the calls above produced. */
  flush(): void;
}


export class ChannelStream extends Duplex {
  /** Extended data of type 1 (SSH_EXTENDED_DATA_STDERR). */
  readonly stderr = new PassThrough();
  private pushed = 0;
  private reported = 0;
  private stderrPending = 0;
  private pendingWrite: (() => void) | undefined;
  private closedByPeer = false;

  constructor(
    readonly id: number,
    private readonly owner: ChannelOwner,
  ) {
    // The channel lives until both CLOSEs were exchanged (RFC 4254 §5.3), not until both stream
    // directions ended: the server sends exit-status after its EOF, so no auto-destroy.
    super({ allowHalfOpen: true, highWaterMark: 256 * 1024, autoDestroy: false });
    this.stderr.on('drain', () => this.creditStderr());
  }

  // ---- fed by the connection ----------------------------------------------------------------

  /** Data from the peer. */
  onData(data: Uint8Array, extendedType?: number): void {
    if (extendedType === 1) {
      this.stderrPending += data.length;
      if (this.stderr.write(data)) this.creditStderr();
      return;
    }
    // Data of other extended types is counted against the window and dropped (RFC 4254 §5.2).
    if (extendedType !== undefined) {
      this.owner.consume(this.id, data.length);
      return;
    }
    this.pushed += data.length;
    this.push(data);
    this.creditReadable();
  }

  onEof(): void {
    this.push(null);
    this.stderr.end();
  }

  /**
   * The channel is gone (both CLOSEs exchanged). Data already received stays readable: the
   * stream ends after it, and is destroyed only once it has been read ('channel-close' tells
   * listeners about the channel itself at once).
   */
  onClose(): void {
    this.closedByPeer = true;
    this.push(null);
    if (!this.stderr.writableEnded) this.stderr.end();
    this.releaseWriter();
    this.emit('channel-close');
    if (this.readableEnded) this.destroy();
    else this.once('end', () => this.destroy());
  }

  /** The peer's window opened and our queue shrank. */
  onWritable(queued: number): void {
    if (queued === 0) this.releaseWriter();
  }

  // ---- Duplex implementation ------------------------------------------------------------------

  override _read(): void {
    this.creditReadable();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.closedByPeer) {
      callback(new Error('channel closed'));
      return;
    }
    // The connection keeps a reference to the chunk until it is packed into packets (no copy),
    // so the caller may reuse its buffer only once nothing is queued: call back then. Writes
    // beyond the peer's window wait in Node's own buffer meanwhile (highWaterMark).
    const queued = this.owner.write(this.id, chunk);
    this.owner.flush();
    if (queued === 0) callback();
    else this.pendingWrite = () => callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.closedByPeer) {
      this.owner.sendEof(this.id);
      this.owner.flush();
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.closedByPeer) {
      this.owner.close(this.id);
      this.owner.flush();
    }
    this.releaseWriter();
    callback(error);
  }

  private releaseWriter(): void {
    const w = this.pendingWrite;
    this.pendingWrite = undefined;
    w?.();
  }

  /** Refills the window by what the reader took out of the buffer. */
  private creditReadable(): void {
    const consumed = this.pushed - this.readableLength;
    if (consumed > this.reported) {
      this.owner.consume(this.id, consumed - this.reported);
      this.reported = consumed;
      this.owner.flush();
    }
  }

  /** stderr is credited once it fits in the stderr stream's buffer (its write() said yes, or it drained). */
  private creditStderr(): void {
    const n = this.stderrPending;
    if (n > 0) {
      this.stderrPending = 0;
      this.owner.consume(this.id, n);
      this.owner.flush();
    }
  }
}
