// RFC 7748 X25519 vectors through the raw-scalar -> KeyObject path the KEX uses, and the
// RFC 8731 encoding of K (big-endian mpint of the raw output, all-zero rejected).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SshError } from '../../src/errors.js';
import { curve25519Sha256 } from '../../src/kex/curve25519.js';
import { x25519PrivateKey, x25519PublicKey, x25519SharedSecret } from '../../src/kex/curve25519.js';
import { Writer } from '../../src/wire/writer.js';
import { clientContext, hex, payload, replaceServerValue, runKex, serverContext, toHex } from './helpers.js';

const isKex = (e: unknown) => e instanceof SshError && e.code === 'ERR_KEX';

test('RFC 7748 §5.2: X25519 scalar multiplication vectors', () => {
  const vectors = [
    {
      scalar: 'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
      u: 'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
      out: 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
    },
    {
      scalar: '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
      u: 'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
      out: '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
    },
  ];
  for (const v of vectors) {
    const k = x25519PrivateKey(hex(v.scalar));
    assert.equal(toHex(x25519SharedSecret(k, hex(v.u))), v.out);
  }
});

test('RFC 7748 §5.2: iterated X25519, 1 and 1000 rounds', () => {
  let k: Uint8Array = new Uint8Array(32);
  k[0] = 9;
  let u: Uint8Array = k.slice();
  for (let i = 1; i <= 1000; i++) {
    const next = x25519SharedSecret(x25519PrivateKey(k), u);
    u = k;
    k = next;
    if (i === 1) assert.equal(toHex(k), '422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
  }
  assert.equal(toHex(k), '684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
});

test('RFC 7748 §6.1: Diffie-Hellman between Alice and Bob', () => {
  const alicePriv = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const alicePub = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
  const bobPriv = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  const bobPub = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  const a = x25519PrivateKey(alicePriv);
  const b = x25519PrivateKey(bobPriv);
  assert.equal(toHex(x25519PublicKey(a)), alicePub);
  assert.equal(toHex(x25519PublicKey(b)), bobPub);
  assert.equal(toHex(x25519SharedSecret(a, hex(bobPub))), shared);
  assert.equal(toHex(x25519SharedSecret(b, hex(alicePub))), shared);
});

test('curve25519-sha256 with the RFC 7748 keys: Q_C, Q_S and K exactly as RFC 8731 §3.1 says', () => {
  // Feed Alice's scalar to the client and Bob's to the server through ctx.random.
  const alg = curve25519Sha256;
  const client = alg.createClient({ ...clientContext(alg, 'x'), random: () => hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a') });
  const server = alg.createServer({ ...serverContext(alg, 'x'), random: () => hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb') });
  const [init] = client.start();
  assert.equal(toHex(init!), '1e' + '00000020' + '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  const s = server.receive(init!);
  assert.equal(s.kind, 'done');
  const c = client.receive(s.messages[0]!);
  assert.equal(c.kind, 'done');
  // The shared secret 4a5d... has its top bit clear: K is string-length 32 with no padding.
  const expectedK = '00000020' + '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  assert.equal(toHex(s.sharedSecret), expectedK);
  assert.equal(toHex(c.kind === 'done' ? c.sharedSecret : new Uint8Array()), expectedK);
});

test('RFC 8731 §3.1: K is the mpint of the big-endian reading (leading 00 for a high bit, zeros dropped)', () => {
  let sawHighBit = false;
  let sawLeadingZero = false;
  for (let i = 0; i < 4000 && !(sawHighBit && sawLeadingZero); i++) {
    const run = runKex(curve25519Sha256, { seed: `mpint-${i}` });
    const clientPub = run.transcript[0]!.payload.subarray(5);
    // Recompute the raw X25519 output independently of the session code.
    const serverScalar = serverContext(curve25519Sha256, `mpint-${i}`).random(32);
    const raw = x25519SharedSecret(x25519PrivateKey(serverScalar), clientPub);
    const expected = new Writer().mpint(BigInt('0x' + toHex(raw))).finish();
    assert.deepEqual(run.client.sharedSecret, expected);
    if (raw[0]! & 0x80) {
      sawHighBit = true;
      assert.equal(run.client.sharedSecret.length, 4 + 33);
      assert.equal(run.client.sharedSecret[4], 0);
    }
    if (raw[0] === 0) {
      sawLeadingZero = true;
      assert.ok(run.client.sharedSecret.length < 4 + 32);
    }
  }
  assert.ok(sawHighBit && sawLeadingZero, 'both encodings were exercised');
});

const LOW_ORDER_POINTS = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

test('curve25519: low-order peer points (all-zero shared secret) abort with ERR_KEX', () => {
  const alg = curve25519Sha256;
  for (const p of LOW_ORDER_POINTS) {
    const init = payload(30, (w) => w.bytesString(hex(p)));
    assert.throws(() => alg.createServer(serverContext(alg, 'lo')).receive(init), isKex, p);
    const c = alg.createClient(clientContext(alg, 'lo'));
    c.start();
    const reply = payload(31, (w) => w.bytesString(Uint8Array.of(1)).bytesString(hex(p)).bytesString(Uint8Array.of(2)));
    assert.throws(() => c.receive(reply), isKex, p);
  }
});

test('curve25519: public values of the wrong length abort with ERR_KEX', () => {
  const alg = curve25519Sha256;
  for (const n of [0, 31, 33, 65]) {
    const init = payload(30, (w) => w.bytesString(new Uint8Array(n).fill(9)));
    assert.throws(() => alg.createServer(serverContext(alg, 'len')).receive(init), isKex);
    assert.throws(
      () => runKex(alg, { tamper: (from, p) => (from === 'server' ? replaceServerValue(p, new Uint8Array(n).fill(9)) : p) }),
      isKex,
    );
  }
});
