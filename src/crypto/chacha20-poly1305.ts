/**
 * chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305).
 *
 * The 64-byte key is two ChaCha20 keys: the first 32 bytes are K_2, the main key (payload
 * and Poly1305 key), the last 32 bytes are K_1, which only encrypts the 4-byte
 * packet_length. Both use the packet sequence number, as a big-endian uint64, as the nonce:
 *
 *   length:   ChaCha20(K_1, nonce = seq, counter 0) XOR packet_length
 *   poly key: the first 32 bytes of ChaCha20(K_2, nonce = seq, counter 0)
 *   payload:  ChaCha20(K_2, nonce = seq, counter 1) XOR (padding_length || payload || padding)
 *   tag:      Poly1305(poly key, encrypted length || encrypted payload), no padding, no lengths
 *
 * OpenSSH uses the original ChaCha20 (64-bit block counter, 64-bit nonce). node:crypto's
 * "chacha20" is the RFC 8439 layout: a 16-byte IV of a 32-bit little-endian counter then a
 * 96-bit nonce. Both fill ChaCha20 state words 12..15 from the same 16 bytes, so the IV
 * counter_le64 || seq_be64 gives OpenSSH's keystream. That is exact for block counters below
 * 2^32, which is all SSH needs (a packet is at most a few thousand 64-byte blocks); OpenSSL
 * also carries into word 13, as the 64-bit counter does. test/crypto/chacha20-poly1305.test.ts
 * checks both against an independent implementation of the 64/64 variant.
 *
 * A node:crypto ChaCha20 context cannot be re-nonced and costs about a microsecond to create,
 * so only the payload of a large packet gets one (IV counter 1). The length keystream and the
 * Poly1305 key (one block each) and the payload of a small packet come from the project's
 * WebAssembly ChaCha20 block function (chacha20.ts); the Poly1305 is the WebAssembly one too.
 */
import { createCipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import type { DirectionKeys, PacketOpener, PacketSealer, WireSink } from '../algorithms/types.js';
import { chacha20Block, chacha20Xor } from './chacha20.js';
import { asUint8Array, badPacketLength, checkAligned, macError, readUint32, sealJoined, takeKey, writeUint32 } from './packet-util.js';
import { Poly1305 } from './poly1305.js';

export const CHACHA20_POLY1305_NAME = 'chacha20-poly1305@openssh.com';
export const CHACHA20_POLY1305_KEY_LENGTH = 64;
export const CHACHA20_POLY1305_TAG_LENGTH = 16;
/** RFC 4253 §6 minimum; the cipher itself is a stream. */
export const CHACHA20_POLY1305_BLOCK_SIZE = 8;

/**
 * Payloads up to this many bytes are encrypted by the WebAssembly block function; above it a
 * node:crypto context is faster (measured crossover about 1 KiB; window adjustments and
 * requests are well below, channel data well above).
 */
const SMALL_PAYLOAD = 512;

class ChaChaState {
  /** K_2: payload and Poly1305 key. */
  readonly main: KeyObject;
  readonly mainKey: Uint8Array;
  /** K_1: packet_length only. */
  readonly lengthKey: Uint8Array;
  /** counter_le64 (0) || seq_be64: block 0 (length keystream, Poly1305 key). */
  readonly iv0 = new Uint8Array(16);
  /** The same nonce with block counter 1: where the payload keystream starts. */
  readonly iv1 = new Uint8Array(16);
  /** Scratch for one keystream block, wiped after use. */
  readonly block = new Uint8Array(64);

  constructor(keys: DirectionKeys) {
    const key = takeKey('key', CHACHA20_POLY1305_NAME, keys.key, CHACHA20_POLY1305_KEY_LENGTH);
    this.mainKey = new Uint8Array(key.subarray(0, 32));
    this.lengthKey = new Uint8Array(key.subarray(32, 64));
    this.main = createSecretKey(this.mainKey);
    this.iv1[0] = 1;
  }

  /** Sets the nonce of both IVs to the sequence number as a uint64 (the high 32 bits are always zero). */
  nonce(seq: number): void {
    writeUint32(this.iv0, 12, seq);
    writeUint32(this.iv1, 12, seq);
  }

  /** packet_length XOR the first four bytes of ChaCha20(K_1, seq) block 0, into `out`. */
  cryptLength(src: Uint8Array, out: Uint8Array): void {
    const b = this.block;
    chacha20Block(this.lengthKey, this.iv0, b.subarray(0, 4));
    out[0] = src[0]! ^ b[0]!;
    out[1] = src[1]! ^ b[1]!;
    out[2] = src[2]! ^ b[2]!;
    out[3] = src[3]! ^ b[3]!;
  }

  /** The Poly1305 key: the first 32 bytes of ChaCha20(K_2, seq) block 0 (a view of `block`; wipe it after use). */
  polyKey(): Uint8Array {
    const k = this.block.subarray(0, 32);
    chacha20Block(this.mainKey, this.iv0, k);
    return k;
  }

  /** ChaCha20(K_2, seq) from block 1 over `data`, as a new array. */
  cryptPayload(data: Uint8Array): Uint8Array {
    if (data.length > SMALL_PAYLOAD) return createCipheriv('chacha20', this.main, this.iv1).update(data);
    const out = new Uint8Array(data);
    chacha20Xor(this.mainKey, this.iv1, out);
    return out;
  }
}

export class ChaCha20Poly1305Sealer implements PacketSealer {
  readonly blockSize = CHACHA20_POLY1305_BLOCK_SIZE;
  readonly lengthExcluded = true;
  readonly tagLength = CHACHA20_POLY1305_TAG_LENGTH;
  readonly #s: ChaChaState;

  constructor(keys: DirectionKeys) {
    this.#s = new ChaChaState(keys);
  }

  seal(seq: number, packet: Uint8Array): Uint8Array {
    return sealJoined(this, seq, packet);
  }

  /** Pieces: encrypted packet_length, encrypted rest, tag. */
  sealTo(seq: number, packet: Uint8Array, out: WireSink): number {
    checkAligned(CHACHA20_POLY1305_NAME, packet, CHACHA20_POLY1305_BLOCK_SIZE, true);
    const s = this.#s;
    s.nonce(seq);
    const length = new Uint8Array(4);
    s.cryptLength(packet, length);
    const body = s.cryptPayload(packet.subarray(4));
    const tag = new Uint8Array(CHACHA20_POLY1305_TAG_LENGTH);
    Poly1305.mac2(s.polyKey(), length, body, tag);
    s.block.fill(0);
    out.push(length);
    out.push(body);
    out.push(tag);
    return packet.length + CHACHA20_POLY1305_TAG_LENGTH;
  }
}

export class ChaCha20Poly1305Opener implements PacketOpener {
  readonly blockSize = CHACHA20_POLY1305_BLOCK_SIZE;
  readonly lengthExcluded = true;
  readonly tagLength = CHACHA20_POLY1305_TAG_LENGTH;
  readonly lengthBytes = 4;
  readonly #s: ChaChaState;
  readonly #length = new Uint8Array(4);

  constructor(keys: DirectionKeys) {
    this.#s = new ChaChaState(keys);
  }

  /**
   * Decrypts packet_length with K_1. It is not authenticated until open(); K_1 encrypts
   * nothing else, so a forged length reveals nothing about the payload (the point of the
   * two-key design), but the transport must still bound-check it.
   */
  decryptLength(seq: number, head: Uint8Array): number {
    const s = this.#s;
    s.nonce(seq);
    s.cryptLength(head, this.#length);
    s.block.fill(0);
    return readUint32(this.#length);
  }

  /** Checks the tag over the wire bytes first, then decrypts (PROTOCOL.chacha20poly1305, "Packet Handling"). */
  open(seq: number, wire: Uint8Array): Uint8Array {
    const n = wire.length - CHACHA20_POLY1305_TAG_LENGTH;
    if (n < 4 + CHACHA20_POLY1305_BLOCK_SIZE) throw badPacketLength(CHACHA20_POLY1305_NAME, n);
    const s = this.#s;
    s.nonce(seq);
    const ok = Poly1305.verify(s.polyKey(), wire.subarray(0, n), wire.subarray(n));
    s.block.fill(0);
    if (!ok) throw macError(CHACHA20_POLY1305_NAME);
    if ((n - 4) % CHACHA20_POLY1305_BLOCK_SIZE !== 0) throw badPacketLength(CHACHA20_POLY1305_NAME, n);
    return asUint8Array(s.cryptPayload(wire.subarray(4, n)));
  }
}
