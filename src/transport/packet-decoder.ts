/**
 * Incoming binary packets, RFC 4253 §6, deframed incrementally from any chunking (one byte at a
 * time works). The length is checked against the limit before any buffer is sized for the packet.
 */
import type { PacketOpener } from '../algorithms/types.js';
import { DisconnectReason, SshError } from '../errors.js';
import type { Decompressor } from './compression.js';

/** OpenSSH's PACKET_MAX_SIZE: packet_length values above it are refused. */
export const MAX_PACKET_LENGTH = 256 * 1024;

export interface DecodedPacket {
  payload: Uint8Array;
  seq: number;
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
   * Received bytes not yet made into packets. Held only while needed: an idle connection keeps
   * no receive buffer (thousands of idle connections would otherwise hold 16 KiB each), while a
   * bulk transfer, whose reads are large, keeps its grown buffer between reads.
   */
  private buf: Uint8Array = EMPTY;
  private lastPush = 0;
  private start = 0;
  private end = 0;
  /** packet_length of the packet being received, once known. */
  private pending = -1;

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
    return this.end - this.start;
  }

  resetCounters(): void {
    this.bytesSinceKex = 0;
    this.packetsSinceKex = 0;
  }

  /** @internal bytes of receive buffer currently held */
  get capacity(): number {
    return this.buf.length;
  }

  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.lastPush = data.length;
    if (this.end + data.length > this.buf.length) {
      const live = this.end - this.start;
      if (live + data.length > this.buf.length) {
        let cap = Math.max(this.buf.length * 2, MIN_CAPACITY);
        while (cap < live + data.length) cap *= 2;
        const next = new Uint8Array(cap);
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
      } else {
        this.buf.copyWithin(0, this.start, this.end);
      }
      this.start = 0;
      this.end = live;
    }
    this.buf.set(data, this.end);
    this.end += data.length;
  }

  /** The next complete packet, or undefined when more bytes are needed. Throws SshError on bad input. */
  next(): DecodedPacket | undefined {
    const o = this.opener;
    const avail = this.end - this.start;
    if (this.pending < 0) {
      if (avail < o.lengthBytes) return undefined;
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
    if (avail < total) return undefined;
    const wire = this.buf.subarray(this.start, this.start + total);
    let plain = o.open(this.seq, wire);
    this.start += total;
    if (this.start === this.end) {
      this.start = this.end = 0;
      if (this.lastPush < KEEP_AFTER_PUSH) this.buf = EMPTY;
    }
    this.pending = -1;
    const padding = plain[0]!;
    if (padding < 4 || padding > len - 2) {
      throw new SshError('ERR_PADDING', `corrupt padding length ${padding} in a ${len}-byte packet`, {
        reason: DisconnectReason.PROTOCOL_ERROR,
      });
    }
    // The plain opener may hand back a view of our buffer, which later input overwrites.
    if (plain.buffer === this.buf.buffer) plain = plain.slice();
    let payload = plain.subarray(1, len - padding);
    const seq = this.seq;
    this.seq = (this.seq + 1) >>> 0;
    this.packetsSinceKex++;
    this.bytesSinceKex += total;
    if (this.decompressor) payload = this.decompressor.decompress(payload, this.maxPacketLength + 1024);
    if (payload.length === 0) throw new SshError('ERR_PROTOCOL', 'empty packet payload', { reason: DisconnectReason.PROTOCOL_ERROR });
    return { payload, seq };
  }
}
