/**
 * A block cipher in CTR (RFC 4344 §4) or CBC (RFC 4253 §6.3) mode combined with an HMAC
 * (RFC 4253 §6.4), in both orders:
 *
 *  - encrypt-and-MAC (RFC 4253 §6.4): mac = MAC(key, uint32 seq || plaintext packet); the
 *    whole packet, packet_length included, is encrypted, so the receiver must decrypt the
 *    first block to learn the length (lengthBytes = one block);
 *  - encrypt-then-MAC (OpenSSH PROTOCOL §1.5, "-etm@openssh.com" MACs): packet_length is
 *    sent in the clear, the rest is encrypted and
 *    mac = MAC(key, uint32 seq || uint32 packet_length || ciphertext), checked before
 *    anything is decrypted.
 *
 * The cipher context lives as long as the keys: CTR is one keystream and CBC chains its IV
 * across packets (RFC 4253 §6.3, RFC 4344 §4), both exactly what one long-lived node:crypto
 * Cipher object does across update() calls. node:crypto cannot reset an Hmac, so one is
 * created per packet (about a microsecond), fed by several update() calls rather than a
 * concatenation.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  type Cipher,
  type Decipher,
  type KeyObject,
} from 'node:crypto';
import type { DirectionKeys, PacketOpener, PacketSealer, WireSink } from '../algorithms/types.js';
import { SshError } from '../errors.js';
import {
  allocUninitialized,
  asUint8Array,
  badPacketLength,
  checkAligned,
  copyLength,
  macError,
  readUint32,
  sealJoined,
  tagsEqual,
  takeKey,
  writeUint32,
} from './packet-util.js';

/** A block cipher mode as node:crypto names it. */
export interface StreamCipherSpec {
  readonly name: string;
  /** node:crypto's name, e.g. 'aes-128-ctr'. */
  readonly nodeName: string;
  readonly keyLength: number;
  readonly ivLength: number;
  readonly blockSize: number;
}

export interface HmacSpec {
  readonly name: string;
  /** node:crypto's digest name. */
  readonly hash: 'sha1' | 'sha256' | 'sha512';
  readonly keyLength: number;
  readonly tagLength: number;
  readonly etm: boolean;
}

function openCipher(spec: StreamCipherSpec, keys: DirectionKeys): Cipher {
  const key = takeKey('key', spec.name, keys.key, spec.keyLength);
  const iv = takeKey('IV', spec.name, keys.iv, spec.ivLength);
  const cipher = createCipheriv(spec.nodeName, key, iv);
  cipher.setAutoPadding(false); // SSH pads packets itself; CBC must not add PKCS#7 padding.
  return cipher;
}

function openDecipher(spec: StreamCipherSpec, keys: DirectionKeys): Decipher {
  const key = takeKey('key', spec.name, keys.key, spec.keyLength);
  const iv = takeKey('IV', spec.name, keys.iv, spec.ivLength);
  const decipher = createDecipheriv(spec.nodeName, key, iv);
  decipher.setAutoPadding(false); // otherwise CBC would hold back the last block of every update()
  return decipher;
}

function macKey(mac: HmacSpec, keys: DirectionKeys): KeyObject {
  return createSecretKey(takeKey('MAC key', mac.name, keys.macKey, mac.keyLength));
}

export class CipherMacSealer implements PacketSealer {
  readonly blockSize: number;
  readonly lengthExcluded: boolean;
  readonly tagLength: number;
  readonly #spec: StreamCipherSpec;
  readonly #mac: HmacSpec;
  readonly #cipher: Cipher;
  readonly #macKey: KeyObject;
  readonly #seq = new Uint8Array(4);

  constructor(spec: StreamCipherSpec, mac: HmacSpec, keys: DirectionKeys) {
    this.#spec = spec;
    this.#mac = mac;
    this.blockSize = Math.max(spec.blockSize, 8);
    this.lengthExcluded = mac.etm;
    this.tagLength = mac.tagLength;
    this.#cipher = openCipher(spec, keys);
    this.#macKey = macKey(mac, keys);
  }

  seal(seq: number, packet: Uint8Array): Uint8Array {
    return sealJoined(this, seq, packet);
  }

  /** Pieces: packet_length (EtM only, clear), ciphertext, MAC. */
  sealTo(seq: number, packet: Uint8Array, out: WireSink): number {
    checkAligned(this.#spec.name, packet, this.blockSize, this.lengthExcluded);
    writeUint32(this.#seq, 0, seq);
    const hmac = createHmac(this.#mac.hash, this.#macKey).update(this.#seq);
    if (this.lengthExcluded) {
      // EtM: packet_length stays clear and is authenticated with the ciphertext.
      const length = copyLength(packet);
      const body = this.#cipher.update(packet.subarray(4));
      hmac.update(length).update(body);
      out.push(length);
      out.push(body);
    } else {
      hmac.update(packet);
      out.push(this.#cipher.update(packet));
    }
    out.push(hmac.digest());
    return packet.length + this.tagLength;
  }
}

export class CipherMacOpener implements PacketOpener {
  readonly blockSize: number;
  readonly lengthExcluded: boolean;
  readonly tagLength: number;
  readonly lengthBytes: number;
  readonly #spec: StreamCipherSpec;
  readonly #mac: HmacSpec;
  readonly #decipher: Decipher;
  readonly #macKey: KeyObject;
  readonly #seq = new Uint8Array(4);
  /** Encrypt-and-MAC only: the first block, decrypted by decryptLength() for open(). */
  #head: Uint8Array | undefined;

  constructor(spec: StreamCipherSpec, mac: HmacSpec, keys: DirectionKeys) {
    this.#spec = spec;
    this.#mac = mac;
    this.blockSize = Math.max(spec.blockSize, 8);
    this.lengthExcluded = mac.etm;
    this.tagLength = mac.tagLength;
    this.lengthBytes = mac.etm ? 4 : spec.blockSize;
    this.#decipher = openDecipher(spec, keys);
    this.#macKey = macKey(mac, keys);
  }

  /**
   * EtM: the clear packet_length. Encrypt-and-MAC: decrypts the first block (advancing the
   * keystream/CBC chain, so it must be called exactly once per packet, before open()) and
   * returns its first four bytes. That value is NOT authenticated yet: a corrupted or forged
   * block yields an arbitrary length, which the transport must bound-check before waiting
   * for that many bytes (RFC 4253 §6.1; this is the root of the CBC length oracles of
   * Albrecht, Paterson and Watson 2009, one reason the CBC modes are opt-in only).
   */
  decryptLength(_seq: number, head: Uint8Array): number {
    if (this.lengthExcluded) return readUint32(head);
    if (head.length < this.lengthBytes) throw badPacketLength(this.#spec.name, head.length);
    if (this.#head !== undefined) {
      throw new SshError('ERR_STATE', `${this.#spec.name}: decryptLength() called twice without open()`);
    }
    const first = this.#decipher.update(head.subarray(0, this.lengthBytes));
    this.#head = first;
    return readUint32(first);
  }

  open(seq: number, wire: Uint8Array): Uint8Array {
    const n = wire.length - this.tagLength; // 4 + packet_length
    writeUint32(this.#seq, 0, seq);
    const hmac = createHmac(this.#mac.hash, this.#macKey).update(this.#seq);
    if (this.lengthExcluded) {
      if (n < 4 + this.blockSize) throw badPacketLength(this.#mac.name, n);
      hmac.update(wire.subarray(0, n));
      if (!tagsEqual(hmac.digest(), wire.subarray(n))) throw macError(this.#mac.name);
      // Authenticated: only now is anything decrypted.
      if ((n - 4) % this.blockSize !== 0) throw badPacketLength(this.#spec.name, n);
      return asUint8Array(this.#decipher.update(wire.subarray(4, n)));
    }

    const first = this.#head;
    this.#head = undefined;
    if (first === undefined) {
      throw new SshError('ERR_STATE', `${this.#spec.name}: open() called without decryptLength() for this packet`);
    }
    const bs = this.lengthBytes;
    if (n < bs || n % this.blockSize !== 0) throw badPacketLength(this.#spec.name, n);
    const rest = this.#decipher.update(wire.subarray(bs, n));
    hmac.update(first).update(rest);
    const ok = tagsEqual(hmac.digest(), wire.subarray(n));
    if (!ok) {
      first.fill(0);
      rest.fill(0);
      throw macError(this.#mac.name);
    }
    const out = allocUninitialized(n - 4);
    out.set(first.subarray(4), 0);
    out.set(rest, bs - 4);
    return out;
  }
}
