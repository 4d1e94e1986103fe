// The receive buffer: packets come out whatever the chunking, and an idle connection holds no
// buffer once its bytes are used (thousands of idle connections), while a bulk transfer keeps it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { plainOpener, plainSealer } from '../../src/algorithms/registry.js';
import { PacketDecoder } from '../../src/transport/packet-decoder.js';
import { PacketEncoder } from '../../src/transport/packet-encoder.js';

function wire(payloads: Uint8Array[]): Uint8Array {
  const enc = new PacketEncoder(plainSealer(), (n) => new Uint8Array(randomBytes(n)));
  const pieces: Uint8Array[] = [];
  for (const p of payloads) enc.encodeTo(p, undefined, { push: (b) => pieces.push(new Uint8Array(b)) });
  return new Uint8Array(Buffer.concat(pieces));
}

function drain(d: PacketDecoder): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = d.next(); p !== undefined; p = d.next()) out.push(new Uint8Array(p.payload));
  return out;
}

test('a small message is decoded and its buffer let go; a large read keeps the buffer for the next', () => {
  const d = new PacketDecoder(plainOpener());
  assert.equal(d.capacity, 0, 'nothing held before anything arrives');
  const small = new Uint8Array([94, 0, 0, 0, 1, 0, 0, 0, 2, 104, 105]);
  const bytes = wire([small]);
  // Byte by byte: the partial packet is held, then released once the packet is out.
  const got: Uint8Array[] = [];
  for (const b of bytes) {
    d.push(new Uint8Array([b]));
    got.push(...drain(d));
  }
  assert.deepEqual(got, [small]);
  assert.equal(d.capacity, 0, 'an idle connection keeps no receive buffer');

  const big = Array.from({ length: 8 }, (_, i) => new Uint8Array(8000).fill(i));
  const bulk = wire(big);
  assert.ok(bulk.length >= 16 * 1024);
  d.push(bulk);
  assert.deepEqual(drain(d), big);
  assert.ok(d.capacity >= bulk.length, 'kept while data flows in large reads');
  d.push(wire([small]));
  assert.deepEqual(drain(d), [small]);
  assert.equal(d.capacity, 0, 'let go after a small read');
});
