// The sealer's slab: a full slab is cut again only once every slice of it was written (the
// writer's mark came back), never before; the decoder's slab (no reuse) never is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Slab } from '../../src/crypto/packet-util.js';

const KiB = 1024;

/** Cuts 32 KiB slices until one comes from a different slab than `than`; returns that slice. */
function nextSlab(s: Slab, than: ArrayBufferLike): Uint8Array {
  for (let i = 0; i < 100; i++) {
    const c = s.cut(32 * KiB);
    if (c.buffer !== than) return c;
  }
  throw new Error('no new slab');
}

test('a full slab is reused only after the mark covering its slices was reported written', () => {
  const s = new Slab(256 * KiB, true);
  const first = s.cut(32 * KiB).buffer;
  const second = nextSlab(s, first).buffer; // the first is full and retired
  const m = s.mark();
  // Not yet written: the next slab must be new memory.
  const third = nextSlab(s, second).buffer;
  assert.notEqual(third, first, 'a slab was reused while its slices could still be queued in the socket');
  s.written(m); // the first and second slabs' slices (epoch <= m) are written
  const fourth = nextSlab(s, third).buffer;
  assert.ok(fourth === first || fourth === second, 'a written slab was not reused');
  // A slab retired after the mark (the third) is not covered by it.
  const fifth = nextSlab(s, fourth).buffer;
  assert.notEqual(fifth, third);
});

test('rewind frees every retired slab; without reuse nothing is ever cut twice', () => {
  const s = new Slab(256 * KiB, true);
  const first = s.cut(32 * KiB).buffer;
  nextSlab(s, first);
  s.rewind();
  const seen = new Set<ArrayBufferLike>();
  for (let i = 0; i < 32; i++) seen.add(s.cut(32 * KiB).buffer);
  assert.ok(seen.has(first), 'rewind: the retired slab came back');

  const d = new Slab(256 * KiB);
  const all = new Set<ArrayBufferLike>();
  let slabs = 0;
  let last: ArrayBufferLike | undefined;
  for (let i = 0; i < 64; i++) {
    const b = d.cut(32 * KiB).buffer;
    if (b !== last) slabs++;
    last = b;
    all.add(b);
    if (i % 8 === 0) d.written(d.mark());
  }
  assert.equal(all.size, slabs, 'a slab without reuse was cut twice');
});
