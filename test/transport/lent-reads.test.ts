// A socket reader may reuse its read buffer once the transport and the consumers of channel data
// are done with it (Transport.receive's contract): nothing else the transport hands out, keeps
// or still has to decode may be a view of that buffer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrivateKey } from '../../src/keys/private-key.js';
import { MSG } from '../../src/messages/numbers.js';
import { PacketDecoder } from '../../src/transport/packet-decoder.js';
import { PacketEncoder } from '../../src/transport/packet-encoder.js';
import { createOpener, createSealer } from '../../src/crypto/cipher-registry.js';
import { Rng } from '../crypto/helpers.js';
import { Pair, eventsOf } from '../util/pair.js';

const hostKey = PrivateKey.generate('ed25519');

function message(type: number, i: number, size: number): Uint8Array {
  const p = new Uint8Array(size);
  p[0] = type;
  new DataView(p.buffer).setUint32(1, i);
  for (let j = 5; j < size; j++) p[j] = (i * 31 + j * 7) & 0xff;
  return p;
}

for (const cipher of ['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-ctr']) {
  test(`lent reads (${cipher}): the handshake, rekeys and every kind of payload survive the read buffer being reused`, () => {
    const algorithms = { cipher: [cipher], mac: ['hmac-sha2-256-etm@openssh.com'] };
    // 20000-byte reads: packets lie inside a read, across two, and a KEXINIT arrives mid-transfer.
    const pair = new Pair(
      { role: 'server', hostKeys: [hostKey], rekeyBytes: 256 * 1024, algorithms },
      { chunk: 20000, lend: true, client: { rekeyBytes: 256 * 1024, algorithms } },
    );
    pair.run();
    pair.client.t.requestService('ssh-userauth');
    pair.run();
    pair.server.t.send(Uint8Array.of(MSG.USERAUTH_SUCCESS));
    pair.run();
    assert.deepEqual(pair.takePayloads(pair.client), [Uint8Array.of(MSG.USERAUTH_SUCCESS)]);

    // Channel data (may be views: the Pair copies them when their event is taken) mixed with
    // requests (must be the transport's own copies: they are checked only at the end).
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 120; i++) {
      const type = i % 3 === 0 ? MSG.GLOBAL_REQUEST : i % 3 === 1 ? MSG.CHANNEL_DATA : MSG.CHANNEL_REQUEST;
      const m = message(type, i, type === MSG.CHANNEL_DATA ? 30000 : 40 + ((i * 977) % 9000));
      sent.push(m);
      pair.client.t.send(m);
      if (i % 10 === 9) pair.run();
    }
    pair.run();
    const got = pair.takePayloads(pair.server);
    assert.equal(got.length, sent.length);
    got.forEach((p, i) => assert.ok(Buffer.from(p).equals(sent[i]!), `payload ${i} (type ${sent[i]![0]}) intact`));
    const rekeys = eventsOf(pair.server, 'kex').filter((k) => !k.initial).length;
    assert.ok(rekeys >= 4, `rekeys happened during the transfer (${rekeys})`);
    assert.equal(eventsOf(pair.server, 'closed').length, 0);
    assert.equal(eventsOf(pair.client, 'closed').length, 0);
  });
}

test('disown copies the start of a split packet out of the owned chunk, so the chunk can be reused', () => {
  const rng = new Rng(9);
  const keys = { key: rng.bytes(16), iv: rng.bytes(12), macKey: new Uint8Array(0) };
  const enc = new PacketEncoder(createSealer('aes128-gcm@openssh.com', null, keys), (n) => rng.bytes(n));
  const d = new PacketDecoder(createOpener('aes128-gcm@openssh.com', null, keys));
  const payloads = Array.from({ length: 40 }, (_, i) => rng.bytes(1 + ((i * 7919) % 33000)));
  const pieces: Uint8Array[] = [];
  for (const p of payloads) enc.encodeTo(p, undefined, { push: (b) => pieces.push(new Uint8Array(b)) });
  const all = new Uint8Array(Buffer.concat(pieces));
  const lent = new Uint8Array(50000);
  const got: Uint8Array[] = [];
  for (let at = 0; at < all.length; ) {
    const n = Math.min(all.length - at, 1 + rng.int(50000));
    lent.set(all.subarray(at, at + n));
    d.push(lent.subarray(0, n), true);
    for (let p = d.next(); p !== undefined; p = d.next()) got.push(p.borrowed ? p.payload.slice() : p.payload);
    d.disown();
    lent.fill(0xee); // reused for the next read
    at += n;
  }
  assert.equal(got.length, payloads.length);
  got.forEach((p, k) => assert.ok(Buffer.from(p).equals(payloads[k]!), `payload ${k} intact`));
  assert.equal(d.buffered, 0);
});
