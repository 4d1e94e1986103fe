// RFC 8032 §7.1 Ed25519 vectors through the SSH key and signature blob code (RFC 8709).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprintMd5, fingerprintSha256 } from '../../src/keys/fingerprint.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { parsePublicKey } from '../../src/keys/public-key.js';
import { sshEd25519 } from '../../src/keys/signature.js';
import { Writer } from '../../src/wire/writer.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const blob = (name: string, body: Uint8Array) => new Writer().utf8(name).bytesString(body).finish();

const VECTORS = [
  {
    name: 'TEST 1',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

for (const v of VECTORS) {
  test(`RFC 8032 §7.1 ${v.name}: key blob, signature blob, verification`, () => {
    const key = PrivateKey.fromEd25519Seed(hex(v.secret));
    const pubBlob = blob('ssh-ed25519', hex(v.public));
    assert.equal(key.keyType, 'ssh-ed25519');
    assert.deepEqual(key.algorithms, ['ssh-ed25519']);
    assert.deepEqual(key.publicKey, pubBlob);
    const message = hex(v.message);
    const sig = key.sign('ssh-ed25519', message);
    assert.deepEqual(sig, blob('ssh-ed25519', hex(v.signature)));
    assert.ok(sshEd25519.verify(pubBlob, message, sig));
    // Tampering with the message, the signature, or the key fails verification.
    assert.ok(!sshEd25519.verify(pubBlob, Uint8Array.of(...message, 0), sig));
    const bad = sig.slice();
    bad[bad.length - 1]! ^= 0x01;
    assert.ok(!sshEd25519.verify(pubBlob, message, bad));
    const otherKey = blob('ssh-ed25519', hex(VECTORS.find((o) => o !== v)!.public));
    assert.ok(!sshEd25519.verify(otherKey, message, sig));
    // A truncated signature is false, not an exception.
    assert.ok(!sshEd25519.verify(pubBlob, message, blob('ssh-ed25519', hex(v.signature).subarray(0, 63))));
    assert.equal(parsePublicKey(pubBlob).type, 'ssh-ed25519');
  });
}

test('fingerprints match ssh-keygen -l (RFC 8032 TEST 1 public key)', () => {
  const pubBlob = blob('ssh-ed25519', hex(VECTORS[0]!.public));
  assert.equal(fingerprintSha256(pubBlob), 'SHA256:bbXpuKG6zhzdmnxq256TlqzFBzRl2f6OOg722cYNbU8');
  assert.equal(fingerprintMd5(pubBlob), 'MD5:cf:07:be:9d:68:ae:65:54:6d:a0:93:c3:6f:bd:0d:82');
  assert.equal(PrivateKey.fromEd25519Seed(hex(VECTORS[0]!.secret)).fingerprint, 'SHA256:bbXpuKG6zhzdmnxq256TlqzFBzRl2f6OOg722cYNbU8');
});
