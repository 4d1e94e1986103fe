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
 * A node:crypto ChaCha20 context cannot be re-nonced, so each packet creates two (one per
 * key, about a microsecond each); the Poly1305 is the project's WebAssembly one.
 */
import { createCipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import type { DirectionKeys, PacketOpener, PacketSealer } from '../algorithms/types.js';
import { allocUninitialized, asUint8Array, badPacketLength, checkAligned, macError, readUint32, takeKey, writeUint32 } from './packet-util.js';
import { Poly1305 } from './poly1305.js';

export const CHACHA20_POLY1305_NAME = 'chacha20-poly1305@openssh.com';
export const CHACHA20_POLY1305_KEY_LENGTH = 64;
export const CHACHA20_POLY1305_TAG_LENGTH = 16;
/** RFC 4253 §6 minimum; the cipher itself is a stream. */
export const CHACHA20_POLY1305_BLOCK_SIZE = 8;

/** ChaCha20 output consumed to derive the Poly1305 key: all of block 0, so the payload starts at block 1. */
const BLOCK0 = new Uint8Array(64);

class ChaChaState {
  /** K_2: payload and Poly1305 key. */
  readonly main: KeyObject;
  /** K_1: packet_length only. */
  readonly length: KeyObject;
  /** counter_le64 (always 0) || seq_be64; node:crypto copies it when a context is created. */
  readonly iv = new Uint8Array(16);

  constructor(keys: DirectionKeys) {
    const key = takeKey('key', CHACHA20_POLY1305_NAME, keys.key, CHACHA20_POLY1305_KEY_LENGTH);
    this.main = createSecretKey(key.subarray(0, 32));
    this.length = createSecretKey(key.subarray(32, 64));
  }

  /** Sets the nonce to the sequence number as a uint64 (the high 32 bits are always zero). */
  nonce(seq: number): Uint8Array {
    writeUint32(this.iv, 12, seq);
    return this.iv;
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
    checkAligned(CHACHA20_POLY1305_NAME, packet, CHACHA20_POLY1305_BLOCK_SIZE, true);
    const s = this.#s;
    const iv = s.nonce(seq);
    const n = packet.length;
    const out = allocUninitialized(n + CHACHA20_POLY1305_TAG_LENGTH);
    out.set(createCipheriv('chacha20', s.length, iv).update(packet.subarray(0, 4)), 0);
    const main = createCipheriv('chacha20', s.main, iv);
    const polyKey = main.update(BLOCK0);
    out.set(main.update(packet.subarray(4)), 4);
    Poly1305.mac(polyKey.subarray(0, 32), out.subarray(0, n), out.subarray(n));
    polyKey.fill(0);
    return out;
  }
}

export class ChaCha20Poly1305Opener implements PacketOpener {
  readonly blockSize = CHACHA20_POLY1305_BLOCK_SIZE;
  readonly lengthExcluded = true;
  readonly tagLength = CHACHA20_POLY1305_TAG_LENGTH;
  readonly lengthBytes = 4;
  readonly #s: ChaChaState;

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
    return readUint32(createCipheriv('chacha20', s.length, s.nonce(seq)).update(head.subarray(0, 4)));
  }

  /** Checks the tag over the wire bytes first, then decrypts (PROTOCOL.chacha20poly1305, "Packet Handling"). */
  open(seq: number, wire: Uint8Array): Uint8Array {
    const n = wire.length - CHACHA20_POLY1305_TAG_LENGTH;
    if (n < 4 + CHACHA20_POLY1305_BLOCK_SIZE) throw badPacketLength(CHACHA20_POLY1305_NAME, n);
    const s = this.#s;
    const main = createCipheriv('chacha20', s.main, s.nonce(seq));
    const polyKey = main.update(BLOCK0);
    const ok = Poly1305.verify(polyKey.subarray(0, 32), wire.subarray(0, n), wire.subarray(n));
    polyKey.fill(0);
    if (!ok) throw macError(CHACHA20_POLY1305_NAME);
    if ((n - 4) % CHACHA20_POLY1305_BLOCK_SIZE !== 0) throw badPacketLength(CHACHA20_POLY1305_NAME, n);
    return asUint8Array(main.update(wire.subarray(4, n)));
  }
}
