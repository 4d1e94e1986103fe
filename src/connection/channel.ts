/**
 * One channel's state (RFC 4254 §5): both windows, the data queued for the peer, the half-close
 * flags and the request/reply queues. The connection owns the table and the dispatch; a channel
 * only knows how to turn its queue into messages within the peer's window and maximum packet.
 */
import { SshError } from '../errors.js';
import { ChannelClose, ChannelEof, channelDataHeader } from './messages.js';
import { Fifo } from './fifo.js';

/**
 * - 'opening': we sent CHANNEL_OPEN, the peer has not answered;
 * - 'pending': the peer sent CHANNEL_OPEN, the application has not answered;
 * - 'open':    confirmed (possibly half-closed or closing: see the flags).
 * A channel leaves the table once both CLOSEs were exchanged (§5.3), or when its open failed.
 */
export type ChannelPhase = 'opening' | 'pending' | 'open';

/**
 * Hands a payload to the connection's output: `payload`, followed by `tail` when given (channel
 * data, passed by reference and copied once, into the packet, before the caller returns to the
 * event loop).
 */
export type SendPayload = (payload: Uint8Array, tail?: Uint8Array) => void;

/**
 * Data written by the application and not yet sent, held by reference: chunks are views into the
 * caller's arrays, copied once, into the packet that carries them.
 */
export class SendQueue {
  private readonly items = new Fifo<{ data: Uint8Array; ext: number | undefined }>();
  /** Bytes of the head item already sent. */
  private offset = 0;
  private total = 0;

  get bytes(): number {
    return this.total;
  }

  push(data: Uint8Array, ext: number | undefined): void {
    if (data.length === 0) return;
    this.items.push({ data, ext });
    this.total += data.length;
  }

  /** The extended data type of the next chunk (undefined: ordinary data). */
  get nextExt(): number | undefined {
    return this.items.peek()?.ext;
  }

  /**
   * The next at most `max` bytes of one data type (max > 0, queue not empty): a view when the
   * head chunk has them, else the following chunks of the same type gathered into a new array,
   * so that many small writes still make full packets.
   */
  take(max: number): Uint8Array {
    const item = this.items.peek()!;
    const left = item.data.length - this.offset;
    if (left >= max || this.items.length === 1) return this.takeFromHead(Math.min(max, left));
    let n = 0;
    for (const it of this.items) {
      if (it.ext !== item.ext) break;
      n += it === item ? left : it.data.length;
      if (n >= max) break;
    }
    if (n === left) return this.takeFromHead(left);
    n = Math.min(n, max);
    const out = new Uint8Array(n);
    for (let at = 0; at < n; ) {
      const head = this.items.peek()!;
      const k = Math.min(n - at, head.data.length - this.offset);
      out.set(head.data.subarray(this.offset, this.offset + k), at);
      at += k;
      this.advance(k, head.data.length);
    }
    return out;
  }

  private takeFromHead(n: number): Uint8Array {
    const data = this.items.peek()!.data;
    const chunk = data.subarray(this.offset, this.offset + n);
    this.advance(n, data.length);
    return chunk;
  }

  private advance(n: number, headLength: number): void {
    this.offset += n;
    this.total -= n;
    if (this.offset === headLength) {
      this.items.shift();
      this.offset = 0;
    }
  }

  clear(): void {
    this.items.clear();
    this.offset = 0;
    this.total = 0;
  }
}

export class Channel {
  phase: ChannelPhase;
  remoteId = 0;
  /** Bytes the peer still lets us send (§5.2). */
  remoteWindow = 0;
  remoteMaxPacket = 0;
  /** Bytes we still let the peer send. */
  localWindow: number;
  /** Our initial window: the window is refilled up to this as the application consumes. */
  localWindowMax: number;
  localMaxPacket: number;
  /** Delivered in 'data' events and not yet consumed by the application. */
  unconsumed = 0;
  /** Consumed by the application and not yet given back in a WINDOW_ADJUST. */
  consumed = 0;
  readonly queue = new SendQueue();
  /** The application asked for EOF / CLOSE; they go out once the queue has drained. */
  eofPending = false;
  closePending = false;
  eofSent = false;
  closeSent = false;
  eofReceived = false;
  /** Types of our requests sent with want-reply, in order: replies carry no id (§5.4). */
  readonly awaitingReplies = new Fifo<string>();
  /** The peer's want-reply requests, answered strictly in order (§5.4). */
  readonly unanswered = new Fifo<{ requestId: number; ok: boolean | undefined }>();

  constructor(
    readonly id: number,
    readonly type: string,
    phase: ChannelPhase,
    window: number,
    maxPacket: number,
  ) {
    this.phase = phase;
    this.localWindow = window;
    this.localWindowMax = window;
    this.localMaxPacket = maxPacket;
  }

  /**
   * Sends what the peer's window and maximum packet allow (§5.2: the limits count the data
   * bytes only, as OpenSSH does), then EOF and CLOSE if they were asked for and nothing is left.
   * After CLOSE nothing more goes out on this channel (§5.3). With `hold` (the connection's
   * output is not being read) the data stays queued.
   */
  flush(send: SendPayload, sendCap: number, hold = false): void {
    if (this.phase !== 'open' || this.closeSent) return;
    const cap = Math.min(this.remoteMaxPacket, sendCap);
    while (!hold && this.remoteWindow > 0 && this.queue.bytes > 0) {
      const ext = this.queue.nextExt;
      const chunk = this.queue.take(Math.min(cap, this.remoteWindow));
      this.remoteWindow -= chunk.length;
      send(channelDataHeader(this.remoteId, chunk.length, ext), chunk);
    }
    if (this.queue.bytes > 0) return;
    if (this.eofPending && !this.eofSent) {
      this.eofSent = true;
      send(ChannelEof.encode({ recipientChannel: this.remoteId }));
    }
    if (this.closePending) this.sendClose(send);
  }

  /** CLOSE now, dropping whatever is still queued (the peer closed, or the application gave up). */
  sendClose(send: SendPayload): void {
    if (this.closeSent) return;
    this.closeSent = true;
    this.queue.clear();
    // Replies can no longer be sent, and the peer will not answer ours after its CLOSE.
    this.unanswered.clear();
    send(ChannelClose.encode({ recipientChannel: this.remoteId }));
  }
}

/**
 * Local channel numbers. They are handed out in increasing order and wrap at 2^32, skipping
 * numbers still in use, so a number comes back only after 2^32 more opens and never while its
 * channel is in the table: a late call or event about a finished channel cannot reach a new one
 * (the engine may still hold events for it when the next CHANNEL_OPEN arrives).
 */
export class ChannelIds {
  private next = 0;

  constructor(private readonly limit = 2 ** 32) {}

  allocate(inUse: (id: number) => boolean): number {
    for (let i = 0; i < this.limit; i++) {
      const id = this.next;
      this.next = this.next + 1 === this.limit ? 0 : this.next + 1;
      if (!inUse(id)) return id;
    }
    throw new SshError('ERR_LIMIT', 'no free channel number');
  }
}
