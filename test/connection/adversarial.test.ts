// A hostile peer against the connection protocol: window overflow, window arithmetic past
// 2^32-1, messages for channels that do not exist or are not open, duplicate answers, floods of
// opens and requests, maximum packet 0, oversized requests, and names that look like
// Object.prototype members. Each violation must end the connection with PROTOCOL_ERROR (the
// engine sends the DISCONNECT); floods must be refused without the tables growing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionProtocol } from '../../src/connection/connection.js';
import {
  ChannelClose,
  ChannelEof,
  ChannelOpen,
  ChannelOpenConfirmation,
  ChannelOpenFailure,
  ChannelRequest,
  ChannelSuccess,
  ChannelWindowAdjust,
  encodeChannelData,
  encodeChannelExtendedData,
  GlobalRequest,
  isConnectionMessage,
  OpenFailureReason,
  RequestSuccess,
} from '../../src/connection/messages.js';
import { decodeEnv, decodeSessionRequest, encodeEnv } from '../../src/connection/session-requests.js';
import { WireError } from '../../src/errors.js';
import { MSG } from '../../src/messages/numbers.js';
import { assertProtocolError, ConnPair } from './pair.js';

const open = (sender: number, opts: { type?: string; window?: number; maxPacket?: number; data?: Uint8Array } = {}) =>
  ChannelOpen.encode({
    channelType: opts.type ?? 'session',
    senderChannel: sender,
    initialWindowSize: opts.window ?? 65536,
    maximumPacketSize: opts.maxPacket ?? 32768,
    typeSpecific: opts.data ?? new Uint8Array(0),
  });
const request = (recipient: number, type: string, wantReply: boolean, data: Uint8Array = new Uint8Array(0)) =>
  ChannelRequest.encode({ recipientChannel: recipient, requestType: type, wantReply, data });

function drainAll<T>(poll: () => T | undefined): T[] {
  const out: T[] = [];
  for (let x = poll(); x !== undefined; x = poll()) out.push(x);
  return out;
}

test('a peer sending beyond our window is a protocol error (extended data counts too)', () => {
  const pair = new ConnPair();
  const { local } = pair.open('client', 'session', { window: 1000, maxPacket: 100 });
  pair.client.receive(encodeChannelData(local, new Uint8Array(600))); // above max packet, inside the window: taken
  pair.client.receive(encodeChannelExtendedData(local, 1, new Uint8Array(400)));
  assert.equal(pair.client.channelInfo(local)!.localWindow, 0);
  assertProtocolError(() => pair.client.receive(encodeChannelData(local, Uint8Array.of(1))), /only 0 left in the window/);

  const fresh = new ConnPair();
  const b = fresh.open('client', 'session', { window: 10 });
  assertProtocolError(() => fresh.client.receive(encodeChannelExtendedData(b.local, 1, new Uint8Array(11))), /11 bytes .* only 10 left/);
});

test('WINDOW_ADJUST that would push the window past 2^32-1 is a protocol error', () => {
  const pair = new ConnPair({ defaultWindow: 2 * 1024 * 1024 });
  const { remote } = pair.open('client');
  const w = pair.server.channelInfo(remote)!.remoteWindow;
  pair.server.receive(ChannelWindowAdjust.encode({ recipientChannel: remote, bytesToAdd: 0xffffffff - w }));
  assert.equal(pair.server.channelInfo(remote)!.remoteWindow, 0xffffffff, 'exactly 2^32-1 is allowed');
  assertProtocolError(() => pair.server.receive(ChannelWindowAdjust.encode({ recipientChannel: remote, bytesToAdd: 1 })), /past 2\^32-1/);
  const again = new ConnPair();
  const c = again.open('client');
  assertProtocolError(() => again.server.receive(ChannelWindowAdjust.encode({ recipientChannel: c.remote, bytesToAdd: 0xffffffff })), /past 2\^32-1/);
});

test('messages for channels that do not exist or are not confirmed are protocol errors', () => {
  const pair = new ConnPair();
  const onUnknown = [
    encodeChannelData(4242, Uint8Array.of(1)),
    encodeChannelExtendedData(4242, 1, Uint8Array.of(1)),
    ChannelWindowAdjust.encode({ recipientChannel: 4242, bytesToAdd: 1 }),
    ChannelEof.encode({ recipientChannel: 4242 }),
    ChannelClose.encode({ recipientChannel: 4242 }),
    request(4242, 'shell', true),
    ChannelSuccess.encode({ recipientChannel: 4242 }),
  ];
  for (const p of onUnknown) assertProtocolError(() => pair.client.receive(p), /channel 4242, which does not exist/);

  // Our open, not yet confirmed: the peer cannot know our number yet.
  const opening = pair.client.openChannel('session');
  assertProtocolError(() => pair.client.receive(encodeChannelData(opening, Uint8Array.of(1))), /not open yet \(unconfirmed\)/);
  // The peer's open, not yet accepted by the application.
  pair.server.receive(open(7));
  const pending = pair.server.pollEvent();
  assert.equal(pending?.type, 'open-request');
  assertProtocolError(() => pair.server.receive(ChannelEof.encode({ recipientChannel: pending.id })), /not open yet \(not accepted\)/);
});

test('confirmations and failures for channels we did not open, or twice, are protocol errors', () => {
  const pair = new ConnPair();
  const conf = (recipient: number, maxPacket = 32768) =>
    ChannelOpenConfirmation.encode({ recipientChannel: recipient, senderChannel: 1, initialWindowSize: 100, maximumPacketSize: maxPacket, typeSpecific: new Uint8Array(0) });
  assertProtocolError(() => pair.client.receive(conf(99)), /CONFIRMATION for channel 99, which we never opened/);
  const { local } = pair.open('client');
  assertProtocolError(() => pair.client.receive(conf(local)), /already open \(duplicate answer\)/);
  assertProtocolError(
    () => pair.client.receive(ChannelOpenFailure.encode({ recipientChannel: local, reasonCode: 2, description: 'x', languageTag: '' })),
    /already open/,
  );
  pair.client.receive(open(5, { type: 'forwarded-tcpip' }));
  const req = pair.client.pollEvent();
  assert.equal(req?.type, 'open-request');
  assertProtocolError(() => pair.client.receive(conf(req.id)), /which the peer itself opened/);
  // After an OPEN_FAILURE the number is gone: a second answer is for an unknown channel.
  const id = pair.client.openChannel('direct-tcpip');
  const failure = ChannelOpenFailure.encode({ recipientChannel: id, reasonCode: 2, description: 'no', languageTag: '' });
  pair.client.receive(failure);
  assertProtocolError(() => pair.client.receive(failure), /never opened/);
});

test('an OPEN_FAILURE without a language tag or with invalid UTF-8 text is still understood', () => {
  const c = new ConnectionProtocol({ role: 'client' });
  const id = c.openChannel('direct-tcpip');
  const p = Uint8Array.of(MSG.CHANNEL_OPEN_FAILURE, 0, 0, 0, id, 0, 0, 0, 2, 0, 0, 0, 2, 0x6e, 0xff);
  c.receive(p);
  const ev = drainAll(() => c.pollEvent()).at(-1);
  assert.equal(ev?.type, 'open-failed');
  assert.ok(ev?.type === 'open-failed' && ev.reason === 2 && ev.description.startsWith('n'));
});

test('a flood of opens is refused with RESOURCE_SHORTAGE and the table stays bounded', () => {
  const server = new ConnectionProtocol({ role: 'server' });
  for (let i = 0; i < 10_000; i++) server.receive(open(i));
  const events = drainAll(() => server.pollEvent());
  assert.equal(events.length, 256, 'maxPendingOpens (256) opens reach the application');
  assert.equal(server.openChannels, 256);
  const out = drainAll(() => server.pollTransmit());
  assert.equal(out.length, 10_000 - 256);
  for (const p of out) {
    const f = ChannelOpenFailure.decode(p);
    assert.equal(f.reasonCode, OpenFailureReason.RESOURCE_SHORTAGE);
  }
  assert.match(ChannelOpenFailure.decode(out[0]!).description, /awaiting an answer/);

  // An application that accepts everything meets maxChannels instead.
  const s2 = new ConnectionProtocol({ role: 'server', maxChannels: 100 });
  let refused = 0;
  for (let i = 0; i < 1000; i++) {
    s2.receive(open(i));
    for (const ev of drainAll(() => s2.pollEvent())) if (ev.type === 'open-request') s2.acceptChannel(ev.id);
    for (const p of drainAll(() => s2.pollTransmit())) {
      if (p[0] === MSG.CHANNEL_OPEN_FAILURE) {
        refused++;
        assert.equal(ChannelOpenFailure.decode(p).reasonCode, OpenFailureReason.RESOURCE_SHORTAGE);
      }
    }
  }
  assert.equal(s2.openChannels, 100);
  assert.equal(refused, 900);
  assert.throws(() => s2.openChannel('session'), (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'ERR_LIMIT');
});

test('a maximum packet of 0 is refused: OPEN_FAILURE for their open, protocol error for their confirmation', () => {
  const server = new ConnectionProtocol({ role: 'server' });
  server.receive(open(3, { maxPacket: 0 }));
  assert.equal(server.pollEvent(), undefined);
  const f = ChannelOpenFailure.decode(server.pollTransmit()!);
  assert.equal(f.recipientChannel, 3);
  assert.equal(f.reasonCode, OpenFailureReason.ADMINISTRATIVELY_PROHIBITED);
  assert.match(f.description, /maximum packet size 0/);
  assert.equal(server.openChannels, 0);

  const client = new ConnectionProtocol({ role: 'client' });
  const id = client.openChannel('session');
  assertProtocolError(
    () =>
      client.receive(
        ChannelOpenConfirmation.encode({ recipientChannel: id, senderChannel: 0, initialWindowSize: 1 << 20, maximumPacketSize: 0, typeSpecific: new Uint8Array(0) }),
      ),
    /maximum packet size 0/,
  );

  // A maximum packet of 1 is absurd but makes progress: one byte per message, no spinning.
  const pair = new ConnPair();
  const { remote } = pair.open('client', 'session', { maxPacket: 1 });
  pair.server.write(remote, new Uint8Array(100));
  assert.equal(drainAll(() => pair.server.pollTransmit()).length, 100);
});

test('oversized channel and global requests are protocol errors', () => {
  const pair = new ConnPair({}, { maxRequestSize: 1024 });
  const { remote } = pair.open('client');
  const limit = 1024;
  const overhead = request(remote, 'env', false).length;
  pair.server.receive(request(remote, 'env', false, new Uint8Array(limit - overhead)));
  assertProtocolError(() => pair.server.receive(request(remote, 'env', false, new Uint8Array(limit - overhead + 1))), /CHANNEL_REQUEST of 1025 bytes exceeds the limit of 1024/);
  assertProtocolError(
    () => pair.server.receive(GlobalRequest.encode({ name: 'x', wantReply: true, data: new Uint8Array(2000) })),
    /GLOBAL_REQUEST of \d+ bytes exceeds/,
  );
  assertProtocolError(() => pair.server.receive(open(1, { data: new Uint8Array(2000) })), /CHANNEL_OPEN of \d+ bytes exceeds/);
  // The default bound is 256 KiB.
  const d = new ConnectionProtocol({ role: 'server' });
  assertProtocolError(() => d.receive(GlobalRequest.encode({ name: 'x', wantReply: false, data: new Uint8Array(256 * 1024) })), /exceeds the limit of 262144/);
});

test('unanswered want-reply requests are bounded; unsolicited replies are protocol errors', () => {
  const pair = new ConnPair();
  const { local, remote } = pair.open('client');
  for (let i = 0; i < 256; i++) pair.server.receive(request(remote, 'env', true, encodeEnv('A', 'b')));
  assertProtocolError(() => pair.server.receive(request(remote, 'env', true)), /256 unanswered requests on channel/);
  pair.server.receive(request(remote, 'env', false)); // no reply wanted: nothing to hold
  const g = new ConnectionProtocol({ role: 'server' });
  for (let i = 0; i < 256; i++) g.receive(GlobalRequest.encode({ name: 'keepalive@openssh.com', wantReply: true, data: new Uint8Array(0) }));
  assertProtocolError(() => g.receive(GlobalRequest.encode({ name: 'k', wantReply: true, data: new Uint8Array(0) })), /256 unanswered global requests/);

  assertProtocolError(() => pair.client.receive(ChannelSuccess.encode({ recipientChannel: local })), /no request awaiting a reply/);
  assertProtocolError(() => pair.client.receive(RequestSuccess.encode({ data: new Uint8Array(0) })), /without a global request awaiting a reply/);
  assertProtocolError(() => pair.client.receive(Uint8Array.of(MSG.REQUEST_FAILURE)), /without a global request/);
});

test('malformed and unassigned messages are rejected', () => {
  const pair = new ConnPair();
  const { local } = pair.open('client');
  const data = encodeChannelData(local, Uint8Array.of(1, 2, 3));
  assert.throws(() => pair.client.receive(data.subarray(0, 10)), WireError);
  assert.throws(() => pair.client.receive(Uint8Array.of(MSG.CHANNEL_EOF, 0, 0)), WireError);
  assertProtocolError(() => pair.client.receive(Uint8Array.of(MSG.CHANNEL_EOF, 0, 0, 0, local, 1)), /malformed SSH_MSG_CHANNEL_EOF/);
  assertProtocolError(() => pair.client.receive(Uint8Array.of(101)), /101 is not a connection protocol message/);
  assertProtocolError(() => pair.client.receive(new Uint8Array(0)), /not a connection protocol message/);
  assert.deepEqual(
    Array.from({ length: 48 }, (_, i) => 80 + i).filter(isConnectionMessage),
    [80, 81, 82, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100],
  );
});

test('names like __proto__ and constructor are plain values', () => {
  const protoNames = Object.getOwnPropertyNames(Object.prototype).sort();
  const pair = new ConnPair();
  const events: string[] = [];
  pair.onEvent = (side, ev) => {
    if (side !== 'server') return;
    if (ev.type === 'open-request') {
      events.push(`open:${ev.channelType}`);
      pair.server.acceptChannel(ev.id);
    }
    if (ev.type === 'request') {
      events.push(`request:${ev.requestType}`);
      if (ev.requestType === 'env') {
        const env = decodeEnv(ev.data);
        events.push(`env:${env.name}=${env.value}`);
      }
      assert.equal(decodeSessionRequest(ev.requestType, ev.data) === undefined, ev.requestType !== 'env');
      if (ev.wantReply) pair.server.answerRequest(ev.id, ev.requestId, false);
    }
    if (ev.type === 'global-request') {
      events.push(`global:${ev.name}`);
      if (ev.wantReply) pair.server.answerGlobalRequest(ev.requestId, false);
    }
  };
  const id = pair.client.openChannel('__proto__');
  pair.client.globalRequest('__proto__', true);
  pair.client.globalRequest('constructor', true);
  pair.pump();
  for (const name of ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString']) {
    pair.client.sendRequest(id, 'env', true, encodeEnv(name, 'polluted'));
  }
  pair.client.sendRequest(id, '__proto__', true);
  pair.client.sendRequest(id, 'constructor', true);
  pair.client.sendRequest(id, 'valueOf', false);
  pair.pump();
  assert.deepEqual(events, [
    'open:__proto__',
    'global:__proto__',
    'global:constructor',
    'request:env',
    'env:__proto__=polluted',
    'request:env',
    'env:constructor=polluted',
    'request:env',
    'env:prototype=polluted',
    'request:env',
    'env:hasOwnProperty=polluted',
    'request:env',
    'env:toString=polluted',
    'request:__proto__',
    'request:constructor',
    'request:valueOf',
  ]);
  assert.deepEqual(pair.drain('client', 'request-reply').map((r) => r.ok), [false, false, false, false, false, false, false]);
  assert.deepEqual(pair.drain('client', 'global-reply').map((r) => r.ok), [false, false]);
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoNames);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal(typeof ({} as { hasOwnProperty: unknown }).hasOwnProperty, 'function');
  assert.equal(pair.client.channelInfo(id)?.type, '__proto__');
});
