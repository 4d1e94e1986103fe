/**
 * Test helpers: hex, a seeded generator, and a small model of what the transport does around
 * a PacketSealer/PacketOpener (padding per RFC 4253 §6, and the framer's length checks).
 */
import assert from 'node:assert/strict';
import type { DirectionKeys, PacketOpener, PacketSealer } from '../../src/algorithms/types.js';
import { SshError } from '../../src/errors.js';

export function fromHex(s: string): Uint8Array {
  const clean = s.replace(/[\s:]/g, '');
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** xorshift32: reproducible "random" bytes for tests. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x >>> 0;
    return this.#s;
  }
  int(n: number): number {
    return this.next() % n;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

export function keysFor(rng: Rng, keyLength: number, ivLength: number, macLength: number): DirectionKeys {
  return { key: rng.bytes(keyLength), iv: rng.bytes(ivLength), macKey: rng.bytes(macLength) };
}

/** RFC 4253 §6: uint32 packet_length || byte padding_length || payload || padding, aligned as the transport will. */
export function buildPacket(payload: Uint8Array, blockSize: number, lengthExcluded: boolean, rng: Rng, extraBlocks = 0): Uint8Array {
  const bs = Math.max(blockSize, 8);
  const covered = (lengthExcluded ? 0 : 4) + 1 + payload.length;
  let padding = bs - (covered % bs);
  if (padding < 4) padding += bs;
  padding += bs * extraBlocks;
  if (4 + 1 + payload.length + padding < 16) padding += bs; // minimum packet size
  assert.ok(padding >= 4 && padding <= 255);
  const packetLength = 1 + payload.length + padding;
  const packet = new Uint8Array(4 + packetLength);
  new DataView(packet.buffer).setUint32(0, packetLength);
  packet[4] = padding;
  packet.set(payload, 5);
  packet.set(rng.bytes(padding), 5 + payload.length);
  return packet;
}

/** The largest packet the model transport accepts (OpenSSH: 256 KiB). */
export const MAX_PACKET = 256 * 1024;

export type OpenOutcome = { kind: 'ok'; payload: Uint8Array; consumed: number } | { kind: 'mac' } | { kind: 'length' };

/**
 * What the transport's deframer does with one packet at the front of `stream`: decrypt the
 * length, reject it if out of bounds or misaligned, wait for the whole packet (here: pad the
 * stream with `filler` bytes if it is short, as if more data arrived), then open.
 */
export function framerOpen(opener: PacketOpener, seq: number, stream: Uint8Array, filler?: Rng): OpenOutcome {
  const length = opener.decryptLength(seq, stream.subarray(0, opener.lengthBytes));
  const aligned = opener.lengthExcluded ? length : length + 4;
  if (length < 5 || length + 4 < 16 || length > MAX_PACKET || aligned % opener.blockSize !== 0) return { kind: 'length' };
  const total = 4 + length + opener.tagLength;
  let wire = stream;
  if (wire.length < total) {
    if (filler === undefined) throw new Error('stream too short');
    const grown = new Uint8Array(total);
    grown.set(wire);
    grown.set(filler.bytes(total - wire.length), wire.length);
    wire = grown;
  }
  let body: Uint8Array;
  try {
    body = opener.open(seq, wire.subarray(0, total));
  } catch (e) {
    if (e instanceof SshError && e.code === 'ERR_MAC') return { kind: 'mac' };
    throw e;
  }
  assert.equal(body.length, length);
  assert.equal(Object.getPrototypeOf(body), Uint8Array.prototype, 'open() returns a plain Uint8Array');
  assert.ok(body.buffer !== wire.buffer, 'open() result must not alias the wire buffer');
  const padding = body[0]!;
  assert.ok(padding >= 4 && padding < length, `padding_length ${padding}`);
  return { kind: 'ok', payload: body.subarray(1, length - padding), consumed: total };
}

export function sealPayload(sealer: PacketSealer, seq: number, payload: Uint8Array, rng: Rng, extraBlocks = 0): Uint8Array {
  const packet = buildPacket(payload, sealer.blockSize, sealer.lengthExcluded, rng, extraBlocks);
  const aligned = sealer.lengthExcluded ? packet.length - 4 : packet.length;
  assert.equal(aligned % sealer.blockSize, 0);
  const wire = sealer.seal(seq, packet);
  assert.equal(wire.length, packet.length + sealer.tagLength);
  assert.equal(Object.getPrototypeOf(wire), Uint8Array.prototype, 'seal() returns a plain Uint8Array');
  return wire;
}
