// Hostile identification exchanges (RFC 4253 §4.2): garbage before the version line, over-long
// lines (with and without a newline ever arriving), SSH-1 peers, NUL bytes. A refused peer gets
// OpenSSH's text reply "Invalid SSH identification string." (it may not speak binary packets) and
// the victim closes with ERR_VERSION; nothing throws out of receive().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DisconnectReason } from '../../src/errors.js';
import type { TransportConfig } from '../../src/transport/config.js';
import { concatBytes } from '../../src/wire/writer.js';
import { assertClosedWith, assertNotClosed, FAST_KEX, realOpening, serverConfig, Victim } from './helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const INVALID = 'Invalid SSH identification string.\r\n';

const serverVictim = (): Victim => new Victim(serverConfig({ algorithms: { kex: FAST_KEX } }));
const clientVictim = (): Victim => new Victim({ role: 'client', algorithms: { kex: FAST_KEX } } satisfies TransportConfig);

function versionEvent(v: Victim) {
  const e = v.events.find((x) => x.type === 'version');
  return e?.type === 'version' ? e : undefined;
}

/** The refusal: ERR_VERSION, the text reply as the last bytes sent, and no binary DISCONNECT after it. */
function assertRefused(v: Victim): void {
  const err = assertClosedWith(v.events, 'ERR_VERSION');
  assert.equal(err.disconnectReason, DisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED);
  const last = v.out[v.out.length - 1]!;
  assert.equal(new TextDecoder().decode(last), INVALID, 'the text reply is the last thing transmitted');
  const all = new TextDecoder('latin1').decode(v.transmitted);
  assert.equal(all.split(INVALID).length, 2, 'the text reply is sent once');
  assert.equal(versionEvent(v), undefined, 'no version event for a refused peer');
}

test('server: any non-SSH line before the version line is refused with ERR_VERSION', () => {
  for (const junk of ['garbage\r\n', '\r\n', 'HTTP/1.1 200 OK\r\n', 'GET / HTTP/1.1\r\n', 'ssh-2.0-lowercase\r\n']) {
    const v = serverVictim().feed(enc(`${junk}SSH-2.0-Evil_1.0\r\n`));
    assertRefused(v);
  }
});

test('server: refusal happens on the first bad line, before any further bytes', () => {
  const v = serverVictim().feed(enc('hello'));
  assertNotClosed(v.events);
  v.feed(enc('\n'));
  assertRefused(v);
});

test('client: up to 1024 non-SSH lines are accepted and reported as the preamble', () => {
  const lines = Array.from({ length: 1024 }, (_, i) => `banner line ${i}`);
  const server = realOpening(serverConfig({ algorithms: { kex: FAST_KEX } }));
  const v = clientVictim().feed(enc(lines.map((l) => `${l}\r\n`).join('')), server.version, server.kexinit);
  assertNotClosed(v.events);
  const ev = versionEvent(v);
  assert.ok(ev, 'version event');
  assert.deepEqual(ev.preamble, lines);
  assert.equal(ev.version.protoVersion, '2.0');
  // The KEXINIT that followed in the same stream was processed: the client answered with its kex init.
  assert.ok(v.stream.packets.length >= 2, 'client sent KEXINIT and its first key exchange message');
});

test('client: a 1025th non-SSH line is refused with ERR_VERSION', () => {
  const text = Array.from({ length: 1025 }, (_, i) => `line ${i}\r\n`).join('');
  const v = clientVictim().feed(enc(text));
  assertRefused(v);
});

test('a version line of exactly 255 bytes (with CR LF) is accepted; 256 is refused', () => {
  for (const mk of [serverVictim, clientVictim]) {
    const base = 'SSH-2.0-';
    const ok = base + 'a'.repeat(255 - base.length - 2) + '\r\n';
    assert.equal(ok.length, 255);
    const v = mk().feed(enc(ok));
    assertNotClosed(v.events);
    assert.equal(versionEvent(v)?.version.line.length, 253);

    const bad = base + 'a'.repeat(256 - base.length - 2) + '\r\n';
    assertRefused(mk().feed(enc(bad)));
  }
});

test('a version line longer than 255 bytes with no newline ever arriving is refused without waiting', () => {
  for (const mk of [serverVictim, clientVictim]) {
    const v = mk();
    const bytes = enc(`SSH-2.0-${'x'.repeat(1000)}`);
    let fedBeforeClose = 0;
    for (let i = 0; i < bytes.length && v.closed === undefined; i += 1) {
      v.feed(bytes.subarray(i, i + 1));
      fedBeforeClose = i + 1;
    }
    assertRefused(v);
    assert.ok(fedBeforeClose <= 256, `refused after ${fedBeforeClose} bytes`);
  }
});

test('client: an over-long preamble line is refused too (no unbounded line buffer)', () => {
  const v = clientVictim().feed(enc('x'.repeat(100_000)));
  assertRefused(v);
});

test('SSH-1.5 is refused, SSH-1.99 accepted (RFC 4253 §5.1), SSH-2.0 with LF only accepted', () => {
  for (const mk of [serverVictim, clientVictim]) {
    assertRefused(mk().feed(enc('SSH-1.5-OldServer\r\n')));
    assertRefused(mk().feed(enc('SSH-3.0-Future\r\n')));
    assertRefused(mk().feed(enc('SSH-2.0\r\n')));
    assertRefused(mk().feed(enc('SSH-2.0-\r\n')));
    const compat = mk().feed(enc('SSH-1.99-Compat_1.0 some comment\r\n'));
    assertNotClosed(compat.events);
    assert.equal(versionEvent(compat)?.version.protoVersion, '1.99');
    assert.equal(versionEvent(compat)?.version.comments, 'some comment');
    const lf = mk().feed(enc('SSH-2.0-LfOnly\n'));
    assertNotClosed(lf.events);
    assert.equal(versionEvent(lf)?.version.softwareVersion, 'LfOnly');
  }
});

test('a NUL or a non-ASCII byte in the version line is refused', () => {
  for (const mk of [serverVictim, clientVictim]) {
    assertRefused(mk().feed(concatBytes(enc('SSH-2.0-Ev'), Uint8Array.of(0), enc('il\r\n'))));
    assertRefused(mk().feed(concatBytes(enc('SSH-2.0-Ev'), Uint8Array.of(0xc3, 0xa9), enc('il\r\n'))));
    assertRefused(mk().feed(concatBytes(enc('SSH-2.0-Evil '), Uint8Array.of(0x7f), enc('\r\n'))));
  }
});

test('bytes after a refused line are ignored (no second reply, no throw)', () => {
  const v = serverVictim().feed(enc('junk\r\n'));
  assertRefused(v);
  const n = v.out.length;
  v.feed(enc('SSH-2.0-Evil_1.0\r\n'), new Uint8Array(5000));
  assert.equal(v.out.length, n);
  assert.equal(v.events.filter((e) => e.type === 'closed').length, 1);
});

test('control characters in softwareversion are refused (RFC 4253 §4.2: printable US-ASCII only)', () => {
  // An ESC in the software version is a terminal-escape injection into every log line that prints it.
  for (const mk of [serverVictim, clientVictim]) {
    assertRefused(mk().feed(concatBytes(enc('SSH-2.0-Evil'), Uint8Array.of(0x1b), enc('[2J\r\n'))));
    assertRefused(mk().feed(concatBytes(enc('SSH-2.0-Evil'), Uint8Array.of(0x07), enc('\r\n'))));
  }
});
