/**
 * The unprotected binary packet (cipher "none", MAC "none"), used from the version
 * exchange until the first SSH_MSG_NEWKEYS in each direction (RFC 4253 §6, §7.3).
 */
import type { PacketOpener, PacketSealer, WireSink } from '../algorithms/types.js';
import { readUint32 } from './packet-util.js';

/** RFC 4253 §6: with no cipher the padding still aligns to 8 bytes. */
const NONE_BLOCK_SIZE = 8;

export class PlainSealer implements PacketSealer {
  readonly blockSize = NONE_BLOCK_SIZE;
  readonly lengthExcluded = false;
  readonly tagLength = 0;

  /** The packet is the wire bytes, copied (the caller reuses its buffer; only the handshake comes here). */
  seal(_seq: number, packet: Uint8Array): Uint8Array {
    return new Uint8Array(packet);
  }

  sealTo(seq: number, packet: Uint8Array, out: WireSink): number {
    out.push(this.seal(seq, packet));
    return packet.length;
  }
}

export class PlainOpener implements PacketOpener {
  readonly blockSize = NONE_BLOCK_SIZE;
  readonly lengthExcluded = false;
  readonly tagLength = 0;
  readonly lengthBytes = 4;

  decryptLength(_seq: number, head: Uint8Array): number {
    return readUint32(head);
  }

  /**
   * Returns a copy, like every other opener: the caller owns the result and may reuse the
   * buffer `wire` lives in. (Only the handful of key-exchange packets take this path.)
   * The Uint8Array constructor copies and, unlike `wire.slice()` on a Buffer, never aliases.
   */
  open(_seq: number, wire: Uint8Array): Uint8Array {
    return new Uint8Array(wire.subarray(4));
  }
}
