/**
 * AES-GCM for SSH (RFC 5647), as OpenSSH implements it under the names
 * aes128-gcm@openssh.com and aes256-gcm@openssh.com (OpenSSH PROTOCOL §1.6):
 *
 *  - the 12-byte nonce is the derived IV: a 4-byte fixed field followed by a 64-bit
 *    big-endian invocation counter, incremented after every packet (RFC 5647 §7.1);
 *  - packet_length is sent in the clear and is the additional authenticated data; the rest
 *    of the packet is encrypted (RFC 5647 §7.3);
 *  - the 16-byte tag follows the ciphertext; the negotiated MAC is ignored (§5.1);
 *  - padding aligns padding_length || payload || padding to 16 bytes (§7.2).
 *
 * node:crypto offers no way to give a GCM context a new nonce, so each packet gets a fresh
 * Cipher object. The key is held as a KeyObject so that costs one native key schedule and
 * no key copying from JavaScript (about 1.5 µs per packet).
 */
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  type CipherGCMTypes,
  type KeyObject,
} from 'node:crypto';
import type { DirectionKeys, PacketOpener, PacketSealer, WireSink } from '../algorithms/types.js';
import { asUint8Array, badPacketLength, checkAligned, copyLength, macError, readUint32, sealJoined, takeKey } from './packet-util.js';

export interface GcmSpec {
  readonly name: string;
  readonly nodeName: CipherGCMTypes;
  readonly keyLength: number;
}

export const GCM_IV_LENGTH = 12;
export const GCM_TAG_LENGTH = 16;
export const GCM_BLOCK_SIZE = 16;

/** RFC 5647 §7.1: invocation_counter (the low 8 bytes of the nonce) += 1, modulo 2^64. */
export function incrementInvocationCounter(iv: Uint8Array): void {
  for (let i = GCM_IV_LENGTH - 1; i >= 4; i--) {
    const v = ((iv[i] as number) + 1) & 0xff;
    iv[i] = v;
    if (v !== 0) return;
  }
}

class GcmState {
  readonly spec: GcmSpec;
  readonly key: KeyObject;
  /** The nonce for the next packet; node:crypto copies it when a context is created. */
  readonly iv: Uint8Array;

  constructor(spec: GcmSpec, keys: DirectionKeys) {
    this.spec = spec;
    this.key = createSecretKey(takeKey('key', spec.name, keys.key, spec.keyLength));
    // A copy we own and increment. (Not `.slice()`: on a Buffer that is a view, and the
    // sealer and opener built from the same keys would then share one counter.)
    this.iv = new Uint8Array(takeKey('IV', spec.name, keys.iv, GCM_IV_LENGTH));
  }
}

export class AesGcmSealer implements PacketSealer {
  readonly blockSize = GCM_BLOCK_SIZE;
  readonly lengthExcluded = true;
  readonly tagLength = GCM_TAG_LENGTH;
  readonly #s: GcmState;

  constructor(spec: GcmSpec, keys: DirectionKeys) {
    this.#s = new GcmState(spec, keys);
  }

  seal(seq: number, packet: Uint8Array): Uint8Array {
    return sealJoined(this, seq, packet);
  }

  /** Pieces: packet_length (clear), ciphertext, tag. */
  sealTo(_seq: number, packet: Uint8Array, out: WireSink): number {
    const s = this.#s;
    checkAligned(s.spec.name, packet, GCM_BLOCK_SIZE, true);
    const cipher = createCipheriv(s.spec.nodeName, s.key, s.iv, { authTagLength: GCM_TAG_LENGTH });
    incrementInvocationCounter(s.iv);
    cipher.setAAD(packet.subarray(0, 4));
    out.push(copyLength(packet));
    out.push(cipher.update(packet.subarray(4)));
    cipher.final(); // GCM is a stream mode: nothing is held back
    out.push(cipher.getAuthTag());
    return packet.length + GCM_TAG_LENGTH;
  }
}

export class AesGcmOpener implements PacketOpener {
  readonly blockSize = GCM_BLOCK_SIZE;
  readonly lengthExcluded = true;
  readonly tagLength = GCM_TAG_LENGTH;
  readonly lengthBytes = 4;
  readonly #s: GcmState;

  constructor(spec: GcmSpec, keys: DirectionKeys) {
    this.#s = new GcmState(spec, keys);
  }

  /** packet_length is in the clear (and authenticated as AAD by open()). */
  decryptLength(_seq: number, head: Uint8Array): number {
    return readUint32(head);
  }

  open(_seq: number, wire: Uint8Array): Uint8Array {
    const s = this.#s;
    const n = wire.length - GCM_TAG_LENGTH;
    if (n < 4 + GCM_BLOCK_SIZE || (n - 4) % GCM_BLOCK_SIZE !== 0) throw badPacketLength(s.spec.name, n);
    const decipher = createDecipheriv(s.spec.nodeName, s.key, s.iv, { authTagLength: GCM_TAG_LENGTH });
    incrementInvocationCounter(s.iv);
    decipher.setAuthTag(wire.subarray(n));
    decipher.setAAD(wire.subarray(0, 4));
    const plain = decipher.update(wire.subarray(4, n));
    try {
      decipher.final(); // verifies the tag (in constant time, inside OpenSSL)
    } catch {
      plain.fill(0); // never let unauthenticated plaintext out
      throw macError(s.spec.name);
    }
    return asUint8Array(plain);
  }
}
