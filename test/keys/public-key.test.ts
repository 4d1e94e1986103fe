// Public key blobs against ssh-keygen: SPKI keys converted with `ssh-keygen -i -m PKCS8` and
// fingerprinted with `ssh-keygen -l` (OpenSSH 9.2). Malformed blobs fail with typed errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { SshError } from '../../src/errors.js';
import { base64Decode, base64Encode, base64UrlEncode } from '../../src/keys/base64.js';
import { fingerprintSha256 } from '../../src/keys/fingerprint.js';
import { encodePublicKey, keyTypeOf, parsePublicKey, publicKeyType } from '../../src/keys/public-key.js';
import { Writer } from '../../src/wire/writer.js';

const VECTORS = [
  {
    type: 'ecdsa-sha2-nistp256',
    bits: 256,
    spki: `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEW9GknYzf45Ny8dEl31/hk6ZQRikW
KIFVTm8ORYCnpZXxLpaYOUwlMX/3Wly0hnrpwq7FwvrU/DJK+Fkn7VPE6A==
-----END PUBLIC KEY-----`,
    openssh:
      'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFvRpJ2M3+OTcvHRJd9f4ZOmUEYpFiiBVU5vDkWAp6WV8S6WmDlMJTF/91pctIZ66cKuxcL61PwySvhZJ+1TxOg=',
    fingerprint: 'SHA256:L0kpv7bxmt/sujD84u12AbsAknmWB+hH4as390TF5jA',
  },
  {
    type: 'ecdsa-sha2-nistp384',
    bits: 384,
    spki: `-----BEGIN PUBLIC KEY-----
MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE/6xzIqTXCIWGjihd1LIla5qiQCp/YCFb
cgSdEGM3melg5ydNa/rul6L/Hae9ooceO8TYLBXpH899EohxEAIwsOoLPCWOgNd1
zyj+GenTn+AJQsaqm1rLvp+TlCFOUIN2
-----END PUBLIC KEY-----`,
    openssh:
      'AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBP+scyKk1wiFho4oXdSyJWuaokAqf2AhW3IEnRBjN5npYOcnTWv67pei/x2nvaKHHjvE2CwV6R/PfRKIcRACMLDqCzwljoDXdc8o/hnp05/gCULGqptay76fk5QhTlCDdg==',
    fingerprint: 'SHA256:Tqpb2BMymiP0RfMG1t31RiRY+rjr2dc8qNBBKI0yowE',
  },
  {
    // x starts with a zero byte: the point must keep it (fixed-width coordinates).
    type: 'ecdsa-sha2-nistp521',
    bits: 521,
    spki: `-----BEGIN PUBLIC KEY-----
MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQABNLdEuUFAmlFA0FTP4Q6/xzfSFgl
L4/azmllZbC3tHewexclmdt+POA+YD0xjsz4zVsBKMDRkq4Va8AJ+O80F2oB7WZg
nD/rHQS0EQWiPwc3YY/gmK0dIdfZPwIZhl9ZnFHAvaNnywCI9fWTFVgwAk296Jrj
fQSN13PKPgKyxXUT5v4=
-----END PUBLIC KEY-----`,
    openssh:
      'AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAAE0t0S5QUCaUUDQVM/hDr/HN9IWCUvj9rOaWVlsLe0d7B7FyWZ23484D5gPTGOzPjNWwEowNGSrhVrwAn47zQXagHtZmCcP+sdBLQRBaI/Bzdhj+CYrR0h19k/AhmGX1mcUcC9o2fLAIj19ZMVWDACTb3omuN9BI3Xc8o+ArLFdRPm/g==',
    fingerprint: 'SHA256:Y8/QKsLEKcF/yOOS2QfBYgWxpk9RSXJt7G3L8dcfnXc',
  },
  {
    type: 'ssh-rsa',
    bits: 2048,
    spki: `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAy5hqMqmXdRw7ZuB1kyHM
NXTrLFT/P+nimtCe8b3S+0yxjAh0CrTdFyODBbbXQ86fxwCNTq6bX71xtK50ufYp
c052CQIItQzI/zn0G5KWe4NatdV8DzLXdodUXc9xok6rf2Aog7VC0Qf2wmrw/aX8
uZjyLz3AF42p0GRRflipXO+gszEsvO5gvDDVrW3SFkT4hXoXtFE6ih+1gENj8XuI
4AIpPyz44NzMD3HH4RPZxd3lT7JfUz25I1Kgy474dy+1pWFJQ88p8YFfdbI0JuyJ
kTS5kzdei3q3fnZhBJWCS2XCtMhNwvvKUR6Fdow0v69tuEBdEdZOY76pZ0ageTMG
7QIDAQAB
-----END PUBLIC KEY-----`,
    openssh:
      'AAAAB3NzaC1yc2EAAAADAQABAAABAQDLmGoyqZd1HDtm4HWTIcw1dOssVP8/6eKa0J7xvdL7TLGMCHQKtN0XI4MFttdDzp/HAI1OrptfvXG0rnS59ilzTnYJAgi1DMj/OfQbkpZ7g1q11XwPMtd2h1Rdz3GiTqt/YCiDtULRB/bCavD9pfy5mPIvPcAXjanQZFF+WKlc76CzMSy87mC8MNWtbdIWRPiFehe0UTqKH7WAQ2Pxe4jgAik/LPjg3MwPccfhE9nF3eVPsl9TPbkjUqDLjvh3L7WlYUlDzynxgV91sjQm7ImRNLmTN16Lerd+dmEElYJLZcK0yE3C+8pRHoV2jDS/r224QF0R1k5jvqlnRqB5Mwbt',
    fingerprint: 'SHA256:+UhHOrJPDicKljAQPMFh0c0vbCgRu8zxmKb97T81ygQ',
  },
];

for (const v of VECTORS) {
  test(`${v.type}: blob and fingerprint match ssh-keygen`, () => {
    const key = createPublicKey(v.spki);
    const blob = encodePublicKey(key);
    assert.equal(base64Encode(blob), v.openssh);
    assert.equal(fingerprintSha256(blob), v.fingerprint);
    assert.equal(keyTypeOf(key), v.type);
    assert.equal(publicKeyType(blob), v.type);
    const parsed = parsePublicKey(base64Decode(v.openssh));
    assert.equal(parsed.type, v.type);
    assert.equal(parsed.bits, v.bits);
    assert.equal(parsed.keyObject.export({ format: 'pem', type: 'spki' }).toString().trim(), v.spki);
  });
}

const isWire = (e: unknown) => e instanceof SshError && e.code === 'ERR_WIRE';
const isKey = (e: unknown) => e instanceof SshError && e.code === 'ERR_KEY';

test('malformed public key blobs raise WireError, unusable keys ERR_KEY, unknown types ERR_UNSUPPORTED', () => {
  const p256 = base64Decode(VECTORS[0]!.openssh);
  assert.throws(() => parsePublicKey(p256.subarray(0, p256.length - 1)), isWire);
  assert.throws(() => parsePublicKey(Uint8Array.of(...p256, 0)), isWire);
  const ed = (key: Uint8Array) => new Writer().utf8('ssh-ed25519').bytesString(key).finish();
  assert.throws(() => parsePublicKey(ed(new Uint8Array(31))), isWire);
  // ECDSA: curve name mismatch, compressed point, point off the curve.
  const q = parsePublicKey(p256).keyObject.export({ format: 'jwk' });
  const x = base64Decode(q.x!);
  const y = base64Decode(q.y!);
  const ecBlob = (type: string, curve: string, point: Uint8Array) => new Writer().utf8(type).utf8(curve).bytesString(point).finish();
  assert.throws(() => parsePublicKey(ecBlob('ecdsa-sha2-nistp256', 'nistp384', Uint8Array.of(4, ...x, ...y))), isWire);
  assert.throws(() => parsePublicKey(ecBlob('ecdsa-sha2-nistp256', 'nistp256', Uint8Array.of(2 + (y[31]! & 1), ...x))), isWire);
  const offY = y.slice();
  offY[31]! ^= 1;
  assert.throws(() => parsePublicKey(ecBlob('ecdsa-sha2-nistp256', 'nistp256', Uint8Array.of(4, ...x, ...offY))), isKey);
  // RSA: too small, even exponent.
  const rsa = (e: Uint8Array, n: Uint8Array) => new Writer().utf8('ssh-rsa').mpintMagnitude(e).mpintMagnitude(n).finish();
  const n512 = new Uint8Array(64).fill(0xc3);
  assert.throws(() => parsePublicKey(rsa(Uint8Array.of(1, 0, 1), n512)), isKey);
  const n2048 = new Uint8Array(256).fill(0xc3);
  assert.throws(() => parsePublicKey(rsa(Uint8Array.of(1, 0, 0), n2048)), isKey);
  assert.throws(() => parsePublicKey(rsa(Uint8Array.of(1), n2048)), isKey);
  assert.throws(
    () => parsePublicKey(new Writer().utf8('ssh-dss').finish()),
    (e: unknown) => e instanceof SshError && e.code === 'ERR_UNSUPPORTED',
  );
});

test('base64 and base64url round trips (RFC 4648 §10)', () => {
  const enc = new TextEncoder();
  const cases: Array<[string, string]> = [
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ];
  for (const [plain, b64] of cases) {
    assert.equal(base64Encode(enc.encode(plain)), b64);
    assert.equal(new TextDecoder().decode(base64Decode(b64)), plain);
    assert.equal(new TextDecoder().decode(base64Decode(b64.replace(/=+$/, ''))), plain);
  }
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.equal(base64Encode(all), Buffer.from(all).toString('base64'));
  assert.equal(base64UrlEncode(all), Buffer.from(all).toString('base64url'));
  assert.deepEqual(base64Decode(Buffer.from(all).toString('base64url')), all);
  assert.throws(() => base64Decode('Zm9v!'), isKey);
  assert.throws(() => base64Decode('Z'), isKey);
});
