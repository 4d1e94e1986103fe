/**
 * The AEAD constructions of aes-gcm.ts and chacha20-poly1305.ts on the native addon
 * (native.ts): the same bytes on the wire, one native call per packet, output written into one
 * new buffer that is never zero-filled (every byte of it is written before it leaves), or, on
 * the receiving side, decrypted in place when the transport owns the bytes (openInPlace).
 */
import type { DirectionKeys, PacketOpener, PacketSealer, WireSink } from '../algorithms/types.js';
import { GCM_BLOCK_SIZE, GCM_IV_LENGTH, type GcmSpec } from './aes-gcm.js';
import type { HmacSpec, StreamCipherSpec } from './cipher-mac.js';
import {
  CHACHA20_POLY1305_BLOCK_SIZE,
  CHACHA20_POLY1305_KEY_LENGTH,
  CHACHA20_POLY1305_NAME,
} from './chacha20-poly1305.js';
import type { NativeCrypto } from './native.js';
import { Slab, allocUninitialized, badPacketLength, checkAligned, macError, readUint32, sealJoined, takeKey } from './packet-util.js';

/** The AEAD constructions' tag; EtM's is the HMAC's length. */
const AEAD_TAG = 16;

/** One AEAD cipher as the addon implements it, bound to one direction's keys. */
interface NativeAead {
  readonly name: string;
  readonly blockSize: number;
  readonly tagLength: number;
  /** out = wire bytes of `packet` (packet.length + tagLength). */
  seal(seq: number, packet: Uint8Array, out: Uint8Array): void;
  length(seq: number, head: Uint8Array): number;
  /** out = plaintext after packet_length (wire.length - 4 - tagLength); false on a bad tag. */
  open(seq: number, wire: Uint8Array, out: Uint8Array): boolean;
}

class NativeSealer implements PacketSealer {
  readonly lengthExcluded = true;
  readonly tagLength: number;
  readonly blockSize: number;

  constructor(private readonly aead: NativeAead) {
    this.blockSize = aead.blockSize;
    this.tagLength = aead.tagLength;
  }

  seal(seq: number, packet: Uint8Array): Uint8Array {
    return sealJoined(this, seq, packet);
  }

  /** One piece: the whole wire packet (see slice for where it is written). */
  sealTo(seq: number, packet: Uint8Array, out: WireSink): number {
    checkAligned(this.aead.name, packet, this.blockSize, true);
    const wire = this.slice(packet.length + this.tagLength);
    this.aead.seal(seq, packet, wire);
    out.push(wire);
    return wire.length;
  }

  private readonly slab = new Slab(256 * 1024, true);

  /**
   * Everything sealed so far has been written and dropped: the slab is reused from its start,
   * so a steady transfer allocates nothing (the garbage collector's major collections are paced
   * by the external memory allocated, ~1 per 64 MB).
   */
  recycle(): void {
    this.slab.rewind();
  }

  mark(): number {
    return this.slab.mark();
  }

  written(mark: number): void {
    this.slab.written(mark);
  }

  /**
   * Where a packet of `n` wire bytes is written. Large packets (bulk data) are cut one after
   * another from a 256 KiB slab, so a burst costs one allocation instead of one per packet
   * (profiled on hushd sending 2 GiB: ~420 ms allocating 32 KiB buffers and ~1.1 s of garbage
   * collection), and the packets of a burst lie back to back, which lets the writer hand them
   * to the socket as one buffer (WireQueue.drainTo). Slices never overlap; the slab is freed
   * when the last of them is written and dropped. A small packet gets its own buffer and lets go
   * of the slab, so an idle connection holds none.
   */
  private slice(n: number): Uint8Array {
    if (n < SLAB_MIN_PACKET) {
      this.slab.release();
      return allocUninitialized(n);
    }
    return this.slab.cut(n);
  }
}

/** Packets this large (wire bytes) are cut from a slab. */
const SLAB_MIN_PACKET = 4096;

class NativeOpener implements PacketOpener {
  readonly lengthExcluded = true;
  readonly lengthBytes = 4;
  readonly tagLength: number;
  readonly blockSize: number;

  constructor(private readonly aead: NativeAead) {
    this.blockSize = aead.blockSize;
    this.tagLength = aead.tagLength;
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
    const n = wire.length - this.tagLength;
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
    tagLength: AEAD_TAG,
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
    tagLength: AEAD_TAG,
    seal: (seq, packet, out) => n.chachaSeal(h, seq, packet, out),
    length: (seq, head) => n.chachaLength(h, seq, head), // authenticated only by open()
    open: (seq, wire, out) => n.chachaOpen(h, seq, wire, out),
  };
}

/**
 * AES-CTR with an encrypt-then-MAC HMAC (OpenSSH PROTOCOL §1.5): packet_length in the clear,
 * the MAC over seq || packet_length || ciphertext checked before anything is decrypted.
 */
function etm(n: NativeCrypto, spec: StreamCipherSpec, mac: HmacSpec, keys: DirectionKeys, encrypt: boolean): NativeAead {
  const h = n.etmNew(
    takeKey('key', spec.name, keys.key, spec.keyLength),
    takeKey('IV', spec.name, keys.iv, spec.ivLength),
    takeKey('MAC key', mac.name, keys.macKey, mac.keyLength),
    encrypt,
  );
  return {
    name: mac.name,
    blockSize: Math.max(spec.blockSize, 8),
    tagLength: mac.tagLength,
    seal: (seq, packet, out) => n.etmSeal(h, seq, packet, out),
    length: (_seq, head) => readUint32(head),
    open: (seq, wire, out) => n.etmOpen(h, seq, wire, out),
  };
}

/** Whether etm() can do this pair: AES in CTR mode with an EtM HMAC whose key is as long as its digest. */
export function nativeEtmSupports(spec: StreamCipherSpec, mac: HmacSpec): boolean {
  return mac.etm && /^aes-(128|192|256)-ctr$/.test(spec.nodeName) && mac.keyLength === mac.tagLength;
}

export const nativeEtmSealer = (n: NativeCrypto, spec: StreamCipherSpec, mac: HmacSpec, keys: DirectionKeys): PacketSealer =>
  new NativeSealer(etm(n, spec, mac, keys, true));
export const nativeEtmOpener = (n: NativeCrypto, spec: StreamCipherSpec, mac: HmacSpec, keys: DirectionKeys): PacketOpener =>
  new NativeOpener(etm(n, spec, mac, keys, false));
export const nativeGcmSealer = (n: NativeCrypto, spec: GcmSpec, keys: DirectionKeys): PacketSealer => new NativeSealer(gcm(n, spec, keys, true));
export const nativeGcmOpener = (n: NativeCrypto, spec: GcmSpec, keys: DirectionKeys): PacketOpener => new NativeOpener(gcm(n, spec, keys, false));
export const nativeChaChaSealer = (n: NativeCrypto, keys: DirectionKeys): PacketSealer => new NativeSealer(chacha(n, keys));
export const nativeChaChaOpener = (n: NativeCrypto, keys: DirectionKeys): PacketOpener => new NativeOpener(chacha(n, keys));

