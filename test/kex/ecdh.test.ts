// ecdh-sha2-nistp*: K agrees with an independent computation, private keys land in [1, n-1],
// and bad peer points (off the curve, compressed, infinity, wrong length) abort with ERR_KEX.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH } from 'node:crypto';
import { SshError } from '../../src/errors.js';
import { ecdhSha2Nistp256, ecdhSha2Nistp384, ecdhSha2Nistp521, NIST_CURVES, nistPrivateScalar } from '../../src/kex/ecdh.js';
import { Writer } from '../../src/wire/writer.js';
import { clientContext, payload, replaceServerValue, runKex, serverContext, toHex } from './helpers.js';

const isKex = (e: unknown) => e instanceof SshError && e.code === 'ERR_KEX';
const METHODS = [
  [ecdhSha2Nistp256, NIST_CURVES.nistp256],
  [ecdhSha2Nistp384, NIST_CURVES.nistp384],
  [ecdhSha2Nistp521, NIST_CURVES.nistp521],
] as const;

test('the group orders are right: n-1 is a valid private key, n is not', () => {
  for (const [, curve] of METHODS) {
    const toBytes = (v: bigint) => Uint8Array.from(Buffer.from(v.toString(16).padStart(curve.fieldBytes * 2, '0'), 'hex'));
    const ecdh = createECDH(curve.nodeName);
    ecdh.setPrivateKey(toBytes(curve.order - 1n));
    assert.throws(() => ecdh.setPrivateKey(toBytes(curve.order)));
    assert.equal(curve.order.toString(2).length, curve.orderBits);
  }
});

test('private scalars: rejection sampling retries out-of-range candidates', () => {
  const curve = NIST_CURVES.nistp256;
  const draws = [new Uint8Array(32), new Uint8Array(32).fill(0xff), new Uint8Array(32).fill(0x11)];
  let calls = 0;
  const scalar = nistPrivateScalar(curve, () => draws[calls++]!.slice());
  assert.equal(calls, 3, 'zero and >= n were both skipped');
  assert.equal(toHex(scalar), '11'.repeat(32));
  // P-521: the top 7 bits of the 66 bytes are masked off.
  const p521 = nistPrivateScalar(NIST_CURVES.nistp521, () => new Uint8Array(66).fill(0x01).map((v, i) => (i === 0 ? 0xfe : v)));
  assert.equal(p521[0], 0);
  assert.throws(() => nistPrivateScalar(curve, () => new Uint8Array(32)), isKex);
});

test('K is the mpint of the shared x-coordinate, matching a plain OpenSSL computation', () => {
  for (const [alg, curve] of METHODS) {
    const run = runKex(alg, { seed: `x-${curve.sshName}` });
    const clientQ = run.transcript[0]!.payload.subarray(5);
    // Re-derive the server's private key from its random source and compute independently.
    const serverScalar = nistPrivateScalar(curve, serverContext(alg, `x-${curve.sshName}`).random);
    const ecdh = createECDH(curve.nodeName);
    ecdh.setPrivateKey(serverScalar);
    const x = ecdh.computeSecret(clientQ);
    assert.equal(x.length, curve.fieldBytes);
    assert.deepEqual(run.server.sharedSecret, new Writer().mpint(BigInt('0x' + x.toString('hex'))).finish());
    assert.equal(clientQ.length, 1 + 2 * curve.fieldBytes);
    assert.equal(clientQ[0], 4);
  }
});

test('bad peer points abort with ERR_KEX on both sides', () => {
  for (const [alg, curve] of METHODS) {
    const good = runKex(alg).transcript[0]!.payload.subarray(5);
    const offCurve = good.slice();
    offCurve[offCurve.length - 1]! ^= 1;
    const compressed = createECDH(curve.nodeName);
    compressed.generateKeys();
    const bad = [
      offCurve,
      new Uint8Array(compressed.getPublicKey(null, 'compressed')),
      Uint8Array.of(0), // the point at infinity
      new Uint8Array(1 + 2 * curve.fieldBytes).fill(0).map((v, i) => (i === 0 ? 4 : v)),
      good.subarray(0, good.length - 1),
      new Uint8Array(0),
    ];
    for (const q of bad) {
      const init = payload(30, (w) => w.bytesString(q));
      assert.throws(() => alg.createServer(serverContext(alg, 'bad')).receive(init), isKex, `${curve.sshName} server ${toHex(q)}`);
      assert.throws(
        () => runKex(alg, { tamper: (from, p) => (from === 'server' ? replaceServerValue(p, q) : p) }),
        isKex,
        `${curve.sshName} client ${toHex(q)}`,
      );
    }
    // A valid point on another curve is rejected too.
    const other = createECDH(curve.nodeName === 'prime256v1' ? 'secp384r1' : 'prime256v1');
    other.generateKeys();
    const c = alg.createClient(clientContext(alg, 'other'));
    c.start();
    const reply = payload(31, (w) => w.bytesString(Uint8Array.of(1)).bytesString(other.getPublicKey()).bytesString(Uint8Array.of(2)));
    assert.throws(() => c.receive(reply), isKex);
  }
});
