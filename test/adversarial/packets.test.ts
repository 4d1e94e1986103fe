// Hostile binary packets (RFC 4253 §6): bad MACs, bad padding, out-of-bounds and misaligned lengths,
// the 256 KiB boundary, a peer that stalls mid-packet, and one-byte-at-a-time delivery. Each victim
// must end in a typed SshError in its 'closed' event and tell the peer why (SSH_MSG_DISCONNECT),
// never throw out of receive(), never wait for bytes it should have refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DisconnectReason, SshError } from '../../src/errors.js';
import { MSG } from '../../src/messages/numbers.js';
import { Transport } from '../../src/transport/transport.js';
import { concatBytes } from '../../src/wire/writer.js';
import { eventsOf } from '../util/pair.js';
import {
  assertClosedWith,
  assertNotClosed,
  assertPeerGotDisconnect,
  disconnectReasons,
  establishedPair,
  evilVersion,
  FAST_KEX,
  ignorePayload,
  makePair,
  plainPacket,
  realOpening,
  serverConfig,
  settle,
  u32be,
  Victim,
} from './helpers.js';

const PROTOCOL_ERROR = DisconnectReason.PROTOCOL_ERROR;

/** A server that has seen a well-formed client version line (and nothing else yet). */
function serverVictim(extra: Parameters<typeof serverConfig>[0] = {}): Victim {
  return new Victim(serverConfig({ algorithms: { kex: FAST_KEX }, ...extra })).feed(evilVersion());
}

function packetWith(length: number, padding: number, bodyLength: number): Uint8Array {
  const body = new Uint8Array(bodyLength);
  body[0] = MSG.IGNORE;
  return concatBytes(u32be(length), Uint8Array.of(padding), body);
}

// ---- MAC ------------------------------------------------------------------------------------------

for (const cipher of ['chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr']) {
  test(`bad MAC: one bit flipped in the body of an encrypted packet (${cipher}) -> ERR_MAC, MAC_ERROR sent`, () => {
    const algorithms = { cipher: [cipher], mac: ['hmac-sha2-256-etm@openssh.com'] };
    const pair = establishedPair({ client: { algorithms }, server: { algorithms } });
    let tampered = 0;
    pair.tamper = (from, bytes) => {
      if (from !== 'client') return bytes;
      const b = bytes.slice();
      b[12] = b[12]! ^ 0x10; // inside the encrypted body: past the (possibly clear) 4-byte length
      tampered++;
      return b;
    };
    pair.client.t.send(Uint8Array.of(94, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5));
    settle(pair);
    assert.equal(tampered, 1);
    assertClosedWith(pair.server.events, 'ERR_MAC', 'server');
    assert.equal(pair.takePayloads(pair.server).length, 0, 'the corrupted payload was not delivered');
    // The server's DISCONNECT travels on the untouched server->client direction.
    assertPeerGotDisconnect(pair.client, DisconnectReason.MAC_ERROR, 'client');
  });
}

// ---- padding ----------------------------------------------------------------------------------------

test('padding_length < 4 in a plaintext packet -> ERR_PADDING, PROTOCOL_ERROR sent', () => {
  for (const padding of [0, 1, 3]) {
    // 4 + 12 = 16: aligned, so only the padding is wrong.
    const v = serverVictim().feed(packetWith(12, padding, 11));
    assertClosedWith(v.events, 'ERR_PADDING');
    assert.deepEqual(disconnectReasons(v.stream), [PROTOCOL_ERROR]);
  }
});

test('padding_length > packet_length - 2 (no room for a message number) -> ERR_PADDING', () => {
  for (const padding of [11, 12, 13, 255]) {
    const v = serverVictim().feed(packetWith(12, padding, 11));
    assertClosedWith(v.events, 'ERR_PADDING');
    assert.deepEqual(disconnectReasons(v.stream), [PROTOCOL_ERROR]);
  }
});

test('padding_length = packet_length - 2 (a one-byte payload) passes the packet layer', () => {
  // The one-byte payload is a bare IGNORE (dropped undecoded); strict KEX is off so that a packet
  // before KEXINIT is allowed at all.
  const v = serverVictim({ strictKex: false }).feed(packetWith(12, 10, 11));
  assertNotClosed(v.events);
  assert.deepEqual(disconnectReasons(v.stream), []);
});

// ---- packet_length bounds -----------------------------------------------------------------------------

test('packet_length 0x00100000 (1 MiB) -> ERR_PACKET_LENGTH after the 4-byte header, nothing buffered for it', () => {
  const v = serverVictim();
  const header = u32be(0x00100000);
  // Byte by byte: the victim must refuse on the 4th byte, not wait for the megabyte.
  for (let i = 0; i < 3; i++) {
    v.feed(header.subarray(i, i + 1));
    assertNotClosed(v.events);
  }
  v.feed(header.subarray(3, 4));
  assertClosedWith(v.events, 'ERR_PACKET_LENGTH');
  assert.deepEqual(disconnectReasons(v.stream), [PROTOCOL_ERROR]);
  // Once closed, more bytes are ignored (no throw, no new output, no second 'closed').
  const before = v.out.length;
  v.feed(new Uint8Array(64 * 1024));
  assert.equal(v.out.length, before);
  assert.equal(eventsOf({ t: v.t, events: v.events }, 'closed').length, 1);
});

test('packet_length 0xFFFFFFFF and 256 KiB + 4 with a few body bytes -> ERR_PACKET_LENGTH at once', () => {
  for (const len of [0xffffffff, 0x80000000, 256 * 1024 + 4]) {
    const v = serverVictim().feed(concatBytes(u32be(len), Uint8Array.of(4, MSG.IGNORE, 0, 0)));
    assertClosedWith(v.events, 'ERR_PACKET_LENGTH');
    assert.deepEqual(disconnectReasons(v.stream), [PROTOCOL_ERROR]);
  }
});

test('packet_length not a multiple of the 8-byte block (length included) -> ERR_PACKET_LENGTH', () => {
  for (const len of [13, 15, 17, 1001]) {
    const v = serverVictim().feed(concatBytes(u32be(len), new Uint8Array(3)));
    assertClosedWith(v.events, 'ERR_PACKET_LENGTH');
    assert.deepEqual(disconnectReasons(v.stream), [PROTOCOL_ERROR]);
  }
});

test('packet_length < 5 -> ERR_PACKET_LENGTH', () => {
  for (const len of [0, 1, 4]) {
    const v = serverVictim().feed(concatBytes(u32be(len), new Uint8Array(8)));
    assertClosedWith(v.events, 'ERR_PACKET_LENGTH');
    assert.deepEqual(disconnectReasons(v.stream), [PROTOCOL_ERROR]);
  }
});

test('plaintext packets at the limit: packet_length 262140 accepted, 262148 refused (strict KEX off)', () => {
  const client = realOpening({ role: 'client', strictKex: false, algorithms: { kex: FAST_KEX } });
  // 262140 = the largest 8-aligned (with the length field) packet_length <= 256 KiB.
  const data = new Uint8Array(262140 - 1 - 5 - 6);
  const big = plainPacket(ignorePayload(data));
  assert.equal(new DataView(big.buffer).getUint32(0), 262140);
  const ok = serverVictim({ strictKex: false }).feed(big, client.kexinit);
  assertNotClosed(ok.events);
  const tooBig = plainPacket(ignorePayload(new Uint8Array(data.length + 8)));
  assert.equal(new DataView(tooBig.buffer).getUint32(0), 262148);
  const bad = serverVictim({ strictKex: false }).feed(tooBig.subarray(0, 16));
  assertClosedWith(bad.events, 'ERR_PACKET_LENGTH');
});

// IGNORE data lengths giving packet_length = 262144 with the encoder's padding rule (length excluded
// from the alignment: EtM and AEAD), and the tag each construction appends.
for (const [cipher, mac, dataLen, tagLength] of [
  ['chacha20-poly1305@openssh.com', 'hmac-sha2-256-etm@openssh.com', 262131, 16],
  ['aes128-ctr', 'hmac-sha2-256-etm@openssh.com', 262123, 32],
  ['aes256-gcm@openssh.com', 'hmac-sha2-256-etm@openssh.com', 262123, 16],
] as const) {
  test(`packet_length exactly 256 KiB after kex is accepted, 256 KiB + 16 refused (${cipher})`, () => {
    const algorithms = { cipher: [cipher], mac: [mac] };
    const pair = establishedPair({ client: { algorithms }, server: { algorithms } });
    const wireSizes: number[] = [];
    pair.tamper = (from, b) => {
      if (from === 'client') wireSizes.push(b.length);
      return b;
    };
    pair.client.t.sendIgnore(new Uint8Array(dataLen));
    settle(pair);
    assert.equal(wireSizes[0], 4 + 262144 + tagLength, 'packet_length is exactly 262144');
    assertNotClosed(pair.server.events, 'server');
    pair.client.t.send(Uint8Array.of(94, 1, 2, 3));
    settle(pair);
    assert.deepEqual(pair.takePayloads(pair.server), [Uint8Array.of(94, 1, 2, 3)], 'the stream goes on after the big packet');
    pair.client.t.sendIgnore(new Uint8Array(dataLen + 16));
    settle(pair);
    assertClosedWith(pair.server.events, 'ERR_PACKET_LENGTH', 'server');
    assertPeerGotDisconnect(pair.client, PROTOCOL_ERROR, 'client');
  });
}

// ---- stalls and timeouts -----------------------------------------------------------------------------

test('a peer that stalls mid-packet: handleTimeout past the handshake deadline -> ERR_TIMEOUT', () => {
  let clock = 1_000_000;
  const v = new Victim(serverConfig({ now: () => clock, handshakeTimeoutMs: 10_000, algorithms: { kex: FAST_KEX } }));
  const client = realOpening({ role: 'client', algorithms: { kex: FAST_KEX } });
  v.feed(client.version, client.kexinit.subarray(0, 4 + 3)); // header and a few bytes of the KEXINIT
  assert.equal(v.t.pollTimeout(), 1_010_000);
  clock += 9_999;
  v.t.handleTimeout(clock);
  v.drain();
  assertNotClosed(v.events);
  clock += 1;
  assert.doesNotThrow(() => v.t.handleTimeout(clock));
  v.drain();
  assertClosedWith(v.events, 'ERR_TIMEOUT');
  assert.equal(v.t.pollTimeout(), undefined, 'no timer once closed');
});

test('a peer that never finishes its version line, or drips a byte per second, still hits the deadline', () => {
  let clock = 0;
  const silent = new Victim(serverConfig({ now: () => clock, handshakeTimeoutMs: 5_000 })).feed(new TextEncoder().encode('SSH-2.0-'));
  clock = 5_000;
  silent.t.handleTimeout(clock);
  silent.drain();
  assertClosedWith(silent.events, 'ERR_TIMEOUT');

  clock = 0;
  const client = realOpening({ role: 'client', algorithms: { kex: FAST_KEX } });
  const drip = new Victim(serverConfig({ now: () => clock, handshakeTimeoutMs: 5_000, algorithms: { kex: FAST_KEX } }));
  const bytes = concatBytes(client.version, client.kexinit);
  let i = 0;
  for (; i < bytes.length && drip.closed === undefined; i++) {
    clock += 1_000;
    drip.feed(bytes.subarray(i, i + 1));
    drip.t.handleTimeout(clock);
    drip.drain();
  }
  assertClosedWith(drip.events, 'ERR_TIMEOUT');
  assert.equal(i, 5, 'closed at the 5 s deadline although bytes kept coming');
});

test('a paired handshake with a fake clock: no timeout fires once the first kex is done', () => {
  let clock = 0;
  const pair = makePair({ client: { now: () => clock, handshakeTimeoutMs: 1_000 }, server: { now: () => clock, handshakeTimeoutMs: 1_000 } });
  settle(pair);
  clock = 10_000;
  pair.client.t.handleTimeout(clock);
  pair.server.t.handleTimeout(clock);
  settle(pair);
  assertNotClosed(pair.client.events, 'client');
  assertNotClosed(pair.server.events, 'server');
});

// ---- one byte at a time ----------------------------------------------------------------------------

for (const [cipher, mac] of [
  ['chacha20-poly1305@openssh.com', 'hmac-sha2-256-etm@openssh.com'],
  ['aes128-gcm@openssh.com', 'hmac-sha2-256-etm@openssh.com'],
  ['aes192-ctr', 'hmac-sha2-512'],
  ['aes256-ctr', 'hmac-sha2-256-etm@openssh.com'],
] as const) {
  test(`one byte at a time through kex, service, payloads and a rekey (${cipher}, ${mac})`, () => {
    const algorithms = { cipher: [cipher], mac: [mac] };
    const pair = makePair({ client: { algorithms }, server: { algorithms }, chunk: 1 });
    settle(pair);
    assert.equal(eventsOf(pair.client, 'kex').length, 1);
    assert.equal(eventsOf(pair.client, 'extInfo').length, 1, 'EXT_INFO arrived byte by byte');
    pair.client.t.requestService('ssh-userauth');
    settle(pair);
    assert.equal(pair.client.t.service, 'ssh-userauth');
    pair.server.t.send(Uint8Array.of(MSG.USERAUTH_SUCCESS));
    const big = new Uint8Array(40_000).map((_, i) => i * 7);
    big[0] = 94;
    pair.client.t.send(big);
    settle(pair);
    assert.deepEqual(pair.takePayloads(pair.server), [big]);
    assert.deepEqual(pair.takePayloads(pair.client), [Uint8Array.of(MSG.USERAUTH_SUCCESS)]);
    pair.client.t.rekey();
    settle(pair);
    assert.equal(eventsOf(pair.client, 'kex').length, 2, 'rekey finished byte by byte');
    assert.equal(eventsOf(pair.server, 'kex').length, 2);
    pair.server.t.send(Uint8Array.of(94, 9));
    settle(pair);
    assert.deepEqual(pair.takePayloads(pair.client), [Uint8Array.of(94, 9)]);
    assertNotClosed(pair.client.events, 'client');
    assertNotClosed(pair.server.events, 'server');
  });
}

// ---- floods and bombs ------------------------------------------------------------------------------

test('a server flooding bytes while the client decides on its host key is cut off (bounded buffer)', () => {
  const server = new Transport(serverConfig({ algorithms: { kex: FAST_KEX } }));
  const client = new Victim({ role: 'client', algorithms: { kex: FAST_KEX } });
  let forwarded = 0;
  for (let round = 0; round < 20 && !client.events.some((e) => e.type === 'hostKey'); round++) {
    for (; forwarded < client.out.length; forwarded++) server.receive(client.out[forwarded]!);
    for (let b = server.pollTransmit(); b !== undefined; b = server.pollTransmit()) client.feed(b);
  }
  assert.ok(client.events.some((e) => e.type === 'hostKey'), 'the client is asking about the host key');
  // The question stays unanswered; the "server" keeps sending.
  const chunk = new Uint8Array(64 * 1024);
  let sent = 0;
  while (client.closed === undefined && sent < 4 * 1024 * 1024) {
    client.feed(chunk);
    sent += chunk.length;
  }
  assertClosedWith(client.events, 'ERR_PROTOCOL');
  assert.ok(sent <= 1024 * 1024 + chunk.length, `cut off after ${sent} bytes`);
});

test('decompression bomb: a small zlib packet that inflates past the packet limit -> ERR_COMPRESSION', () => {
  const algorithms = { compression: ['zlib'] };
  const pair = establishedPair({ client: { algorithms }, server: { algorithms } });
  assert.equal(pair.server.t.algorithms?.compressionClientToServer, 'zlib');
  const wire: number[] = [];
  pair.tamper = (from, b) => {
    if (from === 'client') wire.push(b.length);
    return b;
  };
  const ok = new Uint8Array(200 * 1024);
  ok[0] = 94;
  pair.client.t.send(ok);
  settle(pair);
  assert.deepEqual(pair.takePayloads(pair.server), [ok], 'a large but legal payload inflates fine');
  const bomb = new Uint8Array(4 * 1024 * 1024); // zeros: deflates to a few KiB
  bomb[0] = 94;
  pair.client.t.send(bomb);
  settle(pair);
  assert.ok(wire[wire.length - 1]! < 64 * 1024, 'the bomb is small on the wire');
  assertClosedWith(pair.server.events, 'ERR_COMPRESSION', 'server');
  assert.equal(pair.takePayloads(pair.server).length, 0);
  assertPeerGotDisconnect(pair.client, DisconnectReason.COMPRESSION_ERROR, 'client');
});

// ---- after SSH_MSG_DISCONNECT ------------------------------------------------------------------------

test('nothing is transmitted after our SSH_MSG_DISCONNECT (RFC 4253 §11.1: the sender MUST NOT send any data)', () => {
  const calls: Array<[string, (t: Transport) => void]> = [
    ['send', (t) => t.send(Uint8Array.of(94, 1))],
    ['sendIgnore', (t) => t.sendIgnore(new Uint8Array(8))],
    ['requestService', (t) => t.requestService('ssh-connection')],
    ['rekey', (t) => t.rekey()],
    ['disconnect', (t) => t.disconnect()],
    ['handleTimeout', (t) => t.handleTimeout(Number.MAX_SAFE_INTEGER)],
  ];
  const late: string[] = [];
  for (const [name, call] of calls) {
    const pair = establishedPair({}, false);
    pair.client.t.disconnect();
    while (pair.client.t.pollTransmit() !== undefined); // the DISCONNECT itself
    try {
      call(pair.client.t);
    } catch (e) {
      // Refusing the call is fine, as a typed state error.
      assert.ok(e instanceof SshError && e.code === 'ERR_STATE', `${name} threw ${String(e)}`);
    }
    if (pair.client.t.pollTransmit() !== undefined) late.push(name);
  }
  assert.deepEqual(late, [], 'calls that put bytes on the wire after DISCONNECT');
});
