/**
 * Shared pieces of the adversarial transport tests: crafting plaintext binary packets (RFC 4253 §6),
 * splitting a recorded plaintext byte stream back into packets, driving a single Transport with
 * hostile bytes, and asserting how a victim ended (a typed SshError in its 'closed' event, the
 * SSH_MSG_DISCONNECT reason it sent).
 */
import assert from 'node:assert/strict';
import { PeerDisconnectError, SshError, type SshErrorCode } from '../../src/errors.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { MSG } from '../../src/messages/numbers.js';
import { Disconnect, Unimplemented } from '../../src/messages/transport.js';
import type { TransportConfig } from '../../src/transport/config.js';
import type { TransportEvent } from '../../src/transport/events.js';
import { Transport } from '../../src/transport/transport.js';
import { concatBytes, encodeUtf8 } from '../../src/wire/writer.js';
import { Pair, type PairOptions, type Side } from '../util/pair.js';

export const HOST_KEY = PrivateKey.generate('ed25519');
/** Fast and deterministic enough for hundreds of handshakes. */
export const FAST_KEX = ['curve25519-sha256'] as const;
export const EVIL_VERSION = 'SSH-2.0-Evil_1.0';

export function serverConfig(extra: Partial<TransportConfig> = {}): TransportConfig {
  return { role: 'server', hostKeys: [HOST_KEY], ...extra };
}

/** A pair with a fast key exchange unless the options name one. */
export function makePair(opts: PairOptions = {}): Pair {
  const withKex = (c: Partial<TransportConfig> | undefined): Partial<TransportConfig> => ({
    ...c,
    algorithms: { kex: FAST_KEX, ...c?.algorithms },
  });
  return new Pair(serverConfig(), { ...opts, client: withKex(opts.client), server: withKex(opts.server) });
}

// ---- packets ------------------------------------------------------------------------------------

export function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0);
  return b;
}

/**
 * A plaintext binary packet: uint32 packet_length || byte padding_length || payload || padding.
 * By default well-formed (padding >= 4, total a multiple of 8); `padding` and `length` override.
 */
export function plainPacket(payload: Uint8Array, o: { padding?: number; length?: number } = {}): Uint8Array {
  let pad = 8 - ((5 + payload.length) % 8);
  if (pad < 4) pad += 8;
  if (o.padding !== undefined) pad = o.padding;
  const bodyPad = Math.max(0, pad);
  const length = o.length ?? 1 + payload.length + bodyPad;
  return concatBytes(u32be(length), Uint8Array.of(pad & 0xff), payload, new Uint8Array(bodyPad));
}

/** payload: the message number followed by a few zero bytes ("well-formed-ish"). */
export function junkPayload(type: number, zeros = 4): Uint8Array {
  const p = new Uint8Array(1 + zeros);
  p[0] = type;
  return p;
}

export function ignorePayload(data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concatBytes(Uint8Array.of(MSG.IGNORE), u32be(data.length), data);
}

/** What a plaintext byte stream (version exchange up to and including the first NEWKEYS) holds. */
export interface PlainStream {
  /** Lines before the version line, and the version line (without CR LF), if complete. */
  lines: string[];
  version: string | undefined;
  /** Payloads of the plaintext packets, in order, up to and including NEWKEYS. */
  packets: Uint8Array[];
  /** Bytes after the NEWKEYS packet (encrypted), or whatever could not be split into packets. */
  rest: Uint8Array;
  sawNewKeys: boolean;
}

/** Splits a recorded plaintext stream into its identification lines and packets. */
export function parsePlainStream(bytes: Uint8Array): PlainStream {
  const lines: string[] = [];
  let version: string | undefined;
  let i = 0;
  while (version === undefined) {
    const nl = bytes.indexOf(0x0a, i);
    if (nl < 0) return { lines, version, packets: [], rest: bytes.subarray(i), sawNewKeys: false };
    let end = nl;
    if (end > i && bytes[end - 1] === 0x0d) end--;
    const line = new TextDecoder().decode(bytes.subarray(i, end));
    lines.push(line);
    if (line.startsWith('SSH-')) version = line;
    i = nl + 1;
  }
  const packets: Uint8Array[] = [];
  let sawNewKeys = false;
  while (!sawNewKeys && i + 4 <= bytes.length) {
    const len = new DataView(bytes.buffer, bytes.byteOffset + i).getUint32(0);
    if (len > 1 << 20 || i + 4 + len > bytes.length) break;
    const pad = bytes[i + 4]!;
    const payload = bytes.slice(i + 5, i + 4 + len - pad);
    packets.push(payload);
    i += 4 + len;
    if (payload[0] === MSG.NEWKEYS) sawNewKeys = true;
  }
  return { lines, version, packets, rest: bytes.subarray(i), sawNewKeys };
}

export function payloadsOfType(s: PlainStream, type: number): Uint8Array[] {
  return s.packets.filter((p) => p[0] === type);
}

/** The reason codes of every SSH_MSG_DISCONNECT in a plaintext stream. */
export function disconnectReasons(s: PlainStream): number[] {
  return payloadsOfType(s, MSG.DISCONNECT).map((p) => Disconnect.decode(p).reasonCode);
}

/** The sequence numbers named by every SSH_MSG_UNIMPLEMENTED in a plaintext stream. */
export function unimplementedSeqs(s: PlainStream): number[] {
  return payloadsOfType(s, MSG.UNIMPLEMENTED).map((p) => Unimplemented.decode(p).sequenceNumber);
}

// ---- driving one transport ----------------------------------------------------------------------

/** One transport fed by hand; everything it transmits and emits is recorded. */
export class Victim {
  readonly t: Transport;
  readonly out: Uint8Array[] = [];
  readonly events: TransportEvent[] = [];

  constructor(config: TransportConfig) {
    this.t = new Transport(config);
    this.drain();
  }

  /** receive() must never throw, whatever the bytes. */
  feed(...chunks: Uint8Array[]): this {
    for (const c of chunks) {
      assert.doesNotThrow(() => this.t.receive(c), 'receive() threw');
      this.drain();
    }
    return this;
  }

  feedBytewise(bytes: Uint8Array): this {
    for (let i = 0; i < bytes.length; i++) this.feed(bytes.subarray(i, i + 1));
    return this;
  }

  drain(): void {
    for (let b = this.t.pollTransmit(); b !== undefined; b = this.t.pollTransmit()) this.out.push(b);
    for (let e = this.t.pollEvent(); e !== undefined; e = this.t.pollEvent()) this.events.push(e);
  }

  get transmitted(): Uint8Array {
    return concatBytes(...this.out);
  }

  get stream(): PlainStream {
    return parsePlainStream(this.transmitted);
  }

  get closed(): Extract<TransportEvent, { type: 'closed' }> | undefined {
    return this.events.find((e): e is Extract<TransportEvent, { type: 'closed' }> => e.type === 'closed');
  }
}

/** The first bytes a real peer of the given role transmits: its version line and its KEXINIT packet. */
export function realOpening(config: TransportConfig): { version: Uint8Array; kexinit: Uint8Array; kexinitPayload: Uint8Array } {
  const t = new Transport(config);
  const version = t.pollTransmit()!;
  const kexinit = t.pollTransmit()!;
  const s = parsePlainStream(concatBytes(version, kexinit));
  assert.equal(s.packets.length, 1);
  assert.equal(s.packets[0]![0], MSG.KEXINIT);
  return { version, kexinit, kexinitPayload: s.packets[0]! };
}

export const evilVersion = (): Uint8Array => encodeUtf8(`${EVIL_VERSION}\r\n`);

// ---- assertions ---------------------------------------------------------------------------------

/** The one 'closed' event of a list of events, which must carry an SshError with this code. */
export function assertClosedWith(events: readonly TransportEvent[], code: SshErrorCode, what = 'victim'): SshError {
  const closed = events.filter((e) => e.type === 'closed');
  assert.equal(closed.length, 1, `${what}: expected exactly one 'closed' event, got ${closed.length}`);
  const c = closed[0] as Extract<TransportEvent, { type: 'closed' }>;
  assert.ok(c.error instanceof SshError, `${what}: 'closed' carries no SshError`);
  assert.equal(c.error.code, code, `${what}: closed with ${c.error.code} (${c.error.message}), expected ${code}`);
  return c.error;
}

export function closedError(events: readonly TransportEvent[]): SshError | undefined {
  const c = events.find((e): e is Extract<TransportEvent, { type: 'closed' }> => e.type === 'closed');
  return c?.error;
}

export function assertNotClosed(events: readonly TransportEvent[], what = 'side'): void {
  const c = events.find((e) => e.type === 'closed') as Extract<TransportEvent, { type: 'closed' }> | undefined;
  assert.equal(c, undefined, `${what} closed unexpectedly: ${c?.error?.code} ${c?.error?.message}`);
}

/** The peer of a victim that failed after NEWKEYS must have decrypted its SSH_MSG_DISCONNECT. */
export function assertPeerGotDisconnect(side: Side, reason: number, what = 'peer'): void {
  const err = closedError(side.events);
  assert.ok(err instanceof PeerDisconnectError, `${what}: expected PeerDisconnectError, got ${err?.code} ${err?.message}`);
  assert.equal(err.reasonCode, reason, `${what}: disconnect reason ${err.reasonCode} (${err.description}), expected ${reason}`);
}

/** Runs a pair; run() itself must not throw (no exception escapes receive(), no endless ping-pong). */
export function settle(pair: Pair): void {
  assert.doesNotThrow(() => pair.run(), 'pair.run() threw');
}

/** A pair through the first key exchange and (optionally) the ssh-userauth service. */
export function establishedPair(opts: PairOptions = {}, service = true): Pair {
  const pair = makePair(opts);
  settle(pair);
  assert.ok(pair.client.events.some((e) => e.type === 'kex'), 'client finished kex');
  assert.ok(pair.server.events.some((e) => e.type === 'kex'), 'server finished kex');
  if (service) {
    pair.client.t.requestService('ssh-userauth');
    settle(pair);
    assert.equal(pair.client.t.service, 'ssh-userauth');
    assert.equal(pair.server.t.service, 'ssh-userauth');
  }
  assertNotClosed(pair.client.events, 'client');
  assertNotClosed(pair.server.events, 'server');
  return pair;
}

/**
 * A stream-splitting proxy for one direction of a pair: it reassembles the byte stream, cuts the
 * identification line and then the plaintext packets (until NEWKEYS), and hands each to `onPacket`,
 * which returns the bytes to forward in its place. After NEWKEYS the bytes are encrypted and cannot
 * be split by length; `onEncrypted` sees the raw byte stream from there on (the attacker's view).
 */
export class PlainProxy {
  private buf: Uint8Array = new Uint8Array(0);
  private versionDone = false;
  private newKeysSeen = false;

  constructor(
    private readonly onPacket: (payload: Uint8Array, wire: Uint8Array) => Uint8Array[],
    private readonly onEncrypted: (bytes: Uint8Array) => Uint8Array = (b) => b,
  ) {}

  push(bytes: Uint8Array): Uint8Array {
    if (this.newKeysSeen) return this.onEncrypted(bytes);
    this.buf = concatBytes(this.buf, bytes);
    const out: Uint8Array[] = [];
    if (!this.versionDone) {
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) return new Uint8Array(0);
      out.push(this.buf.slice(0, nl + 1));
      this.buf = this.buf.slice(nl + 1);
      this.versionDone = true;
    }
    while (!this.newKeysSeen && this.buf.length >= 4) {
      const len = new DataView(this.buf.buffer, this.buf.byteOffset).getUint32(0);
      if (this.buf.length < 4 + len) break;
      const wire = this.buf.slice(0, 4 + len);
      this.buf = this.buf.slice(4 + len);
      const payload = wire.subarray(5, 4 + len - wire[4]!);
      out.push(...this.onPacket(payload, wire));
      if (payload[0] === MSG.NEWKEYS) this.newKeysSeen = true;
    }
    if (this.newKeysSeen && this.buf.length > 0) {
      const rest = this.buf;
      this.buf = new Uint8Array(0);
      out.push(this.onEncrypted(rest));
    }
    return concatBytes(...out);
  }
}
