/**
 * Small helpers shared by the packet-protection constructions (RFC 4253 §6): the
 * authentication-failure error, constant-time comparison, alignment checks and the
 * allocation of wire buffers.
 */
import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import type { PacketSealer } from '../algorithms/types.js';
import { DisconnectReason, SshError } from '../errors.js';

/** The error every opener throws when a packet does not authenticate. */
export function macError(algorithm: string): SshError {
  return new SshError('ERR_MAC', `message authentication failed (${algorithm}): corrupted packet or attack`, {
    reason: DisconnectReason.MAC_ERROR,
  });
}

/** Constant-time equality of two tags (lengths are public). */
export function tagsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A buffer for bytes that are about to be fully overwritten (the sealed packet, the opened
 * payload). Not zero-filled: zeroing 32 KiB costs a third as much as encrypting it, and every
 * byte is written before the buffer leaves the sealer/opener. Never pooled, so the result
 * owns its whole ArrayBuffer. A plain Uint8Array, not a Buffer (see asUint8Array).
 */
export function allocUninitialized(n: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n);
}

/**
 * node:crypto returns Buffers, whose slice() is a view where Uint8Array's slice() copies:
 * handing one to the core would make `x.slice()` silently alias packet memory. This re-types
 * the same memory as a plain Uint8Array (no copy).
 */
export function asUint8Array(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** seal() in terms of sealTo(): the pieces joined into one new plain Uint8Array. */
export function sealJoined(sealer: PacketSealer, seq: number, packet: Uint8Array): Uint8Array {
  const pieces: Uint8Array[] = [];
  const out = allocUninitialized(sealer.sealTo(seq, packet, pieces));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A copy of the first four bytes (packet_length sent in the clear), owned by the caller. */
export function copyLength(packet: Uint8Array): Uint8Array {
  const b = new Uint8Array(4);
  b[0] = packet[0]!;
  b[1] = packet[1]!;
  b[2] = packet[2]!;
  b[3] = packet[3]!;
  return b;
}

export function readUint32(bytes: Uint8Array, offset = 0): number {
  return (
    (((bytes[offset] as number) << 24) |
      ((bytes[offset + 1] as number) << 16) |
      ((bytes[offset + 2] as number) << 8) |
      (bytes[offset + 3] as number)) >>>
    0
  );
}

export function writeUint32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = value >>> 16;
  bytes[offset + 2] = value >>> 8;
  bytes[offset + 3] = value;
}

/**
 * The transport pads every packet to the cipher's block size (RFC 4253 §6: the length of
 * packet_length || padding_length || payload || padding, or of everything after
 * packet_length when the length is sent outside the encryption, is a multiple of it).
 * A misaligned packet here is a bug in the caller; a block cipher in CBC mode would
 * silently hold back the partial block and desynchronise the stream.
 */
export function checkAligned(algorithm: string, packet: Uint8Array, blockSize: number, lengthExcluded: boolean): void {
  const n = lengthExcluded ? packet.length - 4 : packet.length;
  if (n <= 0 || n % blockSize !== 0) {
    throw new SshError(
      'ERR_STATE',
      `cannot seal a ${packet.length}-byte packet with ${algorithm}: ` +
        `${lengthExcluded ? 'the bytes after packet_length' : 'the packet'} must be a positive multiple of ${blockSize}`,
    );
  }
}

/** A received packet whose size does not fit the cipher (the transport should have refused its length). */
export function badPacketLength(algorithm: string, length: number): SshError {
  return new SshError('ERR_PACKET_LENGTH', `invalid packet size ${length} for ${algorithm}`, {
    reason: DisconnectReason.PROTOCOL_ERROR,
  });
}

/** Checks that `key` is long enough and returns exactly the bytes the algorithm uses. */
export function takeKey(what: string, algorithm: string, key: Uint8Array, length: number): Uint8Array {
  if (key.length < length) {
    throw new SshError('ERR_KEY', `${algorithm} needs a ${length}-byte ${what}, got ${key.length} bytes`);
  }
  return key.subarray(0, length);
}

const NO_SLAB: Uint8Array = new Uint8Array(0);
/** Full slabs awaiting written() at most (a writer that never calls it leaks nothing). */
const MAX_RETIRED = 32;
/** Slabs kept for reuse: a 2 MiB channel window in flight is eight. */
const MAX_SPARE = 8;

/**
 * Buffers cut one after another from 256 KiB slabs: one allocation per slab instead of one per
 * packet (allocation and the collections its external memory paces were a large part of bulk
 * transfers' profiles). Slices never overlap and are never handed out twice; a slab is freed
 * when the last of its slices is dropped.
 */
export class Slab {
  private slab: Uint8Array = NO_SLAB;
  private used = 0;
  /**
   * With `reuse`: full slabs wait in `retired`, tagged with the epoch they were last cut in,
   * until written() says every slice of that epoch was written; then they are cut again
   * instead of a new slab being allocated (a socket that cannot take a burst at once would
   * otherwise cost a new slab per 256 KiB sent: ~10-15% of a bulk download's bytes).
   */
  private readonly retired: Array<{ slab: Uint8Array; epoch: number }> = [];
  private readonly spare: Uint8Array[] = [];
  private epoch = 0;

  constructor(
    private readonly size = 256 * 1024,
    private readonly reuse = false,
  ) {}

  /** n bytes, not zero-filled. */
  cut(n: number): Uint8Array {
    if (this.used + n > this.slab.length) {
      if (this.reuse && this.slab.length === this.size) {
        this.retired.push({ slab: this.slab, epoch: this.epoch });
        // Never told (a writer without callbacks): the oldest are left to the garbage collector.
        if (this.retired.length > MAX_RETIRED) this.retired.shift();
      }
      this.slab = (n <= this.size ? this.spare.pop() : undefined) ?? allocUninitialized(Math.max(this.size, n));
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + n);
    this.used += n;
    return out;
  }

  /** Ends the current epoch and returns it: pass it to written() once what was cut so far is written. */
  mark(): number {
    return this.epoch++;
  }

  /** Every slice cut up to the end of `epoch` (a mark) is referenced no more. */
  written(epoch: number): void {
    while (this.retired.length > 0 && this.retired[0]!.epoch <= epoch) this.keep(this.retired.shift()!.slab);
  }

  private keep(slab: Uint8Array): void {
    if (this.spare.length < MAX_SPARE) this.spare.push(slab);
  }

  /** Nothing cut so far is referenced any more: cut again from the start of the same slab. */
  rewind(): void {
    this.used = 0;
    for (const r of this.retired.splice(0)) this.keep(r.slab);
  }

  /** Lets go of the slabs (an idle connection holds none). */
  release(): void {
    this.slab = NO_SLAB;
    this.used = 0;
    this.retired.length = 0;
    this.spare.length = 0;
  }

  /** Bytes of slab held. */
  get capacity(): number {
    return this.slab.length;
  }
}
