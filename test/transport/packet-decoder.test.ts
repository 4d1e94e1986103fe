// The receive buffer: packets come out whatever the chunking, and an idle connection holds no
// buffer once its bytes are used (thousands of idle connections), while a bulk transfer keeps it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { plainOpener, plainSealer } from '../../src/algorithms/registry.js';
import { PacketDecoder } from '../../src/transport/packet-decoder.js';
import { PacketEncoder } from '../../src/transport/packet-encoder.js';
import { createOpener, createSealer } from '../../src/crypto/cipher-registry.js';
import { Rng } from '../crypto/helpers.js';

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

/** Packets sealed with `name` (or plain), the wire cut at random points, pushed chunk by chunk. */
function chunkedRoundTrip(name: string | undefined, seed: number, owned: (i: number) => boolean): void {
  const rng = new Rng(seed);
  const keys = { key: rng.bytes(64), iv: rng.bytes(16), macKey: rng.bytes(64) };
  const mac = name === undefined ? null : 'hmac-sha2-256-etm@openssh.com';
  const enc = new PacketEncoder(name ? createSealer(name, mac, keys) : plainSealer(), (n) => rng.bytes(n));
  const d = new PacketDecoder(name ? createOpener(name, mac, keys) : plainOpener());
  const payloads = Array.from({ length: 60 }, (_, i) => rng.bytes(i % 3 === 0 ? 1 + rng.int(40) : 1 + rng.int(36000)));
  const pieces: Uint8Array[] = [];
  for (const p of payloads) enc.encodeTo(p, undefined, { push: (b) => pieces.push(new Uint8Array(b)) });
  const all = new Uint8Array(Buffer.concat(pieces));
  const got: Uint8Array[] = [];
  const reused = Buffer.alloc(80000);
  let i = 0;
  for (let at = 0; at < all.length; i++) {
    // Reads of 1 byte to 80 KiB: packets inside one read, split across two, and across many.
    const n = Math.min(all.length - at, i % 7 === 0 ? 1 + rng.int(16) : 1 + rng.int(80000));
    if (owned(i)) {
      d.push(Buffer.from(all.subarray(at, at + n)), true); // a Buffer given away, as a socket's chunk is
    } else {
      // Not owned: a Buffer view of memory the caller reuses (as a socket reader does), so the
      // decoder must copy it; overwriting it afterwards must change nothing.
      reused.set(all.subarray(at, at + n));
      d.push(reused.subarray(0, n), false);
    }
    for (let p = d.next(); p !== undefined; p = d.next()) got.push(p.payload); // views kept, not copied
    reused.fill(0xee);
    at += n;
  }
  assert.equal(got.length, payloads.length);
  // Every payload handed out earlier is still intact after all later reads were processed.
  got.forEach((p, k) => {
    assert.equal(Object.getPrototypeOf(p), Uint8Array.prototype, 'the core hands out plain Uint8Arrays, never Buffers');
    assert.ok(Buffer.from(p.buffer, p.byteOffset, p.length).equals(payloads[k]!), `payload ${k} (${name ?? 'plain'}) intact`);
  });
  assert.equal(d.buffered, 0);
}

for (const name of [undefined, 'aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-ctr']) {
  test(`owned reads (${name ?? 'no cipher'}): packets inside, across and over many chunks come out whole and stay intact`, () => {
    chunkedRoundTrip(name, 11, () => true);
    chunkedRoundTrip(name, 12, (i) => i % 2 === 0); // owned and copied reads mixed
    chunkedRoundTrip(name, 13, () => false);
  });
}

test('an owned read is not copied: a packet inside it is decrypted in place when the opener can', () => {
  const rng = new Rng(3);
  const keys = { key: rng.bytes(16), iv: rng.bytes(12), macKey: new Uint8Array(0) };
  const opener = createOpener('aes128-gcm@openssh.com', null, keys);
  const enc = new PacketEncoder(createSealer('aes128-gcm@openssh.com', null, keys), (n) => rng.bytes(n));
  const pieces: Uint8Array[] = [];
  enc.encodeTo(rng.bytes(1000), undefined, { push: (b) => pieces.push(new Uint8Array(b)) });
  const chunk = new Uint8Array(Buffer.concat(pieces));
  const d = new PacketDecoder(opener);
  d.push(chunk, true);
  const p = d.next()!;
  if (opener.openInPlace) assert.equal(p.payload.buffer, chunk.buffer, 'the payload is a view of the read chunk');
  else assert.notEqual(p.payload.buffer, chunk.buffer);
  assert.equal(d.capacity, 0, 'no receive buffer of its own was needed');
});

test('packets split across reads are put together in a shared slab, not a buffer each, and it is let go when idle', (t) => {
  const rng = new Rng(5);
  const keys = { key: rng.bytes(16), iv: rng.bytes(12), macKey: new Uint8Array(0) };
  const opener = createOpener('aes128-gcm@openssh.com', null, keys);
  if (!opener.openInPlace) {
    t.skip('the native addon is not loaded: this opener cannot decrypt in place');
    return;
  }
  const enc = new PacketEncoder(createSealer('aes128-gcm@openssh.com', null, keys), (n) => rng.bytes(n));
  const payloads = Array.from({ length: 6 }, () => rng.bytes(30000));
  const pieces: Uint8Array[] = [];
  for (const p of payloads) enc.encodeTo(p, undefined, { push: (b) => pieces.push(new Uint8Array(b)) });
  const all = new Uint8Array(Buffer.concat(pieces));
  const d = new PacketDecoder(opener);
  const reads: ArrayBufferLike[] = [];
  const got: Uint8Array[] = [];
  let held = 0;
  // 20000-byte reads, as a socket hands them over: every 30 KiB packet spans two or three reads.
  for (let at = 0; at < all.length; at += 20000) {
    const chunk = new Uint8Array(all.subarray(at, at + 20000));
    reads.push(chunk.buffer);
    d.push(chunk, true);
    for (let p = d.next(); p !== undefined; p = d.next()) got.push(p.payload);
    held = Math.max(held, d.capacity);
  }
  assert.equal(got.length, payloads.length);
  got.forEach((p, k) => assert.ok(Buffer.from(p.buffer, p.byteOffset, p.length).equals(payloads[k]!), `payload ${k} intact`));
  const assembled = got.filter((p) => !reads.includes(p.buffer));
  assert.equal(assembled.length, payloads.length, 'each packet here was split, so each was put together');
  assert.equal(new Set(assembled.map((p) => p.buffer)).size, 1, 'all of them in one slab');
  assert.ok(held >= 256 * 1024, 'the slab is kept while data flows in large reads');
  // A small read after the transfer: the slab is let go (an idle connection holds nothing).
  const small = rng.bytes(20);
  const tail: Uint8Array[] = [];
  enc.encodeTo(small, undefined, { push: (b) => tail.push(new Uint8Array(b)) });
  d.push(new Uint8Array(Buffer.concat(tail)));
  assert.deepEqual(drain(d), [small]);
  assert.equal(d.capacity, 0);
});
