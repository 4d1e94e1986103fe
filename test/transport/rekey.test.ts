import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrivateKey } from '../../src/keys/private-key.js';
import { MSG } from '../../src/messages/numbers.js';
import { Pair, eventsOf } from '../util/pair.js';

const hostKey = PrivateKey.generate('ed25519');

/** Completes kex, service and (as far as the transport can tell) user authentication. */
function authenticatedPair(opts: ConstructorParameters<typeof Pair>[1] = {}, server: object = {}) {
  const pair = new Pair({ role: 'server', hostKeys: [hostKey], ...server }, opts);
  pair.run();
  pair.client.t.requestService('ssh-userauth');
  pair.run();
  pair.server.t.send(Uint8Array.of(MSG.USERAUTH_SUCCESS)); // the transport starts delayed compression and allows rekeys after it
  pair.run();
  assert.deepEqual(pair.takePayloads(pair.client), [Uint8Array.of(MSG.USERAUTH_SUCCESS)]);
  return pair;
}

function numbered(i: number, size: number): Uint8Array {
  const p = new Uint8Array(size);
  p[0] = MSG.CHANNEL_DATA;
  new DataView(p.buffer).setUint32(1, i);
  for (let j = 5; j < size; j++) p[j] = (i * 31 + j) & 0xff;
  return p;
}

test('automatic rekeys by volume in the middle of a large transfer lose and reorder nothing', () => {
  // 8 MiB each way with a 1 MiB rekey limit: both sides start exchanges while data is in flight.
  const pair = authenticatedPair({ client: { rekeyBytes: 1 << 20 } }, { rekeyBytes: 1 << 20 });
  const count = 256;
  const size = 32 * 1024;
  let got = 0;
  let gotBack = 0;
  for (let i = 0; i < count; i++) {
    pair.client.t.send(numbered(i, size));
    pair.server.t.send(numbered(i, size));
    if (i % 8 === 7) {
      pair.run();
      for (const p of pair.takePayloads(pair.server)) assert.deepEqual(p, numbered(got++, size));
      for (const p of pair.takePayloads(pair.client)) assert.deepEqual(p, numbered(gotBack++, size));
    }
  }
  pair.run();
  for (const p of pair.takePayloads(pair.server)) assert.deepEqual(p, numbered(got++, size));
  for (const p of pair.takePayloads(pair.client)) assert.deepEqual(p, numbered(gotBack++, size));
  assert.equal(got, count);
  assert.equal(gotBack, count);
  const rekeys = eventsOf(pair.client, 'kex').filter((k) => !k.initial).length;
  assert.ok(rekeys >= 7, `expected at least 7 rekeys for 8 MiB at 1 MiB, saw ${rekeys}`);
  assert.equal(eventsOf(pair.client, 'closed').length, 0);
  // The session identifier never changes (RFC 4253 §7.2).
  const ids = new Set(eventsOf(pair.client, 'kex').map((k) => Buffer.from(k.sessionId).toString('hex')));
  assert.equal(ids.size, 1);
});

test('either side may start a rekey at any time; payloads sent during it are queued and delivered in order', () => {
  for (const starter of ['client', 'server'] as const) {
    const pair = authenticatedPair({ chunk: 7 });
    const side = pair[starter];
    const other = starter === 'client' ? pair.server : pair.client;
    side.t.rekey();
    assert.equal(side.t.writable, false, 'payloads are held while our KEXINIT is out');
    for (let i = 0; i < 20; i++) side.t.send(numbered(i, 100));
    assert.ok(side.t.queuedPayloadBytes >= 2000);
    pair.run();
    const got = pair.takePayloads(other);
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => numbered(i, 100)));
    assert.equal(eventsOf(pair.client, 'kex').length, 2);
    assert.equal(eventsOf(pair.server, 'kex').length, 2);
  }
});

test('a rekey asked for before authentication waits until it succeeded (OpenSSH refuses KEXINIT during auth)', () => {
  const pair = new Pair({ role: 'server', hostKeys: [hostKey] });
  pair.run();
  pair.client.t.requestService('ssh-userauth');
  pair.client.t.rekey();
  pair.run();
  assert.equal(eventsOf(pair.client, 'kex').length, 1);
  pair.server.t.send(Uint8Array.of(MSG.USERAUTH_SUCCESS));
  pair.run();
  assert.equal(eventsOf(pair.client, 'kex').length, 2);
});

test('time-based rekey: after rekeyIntervalMs the next handleTimeout starts an exchange', () => {
  let now = 1_000_000;
  const clock = () => now;
  const pair = authenticatedPair({ client: { now: clock, rekeyIntervalMs: 3600_000 } }, { now: clock });
  const deadline = pair.client.t.pollTimeout();
  assert.equal(deadline, 1_000_000 + 3600_000);
  now = deadline! - 1;
  pair.client.t.handleTimeout(now);
  pair.run();
  assert.equal(eventsOf(pair.client, 'kex').length, 1);
  now = deadline!;
  pair.client.t.handleTimeout(now);
  pair.run();
  assert.equal(eventsOf(pair.client, 'kex').length, 2);
});

test('compression: zlib@openssh.com starts only after USERAUTH_SUCCESS; zlib at once; both carry data intact', () => {
  for (const name of ['zlib@openssh.com', 'zlib']) {
    const pair = new Pair({ role: 'server', hostKeys: [hostKey], algorithms: { compression: ['none', 'zlib@openssh.com', 'zlib'] } }, { client: { algorithms: { compression: [name] } } });
    pair.run();
    pair.client.t.requestService('ssh-userauth');
    pair.run();
    const text = new TextEncoder().encode('compressible '.repeat(2000));
    const payload = Uint8Array.of(MSG.USERAUTH_REQUEST, ...text);
    // Measure the wire size of one large compressible payload before and after authentication.
    const wireSize = () => {
      pair.client.t.send(payload);
      let n = 0;
      const saved = pair.tamper;
      pair.tamper = (from, b) => {
        if (from === 'client') n += b.length;
        return b;
      };
      pair.run();
      pair.tamper = saved;
      const closedNow = [...eventsOf(pair.server, "closed"), ...eventsOf(pair.client, "closed")].map((c) => c.error?.message);
      assert.deepEqual(closedNow, []);
      assert.deepEqual(pair.takePayloads(pair.server), [payload]);
      return n;
    };
    const before = wireSize();
    pair.server.t.send(Uint8Array.of(MSG.USERAUTH_SUCCESS));
    pair.run();
    const after = wireSize();
    assert.equal(eventsOf(pair.client, 'kex')[0]!.algorithms.compressionClientToServer, name);
    if (name === 'zlib') assert.ok(before < payload.length / 4, `zlib compresses at once (${before} bytes)`);
    else assert.ok(before > payload.length, `zlib@openssh.com does not compress before auth (${before} bytes)`);
    assert.ok(after < payload.length / 4, `${name} compresses after auth (${after} bytes)`);
    // Compression state survives a rekey (one stream per direction for the connection).
    pair.client.t.rekey();
    pair.run();
    assert.ok(wireSize() < payload.length / 4);
    assert.equal(eventsOf(pair.client, 'closed').length, 0);
  }
});

test('the same seeded randomness replays a handshake byte for byte', async () => {
  const { seededRandom } = await import('../util/pair.js');
  const transcript = () => {
    const pair = new Pair(
      { role: 'server', hostKeys: [hostKey], random: seededRandom(7) },
      { client: { random: seededRandom(9) } },
    );
    const bytes: string[] = [];
    pair.tamper = (from, b) => {
      bytes.push(from + Buffer.from(b).toString('hex'));
      return b;
    };
    pair.run();
    return bytes;
  };
  const a = transcript();
  const b = transcript();
  assert.ok(a.length > 4);
  assert.deepEqual(a, b);
});
