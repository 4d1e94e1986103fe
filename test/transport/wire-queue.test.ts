/**
 * The transmit queue: pieces come out in order; pieces that lie back to back in one buffer
 * (packets a sealer cut from one slab) go to the socket as one write, others separately.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WireQueue } from '../../src/transport/wire-queue.js';

test('drainTo joins pieces that are contiguous in one buffer, keeps the others apart, in order', () => {
  const slab = new Uint8Array(64).map((_, i) => i);
  const other = Uint8Array.of(200, 201, 202);
  const q = new WireQueue();
  q.push(slab.subarray(0, 10));
  q.endPacket();
  q.push(slab.subarray(10, 30));
  q.endPacket();
  q.push(other);
  q.endPacket();
  q.push(slab.subarray(30, 40));
  q.push(slab.subarray(50, 60)); // same buffer, not contiguous
  q.endPacket();
  const writes: Uint8Array[] = [];
  assert.equal(q.drainTo((p) => writes.push(p)), true);
  assert.deepEqual(
    writes.map((w) => [...w]),
    [[...slab.subarray(0, 30)], [...other], [...slab.subarray(30, 40)], [...slab.subarray(50, 60)]],
  );
  assert.equal(writes[0]!.buffer, slab.buffer, 'joined without copying');
  assert.equal(q.isEmpty, true);
  assert.equal(q.drainTo(() => assert.fail('nothing is left')), false);
});
