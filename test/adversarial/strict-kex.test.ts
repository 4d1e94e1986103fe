// Strict key exchange (OpenSSH PROTOCOL §1.10, the Terrapin countermeasure) and the Terrapin attack
// itself (Bäumer, Brinkmann, Schwenk 2023: prefix truncation by sequence-number manipulation).
//
// The man in the middle is a pair.tamper proxy that splits the plaintext part of one direction into
// packets (after the identification line), can insert well-formed plaintext packets before NEWKEYS,
// and can drop bytes of the encrypted stream after NEWKEYS: it knows the length of the packet it
// drops from the (public) size of its plaintext, as the paper's attacker does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DisconnectReason } from '../../src/errors.js';
import { MSG } from '../../src/messages/numbers.js';
import { Debug, ExtInfo, ServiceRequest, Unimplemented } from '../../src/messages/transport.js';
import type { TransportConfig } from '../../src/transport/config.js';
import { concatBytes, encodeUtf8 } from '../../src/wire/writer.js';
import { eventsOf, type Pair } from '../util/pair.js';
import {
  assertClosedWith,
  assertNotClosed,
  assertPeerGotDisconnect,
  closedError,
  disconnectReasons,
  FAST_KEX,
  ignorePayload,
  junkPayload,
  makePair,
  parsePlainStream,
  PlainProxy,
  plainPacket,
  realOpening,
  serverConfig,
  settle,
  Victim,
} from './helpers.js';

type Dir = 'client' | 'server';
const PROTOCOL_ERROR = DisconnectReason.PROTOCOL_ERROR;
const SIG_ALGS = ['ssh-ed25519', 'rsa-sha2-256'];

/** Records what each side transmitted (before tampering) and routes one direction through a proxy. */
function wire(pair: Pair, proxies: Partial<Record<Dir, PlainProxy>> = {}): Record<Dir, Uint8Array[]> {
  const sent: Record<Dir, Uint8Array[]> = { client: [], server: [] };
  pair.tamper = (from, bytes) => {
    sent[from].push(bytes.slice());
    const p = proxies[from];
    return p ? p.push(bytes) : bytes;
  };
  return sent;
}

/** Wire size of a sealed packet: the encoder's padding rule, RFC 4253 §6. */
function sealedLength(payloadLength: number, o: { block: number; lengthExcluded: boolean; tag: number }): number {
  const aligned = (o.lengthExcluded ? 0 : 4) + 1 + payloadLength;
  let pad = o.block - (aligned % o.block);
  if (pad < 4) pad += o.block;
  return 4 + 1 + payloadLength + pad + o.tag;
}
const CHACHA = { block: 8, lengthExcluded: true, tag: 16 };
const GCM = { block: 16, lengthExcluded: true, tag: 16 };

/** An encrypted-stream filter that drops exactly `n` bytes (one packet) and records what it saw. */
function dropFirst(n: number, seen: number[] = []): (b: Uint8Array) => Uint8Array {
  let left = n;
  return (b) => {
    seen.push(b.length);
    const k = Math.min(left, b.length);
    left -= k;
    return b.subarray(k);
  };
}

/** Inserts `extra` packets right before the first packet of type `before` (plaintext part only). */
function insertBefore(before: number, extra: Uint8Array[], onEncrypted?: (b: Uint8Array) => Uint8Array): PlainProxy {
  let done = false;
  return new PlainProxy((payload, w) => {
    if (!done && payload[0] === before) {
      done = true;
      return [...extra.map((p) => plainPacket(p)), w];
    }
    return [w];
  }, onEncrypted);
}

/** Inserts `extra` packets right after the identification line (before KEXINIT). */
function insertFirst(extra: Uint8Array[]): PlainProxy {
  let done = false;
  return new PlainProxy((_payload, w) => {
    if (done) return [w];
    done = true;
    return [...extra.map((p) => plainPacket(p)), w];
  });
}

const INJECTIONS: Array<[string, Uint8Array]> = [
  ['IGNORE', ignorePayload(encodeUtf8('terrapin'))],
  ['DEBUG', Debug.encode({ alwaysDisplay: false, message: 'hi', languageTag: '' })],
  ['UNIMPLEMENTED', Unimplemented.encode({ sequenceNumber: 0 })],
  ['message 8', junkPayload(8)],
  ['message 19', junkPayload(19)],
  ['SERVICE_REQUEST', ServiceRequest.encode({ serviceName: 'ssh-userauth' })],
  ['EXT_INFO', ExtInfo.encode({ extensions: [] })],
  ['message 50', junkPayload(50)],
  ['message 94', junkPayload(94)],
  ['message 255', junkPayload(255)],
];

// ---- non-KEX messages during a strict initial key exchange ------------------------------------------

for (const [name, payload] of INJECTIONS) {
  for (const victim of ['client', 'server'] as const) {
    const attacker: Dir = victim === 'client' ? 'server' : 'client';
    test(`strict KEX: ${name} injected after the ${attacker}'s KEXINIT is fatal to the ${victim} (ERR_STRICT_KEX)`, () => {
      const pair = makePair();
      // Insert after KEXINIT: before the next packet (the method's first message) or NEWKEYS.
      let afterKexInit = false;
      let inserted = false;
      const proxy = new PlainProxy((p, w) => {
        if (afterKexInit && !inserted) {
          inserted = true;
          return [plainPacket(payload), w];
        }
        if (p[0] === MSG.KEXINIT) afterKexInit = true;
        return [w];
      });
      const wired = wire(pair, { [attacker]: proxy });
      settle(pair);
      assert.ok(inserted, 'the proxy inserted its packet');
      const v = pair[victim];
      assertClosedWith(v.events, 'ERR_STRICT_KEX', victim);
      assert.equal(eventsOf(v, 'kex').length, 0, 'no key exchange finished');
      assert.equal(eventsOf(v, 'debug').length, 0, 'nothing from the injected packet surfaced');
      assert.equal(eventsOf(v, 'unimplemented').length, 0);
      // The victim had not sent NEWKEYS yet: its DISCONNECT is plaintext.
      const out = parsePlainStream(concatBytes(...wired[victim]));
      assert.equal(out.sawNewKeys, false);
      assert.deepEqual(disconnectReasons(out), [PROTOCOL_ERROR]);
      assertPeerGotDisconnect(pair[attacker], PROTOCOL_ERROR, attacker);
    });
  }
}

test('strict KEX: IGNORE right before the server NEWKEYS (after the client answered the host key) is fatal', () => {
  const pair = makePair();
  wire(pair, { server: insertBefore(MSG.NEWKEYS, [ignorePayload()]) });
  settle(pair);
  assertClosedWith(pair.client.events, 'ERR_STRICT_KEX', 'client');
  // The client had sent its NEWKEYS: the server decrypts the DISCONNECT.
  assertPeerGotDisconnect(pair.server, PROTOCOL_ERROR, 'server');
});

// ---- KEXINIT must be the first packet ------------------------------------------------------------------

for (const [name, payload] of INJECTIONS.slice(0, 3)) {
  for (const victim of ['client', 'server'] as const) {
    const attacker: Dir = victim === 'client' ? 'server' : 'client';
    test(`strict KEX: ${name} before the ${attacker}'s KEXINIT makes that KEXINIT fatal to the ${victim}`, () => {
      const pair = makePair();
      const sent = wire(pair, { [attacker]: insertFirst([payload]) });
      settle(pair);
      const err = assertClosedWith(pair[victim].events, 'ERR_STRICT_KEX', victim);
      assert.match(err.message, /first packet/);
      assert.deepEqual(disconnectReasons(parsePlainStream(concatBytes(...sent[victim]))), [PROTOCOL_ERROR]);
    });
  }
}

test('strict KEX off on one side: not strict, the kex event says so, and a genuine IGNORE during kex is tolerated', () => {
  for (const off of ['client', 'server'] as const) {
    for (const sender of ['client', 'server'] as const) {
      const pair = makePair({ [off]: { strictKex: false } });
      // Sent by the peer itself (so its sequence counter agrees), after its KEXINIT, before NEWKEYS.
      pair[sender].t.sendIgnore(encodeUtf8('padding the handshake'));
      settle(pair);
      assertNotClosed(pair.client.events, 'client');
      assertNotClosed(pair.server.events, 'server');
      assert.equal(eventsOf(pair.client, 'kex')[0]?.strict, false);
      assert.equal(eventsOf(pair.server, 'kex')[0]?.strict, false);
      assert.equal(pair.client.t.strictKex, false);
    }
  }
});

test('strict KEX on both sides: the same genuine IGNORE during the initial kex is fatal', () => {
  for (const sender of ['client', 'server'] as const) {
    const receiver: Dir = sender === 'client' ? 'server' : 'client';
    const pair = makePair();
    pair[sender].t.sendIgnore(encodeUtf8('padding the handshake'));
    settle(pair);
    assertClosedWith(pair[receiver].events, 'ERR_STRICT_KEX', receiver);
    assertPeerGotDisconnect(pair[sender], PROTOCOL_ERROR, sender);
  }
  const both = makePair();
  settle(both);
  assert.equal(eventsOf(both.client, 'kex')[0]?.strict, true);
  assert.equal(eventsOf(both.server, 'kex')[0]?.strict, true);
});

test('IGNORE before KEXINIT is tolerated when strict KEX is not negotiated (victim off, or peer not offering it)', () => {
  for (const [victimStrict, peerStrict] of [
    [false, true],
    [true, false],
    [false, false],
  ] as const) {
    const server = realOpening(serverConfig({ strictKex: peerStrict, algorithms: { kex: FAST_KEX } }));
    const v = new Victim({ role: 'client', strictKex: victimStrict, algorithms: { kex: FAST_KEX } });
    v.feed(server.version, plainPacket(ignorePayload()), server.kexinit);
    assertNotClosed(v.events, `client (victim strict ${victimStrict}, peer strict ${peerStrict})`);
    // The client went on with the exchange: KEXINIT and its ECDH_INIT are out.
    assert.deepEqual(
      v.stream.packets.map((p) => p[0]),
      [MSG.KEXINIT, 30],
    );
  }
  // Control: both offering strict KEX, the same bytes are fatal.
  const server = realOpening(serverConfig({ algorithms: { kex: FAST_KEX } }));
  const v = new Victim({ role: 'client', algorithms: { kex: FAST_KEX } });
  v.feed(server.version, plainPacket(ignorePayload()), server.kexinit);
  assertClosedWith(v.events, 'ERR_STRICT_KEX');
  assert.deepEqual(disconnectReasons(v.stream), [PROTOCOL_ERROR]);
});

test('without strict KEX, a proxy that only inserts (no compensating drop) still breaks the first encrypted packet', () => {
  const cfg = { strictKex: false };
  const pair = makePair({ client: cfg, server: cfg });
  wire(pair, { server: insertBefore(MSG.NEWKEYS, [ignorePayload()]) });
  settle(pair);
  const err = closedError(pair.client.events);
  assert.ok(err && ['ERR_MAC', 'ERR_PACKET_LENGTH', 'ERR_PADDING'].includes(err.code), `client closed with ${err?.code}`);
});

// ---- sequence numbers: reset at every NEWKEYS under strict KEX -----------------------------------------

/**
 * The sequence number the peer names in SSH_MSG_UNIMPLEMENTED is the receiver's count of packets:
 * it shows directly whether the counter restarted at NEWKEYS.
 */
function unimplementedSeqAfter(pair: Pair, from: Dir): number {
  const to: Dir = from === 'client' ? 'server' : 'client';
  const before = eventsOf(pair[from], 'unimplemented').length;
  pair[from].t.send(junkPayload(15)); // an unrecognized transport message after kex
  settle(pair);
  assertNotClosed(pair[to].events, to);
  const evs = eventsOf(pair[from], 'unimplemented');
  assert.equal(evs.length, before + 1, `${to} answered UNIMPLEMENTED`);
  return evs[evs.length - 1]!.sequenceNumber;
}

for (const strict of [true, false]) {
  test(`sequence numbers ${strict ? 'restart at every NEWKEYS (strict)' : 'continue across NEWKEYS (not strict)'}, incl. after a rekey`, () => {
    const cfg: Partial<TransportConfig> = { strictKex: strict, serverSigAlgs: SIG_ALGS };
    const pair = makePair({ client: cfg, server: cfg });
    settle(pair);
    // Plaintext: client KEXINIT(0) ECDH_INIT(1) NEWKEYS(2); server KEXINIT(0) ECDH_REPLY(1) NEWKEYS(2).
    // Encrypted, strict counts restart at 0: server EXT_INFO is 0 (strict) or 3.
    assert.equal(unimplementedSeqAfter(pair, 'client'), strict ? 0 : 3);
    assert.equal(unimplementedSeqAfter(pair, 'client'), strict ? 1 : 4);
    // Server: EXT_INFO, two UNIMPLEMENTED answers, then this one.
    assert.equal(unimplementedSeqAfter(pair, 'server'), strict ? 3 : 6);
    pair.client.t.requestService('ssh-userauth');
    settle(pair);
    pair.server.t.send(Uint8Array.of(MSG.USERAUTH_SUCCESS)); // rekeying is allowed from here
    settle(pair);
    // Client so far: 2 junk, 1 UNIMPLEMENTED, SERVICE_REQUEST (strict 0-3, else 3-6); the rekey adds
    // KEXINIT, ECDH_INIT, NEWKEYS (7-9). Server: ..., SERVICE_ACCEPT, USERAUTH_SUCCESS (else 7, 8),
    // then KEXINIT, ECDH_REPLY, NEWKEYS (9-11).
    pair.client.t.rekey();
    settle(pair);
    assert.equal(eventsOf(pair.client, 'kex').length, 2, 'rekey finished');
    assert.equal(eventsOf(pair.server, 'kex').length, 2, 'rekey finished');
    assert.equal(eventsOf(pair.client, 'kex')[1]?.strict, strict);
    assert.equal(unimplementedSeqAfter(pair, 'client'), strict ? 0 : 10);
    // Server: the UNIMPLEMENTED answer (strict 0, else 12), then this one.
    assert.equal(unimplementedSeqAfter(pair, 'server'), strict ? 1 : 13);
    pair.client.t.send(Uint8Array.of(94, 1));
    settle(pair);
    assert.deepEqual(pair.takePayloads(pair.server), [Uint8Array.of(94, 1)], 'the connection keeps working');
  });
}

// ---- Terrapin ------------------------------------------------------------------------------------------

/** The server's first encrypted packet: EXT_INFO carrying server-sig-algs. */
function extInfoWireLength(cipher: { block: number; lengthExcluded: boolean; tag: number }): number {
  const p = ExtInfo.encode({ extensions: [{ name: 'server-sig-algs', value: encodeUtf8(SIG_ALGS.join(',')) }] });
  return sealedLength(p.length, cipher);
}

function terrapinServerToClient(strict: boolean, cipher: string, dims: typeof CHACHA) {
  const cfg: Partial<TransportConfig> = { strictKex: strict, serverSigAlgs: SIG_ALGS, algorithms: { cipher: [cipher] } };
  const pair = makePair({ client: cfg, server: cfg });
  const seen: number[] = [];
  const dropLength = extInfoWireLength(dims);
  wire(pair, { server: insertBefore(MSG.NEWKEYS, [ignorePayload()], dropFirst(dropLength, seen)) });
  settle(pair);
  // The proxy really dropped a whole packet: the server handed EXT_INFO over as one chunk of that size.
  assert.equal(seen[0], dropLength, 'the dropped bytes are exactly the EXT_INFO packet');
  return pair;
}

test('Terrapin server->client (strict KEX, chacha20-poly1305): detected, the client closes', () => {
  const pair = terrapinServerToClient(true, 'chacha20-poly1305@openssh.com', CHACHA);
  const err = closedError(pair.client.events);
  assert.ok(err && (err.code === 'ERR_STRICT_KEX' || err.code === 'ERR_MAC'), `client closed with ${err?.code}`);
  assertClosedWith(pair.client.events, err.code, 'client');
  assert.equal(eventsOf(pair.client, 'kex').length, 0, 'the client never considers the exchange complete');
  assertPeerGotDisconnect(pair.server, err.disconnectReason!, 'server');
});

test('Terrapin server->client (strict KEX, aes256-gcm): detected', () => {
  const pair = terrapinServerToClient(true, 'aes256-gcm@openssh.com', GCM);
  const err = closedError(pair.client.events);
  assert.ok(err && (err.code === 'ERR_STRICT_KEX' || err.code === 'ERR_MAC'), `client closed with ${err?.code}`);
});

test('Terrapin server->client CONTROL (no strict KEX, chacha20-poly1305): the known weakness, EXT_INFO silently gone', () => {
  // Without strict KEX the inserted IGNORE shifts the client's receive counter by one and dropping the
  // server's packet 3 shifts it back: every later chacha20-poly1305 nonce matches. This is the
  // vulnerability strict KEX exists to close; the test proves the proxy above is a real attack.
  const pair = terrapinServerToClient(false, 'chacha20-poly1305@openssh.com', CHACHA);
  assertNotClosed(pair.client.events, 'client');
  assertNotClosed(pair.server.events, 'server');
  assert.equal(eventsOf(pair.client, 'kex').length, 1, 'the client finished kex');
  assert.equal(eventsOf(pair.client, 'kex')[0]?.strict, false);
  assert.equal(eventsOf(pair.client, 'extInfo').length, 0, 'but never saw EXT_INFO');
  assert.equal(pair.client.t.serverSigAlgs, undefined, 'server-sig-algs was stripped');
  pair.client.t.requestService('ssh-userauth');
  settle(pair);
  assert.equal(pair.client.t.service, 'ssh-userauth', 'and the connection carries on undisturbed');
  assertNotClosed(pair.client.events, 'client');
});

test('Terrapin server->client CONTROL (no strict KEX, aes256-gcm): the GCM invocation counter catches it (ERR_MAC)', () => {
  const pair = terrapinServerToClient(false, 'aes256-gcm@openssh.com', GCM);
  // EXT_INFO is gone and nothing else has come yet: the next server packet fails to authenticate.
  pair.client.t.requestService('ssh-userauth');
  settle(pair);
  assertClosedWith(pair.client.events, 'ERR_MAC', 'client');
});

function terrapinClientToServer(strict: boolean) {
  const cfg: Partial<TransportConfig> = { strictKex: strict, algorithms: { cipher: ['chacha20-poly1305@openssh.com'] } };
  const pair = makePair({ client: cfg, server: cfg });
  const seen: number[] = [];
  const dropLength = sealedLength(ServiceRequest.encode({ serviceName: 'ssh-userauth' }).length, CHACHA);
  wire(pair, { client: insertBefore(MSG.NEWKEYS, [ignorePayload()], dropFirst(dropLength, seen)) });
  settle(pair);
  if (closedError(pair.server.events) === undefined) {
    pair.client.t.requestService('ssh-userauth'); // the client's first encrypted packet: dropped
    settle(pair);
    assert.equal(seen[0], dropLength, 'the dropped bytes are exactly the SERVICE_REQUEST packet');
  }
  return pair;
}

test('Terrapin client->server (strict KEX): detected by the server', () => {
  const pair = terrapinClientToServer(true);
  const err = closedError(pair.server.events);
  assert.ok(err && (err.code === 'ERR_STRICT_KEX' || err.code === 'ERR_MAC'), `server closed with ${err?.code}`);
  assertClosedWith(pair.server.events, err.code, 'server');
  assert.equal(eventsOf(pair.server, 'kex').length, 0);
  // The server had sent NEWKEYS before the client's arrived: the client decrypts the DISCONNECT.
  assertPeerGotDisconnect(pair.client, err.disconnectReason!, 'client');
});

test('Terrapin client->server CONTROL (no strict KEX): the SERVICE_REQUEST vanishes undetected', () => {
  const pair = terrapinClientToServer(false);
  assertNotClosed(pair.server.events, 'server');
  assert.equal(eventsOf(pair.server, 'kex').length, 1);
  assert.equal(eventsOf(pair.server, 'service').length, 0, 'the server never saw the request');
  assert.equal(pair.client.t.service, undefined, 'the client waits for an answer that will not come');
  // Later client packets still authenticate: the server reads the client's DISCONNECT.
  pair.client.t.sendIgnore(encodeUtf8('still in sync'));
  pair.client.t.disconnect(DisconnectReason.BY_APPLICATION, 'bye');
  settle(pair);
  assertPeerGotDisconnect(pair.server, DisconnectReason.BY_APPLICATION, 'server');
});
