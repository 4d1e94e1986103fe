/**
 * Incoming binary packets, RFC 4253 §6, deframed incrementally from any chunking (one byte at a
 * time works). The length is checked against the limit before any buffer is sized for the packet.
 */
import type { PacketOpener } from '../algorithms/types.js';
import { Slab } from '../crypto/packet-util.js';
import { DisconnectReason, SshError } from '../errors.js';
import type { Decompressor } from './compression.js';

/** OpenSSH's PACKET_MAX_SIZE: packet_length values above it are refused. */
export const MAX_PACKET_LENGTH = 256 * 1024;

export interface DecodedPacket {
  payload: Uint8Array;
  seq: number;
  /**
   * The payload is a view of a chunk pushed with `owned` (decrypted in place there), not of
   * memory the decoder owns: the caller of push may reuse that chunk once it is done with it.
   */
  borrowed: boolean;
}

function lengthError(message: string): SshError {
  return new SshError('ERR_PACKET_LENGTH', message, { reason: DisconnectReason.PROTOCOL_ERROR });
}

const EMPTY = new Uint8Array(0);
const MIN_CAPACITY = 2048;
/** A buffer emptied after a read this large is kept for the next one (a transfer is under way). */
const KEEP_AFTER_PUSH = 16 * 1024;

export class PacketDecoder {
  /** Sequence number of the next packet to arrive. */
  seq = 0;
  bytesSinceKex = 0;
  packetsSinceKex = 0;
  private opener: PacketOpener;
  private decompressor: Decompressor | undefined;
  /**
   * Received bytes not yet made into packets: buf[start, end), then the chunks in `queue`.
   * Held only while needed: an idle connection keeps no receive buffer (thousands of idle
   * connections would otherwise hold 16 KiB each), while a bulk transfer, whose reads are
   * large, keeps its grown buffer between reads.
   */
  private buf: Uint8Array = EMPTY;
  /** The decoder's own, reusable buffer; buf is either this or an adopted chunk. */
  private own: Uint8Array = EMPTY;
  /** buf is a chunk the caller gave away (push with owned): decrypted in place, never written again. */
  private adopted = false;
  /** Adopted chunks received after buf, in order. */
  private queue: Uint8Array[] = [];
  private queued = 0;
  private lastPush = 0;
  private start = 0;
  private end = 0;
  /** packet_length of the packet being received, once known. */
  private pending = -1;
  /**
   * Where packets split across reads are put together (assemble): one allocation per eight
   * 32 KiB packets instead of one each. hushd reads 64 KiB at a time, so about every other packet
   * of an upload is split; profiled receiving 3 GiB, a buffer for each cost 176 ms of the event
   * loop. Let go when the connection is idle.
   */
  private readonly slab = new Slab();

  constructor(
    initial: PacketOpener,
    private readonly maxPacketLength = MAX_PACKET_LENGTH,
  ) {
    this.opener = initial;
  }

  setOpener(opener: PacketOpener): void {
    this.opener = opener;
  }

  setDecompressor(d: Decompressor | undefined): void {
    this.decompressor = d;
  }

  get decompressing(): boolean {
    return this.decompressor !== undefined;
  }

  get buffered(): number {
    return this.end - this.start + this.queued;
  }

  resetCounters(): void {
    this.bytesSinceKex = 0;
    this.packetsSinceKex = 0;
  }

  /** @internal bytes of receive buffer currently held */
  get capacity(): number {
    return this.own.length + this.slab.capacity;
  }

  /**
   * Adds received bytes. With `owned`, the caller gives `data` away: nothing else will use it
   * again (a socket's freshly allocated read chunk). Packets that lie wholly inside such a chunk
   * are then decrypted in place and handed out as views of it: no copy and no new buffer (the
   * opener's openInPlace). Only a packet split across chunks is copied together (into a slice
   * of a slab, see assemble). Without `owned` the bytes are copied in.
   */
  push(data: Uint8Array, owned = false): void {
    if (data.length === 0) return;
    this.lastPush = data.length;
    // Payloads may be views of an owned chunk: make them plain Uint8Arrays even when the chunk
    // is a Buffer (whose slice() is a view, not the copy the layers above may expect).
    if (owned) data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (this.start === this.end && this.queued === 0) {
      if (owned) {
        this.buf = data;
        this.adopted = true;
        this.start = 0;
        this.end = data.length;
        return;
      }
      if (this.adopted) this.useOwn();
    }
    if (owned || this.adopted || this.queued > 0) {
      // Behind an adopted chunk (or other queued ones): queue it, copied unless given away.
      // (A copy, as a plain Uint8Array: on a Buffer, slice() would be a view of memory the caller reuses.)
      this.queue.push(owned ? data : new Uint8Array(data));
      this.queued += data.length;
      return;
    }
    this.reserve(data.length);
    this.buf.set(data, this.end);
    this.end += data.length;
  }

  /**
   * Lets go of every owned chunk: bytes still waiting to become a packet (the start of one split
   * across reads, or everything while the transport is paused) are copied into the decoder's own
   * buffer. Afterwards the chunks given to push are referenced only by the borrowed payloads
   * handed out, so their owner may reuse them once those are done with (a socket reader that
   * recycles its read buffers). At most one packet's beginning is copied per read.
   */
  disown(): void {
    if (!this.adopted && this.queued === 0) return;
    if (this.adopted) {
      const rest = this.buf.subarray(this.start, this.end);
      this.useOwn();
      this.reserve(rest.length + this.queued);
      this.buf.set(rest, 0);
      this.end = rest.length;
    } else {
      this.reserve(this.queued);
    }
    this.end += this.takeQueued(this.buf, this.end, this.queued);
  }

  /** Switches buf to the decoder's own buffer, empty. */
  private useOwn(): void {
    this.buf = this.own;
    this.adopted = false;
    this.start = this.end = 0;
  }

  /** Makes room for n more bytes after buf[start, end), which must be the decoder's own buffer. */
  private reserve(n: number): void {
    if (this.end + n <= this.buf.length) return;
    const live = this.end - this.start;
    if (live + n > this.buf.length) {
      let cap = Math.max(this.buf.length * 2, MIN_CAPACITY);
      while (cap < live + n) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(this.start, this.end));
      this.buf = this.own = next;
    } else {
      this.buf.copyWithin(0, this.start, this.end);
    }
    this.start = 0;
    this.end = live;
  }

  /**
   * Makes the first n buffered bytes contiguous in buf, if that many have arrived: the bytes
   * left in buf and enough of the queued chunks are copied into the decoder's own buffer (one
   * packet's worth at most), and the rest of the last chunk used stays queued.
   */
  private gather(n: number): boolean {
    let avail = this.end - this.start;
    if (avail >= n) return true;
    if (avail + this.queued < n) return false;
    if (avail === 0) {
      this.nextChunk();
      return this.gather(n);
    }
    if (this.adopted) {
      const rest = this.buf.subarray(this.start, this.end);
      this.useOwn();
      this.reserve(n);
      this.buf.set(rest, 0);
      this.end = rest.length;
    } else {
      this.reserve(n - avail);
    }
    this.end += this.takeQueued(this.buf, this.end, n - avail);
    return true;
  }

  /** Copies the next n queued bytes to out[at...], leaving the rest of the last chunk queued. */
  private takeQueued(out: Uint8Array, at: number, n: number): number {
    let done = 0;
    while (done < n) {
      const chunk = this.queue[0]!;
      const take = Math.min(chunk.length, n - done);
      out.set(chunk.subarray(0, take), at + done);
      done += take;
      this.queued -= take;
      if (take === chunk.length) this.queue.shift();
      else this.queue[0] = chunk.subarray(take);
    }
    return done;
  }

  /**
   * A packet of n bytes that starts in buf and ends in queued chunks, copied together into a
   * slice of the slab (where it is then decrypted in place), and buf moved past it. Slices are
   * cut one after another and never written again, so payloads may stay views of them.
   */
  private assemble(n: number): Uint8Array {
    const wire = this.slab.cut(n);
    const head = this.end - this.start;
    wire.set(this.buf.subarray(this.start, this.end), 0);
    this.takeQueued(wire, head, n - head);
    this.start = this.end;
    return wire;
  }

  /** buf is used up: continue with the next queued chunk. */
  private nextChunk(): void {
    const chunk = this.queue.shift()!;
    this.queued -= chunk.length;
    this.buf = chunk;
    this.adopted = true;
    this.start = 0;
    this.end = chunk.length;
  }

  /** The next complete packet, or undefined when more bytes are needed. Throws SshError on bad input. */
  next(): DecodedPacket | undefined {
    const o = this.opener;
    if (this.pending < 0) {
      if (!this.gather(o.lengthBytes)) return undefined;
      const len = o.decryptLength(this.seq, this.buf.subarray(this.start, this.start + o.lengthBytes));
      if (len > this.maxPacketLength) throw lengthError(`bad packet length ${len}: larger than the ${this.maxPacketLength}-byte limit`);
      if (len < 5) throw lengthError(`bad packet length ${len}: too short`);
      const block = Math.max(8, o.blockSize);
      if ((len + (o.lengthExcluded ? 0 : 4)) % block !== 0) {
        throw lengthError(`bad packet length ${len}: not a multiple of the ${block}-byte block size`);
      }
      this.pending = len;
    }
    const len = this.pending;
    const total = 4 + len + o.tagLength;
    const avail = this.end - this.start;
    let wire: Uint8Array;
    let inPlace: boolean;
    let inChunk = false;
    if (avail < total && avail + this.queued >= total && o.openInPlace !== undefined) {
      // Split across reads: copied together once, into memory nothing writes again.
      wire = this.assemble(total);
      inPlace = true;
    } else {
      if (!this.gather(total)) return undefined;
      wire = this.buf.subarray(this.start, this.start + total);
      inChunk = this.adopted;
      inPlace = inChunk && o.openInPlace !== undefined;
      this.start += total;
    }
    let plain = inPlace ? o.openInPlace!(this.seq, wire) : o.open(this.seq, wire);
    if (this.start === this.end) {
      if (this.queued > 0) this.nextChunk();
      else {
        this.useOwn();
        if (this.lastPush < KEEP_AFTER_PUSH) {
          this.buf = this.own = EMPTY;
          this.slab.release();
        }
      }
    }
    this.pending = -1;
    const padding = plain[0]!;
    if (padding < 4 || padding > len - 2) {
      throw new SshError('ERR_PADDING', `corrupt padding length ${padding} in a ${len}-byte packet`, {
        reason: DisconnectReason.PROTOCOL_ERROR,
      });
    }
    // The plain opener may hand back a view of our own buffer, which later input overwrites
    // (views of an adopted chunk are safe: nothing writes to it again).
    if (!inPlace && plain.buffer === this.own.buffer) plain = plain.slice();
    let payload = plain.subarray(1, len - padding);
    const seq = this.seq;
    this.seq = (this.seq + 1) >>> 0;
    this.packetsSinceKex++;
    this.bytesSinceKex += total;
    let borrowed = inChunk && plain.buffer === wire.buffer;
    if (this.decompressor) {
      payload = this.decompressor.decompress(payload, this.maxPacketLength + 1024);
      borrowed = false;
    }
    if (payload.length === 0) throw new SshError('ERR_PROTOCOL', 'empty packet payload', { reason: DisconnectReason.PROTOCOL_ERROR });
    return { payload, seq, borrowed };
  }
}
