/**
 * Outgoing binary packets, RFC 4253 §6:
 *   uint32 packet_length || byte padding_length || payload || random padding (|| MAC)
 * Padding is at least 4 bytes and aligns the packet to the cipher block size (at least 8);
 * with EtM MACs and AEAD ciphers packet_length is outside the alignment (OpenSSH PROTOCOL §1.5).
 */
import type { PacketSealer, WireSink } from '../algorithms/types.js';
import { concatBytes } from '../wire/writer.js';
import type { Compressor } from './compression.js';

const POOL_SIZE = 4096;

export class PacketEncoder {
  /** Sequence number of the next packet (uint32, wraps; RFC 4253 §6.4). */
  seq = 0;
  bytesSinceKex = 0;
  packetsSinceKex = 0;
  private sealer: PacketSealer;
  private compressor: Compressor | undefined;
  private pool: Uint8Array = new Uint8Array(0);
  private poolPos = 0;
  /** Where packets are assembled (grown to the largest so far); sealers read it and keep no reference. */
  private scratch: Uint8Array = new Uint8Array(0);

  constructor(
    initial: PacketSealer,
    private readonly random: (n: number) => Uint8Array,
  ) {
    this.sealer = initial;
  }

  setSealer(sealer: PacketSealer): void {
    this.sealer = sealer;
  }

  setCompressor(compressor: Compressor | undefined): void {
    this.compressor = compressor;
  }

  get compressing(): boolean {
    return this.compressor !== undefined;
  }

  /** See PacketSealer.recycle: the caller guarantees no piece handed out is still referenced. */
  recycle(): void {
    this.sealer.recycle?.();
  }

  /**
   * See PacketSealer.mark: returns what to call once every piece handed out so far has been
   * written (bound to this sealer, so a rekey in between makes it harmless).
   */
  markHandedOut(): (() => void) | undefined {
    const s = this.sealer;
    if (!s.mark || !s.written) return undefined;
    const m = s.mark();
    return () => s.written!(m);
  }

  resetCounters(): void {
    this.bytesSinceKex = 0;
    this.packetsSinceKex = 0;
  }

  /**
   * Builds one packet whose payload is `payload || tail` and hands its protected wire bytes to
   * `out` (in pieces; see PacketSealer.sealTo). The packet is assembled in a scratch buffer kept
   * across packets: the payload bytes are copied exactly once before the cipher reads them, so a
   * layer above can pass channel data by reference in `tail` instead of building a payload.
   */
  encodeTo(payload: Uint8Array, tail: Uint8Array | undefined, out: WireSink): void {
    let head = payload;
    let rest = tail;
    if (this.compressor) {
      head = this.compressor.compress(rest === undefined ? payload : concatBytes(payload, rest));
      rest = undefined;
    }
    const bodyLength = head.length + (rest === undefined ? 0 : rest.length);
    const s = this.sealer;
    const block = Math.max(8, s.blockSize);
    const aligned = (s.lengthExcluded ? 0 : 4) + 1 + bodyLength;
    let padding = block - (aligned % block);
    if (padding < 4) padding += block;
    const packetLength = 1 + bodyLength + padding;
    const total = 4 + packetLength;
    if (this.scratch.length < total) this.scratch = new Uint8Array(Math.max(total, this.scratch.length * 2));
    const packet = this.scratch.subarray(0, total);
    packet[0] = packetLength >>> 24;
    packet[1] = (packetLength >>> 16) & 0xff;
    packet[2] = (packetLength >>> 8) & 0xff;
    packet[3] = packetLength & 0xff;
    packet[4] = padding;
    packet.set(head, 5);
    if (rest !== undefined) packet.set(rest, 5 + head.length);
    this.fillPadding(packet, 5 + bodyLength, padding);
    const n = s.sealTo(this.seq, packet, out);
    this.seq = (this.seq + 1) >>> 0;
    this.packetsSinceKex++;
    this.bytesSinceKex += n;
  }

  private fillPadding(dst: Uint8Array, at: number, n: number): void {
    if (this.poolPos + n > this.pool.length) {
      this.pool = this.random(POOL_SIZE);
      this.poolPos = 0;
    }
    dst.set(this.pool.subarray(this.poolPos, this.poolPos + n), at);
    this.poolPos += n;
  }
}
