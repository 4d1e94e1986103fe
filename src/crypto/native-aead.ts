/**
 * The AEAD constructions of aes-gcm.ts and chacha20-poly1305.ts on the native addon
 * (native.ts): the same bytes on the wire, one native call per packet, output written into one
 * new buffer that is never zero-filled (every byte of it is written before it leaves), or, on
 * the receiving side, decrypted in place when the transport owns the bytes (openInPlace).
 */
import type { DirectionKeys, PacketOpener, PacketSealer, WireSink } from '../algorithms/types.js';
import { GCM_BLOCK_SIZE, GCM_IV_LENGTH, type GcmSpec } from './aes-gcm.js';
import {
  CHACHA20_POLY1305_BLOCK_SIZE,
  CHACHA20_POLY1305_KEY_LENGTH,
  CHACHA20_POLY1305_NAME,
} from './chacha20-poly1305.js';
import type { NativeCrypto } from './native.js';
import { allocUninitialized, badPacketLength, checkAligned, macError, readUint32, sealJoined, takeKey } from './packet-util.js';

/** Both constructions have a 16-byte tag after the packet and send packet_length outside the alignment. */
const TAG = 16;

/** One AEAD cipher as the addon implements it, bound to one direction's keys. */
interface NativeAead {
  readonly name: string;
  readonly blockSize: number;
  /** out = wire bytes of `packet` (packet.length + 16). */
  seal(seq: number, packet: Uint8Array, out: Uint8Array): void;
  length(seq: number, head: Uint8Array): number;
  /** out = plaintext after packet_length (wire.length - 20); false on a bad tag. */
  open(seq: number, wire: Uint8Array, out: Uint8Array): boolean;
}

class NativeSealer implements PacketSealer {
  readonly lengthExcluded = true;
  readonly tagLength = TAG;
  readonly blockSize: number;

  constructor(private readonly aead: NativeAead) {
    this.blockSize = aead.blockSize;
  }

  seal(seq: number, packet: Uint8Array): Uint8Array {
    return sealJoined(this, seq, packet);
  }

  /** One piece: the whole wire packet. */
  sealTo(seq: number, packet: Uint8Array, out: WireSink): number {
    checkAligned(this.aead.name, packet, this.blockSize, true);
    const wire = allocUninitialized(packet.length + TAG);
    this.aead.seal(seq, packet, wire);
    out.push(wire);
    return wire.length;
  }
}

class NativeOpener implements PacketOpener {
  readonly lengthExcluded = true;
  readonly tagLength = TAG;
  readonly lengthBytes = 4;
  readonly blockSize: number;

  constructor(private readonly aead: NativeAead) {
    this.blockSize = aead.blockSize;
  }

  decryptLength(seq: number, head: Uint8Array): number {
    return this.aead.length(seq, head);
  }

  open(seq: number, wire: Uint8Array): Uint8Array {
    return this.openInto(seq, wire, allocUninitialized(this.bodyLength(wire)));
  }

  openInPlace(seq: number, wire: Uint8Array): Uint8Array {
    return this.openInto(seq, wire, wire.subarray(4, 4 + this.bodyLength(wire)));
  }

  private bodyLength(wire: Uint8Array): number {
    const n = wire.length - TAG;
    if (n < 4 + this.blockSize || (n - 4) % this.blockSize !== 0) throw badPacketLength(this.aead.name, n);
    return n - 4;
  }

  /** The tag is verified before any plaintext is returned (and GCM wipes what it decrypted). */
  private openInto(seq: number, wire: Uint8Array, plain: Uint8Array): Uint8Array {
    if (!this.aead.open(seq, wire, plain)) throw macError(this.aead.name);
    return plain;
  }
}

/** aes128-gcm@openssh.com / aes256-gcm@openssh.com: the nonce lives and advances in the addon (RFC 5647 §7.1). */
function gcm(n: NativeCrypto, spec: GcmSpec, keys: DirectionKeys, encrypt: boolean): NativeAead {
  const h = n.gcmNew(takeKey('key', spec.name, keys.key, spec.keyLength), takeKey('IV', spec.name, keys.iv, GCM_IV_LENGTH), encrypt);
  return {
    name: spec.name,
    blockSize: GCM_BLOCK_SIZE,
    seal: (_seq, packet, out) => n.gcmSeal(h, packet, out),
    length: (_seq, head) => readUint32(head), // sent in the clear, authenticated as AAD
    open: (_seq, wire, out) => n.gcmOpen(h, wire, out),
  };
}

/** chacha20-poly1305@openssh.com: the sequence number is the nonce. */
function chacha(n: NativeCrypto, keys: DirectionKeys): NativeAead {
  const h = n.chachaNew(takeKey('key', CHACHA20_POLY1305_NAME, keys.key, CHACHA20_POLY1305_KEY_LENGTH));
  return {
    name: CHACHA20_POLY1305_NAME,
    blockSize: CHACHA20_POLY1305_BLOCK_SIZE,
    seal: (seq, packet, out) => n.chachaSeal(h, seq, packet, out),
    length: (seq, head) => n.chachaLength(h, seq, head), // authenticated only by open()
    open: (seq, wire, out) => n.chachaOpen(h, seq, wire, out),
  };
}

export const nativeGcmSealer = (n: NativeCrypto, spec: GcmSpec, keys: DirectionKeys): PacketSealer => new NativeSealer(gcm(n, spec, keys, true));
export const nativeGcmOpener = (n: NativeCrypto, spec: GcmSpec, keys: DirectionKeys): PacketOpener => new NativeOpener(gcm(n, spec, keys, false));
export const nativeChaChaSealer = (n: NativeCrypto, keys: DirectionKeys): PacketSealer => new NativeSealer(chacha(n, keys));
export const nativeChaChaOpener = (n: NativeCrypto, keys: DirectionKeys): PacketOpener => new NativeOpener(chacha(n, keys));

