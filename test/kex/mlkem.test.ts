// ML-KEM-768 (through @noble/post-quantum) and the mlkem768x25519-sha256 hybrid: known-answer
// accumulated vectors (C2SP CCTV), exact message lengths, K = string SHA-256(kem || x25519).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { SshError } from '../../src/errors.js';
import { x25519PrivateKey, x25519SharedSecret } from '../../src/kex/curve25519.js';
import {
  MLKEM768X25519_INIT_LENGTH,
  MLKEM768X25519_REPLY_LENGTH,
  mlkem768x25519Sha256,
} from '../../src/kex/mlkem.js';
import { Reader } from '../../src/wire/reader.js';
import { clientContext, hex, payload, replaceServerValue, runKex, serverContext, toHex } from './helpers.js';

const isKex = (e: unknown) => e instanceof SshError && e.code === 'ERR_KEX';
const alg = mlkem768x25519Sha256;

test('ML-KEM-768: C2SP CCTV accumulated vectors (100 iterations, FIPS 203 final)', () => {
  // RNG: SHAKE-128 of the empty string; per test draw d, z, m, and an invalid ct (1088 bytes).
  const count = 100;
  const perTest = 32 + 32 + 32 + 1088;
  const stream = createHash('shake128', { outputLength: count * perTest }).digest();
  const acc = createHash('shake128', { outputLength: 32 });
  let o = 0;
  const draw = (n: number) => {
    const v = new Uint8Array(stream.subarray(o, o + n));
    o += n;
    return v;
  };
  for (let i = 0; i < count; i++) {
    const d = draw(32);
    const z = draw(32);
    const m = draw(32);
    const badCt = draw(1088);
    const seed = new Uint8Array(64);
    seed.set(d);
    seed.set(z, 32);
    const { publicKey, secretKey } = ml_kem768.keygen(seed);
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(publicKey, m);
    assert.deepEqual(ml_kem768.decapsulate(cipherText, secretKey), sharedSecret);
    const rejected = ml_kem768.decapsulate(badCt, secretKey);
    acc.update(publicKey).update(secretKey).update(cipherText).update(sharedSecret).update(rejected);
  }
  assert.equal(acc.digest('hex'), '8d65b902f28edc683cebee2872962fd165a4d197c9e24ec74caa4470270df0b7');
});

test('messages have the exact draft lengths; K = string SHA-256(ML-KEM secret || X25519 secret)', () => {
  const run = runKex(alg, { seed: 'lengths' });
  const init = new Reader(run.transcript[0]!.payload);
  assert.equal(init.u8(), 30);
  const cInit = init.bytesString();
  init.done();
  assert.equal(cInit.length, 1216);
  const reply = new Reader(run.transcript[1]!.payload);
  assert.equal(reply.u8(), 31);
  reply.bytesString();
  const sReply = reply.bytesString();
  reply.bytesString();
  reply.done();
  assert.equal(sReply.length, 1120);

  // Recompute K from the client's random draws: seed (64) then X25519 scalar (32).
  const random = clientContext(alg, 'lengths').random;
  const { secretKey } = ml_kem768.keygen(random(64));
  const xPriv = x25519PrivateKey(random(32));
  const kem = ml_kem768.decapsulate(sReply.subarray(0, 1088), secretKey);
  const ecdh = x25519SharedSecret(xPriv, sReply.subarray(1088));
  const digest = createHash('sha256').update(kem).update(ecdh).digest();
  assert.equal(toHex(run.client.sharedSecret), '00000020' + digest.toString('hex'));
  assert.deepEqual(run.client.sharedSecret, run.server.sharedSecret);
});

test('wrong lengths are rejected on both sides', () => {
  assert.equal(MLKEM768X25519_INIT_LENGTH, 1216);
  assert.equal(MLKEM768X25519_REPLY_LENGTH, 1120);
  const good = runKex(alg, { seed: 'len' });
  const cInit = good.transcript[0]!.payload.subarray(5);
  for (const n of [0, 32, 1184, 1215, 1217, 2000]) {
    const v = new Uint8Array(n);
    v.set(cInit.subarray(0, Math.min(n, cInit.length)));
    const init = payload(30, (w) => w.bytesString(v));
    assert.throws(() => alg.createServer(serverContext(alg, 'len')).receive(init), isKex, `init ${n}`);
  }
  for (const n of [0, 32, 1088, 1119, 1121, 1216]) {
    assert.throws(
      () => runKex(alg, { seed: 'len', tamper: (from, p) => (from === 'server' ? replaceServerValue(p, new Uint8Array(n).fill(3)) : p) }),
      isKex,
      `reply ${n}`,
    );
  }
});

test('an encapsulation key failing the FIPS 203 modulus check is rejected', () => {
  const good = runKex(alg, { seed: 'mod' });
  const cInit = good.transcript[0]!.payload.subarray(5).slice();
  cInit[0] = 0xff;
  cInit[1] = 0xff; // first coefficient 0xfff = 4095 >= q = 3329
  assert.throws(() => alg.createServer(serverContext(alg, 'mod')).receive(payload(30, (w) => w.bytesString(cInit))), isKex);
});

test('a low-order X25519 half is rejected on both sides', () => {
  const good = runKex(alg, { seed: 'lo' });
  const cInit = good.transcript[0]!.payload.subarray(5).slice();
  cInit.fill(0, 1184);
  assert.throws(() => alg.createServer(serverContext(alg, 'lo')).receive(payload(30, (w) => w.bytesString(cInit))), isKex);
  assert.throws(
    () =>
      runKex(alg, {
        seed: 'lo',
        tamper: (from, p) => {
          if (from !== 'server') return p;
          const sReply = new Reader(p, 1);
          sReply.bytesString();
          const v = sReply.bytesString().slice();
          v.set(hex('0100000000000000000000000000000000000000000000000000000000000000'), 1088);
          return replaceServerValue(p, v);
        },
      }),
    isKex,
  );
});

test('a tampered ciphertext yields different keys (implicit rejection), not an error', () => {
  const run = runKex(alg, {
    seed: 'ct',
    tamper: (from, p) => {
      if (from !== 'server') return p;
      const r = new Reader(p, 1);
      r.bytesString();
      const v = r.bytesString().slice();
      v[10]! ^= 1;
      return replaceServerValue(p, v);
    },
  });
  assert.notDeepEqual(run.client.sharedSecret, run.server.sharedSecret);
  assert.notDeepEqual(run.client.exchangeHash, run.server.exchangeHash);
});
