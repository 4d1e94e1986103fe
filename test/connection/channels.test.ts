// The connection protocol (RFC 4254) between two in-memory instances: many channels, flow
// control at the window and the maximum packet, half-close and close orderings, id reuse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChannelIds } from '../../src/connection/channel.js';
import { ChannelDataCodec, decodeChannelData, encodeChannelData, EXTENDED_DATA_STDERR } from '../../src/connection/messages.js';
import { SshError } from '../../src/errors.js';
import { MSG } from '../../src/messages/numbers.js';
import { assertProtocolError, concat, ConnPair, pattern, type SideName } from './pair.js';

/** Collects each channel's data per side and consumes it at once. */
function consumingReader(pair: ConnPair): Map<string, Uint8Array[]> {
  const got = new Map<string, Uint8Array[]>();
  pair.onEvent = (side, ev) => {
    if (ev.type !== 'data') return;
    const key = `${side}:${ev.id}:${ev.extendedType ?? 0}`;
    const list = got.get(key) ?? [];
    list.push(ev.data.slice());
    got.set(key, list);
    pair.side(side).consume(ev.id, ev.data.length);
  };
  return got;
}

function messageTypes(pair: ConnPair, from: SideName): number[] {
  return pair.transcript.filter((t) => t.from === from).map((t) => t.payload[0]!);
}

test('the hand-written CHANNEL_DATA codec agrees with the declarative one and decodes to a view', () => {
  const data = pattern(1, 1000);
  const p = encodeChannelData(0x01020304, data);
  assert.deepEqual(p, ChannelDataCodec.encode({ recipientChannel: 0x01020304, data }));
  const m = decodeChannelData(p);
  assert.equal(m.recipientChannel, 0x01020304);
  assert.equal(m.dataType, undefined);
  assert.deepEqual(m.data, data);
  assert.equal(m.data.buffer, p.buffer, 'a view, not a copy');
  assert.throws(() => decodeChannelData(p.subarray(0, p.length - 1)), SshError);
  assert.throws(() => decodeChannelData(Uint8Array.of(MSG.CHANNEL_DATA, 0, 0, 0)), SshError);
});

test('100 channels on one connection each carry distinct data both ways, every byte verified', () => {
  // 100 opens in one burst: above the default of 64 unanswered opens.
  const pair = new ConnPair({ defaultWindow: 64 * 1024, defaultMaxPacket: 8192 }, { defaultWindow: 48 * 1024, defaultMaxPacket: 4096, maxPendingOpens: 100 });
  const got = consumingReader(pair);
  const ids: { local: number; remote: number }[] = [];
  for (let i = 0; i < 100; i++) pair.client.openChannel('session');
  pair.pump();
  for (const req of pair.drain('server', 'open-request')) pair.server.acceptChannel(req.id);
  pair.pump();
  const confirmed = pair.drain('client', 'open-confirmed').map((e) => e.id);
  assert.equal(confirmed.length, 100);
  assert.equal(new Set(confirmed).size, 100);
  for (const local of confirmed) ids.push({ local, remote: pair.client.channelInfo(local)!.remoteId });
  assert.equal(pair.client.openChannels, 100);
  assert.equal(pair.server.openChannels, 100);

  const sizes = (i: number) => 1000 + i * 1531; // 1000 .. ~152 KB, well beyond the windows
  for (const [i, { local, remote }] of ids.entries()) {
    pair.client.write(local, pattern(i, sizes(i), 1));
    pair.server.write(remote, pattern(i, sizes(i) >> 1, 2));
    pair.server.write(remote, pattern(i, 300, 3), EXTENDED_DATA_STDERR);
  }
  pair.pump();
  for (const [i, { local, remote }] of ids.entries()) {
    assert.deepEqual(concat(got.get(`server:${remote}:0`) ?? []), pattern(i, sizes(i), 1), `client -> server, channel ${i}`);
    assert.deepEqual(concat(got.get(`client:${local}:0`) ?? []), pattern(i, sizes(i) >> 1, 2), `server -> client, channel ${i}`);
    assert.deepEqual(concat(got.get(`client:${local}:1`) ?? []), pattern(i, 300, 3), `server -> client stderr, channel ${i}`);
    assert.equal(pair.client.channelInfo(local)!.queued, 0);
    assert.equal(pair.server.channelInfo(remote)!.queued, 0);
  }
  // Every CHANNEL_DATA respected the receiver's maximum packet.
  for (const t of pair.transcript) {
    if (t.payload[0] !== MSG.CHANNEL_DATA && t.payload[0] !== MSG.CHANNEL_EXTENDED_DATA) continue;
    const len = decodeChannelData(t.payload).data.length;
    assert.ok(len <= (t.from === 'client' ? 4096 : 8192), `chunk of ${len} from ${t.from}`);
  }
  for (const { local } of ids) pair.client.close(local);
  pair.pump();
  assert.equal(pair.drain('client', 'close').length, 100);
  assert.equal(pair.drain('server', 'close').length, 100);
  assert.equal(pair.client.openChannels, 0);
  assert.equal(pair.server.openChannels, 0);
});

test('a reader that stops consuming holds the sender at the window; consuming releases it', () => {
  const WINDOW = 64 * 1024;
  const pair = new ConnPair({ defaultWindow: WINDOW, defaultMaxPacket: 16 * 1024 });
  const { local, remote } = pair.open('client');
  let unconsumed = 0;
  let maxUnconsumed = 0;
  const received: Uint8Array[] = [];
  pair.onEvent = (side, ev) => {
    if (side === 'client' && ev.type === 'data') {
      unconsumed += ev.data.length;
      maxUnconsumed = Math.max(maxUnconsumed, unconsumed);
      received.push(ev.data);
    }
  };
  const TOTAL = 1024 * 1024;
  const data = pattern(7, TOTAL);
  const queued = pair.server.write(remote, data);
  assert.equal(queued, TOTAL - WINDOW, 'everything beyond the window is queued');
  pair.pump();
  assert.equal(unconsumed, WINDOW);
  assert.equal(pair.server.channelInfo(remote)!.remoteWindow, 0);
  assert.equal(pair.server.channelInfo(remote)!.queued, TOTAL - WINDOW);
  assert.equal(pair.client.channelInfo(local)!.localWindow, 0);
  // More writes only grow the queue.
  assert.equal(pair.server.write(remote, pattern(8, 1000)), TOTAL - WINDOW + 1000);
  pair.pump();
  assert.equal(unconsumed, WINDOW);

  // Consuming less than half the window sends nothing (no WINDOW_ADJUST on every byte).
  const before = pair.transcript.length;
  pair.client.consume(local, WINDOW / 2 - 1);
  unconsumed -= WINDOW / 2 - 1;
  pair.pump();
  assert.equal(pair.transcript.length, before);
  // Consume in steps; the window never lets more than WINDOW be outstanding.
  const writable: number[] = [];
  pair.onEvent = (side, ev) => {
    if (side === 'client' && ev.type === 'data') {
      unconsumed += ev.data.length;
      maxUnconsumed = Math.max(maxUnconsumed, unconsumed);
      received.push(ev.data);
    }
    if (side === 'server' && ev.type === 'writable') writable.push(ev.queued);
  };
  while (unconsumed > 0) {
    const n = Math.min(unconsumed, 10_000);
    pair.client.consume(local, n);
    unconsumed -= n;
    pair.pump();
  }
  assert.ok(maxUnconsumed <= WINDOW, `unconsumed peaked at ${maxUnconsumed}`);
  assert.deepEqual(concat(received), concat([data, pattern(8, 1000)]));
  assert.equal(pair.server.channelInfo(remote)!.queued, 0);
  assert.ok(writable.length > 0 && writable.at(-1) === 0, 'writable events report the draining queue');
  for (let i = 1; i < writable.length; i++) assert.ok(writable[i]! < writable[i - 1]!);
});

test('a sender facing a maximum packet of 16 sends chunks of at most 16 bytes', () => {
  const pair = new ConnPair();
  const got = consumingReader(pair);
  const { local, remote } = pair.open('client', 'session', { maxPacket: 16 });
  assert.equal(pair.server.channelInfo(remote)!.remoteMaxPacket, 16);
  const data = pattern(3, 1000);
  pair.server.write(remote, data);
  pair.server.write(remote, pattern(4, 37), EXTENDED_DATA_STDERR);
  pair.pump();
  const chunks = pair.transcript.filter((t) => t.from === 'server' && (t.payload[0] === MSG.CHANNEL_DATA || t.payload[0] === MSG.CHANNEL_EXTENDED_DATA));
  assert.equal(chunks.length, Math.ceil(1000 / 16) + Math.ceil(37 / 16));
  for (const c of chunks) assert.ok(decodeChannelData(c.payload).data.length <= 16);
  assert.deepEqual(concat(got.get(`client:${local}:0`)!), data);
  assert.deepEqual(concat(got.get(`client:${local}:1`)!), pattern(4, 37));
});

test('a sender never exceeds a small window: chunks follow the window exactly', () => {
  const pair = new ConnPair({ defaultWindow: 100 });
  const { local, remote } = pair.open('client');
  pair.server.write(remote, pattern(1, 250));
  pair.pump();
  const sent = pair.transcript.filter((t) => t.from === 'server' && t.payload[0] === MSG.CHANNEL_DATA);
  assert.deepEqual(sent.map((t) => decodeChannelData(t.payload).data.length), [100]);
  pair.client.consume(local, 50); // half the window: WINDOW_ADJUST of 50
  pair.pump();
  const after = pair.transcript.filter((t) => t.from === 'server' && t.payload[0] === MSG.CHANNEL_DATA);
  assert.deepEqual(after.map((t) => decodeChannelData(t.payload).data.length), [100, 50]);
  assert.equal(pair.server.channelInfo(remote)!.queued, 100);
});

test('EOF then close: data, EOF, CLOSE in that order; the peer answers CLOSE', () => {
  const pair = new ConnPair();
  consumingReader(pair);
  const { local, remote } = pair.open('client');
  pair.client.write(local, pattern(1, 10));
  pair.client.sendEof(local);
  pair.client.close(local);
  pair.pump();
  assert.deepEqual(messageTypes(pair, 'client').slice(-3), [MSG.CHANNEL_DATA, MSG.CHANNEL_EOF, MSG.CHANNEL_CLOSE]);
  assert.deepEqual(messageTypes(pair, 'server').slice(-1), [MSG.CHANNEL_CLOSE]);
  assert.deepEqual(
    pair.events.server.filter((e) => e.type !== 'open-request').map((e) => e.type),
    ['data', 'eof', 'close'],
  );
  assert.deepEqual(pair.drain('client', 'close'), [{ type: 'close', id: local }]);
  assert.equal(pair.client.channelInfo(local), undefined);
  assert.equal(pair.server.channelInfo(remote), undefined);
});

test('half-close: after the peer EOF we may still send; after our EOF the peer may still send', () => {
  const pair = new ConnPair();
  const got = consumingReader(pair);
  const { local, remote } = pair.open('client');
  pair.client.sendEof(local);
  pair.pump();
  assert.equal(pair.drain('server', 'eof').length, 1);
  assert.equal(pair.server.channelInfo(remote)!.eofReceived, true);
  pair.server.write(remote, pattern(2, 500));
  pair.server.sendEof(remote);
  pair.server.close(remote);
  pair.pump();
  assert.deepEqual(concat(got.get(`client:${local}:0`)!), pattern(2, 500));
  assert.equal(pair.drain('client', 'eof').length, 1);
  assert.equal(pair.drain('client', 'close').length, 1);
});

test('close without EOF: no EOF is sent, both sides see close', () => {
  const pair = new ConnPair();
  const { remote } = pair.open('server', 'forwarded-tcpip');
  pair.client.close(remote);
  pair.pump();
  assert.ok(!messageTypes(pair, 'client').includes(MSG.CHANNEL_EOF));
  assert.ok(!messageTypes(pair, 'server').includes(MSG.CHANNEL_EOF));
  assert.equal(pair.drain('client', 'close').length, 1);
  assert.equal(pair.drain('server', 'close').length, 1);
  assert.equal(pair.drain('server', 'eof').length, 0);
});

test('simultaneous close from both sides: one CLOSE each, one close event each', () => {
  const pair = new ConnPair();
  const { local, remote } = pair.open('client');
  pair.client.close(local);
  pair.server.close(remote);
  const c = pair.take('client');
  const s = pair.take('server');
  pair.deliver('client', c);
  pair.deliver('server', s);
  pair.pump();
  assert.equal(messageTypes(pair, 'client').filter((t) => t === MSG.CHANNEL_CLOSE).length, 1);
  assert.equal(messageTypes(pair, 'server').filter((t) => t === MSG.CHANNEL_CLOSE).length, 1);
  assert.deepEqual(pair.drain('client', 'close'), [{ type: 'close', id: local }]);
  assert.deepEqual(pair.drain('server', 'close'), [{ type: 'close', id: remote }]);
  assert.equal(pair.client.openChannels + pair.server.openChannels, 0);
});

test('close while data is queued: CLOSE waits for the data; close({discard}) does not', () => {
  const pair = new ConnPair({ defaultWindow: 1000 });
  const { local, remote } = pair.open('client');
  const received: Uint8Array[] = [];
  pair.onEvent = (side, ev) => {
    if (side === 'client' && ev.type === 'data') received.push(ev.data);
  };
  pair.server.write(remote, pattern(5, 5000));
  pair.server.sendEof(remote);
  pair.server.close(remote);
  pair.pump();
  assert.ok(!messageTypes(pair, 'server').includes(MSG.CHANNEL_CLOSE), 'CLOSE is held behind the queued data');
  assert.ok(!messageTypes(pair, 'server').includes(MSG.CHANNEL_EOF));
  assert.equal(pair.server.channelInfo(remote)!.closeSent, false);
  // Calls after close are mistakes of the application's own.
  assert.throws(() => pair.server.write(remote, Uint8Array.of(1)), (e: unknown) => e instanceof SshError && e.code === 'ERR_STATE');
  assert.throws(() => pair.server.sendRequest(remote, 'x', false), (e: unknown) => e instanceof SshError && e.code === 'ERR_STATE');
  for (let done = 0; done < 5000; ) {
    const n = concat(received).length - done;
    pair.client.consume(local, n);
    done += n;
    pair.pump();
  }
  assert.deepEqual(concat(received), pattern(5, 5000));
  assert.deepEqual(messageTypes(pair, 'server').slice(-2), [MSG.CHANNEL_EOF, MSG.CHANNEL_CLOSE]);
  assert.deepEqual(
    pair.events.client.map((e) => e.type).filter((t) => t === 'eof' || t === 'close'),
    ['eof', 'close'],
  );

  const b = pair.open('client');
  pair.server.write(b.remote, pattern(6, 5000));
  pair.server.close(b.remote, { discard: true });
  pair.pump();
  assert.equal(pair.drain('client', 'close').at(-1)?.id, b.local);
  assert.equal(pair.server.channelInfo(b.remote), undefined);
});

test('the peer closing while our data is queued drops the queue and answers CLOSE at once', () => {
  const pair = new ConnPair({ defaultWindow: 100 });
  const { local, remote } = pair.open('client');
  pair.server.write(remote, pattern(1, 1000));
  pair.client.close(local);
  pair.pump();
  assert.equal(pair.drain('server', 'close').length, 1);
  assert.equal(pair.drain('client', 'close').length, 1);
  assert.equal(pair.server.channelInfo(remote), undefined);
  // A late write from the application about the gone channel is dropped, not an error.
  assert.equal(pair.server.write(remote, Uint8Array.of(1)), 0);
  pair.server.consume(remote, 0);
  pair.server.sendEof(remote);
  pair.server.close(remote);
  pair.server.sendRequest(remote, 'exit-status', false);
  pair.pump();
});

test('data after the peer EOF is a protocol error', () => {
  const pair = new ConnPair();
  const { local, remote } = pair.open('client');
  pair.client.sendEof(local);
  pair.pump();
  assertProtocolError(() => pair.server.receive(encodeChannelData(remote, Uint8Array.of(1, 2, 3))), /after the peer's EOF/);
});

test('data in flight after our CLOSE is dropped, but still bounded by the window', () => {
  const pair = new ConnPair({}, { defaultWindow: 100 });
  const { local, remote } = pair.open('client');
  pair.server.close(remote);
  pair.take('server'); // the CLOSE is in flight; the client has not seen it
  pair.server.receive(encodeChannelData(remote, pattern(1, 60)));
  assert.equal(pair.server.pollEvent(), undefined, 'no data event after our CLOSE');
  assert.equal(pair.server.channelInfo(remote)!.localWindow, 40);
  assertProtocolError(() => pair.server.receive(encodeChannelData(remote, pattern(1, 41))), /window/);
  void local;
});

test('ids are freed only after both CLOSEs, and are never handed out while in use', () => {
  const pair = new ConnPair();
  const a = pair.open('client');
  pair.client.close(a.local);
  pair.deliver('client', pair.take('client')); // the server got our CLOSE; its answer is in flight
  const serverClose = pair.take('server');
  assert.equal(serverClose.length, 1);
  assert.equal(pair.server.channelInfo(a.remote), undefined, 'the server has seen both CLOSEs');
  assert.deepEqual(pair.client.channelInfo(a.local)?.closeSent, true, 'our id is still held');
  const b = pair.client.openChannel('session');
  assert.notEqual(b, a.local);
  pair.deliver('server', serverClose);
  assert.equal(pair.client.channelInfo(a.local), undefined);
  assertProtocolError(() => pair.client.receive(encodeChannelData(a.local, Uint8Array.of(1))), /does not exist/);

  // The allocator: numbers go up, wrap, and skip those in use.
  const used = new Set<number>();
  const ids = new ChannelIds(4);
  for (let i = 0; i < 4; i++) used.add(ids.allocate((id) => used.has(id)));
  assert.deepEqual([...used], [0, 1, 2, 3]);
  used.delete(2);
  assert.equal(ids.allocate((id) => used.has(id)), 2);
  used.delete(0);
  assert.equal(ids.allocate((id) => used.has(id)), 0);
  assert.throws(() => ids.allocate(() => true), (e: unknown) => e instanceof SshError && e.code === 'ERR_LIMIT');
});

test('an open abandoned before its confirmation is closed as soon as it is confirmed', () => {
  const pair = new ConnPair();
  const id = pair.client.openChannel('session');
  pair.client.close(id);
  assert.throws(() => pair.client.write(id, Uint8Array.of(1)), (e: unknown) => e instanceof SshError && e.code === 'ERR_STATE');
  pair.pump();
  const req = pair.drain('server', 'open-request')[0]!;
  pair.server.acceptChannel(req.id);
  pair.pump();
  assert.deepEqual(
    pair.events.client.map((e) => e.type),
    ['open-confirmed', 'close'],
  );
  assert.equal(pair.drain('server', 'close').length, 1);
});

test('open failures reach the opener with reason and description', () => {
  const pair = new ConnPair();
  const id = pair.client.openChannel('direct-tcpip');
  pair.pump();
  const req = pair.drain('server', 'open-request')[0]!;
  assert.equal(req.channelType, 'direct-tcpip');
  pair.server.rejectChannel(req.id, 2, 'connection refused');
  assert.equal(pair.server.openChannels, 0);
  assert.throws(() => pair.server.acceptChannel(req.id), (e: unknown) => e instanceof SshError && e.code === 'ERR_STATE');
  pair.pump();
  assert.deepEqual(pair.drain('client', 'open-failed'), [{ type: 'open-failed', id, reason: 2, description: 'connection refused' }]);
  assert.equal(pair.client.openChannels, 0);
});

test('a client refuses session channels opened by the server (RFC 4254 §6.1)', () => {
  const pair = new ConnPair();
  const id = pair.server.openChannel('session');
  pair.pump();
  assert.equal(pair.events.client.length, 0);
  const failed = pair.drain('server', 'open-failed');
  assert.equal(failed[0]?.id, id);
  assert.equal(failed[0]?.reason, 1);
});

test('requests are replied to in order even when answered out of order', () => {
  const pair = new ConnPair();
  const { local, remote } = pair.open('client');
  pair.client.sendRequest(local, 'pty-req', true);
  pair.client.sendRequest(local, 'env', true);
  pair.client.sendRequest(local, 'signal', false);
  pair.client.sendRequest(local, 'shell', true);
  pair.pump();
  const reqs = pair.drain('server', 'request');
  assert.deepEqual(reqs.map((r) => [r.requestType, r.wantReply]), [['pty-req', true], ['env', true], ['signal', false], ['shell', true]]);
  const [pty, env, signal, shell] = reqs.map((r) => r.requestId) as [number, number, number, number];
  pair.server.answerRequest(remote, shell, true);
  pair.server.answerRequest(remote, signal, true); // no reply wanted: ignored
  assert.equal(pair.take('server').length, 0, 'the shell answer waits for the earlier ones');
  pair.server.answerRequest(remote, pty, false);
  const one = pair.take('server');
  assert.deepEqual(one.map((p) => p[0]), [MSG.CHANNEL_FAILURE]);
  pair.deliver('server', one);
  pair.server.answerRequest(remote, env, true);
  pair.server.answerRequest(remote, env, false); // a second answer is ignored
  pair.pump();
  assert.deepEqual(
    pair.drain('client', 'request-reply').map((r) => [r.requestType, r.ok]),
    [['pty-req', false], ['env', true], ['shell', true]],
  );
});

test('global requests are matched to replies in order, with reply data', () => {
  const pair = new ConnPair();
  const a = pair.client.globalRequest('tcpip-forward', true, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0));
  const b = pair.client.globalRequest('hostkeys-00@openssh.com', false);
  const c = pair.client.globalRequest('keepalive@openssh.com', true);
  const d = pair.client.globalRequest('cancel-tcpip-forward', true);
  assert.equal(new Set([a, b, c, d]).size, 4);
  pair.pump();
  const reqs = pair.drain('server', 'global-request');
  assert.deepEqual(reqs.map((r) => [r.name, r.wantReply]), [['tcpip-forward', true], ['hostkeys-00@openssh.com', false], ['keepalive@openssh.com', true], ['cancel-tcpip-forward', true]]);
  pair.server.answerGlobalRequest(reqs[3]!.requestId, false);
  pair.server.answerGlobalRequest(reqs[2]!.requestId, true);
  assert.equal(pair.take('server').length, 0);
  pair.server.answerGlobalRequest(reqs[0]!.requestId, true, Uint8Array.of(0, 0, 0x1f, 0x90));
  assert.throws(() => pair.server.answerGlobalRequest(reqs[0]!.requestId, true), (e: unknown) => e instanceof SshError && e.code === 'ERR_STATE');
  assert.throws(() => pair.server.answerGlobalRequest(reqs[1]!.requestId, true), (e: unknown) => e instanceof SshError && e.code === 'ERR_STATE');
  pair.pump();
  assert.deepEqual(pair.drain('client', 'global-reply'), [
    { type: 'global-reply', requestId: a, ok: true, data: Uint8Array.of(0, 0, 0x1f, 0x90) },
    { type: 'global-reply', requestId: c, ok: true, data: new Uint8Array(0) },
    { type: 'global-reply', requestId: d, ok: false, data: new Uint8Array(0) },
  ]);
});

test('the window is refilled as the application consumes, not on arrival', () => {
  const pair = new ConnPair({ defaultWindow: 1000 });
  const { local, remote } = pair.open('client');
  pair.server.write(remote, pattern(1, 3000));
  pair.pump();
  assert.equal(pair.client.channelInfo(local)!.localWindow, 0);
  assert.throws(() => pair.client.consume(local, 1001), RangeError);
  pair.client.consume(local, 499);
  assert.equal(pair.take('client').length, 0);
  pair.client.consume(local, 1);
  const adj = pair.take('client');
  assert.deepEqual(adj.map((p) => p[0]), [MSG.CHANNEL_WINDOW_ADJUST]);
  assert.equal(pair.client.channelInfo(local)!.localWindow, 500);
  pair.deliver('client', adj);
  pair.pump();
  assert.equal(pair.server.channelInfo(remote)!.queued, 1500);
});

test('write() holds the data by reference, builds each CHANNEL_DATA with one allocation, and caps the queue', () => {
  const pair = new ConnPair({}, { maxQueued: 4096 });
  const { local, remote } = pair.open('client', 'session', { window: 100 });
  const data = new Uint8Array(100 + 4096).fill(7);
  assert.equal(pair.server.write(remote, data), 4096, 'the window takes 100 bytes, the rest is queued');
  assert.throws(() => pair.server.write(remote, Uint8Array.of(1)), (e: unknown) => e instanceof SshError && e.code === 'ERR_LIMIT');
  data.fill(9, 100); // queued bytes are views of the caller's array
  const sent = pair.take('server');
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.byteLength, 9 + 100);
  assert.equal(sent[0]!.buffer.byteLength, 9 + 100, 'one exact allocation per CHANNEL_DATA');
  pair.deliver('server', sent);
  pair.collect();
  pair.client.consume(local, 100);
  pair.pump();
  const last = pair.events.client.filter((e) => e.type === 'data').at(-1)!;
  assert.ok(last.type === 'data' && last.data.every((b) => b === 9));
});
