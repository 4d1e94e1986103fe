// Every message number 0-255, sent by the peer in each transport state, gets the answer the RFCs
// prescribe (RFC 4253 §§7.1, 10, 11; OpenSSH PROTOCOL §1.10 for strict KEX), as hush implements it:
//
//   (a) before the peer's KEXINIT            (b) during the initial kex, strict KEX
//   (c) during the initial kex, not strict   (d) after kex, before any service
//   (e) after the service was accepted
//
// The expected answer is a function of the number per state; every cell is run on a fresh
// connection and all mismatches are reported together. Before NEWKEYS the victim is driven by hand
// and its plaintext output is decoded; after NEWKEYS the cell is injected through the peer
// transport's own send() (which writes any payload, transport numbers included, when no key
// exchange is running) and the victim's answer is read from what the peer decrypts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DisconnectReason, PeerDisconnectError, SshError, type SshErrorCode } from '../../src/errors.js';
import { MSG } from '../../src/messages/numbers.js';
import { Debug, Disconnect, ExtInfo, ServiceAccept, ServiceRequest, Unimplemented } from '../../src/messages/transport.js';
import type { TransportConfig } from '../../src/transport/config.js';
import type { TransportEvent } from '../../src/transport/events.js';
import { encodeUtf8 } from '../../src/wire/writer.js';
import { eventsOf, type Pair } from '../util/pair.js';
import {
  closedError,
  disconnectReasons,
  establishedPair,
  FAST_KEX,
  ignorePayload,
  junkPayload,
  plainPacket,
  realOpening,
  serverConfig,
  settle,
  unimplementedSeqs,
  Victim,
} from './helpers.js';

type Role = 'client' | 'server';
type State = 'a' | 'b' | 'c' | 'd' | 'e';
const PROTOCOL_ERROR = DisconnectReason.PROTOCOL_ERROR;

type Expect =
  | { kind: 'ignored' } // dropped silently, no answer
  | { kind: 'unimplemented' } // SSH_MSG_UNIMPLEMENTED naming the packet's sequence number
  | { kind: 'event'; event: TransportEvent['type'] } // surfaced to the layer above
  | { kind: 'peerDisconnect' } // closed with PeerDisconnectError, nothing sent back
  | { kind: 'fatal'; codes: readonly SshErrorCode[]; reasons: readonly number[] } // SshError + DISCONNECT(reason)
  | { kind: 'kexinit' }; // a KEXINIT the victim takes (starts or continues a key exchange)

const IGNORED: Expect = { kind: 'ignored' };
const UNIMPL: Expect = { kind: 'unimplemented' };
const PEER_DISC: Expect = { kind: 'peerDisconnect' };
const KEXINIT: Expect = { kind: 'kexinit' };
const event = (e: TransportEvent['type']): Expect => ({ kind: 'event', event: e });
const fatal = (code: SshErrorCode, reason: number = PROTOCOL_ERROR): Expect => ({ kind: 'fatal', codes: [code], reasons: [reason] });
/** A 30-49 message the negotiated method does not expect, or cannot decode. */
const KEX_FAIL: Expect = {
  kind: 'fatal',
  codes: ['ERR_PROTOCOL', 'ERR_KEX', 'ERR_WIRE'],
  reasons: [PROTOCOL_ERROR, DisconnectReason.KEY_EXCHANGE_FAILED],
};

const isKexMethod = (n: number) => n >= 30 && n <= 49;
/** Numbers no transport state recognizes: 0, 8-19, 22-29 (RFC 4250 §4.1.2 assigns none of them). */
const isUnassignedTransport = (n: number) => n === 0 || (n >= 8 && n <= 19) || (n >= 22 && n <= 29);

/** Generic transport messages (RFC 4253 §11), the same in every state except strict KEX. */
function generic(n: number): Expect | undefined {
  if (n === MSG.DISCONNECT) return PEER_DISC;
  if (n === MSG.IGNORE) return IGNORED;
  if (n === MSG.UNIMPLEMENTED) return event('unimplemented');
  if (n === MSG.DEBUG) return event('debug');
  return undefined;
}

function expected(state: State, n: number, victim: Role): Expect {
  switch (state) {
    case 'a': // before the peer's KEXINIT: only generic messages and KEXINIT make sense
      if (generic(n)) return generic(n)!;
      if (n === MSG.KEXINIT) return KEXINIT;
      if (isUnassignedTransport(n)) return UNIMPL;
      return fatal('ERR_PROTOCOL'); // 5-7, NEWKEYS, 30-49, >= 50: out of order
    case 'b': // strict KEX: anything but DISCONNECT and the exchange's own messages is fatal
      if (n === MSG.DISCONNECT) return PEER_DISC;
      if (n === MSG.KEXINIT || n === MSG.NEWKEYS) return fatal('ERR_PROTOCOL');
      if (isKexMethod(n)) return KEX_FAIL;
      return fatal('ERR_STRICT_KEX');
    case 'c': // RFC 4253 §7.1: generic 1-19 (not 5, 6), 20-29 (not KEXINIT), 30-49 only
      if (generic(n)) return generic(n)!;
      if (n === MSG.KEXINIT || n === MSG.NEWKEYS) return fatal('ERR_PROTOCOL');
      if (isKexMethod(n)) return KEX_FAIL;
      if (isUnassignedTransport(n)) return UNIMPL; // RFC 4253 §11.4
      return fatal('ERR_PROTOCOL'); // 5, 6, 7 (EXT_INFO only after NEWKEYS), >= 50
    case 'd':
    case 'e':
      if (generic(n)) return generic(n)!;
      if (n === MSG.SERVICE_REQUEST) {
        if (victim === 'client') return UNIMPL; // only servers take service requests
        return state === 'd' ? fatal('ERR_SERVICE', DisconnectReason.SERVICE_NOT_AVAILABLE) : fatal('ERR_PROTOCOL');
      }
      if (n === MSG.SERVICE_ACCEPT) return fatal('ERR_PROTOCOL'); // nobody asked (or already accepted)
      if (n === MSG.EXT_INFO) return event('extInfo');
      if (n === MSG.KEXINIT) return KEXINIT; // a key re-exchange (RFC 4253 §9)
      if (n === MSG.NEWKEYS) return fatal('ERR_PROTOCOL');
      if (n < 50) return UNIMPL; // 0, 8-19, 22-29, 30-49 outside a key exchange
      return state === 'd' ? fatal('ERR_PROTOCOL') : event('payload');
  }
}

// ---- cell payloads -------------------------------------------------------------------------------

const CLIENT_OPENING = realOpening({ role: 'client', algorithms: { kex: FAST_KEX } });
const CLIENT_OPENING_NOSTRICT = realOpening({ role: 'client', strictKex: false, algorithms: { kex: FAST_KEX } });
const SERVER_OPENING = realOpening(serverConfig({ algorithms: { kex: FAST_KEX } }));
const SERVER_OPENING_NOSTRICT = realOpening(serverConfig({ strictKex: false, algorithms: { kex: FAST_KEX } }));

/** A well-formed message where one is needed for the number's meaning, else the number and zeros. */
function cellPayload(n: number, state: State, sender: Role): Uint8Array {
  switch (n) {
    case MSG.DISCONNECT:
      return Disconnect.encode({ reasonCode: DisconnectReason.BY_APPLICATION, description: 'cell', languageTag: '' });
    case MSG.IGNORE:
      return ignorePayload(encodeUtf8('cell'));
    case MSG.UNIMPLEMENTED:
      return Unimplemented.encode({ sequenceNumber: 4242 });
    case MSG.DEBUG:
      return Debug.encode({ alwaysDisplay: true, message: 'cell', languageTag: '' });
    case MSG.SERVICE_REQUEST:
      return ServiceRequest.encode({ serviceName: state === 'e' ? 'ssh-userauth' : 'no-such-service' });
    case MSG.SERVICE_ACCEPT:
      return ServiceAccept.encode({ serviceName: 'ssh-userauth' });
    case MSG.EXT_INFO:
      return ExtInfo.encode({ extensions: [] });
    case MSG.KEXINIT:
      return (sender === 'client' ? CLIENT_OPENING : SERVER_OPENING).kexinitPayload;
    case MSG.NEWKEYS:
      return Uint8Array.of(MSG.NEWKEYS);
    default:
      return junkPayload(n, 7);
  }
}

// ---- observing and judging -------------------------------------------------------------------------

interface Observation {
  error: SshError | undefined; // the victim's 'closed' error
  closed: boolean;
  disconnectSent: number[]; // reasons of the DISCONNECTs the victim sent
  unimplementedSent: number[]; // sequence numbers the victim answered with UNIMPLEMENTED
  newEvents: TransportEvent[]; // victim events caused by the cell (not 'closed')
  kexRunning: boolean; // the victim is (now) in a key exchange
}

function judge(e: Expect, o: Observation, seq: number, payload: Uint8Array): string | undefined {
  const errDesc = o.error ? `${o.error.code}: ${o.error.message}` : o.closed ? 'closed' : 'open';
  const quiet = o.disconnectSent.length === 0 && o.unimplementedSent.length === 0;
  switch (e.kind) {
    case 'ignored':
      if (o.closed || !quiet || o.newEvents.length > 0) return `expected silence; got ${errDesc}, ${describe(o)}`;
      return undefined;
    case 'unimplemented':
      if (o.closed) return `expected UNIMPLEMENTED(${seq}); closed with ${errDesc}`;
      if (o.unimplementedSent.length !== 1 || o.unimplementedSent[0] !== seq) return `expected UNIMPLEMENTED(${seq}); ${describe(o)}`;
      return undefined;
    case 'event': {
      if (o.closed || !quiet) return `expected a '${e.event}' event; got ${errDesc}, ${describe(o)}`;
      const ev = o.newEvents.filter((x) => x.type === e.event);
      if (ev.length !== 1) return `expected one '${e.event}' event; got [${o.newEvents.map((x) => x.type)}]`;
      const x = ev[0]!;
      if (x.type === 'payload' && !equal(x.payload, payload)) return 'payload event carries other bytes';
      if (x.type === 'debug' && x.message !== 'cell') return `debug message ${x.message}`;
      if (x.type === 'unimplemented' && x.sequenceNumber !== 4242) return `unimplemented seq ${x.sequenceNumber}`;
      return undefined;
    }
    case 'peerDisconnect':
      if (!(o.error instanceof PeerDisconnectError)) return `expected PeerDisconnectError; got ${errDesc}`;
      if (o.error.reasonCode !== DisconnectReason.BY_APPLICATION) return `reason ${o.error.reasonCode}`;
      if (!quiet) return `nothing is sent back to a peer that disconnected; ${describe(o)}`;
      return undefined;
    case 'fatal':
      if (!(o.error instanceof SshError) || !e.codes.includes(o.error.code)) return `expected ${e.codes.join('|')}; got ${errDesc}`;
      if (o.disconnectSent.length !== 1 || !e.reasons.includes(o.disconnectSent[0]!)) {
        return `expected DISCONNECT(${e.reasons.join('|')}); ${describe(o)}`;
      }
      if (o.disconnectSent[0] !== o.error.disconnectReason) return 'sent reason differs from the error';
      return undefined;
    case 'kexinit':
      if (o.closed || !quiet) return `expected the KEXINIT to be taken; got ${errDesc}, ${describe(o)}`;
      if (!o.kexRunning) return 'expected a key exchange to be running';
      return undefined;
  }
}

function describe(o: Observation): string {
  return `sent DISCONNECT[${o.disconnectSent}] UNIMPLEMENTED[${o.unimplementedSent}], events [${o.newEvents.map((e) => e.type)}]`;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Runs every cell of a state; returns the mismatches as "n: what". */
function runTable(numbers: Iterable<number>, cell: (n: number) => string | undefined): string[] {
  const bad: string[] = [];
  for (const n of numbers) {
    try {
      const m = cell(n);
      if (m) bad.push(`${n}: ${m}`);
    } catch (e) {
      bad.push(`${n}: threw ${(e as Error).stack ?? String(e)}`);
    }
  }
  return bad;
}

const ALL = Array.from({ length: 256 }, (_, i) => i);

// ---- (a), (b), (c): plaintext, the victim driven by hand ------------------------------------------------

interface DirectSetup {
  victim: Role;
  /** Peer bytes that bring the victim into the state (its version line, maybe its KEXINIT). */
  prefix: Uint8Array[];
  /** Sequence number the cell packet gets. */
  seq: number;
}

function victimConfig(role: Role): TransportConfig {
  return role === 'server' ? serverConfig({ algorithms: { kex: FAST_KEX } }) : { role: 'client', algorithms: { kex: FAST_KEX } };
}

function directCell(state: State, setup: DirectSetup, n: number): { o: Observation; v: Victim; payload: Uint8Array } {
  const v = new Victim(victimConfig(setup.victim)).feed(...setup.prefix);
  if (v.t.closed) throw new Error('setup failed: the victim closed before the cell');
  const before = v.stream;
  const eventsBefore = v.events.length;
  const payload = cellPayload(n, state, setup.victim === 'client' ? 'server' : 'client');
  v.feed(plainPacket(payload));
  const after = v.stream;
  const tail = { ...after, packets: after.packets.slice(before.packets.length) };
  const closedEv = v.closed;
  const o: Observation = {
    error: closedEv?.error,
    closed: closedEv !== undefined,
    disconnectSent: disconnectReasons(tail),
    unimplementedSent: unimplementedSeqs(tail),
    newEvents: v.events.slice(eventsBefore).filter((e) => e.type !== 'closed'),
    kexRunning: !v.t.closed && v.t.sessionId === undefined,
  };
  return { o, v, payload };
}

for (const victim of ['server', 'client'] as const) {
  const peer = victim === 'server' ? CLIENT_OPENING : SERVER_OPENING;
  const peerNoStrict = victim === 'server' ? CLIENT_OPENING_NOSTRICT : SERVER_OPENING_NOSTRICT;

  test(`(a) ${victim}: every message number before the peer's KEXINIT`, () => {
    const setup: DirectSetup = { victim, prefix: [peer.version], seq: 0 };
    const bad = runTable(ALL, (n) => {
      const { o, v, payload } = directCell('a', setup, n);
      const e = expected('a', n, victim);
      const m = judge(e, o, setup.seq, payload);
      if (m) return m;
      // Strict KEX (both sides offer it): a KEXINIT that is not the first packet is fatal.
      if (!o.closed && n !== MSG.KEXINIT) {
        v.feed(peer.kexinit);
        if (v.closed?.error?.code !== 'ERR_STRICT_KEX') return `the following KEXINIT was not refused (${v.closed?.error?.code ?? 'open'})`;
      }
      if (n === MSG.KEXINIT && victim === 'client' && !v.stream.packets.some((p) => p[0] === 30)) {
        return 'the client did not go on with ECDH_INIT';
      }
      return undefined;
    });
    assert.deepEqual(bad, []);
  });

  test(`(b) ${victim}: every message number during the initial key exchange, strict KEX`, () => {
    const setup: DirectSetup = { victim, prefix: [peer.version, peer.kexinit], seq: 1 };
    const bad = runTable(ALL, (n) => {
      const { o, payload } = directCell('b', setup, n);
      return judge(expected('b', n, victim), o, setup.seq, payload);
    });
    assert.deepEqual(bad, []);
  });

  const cNumbers = ALL.filter((n) => !isUnassignedTransport(n));
  test(`(c) ${victim}: every message number during the initial key exchange, no strict KEX (but unassigned ones)`, () => {
    const setup: DirectSetup = { victim, prefix: [peerNoStrict.version, peerNoStrict.kexinit], seq: 1 };
    const bad = runTable(cNumbers, (n) => {
      const { o, payload } = directCell('c', setup, n);
      return judge(expected('c', n, victim), o, setup.seq, payload);
    });
    assert.deepEqual(bad, []);
  });

  test(`(c) ${victim}: unassigned numbers 0, 8-19, 22-29 during a non-strict key exchange get UNIMPLEMENTED (RFC 4253 §11.4)`, () => {
    // RFC 4253 §7.1 allows messages 1-19 and 20-29 during a key exchange; §11.4: "An implementation
    // MUST respond to all unrecognized messages with an SSH_MSG_UNIMPLEMENTED message". OpenSSH
    // (kex_protocol_error) does so unless strict KEX is on.
    const setup: DirectSetup = { victim, prefix: [peerNoStrict.version, peerNoStrict.kexinit], seq: 1 };
    const bad = runTable(ALL.filter(isUnassignedTransport), (n) => {
      const { o, payload } = directCell('c', setup, n);
      return judge(expected('c', n, victim), o, setup.seq, payload);
    });
    assert.deepEqual(bad, []);
  });
}

// ---- (d), (e): encrypted, injected through the peer's send() ------------------------------------------

/** Number of IGNOREs the peer sends before the cell, so the expected sequence number is not trivially 0. */
const LEAD = 2;

function pairCell(state: 'd' | 'e', victim: Role, n: number): string | undefined {
  const pair: Pair = establishedPair({}, state === 'e');
  const peer: Role = victim === 'server' ? 'client' : 'server';
  // Strict KEX: both counters restarted at NEWKEYS. Packets since, per direction:
  //   client->server: SERVICE_REQUEST (state e);  server->client: EXT_INFO, SERVICE_ACCEPT (state e).
  const sentSinceNewKeys = peer === 'client' ? (state === 'e' ? 1 : 0) : state === 'e' ? 2 : 1;
  for (let i = 0; i < LEAD; i++) pair[peer].t.sendIgnore();
  settle(pair);
  const seq = sentSinceNewKeys + LEAD;
  const victimEventsBefore = pair[victim].events.length;
  const peerUnimplBefore = pair[peer].events.filter((e) => e.type === 'unimplemented').length;
  const payload = cellPayload(n, state, peer);
  if (n === MSG.KEXINIT) {
    // The peer's state machine did not start this exchange: keep the victim's answer from it.
    pair.tamper = (from, b) => (from === victim ? new Uint8Array(0) : b);
  }
  pair[peer].t.send(payload);
  settle(pair);
  const v = pair[victim];
  const err = closedError(v.events);
  const peerErr = closedError(pair[peer].events);
  const o: Observation = {
    error: err,
    closed: v.events.some((e) => e.type === 'closed'),
    disconnectSent: peerErr instanceof PeerDisconnectError ? [peerErr.reasonCode] : [],
    unimplementedSent: pair[peer].events
      .filter((e): e is Extract<TransportEvent, { type: 'unimplemented' }> => e.type === 'unimplemented')
      .slice(peerUnimplBefore)
      .map((e) => e.sequenceNumber),
    newEvents: v.events.slice(victimEventsBefore).filter((e) => e.type !== 'closed'),
    kexRunning: !v.t.closed && !v.t.writable,
  };
  if (peerErr && !(peerErr instanceof PeerDisconnectError)) return `the peer itself failed: ${peerErr.code} ${peerErr.message}`;
  return judge(expected(state, n, victim), o, seq, payload);
}

for (const victim of ['server', 'client'] as const) {
  test(`(d) ${victim}: every message number after kex, before any service`, () => {
    assert.deepEqual(
      runTable(ALL, (n) => pairCell('d', victim, n)),
      [],
    );
  });
  test(`(e) ${victim}: every message number after the service was accepted`, () => {
    assert.deepEqual(
      runTable(ALL, (n) => pairCell('e', victim, n)),
      [],
    );
  });
}

test('the table itself: spot checks of the prescribed answers', () => {
  assert.deepEqual(expected('d', MSG.SERVICE_REQUEST, 'server'), fatal('ERR_SERVICE', DisconnectReason.SERVICE_NOT_AVAILABLE));
  assert.deepEqual(expected('d', 60, 'server'), fatal('ERR_PROTOCOL'));
  assert.deepEqual(expected('e', 60, 'server'), event('payload'));
  assert.deepEqual(expected('d', 35, 'client'), UNIMPL);
  assert.deepEqual(expected('b', MSG.IGNORE, 'client'), fatal('ERR_STRICT_KEX'));
  assert.deepEqual(expected('c', MSG.IGNORE, 'client'), IGNORED);
  assert.deepEqual(expected('a', 200, 'server'), fatal('ERR_PROTOCOL'));
  assert.deepEqual(expected('e', MSG.NEWKEYS, 'client'), fatal('ERR_PROTOCOL'));
});

test('rekey race: payloads already in flight when the other side starts a rekey are delivered, in order', () => {
  const pair = establishedPair();
  pair.server.t.send(Uint8Array.of(MSG.USERAUTH_SUCCESS));
  settle(pair);
  pair.takePayloads(pair.client);
  pair.client.t.rekey(); // client KEXINIT queued for the wire
  // The server has not seen that KEXINIT yet: connection-layer messages are still legal from it.
  pair.server.t.send(Uint8Array.of(94, 1));
  pair.server.t.send(Uint8Array.of(94, 2));
  // And the client's own payloads wait for its NEWKEYS (RFC 4253 §7.1).
  pair.client.t.send(Uint8Array.of(94, 3));
  assert.equal(pair.client.t.writable, false);
  settle(pair);
  assert.equal(eventsOf(pair.client, 'kex').length, 2);
  assert.deepEqual(pair.takePayloads(pair.client), [Uint8Array.of(94, 1), Uint8Array.of(94, 2)]);
  assert.deepEqual(pair.takePayloads(pair.server), [Uint8Array.of(94, 3)]);
  assert.equal(closedError(pair.client.events), undefined);
  assert.equal(closedError(pair.server.events), undefined);
});

test('during a rekey, an IGNORE from the peer is fine (strict KEX binds the initial exchange only)', () => {
  const pair = establishedPair();
  pair.server.t.send(Uint8Array.of(MSG.USERAUTH_SUCCESS));
  settle(pair);
  pair.client.t.rekey();
  pair.client.t.sendIgnore(encodeUtf8('during rekey'));
  settle(pair);
  assert.equal(eventsOf(pair.server, 'kex').length, 2);
  assert.equal(closedError(pair.server.events), undefined);
});
