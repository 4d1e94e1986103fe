/**
 * Outgoing binary packets, RFC 4253 §6:
 *   uint32 packet_length || byte padding_length || payload || random padding (|| MAC)
 * Padding is at least 4 bytes and aligns the packet to the cipher block size (at least 8);
 * with EtM MACs and AEAD ciphers packet_length is outside the alignment (OpenSSH PROTOCOL §1.5).
 */
import type { PacketSealer } from '../algorithms/types.js';
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

  resetCounters(): void {
    this.bytesSinceKex = 0;
    this.packetsSinceKex = 0;
  }

  /** Builds, protects and returns the wire bytes of one packet. */
  encode(payload: Uint8Array): Uint8Array {
    const body = this.compressor ? this.compressor.compress(payload) : payload;
    const s = this.sealer;
    const block = Math.max(8, s.blockSize);
    const aligned = (s.lengthExcluded ? 0 : 4) + 1 + body.length;
    let padding = block - (aligned % block);
    if (padding < 4) padding += block;
    const packetLength = 1 + body.length + padding;
    const packet = new Uint8Array(4 + packetLength);
    packet[0] = packetLength >>> 24;
    packet[1] = (packetLength >>> 16) & 0xff;
    packet[2] = (packetLength >>> 8) & 0xff;
    packet[3] = packetLength & 0xff;
    packet[4] = padding;
    packet.set(body, 5);
    this.fillPadding(packet, 5 + body.length, padding);
    const wire = s.seal(this.seq, packet);
    this.seq = (this.seq + 1) >>> 0;
    this.packetsSinceKex++;
    this.bytesSinceKex += wire.length;
    return wire;
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
