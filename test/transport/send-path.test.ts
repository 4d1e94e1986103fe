/**
 * The transport's send path for bulk data: send(payload, tail) builds the packet of
 * payload || tail with one copy, and transmitTo hands the wire bytes out in the sealer's
 * pieces. Both must put exactly the bytes on the wire that send(whole) and pollTransmit do.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrivateKey } from '../../src/keys/private-key.js';
import { MSG } from '../../src/messages/numbers.js';
import { Pair, seededRandom } from '../util/pair.js';

const hostKey = PrivateKey.generate('ed25519');

function authenticatedPair(cipher: string): Pair {
  const pair = new Pair(
    { role: 'server', hostKeys: [hostKey], random: seededRandom(3) },
    { client: { random: seededRandom(5), algorithms: { cipher: [cipher] } } },
  );
  pair.run();
  pair.client.t.requestService('ssh-userauth');
  pair.run();
  pair.server.t.send(Uint8Array.of(MSG.USERAUTH_SUCCESS));
  pair.run();
  pair.takePayloads(pair.client);
  return pair;
}

function dataMessage(i: number, size: number): { head: Uint8Array; data: Uint8Array; whole: Uint8Array } {
  const head = new Uint8Array(9);
  head[0] = MSG.CHANNEL_DATA;
  new DataView(head.buffer).setUint32(1, i);
  new DataView(head.buffer).setUint32(5, size);
  const data = new Uint8Array(size).map((_, j) => (i * 7 + j) & 0xff);
  const whole = new Uint8Array(9 + size);
  whole.set(head);
  whole.set(data, 9);
  return { head, data, whole };
}

for (const cipher of ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes128-ctr']) {
  test(`send(head, data) + transmitTo put the same bytes on the wire as send(whole) + pollTransmit (${cipher})`, () => {
    const a = authenticatedPair(cipher);
    const b = authenticatedPair(cipher);
    const wireA: Uint8Array[] = [];
    const wireB: Uint8Array[] = [];
    const sizes = [0, 1, 100, 511, 512, 513, 4096, 32 * 1024, 32 * 1024 - 9];
    for (const [i, size] of sizes.entries()) {
      const m = dataMessage(i, size);
      a.client.t.send(m.whole);
      b.client.t.send(m.head, m.data);
      m.data.fill(0); // not kept: it was copied into the packet
      for (let w = a.client.t.pollTransmit(); w; w = a.client.t.pollTransmit()) wireA.push(w);
      assert.equal(b.client.t.transmitTo((piece) => wireB.push(piece.slice())), true);
      assert.equal(b.client.t.transmitTo(() => assert.fail('nothing is left')), false);
    }
    assert.deepEqual(Buffer.concat(wireB), Buffer.concat(wireA));
    for (const w of wireB) b.server.t.receive(w);
    b.run();
    const got = b.takePayloads(b.server);
    assert.equal(got.length, sizes.length);
    for (const [i, size] of sizes.entries()) assert.deepEqual(got[i], dataMessage(i, size).whole);
  });
}

test('data sent by reference while a key exchange holds payloads back is copied when queued', () => {
  const pair = authenticatedPair('aes128-gcm@openssh.com');
  pair.client.t.rekey(); // our KEXINIT is out; payloads wait for NEWKEYS
  const m = dataMessage(1, 1000);
  pair.client.t.send(m.head, m.data);
  m.data.fill(0xaa);
  m.head.fill(0xbb);
  pair.run();
  assert.deepEqual(pair.takePayloads(pair.server), [dataMessage(1, 1000).whole]);
});

test('pollTransmit after transmitTo, and the other way round, loses and repeats nothing', () => {
  const pair = authenticatedPair('chacha20-poly1305@openssh.com');
  const out: Uint8Array[] = [];
  for (let i = 0; i < 6; i++) {
    const m = dataMessage(i, 300 * i);
    pair.client.t.send(m.head, m.data);
    if (i % 2) pair.client.t.transmitTo((p) => out.push(p));
    else out.push(pair.client.t.pollTransmit()!);
  }
  assert.equal(pair.client.t.hasTransmit, false);
  for (const w of out) pair.server.t.receive(w);
  pair.run();
  assert.deepEqual(
    pair.takePayloads(pair.server),
    Array.from({ length: 6 }, (_, i) => dataMessage(i, 300 * i).whole),
  );
});
