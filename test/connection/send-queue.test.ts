// The channel send queue: small writes are gathered into full packets (fewer, fuller packets on
// the hot path), without mixing data types or reordering, and transmitTo hands channel data
// beside its header, by reference.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SendQueue } from '../../src/connection/channel.js';
import { decodeChannelData, EXTENDED_DATA_STDERR } from '../../src/connection/messages.js';
import { MSG } from '../../src/messages/numbers.js';
import { concat, ConnPair, pattern } from './pair.js';

test('SendQueue.take: a view of one large chunk, small chunks gathered up to the limit, never across data types', () => {
  const q = new SendQueue();
  const big = pattern(1, 100);
  q.push(big, undefined);
  const v = q.take(40);
  assert.equal(v.buffer, big.buffer, 'a view, not a copy');
  assert.deepEqual(v, big.subarray(0, 40));
  q.push(pattern(2, 10), undefined);
  q.push(pattern(3, 10), undefined);
  q.push(pattern(4, 10), EXTENDED_DATA_STDERR);
  q.push(pattern(5, 10), undefined);
  // 60 left of `big`, then 10 + 10: the next take of up to 75 gathers 60 + 10 + 5.
  assert.deepEqual(q.take(75), concat([big.subarray(40), pattern(2, 10), pattern(3, 10).subarray(0, 5)]));
  assert.deepEqual(q.take(75), pattern(3, 10).subarray(5), 'stops before the stderr chunk');
  assert.equal(q.nextExt, EXTENDED_DATA_STDERR);
  assert.deepEqual(q.take(75), pattern(4, 10));
  assert.deepEqual(q.take(75), pattern(5, 10));
  assert.equal(q.bytes, 0);
});

test('small writes queued behind the window leave in full packets once it opens, every byte in order', () => {
  const pair = new ConnPair();
  const { local, remote } = pair.open('client', 'session', {}, { window: 16 * 1024, maxPacket: 4096 });
  const chunks = Array.from({ length: 1000 }, (_, i) => pattern(i, 100));
  for (const c of chunks) pair.client.write(local, c);
  // While the window is open each write leaves at once (no added latency); then they queue.
  const first = pair.take('client');
  const firstSizes = first.map((p) => decodeChannelData(p).data.length);
  assert.deepEqual(firstSizes, [...Array<number>(163).fill(100), 84], 'one packet per write until the 16 KiB window is used up');
  const sizes: number[] = [];
  const got: Uint8Array[] = [];
  pair.onEvent = (side, ev) => {
    if (side !== 'server' || ev.type !== 'data') return;
    got.push(ev.data.slice());
    pair.server.consume(ev.id, ev.data.length);
  };
  pair.deliver('client', first);
  pair.collect();
  const received = () => got.reduce((n, g) => n + g.length, 0);
  for (let round = 0; round < 100 && received() < 100_000; round++) {
    pair.flush('server'); // WINDOW_ADJUST
    const ps = pair.take('client');
    sizes.push(...ps.map((p) => decodeChannelData(p).data.length));
    pair.deliver('client', ps);
    pair.collect();
  }
  // Full 4 KiB packets (the peer's maximum) except where the window or the queue ran out.
  assert.ok(sizes.filter((n) => n === 4096).length >= sizes.length - 12, `packet sizes ${sizes.join(' ')}`);
  assert.deepEqual(concat(got), concat(chunks));
  assert.equal(pair.client.channelInfo(local)!.remoteId, remote);
});

test('transmitTo hands channel data by reference beside its header; pollTransmit joins them', () => {
  const pair = new ConnPair();
  const { local } = pair.open('client', 'session', {}, { maxPacket: 1000 });
  const data = pattern(9, 2500);
  pair.client.write(local, data);
  const parts: Array<{ head: Uint8Array; tail: Uint8Array | undefined }> = [];
  pair.client.transmitTo((head, tail) => parts.push({ head, tail }));
  assert.deepEqual(
    parts.map((p) => [p.head.length, p.tail?.length]),
    [
      [9, 1000],
      [9, 1000],
      [9, 500],
    ],
  );
  for (const p of parts) {
    assert.equal(p.head[0], MSG.CHANNEL_DATA);
    assert.equal(p.tail!.buffer, data.buffer, 'by reference');
  }
  pair.client.write(local, pattern(10, 10), EXTENDED_DATA_STDERR);
  const whole = pair.client.pollTransmit()!;
  const m = decodeChannelData(whole);
  assert.equal(m.dataType, EXTENDED_DATA_STDERR);
  assert.deepEqual(m.data, pattern(10, 10));
});
