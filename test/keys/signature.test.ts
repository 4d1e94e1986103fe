// Sign/verify round trips for every key type and algorithm; verify() is false (never throws) for
// tampered data, tampered or malformed signatures, the wrong key, or a blob naming another algorithm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { SshError } from '../../src/errors.js';
import { PrivateKey, type KeyGenerationType } from '../../src/keys/private-key.js';
import {
  DEFAULT_HOST_KEY_ALGORITHMS,
  INSECURE_HOST_KEY_ALGORITHMS,
  SUPPORTED_HOST_KEY_ALGORITHMS,
  getSignatureAlgorithm,
  keyTypeForAlgorithm,
} from '../../src/keys/registry.js';
import { decodeSignatureBlob, encodeSignatureBlob } from '../../src/keys/signature.js';
import { Reader } from '../../src/wire/reader.js';
import { Writer } from '../../src/wire/writer.js';

const data = new TextEncoder().encode('exchange hash H, or a user-auth blob');
const KEYS: Array<[KeyGenerationType, string, readonly string[]]> = [
  ['ed25519', 'ssh-ed25519', ['ssh-ed25519']],
  ['ecdsa-p256', 'ecdsa-sha2-nistp256', ['ecdsa-sha2-nistp256']],
  ['ecdsa-p384', 'ecdsa-sha2-nistp384', ['ecdsa-sha2-nistp384']],
  ['ecdsa-p521', 'ecdsa-sha2-nistp521', ['ecdsa-sha2-nistp521']],
  ['rsa', 'ssh-rsa', ['rsa-sha2-512', 'rsa-sha2-256']],
];

const cache = new Map<string, PrivateKey>();
function key(type: KeyGenerationType): PrivateKey {
  let k = cache.get(type);
  if (k === undefined) {
    k = PrivateKey.generate(type, type === 'rsa' ? 2048 : undefined);
    cache.set(type, k);
  }
  return k;
}

test('registry: OpenSSH 10 host key algorithm order; ssh-rsa only as insecure', () => {
  assert.deepEqual(DEFAULT_HOST_KEY_ALGORITHMS, [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
  ]);
  assert.deepEqual(SUPPORTED_HOST_KEY_ALGORITHMS, DEFAULT_HOST_KEY_ALGORITHMS);
  assert.deepEqual(INSECURE_HOST_KEY_ALGORITHMS, ['ssh-rsa']);
  for (const n of [...DEFAULT_HOST_KEY_ALGORITHMS, ...INSECURE_HOST_KEY_ALGORITHMS]) assert.equal(getSignatureAlgorithm(n)?.name, n);
  assert.equal(getSignatureAlgorithm('ssh-dss'), undefined);
  assert.equal(keyTypeForAlgorithm('rsa-sha2-256'), 'ssh-rsa');
  assert.equal(keyTypeForAlgorithm('ssh-rsa'), 'ssh-rsa');
  assert.equal(keyTypeForAlgorithm('ecdsa-sha2-nistp384'), 'ecdsa-sha2-nistp384');
});

for (const [type, keyType, algorithms] of KEYS) {
  test(`${type}: sign and verify with ${algorithms.join(', ')}; tampering is detected`, () => {
    const k = key(type);
    assert.equal(k.keyType, keyType);
    assert.deepEqual(k.algorithms, algorithms);
    assert.match(k.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
    for (const name of algorithms) {
      const alg = getSignatureAlgorithm(name)!;
      assert.equal(alg.keyType, keyType);
      const sig = k.sign(name, data);
      const parsed = decodeSignatureBlob(sig);
      assert.equal(parsed.algorithm, name);
      assert.ok(alg.verify(k.publicKey, data, sig), 'verifies');
      assert.ok(!alg.verify(k.publicKey, Uint8Array.of(...data, 1), sig), 'other data');
      const flipped = sig.slice();
      flipped[flipped.length - 3]! ^= 0x10;
      assert.ok(!alg.verify(k.publicKey, data, flipped), 'flipped bit');
      const other = PrivateKey.generate(type, type === 'rsa' ? 2048 : undefined);
      assert.ok(!alg.verify(other.publicKey, data, sig), 'other key');
      // Malformed input is false, not an exception.
      for (const junk of [new Uint8Array(0), sig.subarray(0, 10), Uint8Array.of(...sig, 0), encodeSignatureBlob(name, new Uint8Array(0))]) {
        assert.equal(alg.verify(k.publicKey, data, junk), false);
      }
      assert.equal(alg.verify(new Uint8Array(7), data, sig), false);
    }
  });
}

test('the blob must name the negotiated algorithm (RFC 8332 §3)', () => {
  const rsa = key('rsa');
  const s512 = rsa.sign('rsa-sha2-512', data);
  const s256 = rsa.sign('rsa-sha2-256', data);
  assert.ok(getSignatureAlgorithm('rsa-sha2-512')!.verify(rsa.publicKey, data, s512));
  assert.ok(!getSignatureAlgorithm('rsa-sha2-256')!.verify(rsa.publicKey, data, s512));
  assert.ok(!getSignatureAlgorithm('rsa-sha2-512')!.verify(rsa.publicKey, data, s256));
  assert.ok(!getSignatureAlgorithm('ssh-rsa')!.verify(rsa.publicKey, data, s256));
  // Relabelling a SHA-512 signature as rsa-sha2-256 does not make it valid either.
  const relabelled = encodeSignatureBlob('rsa-sha2-256', decodeSignatureBlob(s512).signature);
  assert.ok(!getSignatureAlgorithm('rsa-sha2-256')!.verify(rsa.publicKey, data, relabelled));
  // An Ed25519 signature does not verify as ECDSA, nor against an ECDSA key.
  const ed = key('ed25519');
  const edSig = ed.sign('ssh-ed25519', data);
  assert.ok(!getSignatureAlgorithm('ecdsa-sha2-nistp256')!.verify(ed.publicKey, data, edSig));
  assert.ok(!getSignatureAlgorithm('ssh-ed25519')!.verify(key('ecdsa-p256').publicKey, data, edSig));
});

test('a key signs only with its own algorithms; ssh-rsa (SHA-1) only when asked for', () => {
  const isKey = (e: unknown) => e instanceof SshError && e.code === 'ERR_KEY';
  assert.throws(() => key('rsa').sign('ssh-rsa', data), isKey);
  assert.throws(() => key('ed25519').sign('rsa-sha2-256', data), isKey);
  assert.throws(() => key('ecdsa-p256').sign('ecdsa-sha2-nistp384', data), isKey);
  assert.throws(() => key('ed25519').sign('nonsense', data), isKey);
  const legacy = PrivateKey.fromKeyObject(key('rsa').keyObject, { sshRsaSha1: true });
  assert.deepEqual(legacy.algorithms, ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  const sig = legacy.sign('ssh-rsa', data);
  assert.ok(getSignatureAlgorithm('ssh-rsa')!.verify(legacy.publicKey, data, sig));
  assert.equal(getSignatureAlgorithm('ssh-rsa')!.secure, false);
  // Wrong inputs to the constructors.
  assert.throws(() => PrivateKey.fromKeyObject(createPublicKey(key('rsa').keyObject)), isKey);
  assert.throws(() => PrivateKey.generate('rsa', 1024), isKey);
  assert.throws(() => PrivateKey.fromKeyObject(createPrivateKey(generateKeyPairSync('rsa', { modulusLength: 512, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey)), isKey);
  assert.throws(() => PrivateKey.fromEd25519Seed(new Uint8Array(31)), isKey);
  assert.throws(
    () => PrivateKey.fromKeyObject(createPrivateKey(generateKeyPairSync('ec', { namedCurve: 'secp256k1', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey)),
    (e: unknown) => e instanceof SshError && e.code === 'ERR_UNSUPPORTED',
  );
});

test('ECDSA signatures: r and s are minimal positive mpints; odd encodings are refused', () => {
  for (const type of ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521'] as const) {
    const k = key(type);
    const alg = getSignatureAlgorithm(k.keyType)!;
    for (let i = 0; i < 16; i++) {
      const msg = Uint8Array.of(i, ...data);
      const sig = k.sign(k.keyType, msg);
      const inner = new Reader(decodeSignatureBlob(sig).signature);
      const r = inner.mpint();
      const s = inner.mpint();
      inner.done();
      assert.ok(r > 0n && s > 0n);
      // Same r, s with a non-minimal encoding (an extra 00) must not verify.
      const padded = (v: bigint) => {
        const m = new Writer().mpint(v).finish().subarray(4);
        return new Writer().bytesString(Uint8Array.of(0, ...(m[0] === 0 ? m : Uint8Array.of(0, ...m)))).finish();
      };
      const bad = new Writer().raw(padded(r)).mpint(s).finish();
      assert.ok(!alg.verify(k.publicKey, msg, encodeSignatureBlob(k.keyType, bad)));
      const negative = new Writer().mpint(-r).mpint(s).finish();
      assert.ok(!alg.verify(k.publicKey, msg, encodeSignatureBlob(k.keyType, negative)));
      const zero = new Writer().mpint(0n).mpint(s).finish();
      assert.ok(!alg.verify(k.publicKey, msg, encodeSignatureBlob(k.keyType, zero)));
      const trailing = new Writer().mpint(r).mpint(s).u8(0).finish();
      assert.ok(!alg.verify(k.publicKey, msg, encodeSignatureBlob(k.keyType, trailing)));
      assert.ok(alg.verify(k.publicKey, msg, encodeSignatureBlob(k.keyType, new Writer().mpint(r).mpint(s).finish())));
    }
  }
});

test('RSA: a signature with its leading zero byte stripped still verifies (as OpenSSH accepts); a longer one does not', () => {
  const k = key('rsa');
  const alg = getSignatureAlgorithm('rsa-sha2-256')!;
  let found = false;
  for (let i = 0; i < 4000 && !found; i++) {
    const msg = new TextEncoder().encode(`message ${i}`);
    const raw = decodeSignatureBlob(k.sign('rsa-sha2-256', msg)).signature;
    assert.equal(raw.length, 256);
    if (raw[0] !== 0) continue;
    found = true;
    assert.ok(alg.verify(k.publicKey, msg, encodeSignatureBlob('rsa-sha2-256', raw.subarray(1))));
    assert.ok(!alg.verify(k.publicKey, msg, encodeSignatureBlob('rsa-sha2-256', Uint8Array.of(0, ...raw))));
  }
  assert.ok(found, 'found a signature starting with 00');
});
