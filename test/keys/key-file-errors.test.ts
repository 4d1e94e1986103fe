// Key files that are truncated, corrupted, of an unsupported type or otherwise wrong: every
// failure is an SshError with code ERR_KEY and a message a person understands, never another
// exception. Also known-answer PuTTY files (from puttygen 0.78) and deterministic writing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { SshError } from '../../src/errors.js';
import { base64Encode } from '../../src/keys/base64.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import {
  isEncryptedPrivateKey,
  parsePrivateKey,
  parsePrivateKeyFile,
  parsePublicKeyFile,
  readOpenSshEnvelope,
  writeOpenSshPrivateKey,
  writePem,
  writePublicKeyLine,
  writeRfc4716,
} from '../../src/keys/formats/index.js';
import { Writer } from '../../src/wire/writer.js';

const PPK_V3 = `PuTTY-User-Key-File-3: ssh-ed25519
Encryption: none
Comment: fixture ed25519
Public-Lines: 2
AAAAC3NzaC1lZDI1NTE5AAAAII32u6vTBIi454qA+jk2+QbDX71uPtQLlWvjjKWo
rIXe
Private-Lines: 1
AAAAIP58Kg5dj8PMBADG2QzkFCNhwYZONkppB5I4rMdLb3Zb
Private-MAC: b034d7ed39cc441e3770c163028fe780e65a0a277f6e2c833002979a74c2619f
`;

const PPK_V3_ENCRYPTED = `PuTTY-User-Key-File-3: ssh-ed25519
Encryption: aes256-cbc
Comment: fixture ed25519
Public-Lines: 2
AAAAC3NzaC1lZDI1NTE5AAAAII32u6vTBIi454qA+jk2+QbDX71uPtQLlWvjjKWo
rIXe
Key-Derivation: Argon2id
Argon2-Memory: 64
Argon2-Passes: 1
Argon2-Parallelism: 1
Argon2-Salt: a89908f74a71d5a890cb8800d8bd2371
Private-Lines: 1
vWrCiOUQXdnjBHGhPoa/+B3rMkUyAzHc/p5ui9M6vkJwTS03Si0ei/CKTfKAOSKZ
Private-MAC: 3a9ad44f73c7bc7fd5770f64adf0ad539156d5f87e38bd6261b1c48a6b0719aa
`;

const PPK_V2_ENCRYPTED = `PuTTY-User-Key-File-2: ecdsa-sha2-nistp256
Encryption: aes256-cbc
Comment: fixture v2
Public-Lines: 3
AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOaTXon1IW7D
K9eEb5YBBLICHyyUK2j9yH41zPI/TjT0WtwT1nj8E3gjlH+SG6Y+3a6AkogZS5gB
i6Mw7TNzAVA=
Private-Lines: 1
YAY3GxHBntFBJoFHDjIcwFYipVaik5HstSNAcGyJRZ9XtCvYnE5YPUB8Gc0gbrPX
Private-MAC: 1e19b1ce5e72156f899944168952ebd3c94af6be
`;
const PPK_PASS = 'secretpw';
const PPK_ED25519_PUBLIC = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII32u6vTBIi454qA+jk2+QbDX71uPtQLlWvjjKWorIXe fixture ed25519';
const PPK_ECDSA_PUBLIC =
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOaTXon1IW7DK9eEb5YBBLICHyyUK2j9yH41zPI/TjT0WtwT1nj8E3gjlH+SG6Y+3a6AkogZS5gBi6Mw7TNzAVA= fixture v2';

function isKeyError(e: unknown): e is SshError {
  return e instanceof SshError && e.code === 'ERR_KEY';
}

function assertKeyError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isKeyError(e), `expected ERR_KEY, got ${e instanceof Error ? `${e.name} ${(e as { code?: string }).code}: ${e.message}` : String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

/** Either parses or throws ERR_KEY; anything else fails the test. Returns whether it parsed. */
function parsesOrKeyError(fn: () => unknown, what: string): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (!isKeyError(e)) assert.fail(`${what}: expected ERR_KEY, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    return false;
  }
}

test('PuTTY known answers: v3 plain, v3 Argon2id, v2 encrypted (puttygen 0.78)', () => {
  for (const [text, pass, line] of [
    [PPK_V3, undefined, PPK_ED25519_PUBLIC],
    [PPK_V3_ENCRYPTED, PPK_PASS, PPK_ED25519_PUBLIC],
    [PPK_V2_ENCRYPTED, PPK_PASS, PPK_ECDSA_PUBLIC],
  ] as const) {
    const f = parsePrivateKeyFile(text, pass);
    assert.equal(writePublicKeyLine(f.key.publicKey, f.comment).trim(), line);
    assert.equal(f.encrypted, pass !== undefined);
    assert.equal(isEncryptedPrivateKey(text), pass !== undefined);
  }
  // The v3 files hold the same key, encrypted and not.
  assert.deepEqual(parsePrivateKey(PPK_V3_ENCRYPTED, PPK_PASS).keyObject.export({ format: 'jwk' }), parsePrivateKey(PPK_V3).keyObject.export({ format: 'jwk' }));
  // CRLF line ends (PuTTY accepts them).
  assert.equal(parsePrivateKey(PPK_V3.replace(/\n/g, '\r\n')).fingerprint, parsePrivateKey(PPK_V3).fingerprint);
  assertKeyError(() => parsePrivateKey(PPK_V2_ENCRYPTED, 'wrong'), /^wrong passphrase for key file$/);
  // An edited comment breaks the MAC: for an unencrypted file that is corruption.
  assertKeyError(() => parsePrivateKey(PPK_V3.replace('fixture', 'fixturE')), /^corrupt key file: the MAC does not match/);
});

test('PuTTY Ed25519: the seed is a little-endian integer whose zero high bytes may be left out', () => {
  const seed = new Uint8Array(32).map((_, i) => (i < 30 ? i + 1 : 0));
  const key = PrivateKey.fromEd25519Seed(seed);
  const comment = 'short seed';
  const privateBlob = new Writer().bytesString(seed.subarray(0, 30)).finish();
  const mac = createHmac('sha256', new Uint8Array(0))
    .update(new Writer().utf8('ssh-ed25519').utf8('none').utf8(comment).bytesString(key.publicKey).bytesString(privateBlob).finish())
    .digest('hex');
  const text = [
    'PuTTY-User-Key-File-3: ssh-ed25519',
    'Encryption: none',
    `Comment: ${comment}`,
    'Public-Lines: 1',
    base64Encode(key.publicKey),
    'Private-Lines: 1',
    base64Encode(privateBlob),
    `Private-MAC: ${mac}`,
    '',
  ].join('\n');
  assert.equal(parsePrivateKey(text).fingerprint, key.fingerprint);
});

/** Every prefix shorter than `complete` characters must fail with ERR_KEY; longer ones may parse. */
function truncations(name: string, text: string, parse: (s: string) => unknown, complete = text.trimEnd().length): number {
  let failures = 0;
  for (let n = 0; n < text.length; n++) {
    const parsed = parsesOrKeyError(() => parse(text.slice(0, n)), `${name} cut at ${n}`);
    if (n < complete) assert.ok(!parsed, `${name} cut at ${n} of ${text.length} still parsed`);
    if (!parsed) failures++;
  }
  return failures;
}

test('truncated key files: every cut point fails with ERR_KEY', () => {
  const ed = PrivateKey.generate('ed25519');
  const ec = PrivateKey.generate('ecdsa-p256');
  const openssh = writeOpenSshPrivateKey(ed, { comment: 'cut me' });
  const opensshEncrypted = writeOpenSshPrivateKey(ec, { comment: 'cut me', passphrase: 'pw', rounds: 1, cipher: 'chacha20-poly1305@openssh.com' });
  const cases: [string, string, string | undefined][] = [
    ['openssh', openssh, undefined],
    ['openssh encrypted', opensshEncrypted, 'pw'],
    ['sec1 PEM', writePem(ec, 'sec1'), undefined],
    ['legacy encrypted PEM', writePem(ec, 'sec1', 'pw'), 'pw'],
    ['encrypted PKCS#8', writePem(ed, 'pkcs8', 'pw'), 'pw'],
    ['PPK v3', PPK_V3, undefined],
    ['PPK v2 encrypted', PPK_V2_ENCRYPTED, PPK_PASS],
  ];
  for (const [name, text, pass] of cases) {
    assert.ok(parsePrivateKey(text, pass), name);
    truncations(name, text, (s) => parsePrivateKey(s, pass));
    truncations(`${name} (bytes)`, text, (s) => parsePrivateKey(new TextEncoder().encode(s), pass));
  }
  // Truncation is named as such when the armor's end is missing.
  assertKeyError(() => parsePrivateKey(openssh.slice(0, openssh.length / 2), undefined, { name: 'id_ed25519' }), /^truncated key file id_ed25519/);
  assertKeyError(() => parsePrivateKey(PPK_V3.slice(0, PPK_V3.indexOf('Private-MAC'))), /^truncated key file/);
  // Public key files: a .pub line may lose (part of) its comment and stay valid.
  const line = writePublicKeyLine(ec.publicKey, 'a comment');
  const base64 = line.split(' ')[1]!;
  truncations('.pub', line, (s) => parsePublicKeyFile(s), line.indexOf(base64) + base64.replace(/=+$/, '').length);
  truncations('RFC 4716', writeRfc4716(ec.publicKey, 'c'), (s) => parsePublicKeyFile(s));
});

test('corrupted key files: every changed character gives the key back or ERR_KEY', () => {
  const ed = PrivateKey.generate('ed25519');
  const files: [string, string, string | undefined][] = [
    ['openssh', writeOpenSshPrivateKey(ed, { comment: 'flip' }), undefined],
    ['PPK v3', PPK_V3, undefined],
    ['PPK v2 encrypted', PPK_V2_ENCRYPTED, PPK_PASS],
    ['PEM', writePem(PrivateKey.generate('ecdsa-p384'), 'pkcs8'), undefined],
  ];
  for (const [name, text, pass] of files) {
    let rejected = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\n') continue;
      const other = c === 'A' ? 'B' : 'A';
      const changed = text.slice(0, i) + other + text.slice(i + 1);
      if (!parsesOrKeyError(() => parsePrivateKey(changed, pass), `${name} with character ${i} changed`)) rejected++;
    }
    assert.ok(rejected > text.length / 2, `${name}: only ${rejected} of ${text.length} changes rejected`);
  }
});

/** An openssh-key-v1 file with the given public blob and (unencrypted) private fields. */
function crafted(publicBlob: Uint8Array, privateFields: Uint8Array, cipher = 'none', kdf = 'none'): string {
  const section = new Writer().u32(7).u32(7).raw(privateFields).utf8('crafted');
  for (let i = 1; section.length % 8 !== 0; i++) section.u8(i);
  const body = new Writer()
    .raw(new TextEncoder().encode('openssh-key-v1\0'))
    .utf8(cipher)
    .utf8(kdf)
    .bytesString(kdf === 'none' ? new Uint8Array(0) : new Writer().bytesString(new Uint8Array(16)).u32(1).finish())
    .u32(1)
    .bytesString(publicBlob)
    .bytesString(section.finish())
    .finish();
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${base64Encode(body).replace(/(.{70})/g, '$1\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

test('unsupported key types, ciphers and KDFs fail with ERR_KEY naming them', () => {
  const dss = new Writer().utf8('ssh-dss').mpint(23n).mpint(11n).mpint(4n).mpint(2n).finish();
  assertKeyError(() => parsePrivateKey(crafted(dss, new Uint8Array(0)), undefined, { name: 'id_dsa' }), /^unsupported key type "ssh-dss" in key file id_dsa/);
  const sk = new Writer().utf8('sk-ssh-ed25519@openssh.com').bytesString(new Uint8Array(32)).utf8('ssh:').finish();
  assertKeyError(() => parsePrivateKey(crafted(sk, new Uint8Array(0))), /^unsupported key type "sk-ssh-ed25519@openssh\.com"/);
  const ed = PrivateKey.generate('ed25519');
  assertKeyError(() => parsePrivateKey(crafted(ed.publicKey, new Writer().utf8('ssh-foo').finish())), /^unsupported key type "ssh-foo"/);
  assertKeyError(() => parsePrivateKey(crafted(ed.publicKey, new Uint8Array(0), 'aes256-foo', 'bcrypt'), 'pw'), /^unsupported cipher "aes256-foo"/);
  assertKeyError(() => parsePrivateKey(crafted(ed.publicKey, new Uint8Array(0), 'aes256-ctr', 'scrypt'), 'pw'), /^unsupported key derivation function "scrypt"/);
  // A private half that is not the public half's.
  const other = PrivateKey.generate('ed25519');
  const sk64 = new Uint8Array(64);
  sk64.set(Buffer.from(other.keyObject.export({ format: 'jwk' }).d!, 'base64url'));
  sk64.set(ed.publicKey.subarray(ed.publicKey.length - 32), 32);
  const mismatched = new Writer().utf8('ssh-ed25519').bytesString(ed.publicKey.subarray(ed.publicKey.length - 32)).bytesString(sk64).finish();
  assertKeyError(() => parsePrivateKey(crafted(ed.publicKey, mismatched)), /^corrupt key file: ssh-ed25519 private key does not match its public key/);
  // PKCS#8 keys of types SSH does not use here.
  for (const type of ['x25519', 'ed448'] as const) {
    const pem = generateKeyPairSync(type as 'x25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
    assertKeyError(() => parsePrivateKey(pem), /unsupported key type/);
  }
  // Public keys.
  assertKeyError(() => parsePublicKeyFile(`ssh-dss ${base64Encode(dss)} old`), /^unsupported key type "ssh-dss"/);
  assertKeyError(() => parsePublicKeyFile(`ssh-rsa ${base64Encode(ed.publicKey)} liar`), /^corrupt key file: the line says ssh-rsa, the key is ssh-ed25519/);
  // PuTTY: an unsupported type fails before any passphrase is needed.
  const ppkDss = PPK_V3.replace('ssh-ed25519', 'ssh-dss').replace(/Public-Lines: 2\n[^\n]+\n[^\n]+\n/, `Public-Lines: 1\n${base64Encode(dss)}\n`);
  assertKeyError(() => parsePrivateKey(ppkDss), /unsupported key type "ssh-dss"/);
  assertKeyError(() => parsePrivateKey(PPK_V3.replace('File-3', 'File-1')), /PuTTY key file format version 1 is not supported/);
});

test('files that are not private keys, and private keys given as public ones', () => {
  const ec = PrivateKey.generate('ecdsa-p256');
  const line = writePublicKeyLine(ec.publicKey, 'x');
  assertKeyError(() => parsePrivateKey(line, undefined, { name: 'id.pub' }), /^key file id\.pub holds a public key, not a private key$/);
  assertKeyError(() => parsePrivateKey(writeRfc4716(ec.publicKey)), /holds a public key/);
  assertKeyError(() => parsePrivateKey('hello'), /is not a recognised private key/);
  assertKeyError(() => parsePrivateKey(new Uint8Array([0xff, 0x00, 0x30, 0x82])), /is not a recognised private key/);
  assertKeyError(() => parsePrivateKey('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), /is not a private key hush can read \("CERTIFICATE"\)/);
  assertKeyError(() => parsePublicKeyFile(writeOpenSshPrivateKey(ec), { name: 'id' }), /^key file id is a private key, not a public key$/);
  assertKeyError(() => parsePublicKeyFile(writePem(ec, 'sec1')), /is a private key/);
  assertKeyError(() => parsePublicKeyFile(''), /holds no public key/);
  assertKeyError(() => writePublicKeyLine(ec.publicKey, 'two\nlines'), /line break/);
  assertKeyError(() => writePem(ec, 'pkcs1'), /PKCS#1 holds RSA keys only/);
  assertKeyError(() => writeOpenSshPrivateKey(ec, { passphrase: 'pw', cipher: 'rot13' }), /unsupported key file cipher "rot13"/);
  assertKeyError(() => writeOpenSshPrivateKey(ec, { passphrase: 'pw', rounds: 0 }), /rounds/);
});

test('writeOpenSshPrivateKey with injected randomness is deterministic and parses back', () => {
  const key = PrivateKey.fromEd25519Seed(new Uint8Array(32).fill(9));
  let counter = 0;
  const randomBytes = (n: number): Uint8Array => new Uint8Array(n).map(() => counter++ & 0xff);
  const write = (): string => {
    counter = 0;
    return writeOpenSshPrivateKey(key, { passphrase: 'pw', rounds: 2, comment: 'deterministic', randomBytes });
  };
  const a = write();
  assert.equal(write(), a);
  // The base64 is wrapped at 70 columns like ssh-keygen's.
  for (const l of a.trimEnd().split('\n')) assert.ok(l.length <= 70 || l.startsWith('-----'), l);
  const envelope = readOpenSshEnvelope(a);
  assert.deepEqual([envelope.cipher, envelope.kdf, envelope.rounds, envelope.encrypted], ['aes256-ctr', 'bcrypt', 2, true]);
  const f = parsePrivateKeyFile(a, 'pw');
  assert.equal(f.comment, 'deterministic');
  assert.equal(f.key.fingerprint, key.fingerprint);
  // Unencrypted: cipher and KDF "none", whatever cipher was asked for.
  const plain = readOpenSshEnvelope(writeOpenSshPrivateKey(key, { cipher: 'aes128-cbc' }));
  assert.deepEqual([plain.cipher, plain.kdf, plain.encrypted], ['none', 'none', false]);
  // A passphrase given as bytes is the same passphrase.
  assert.equal(parsePrivateKey(a, new TextEncoder().encode('pw')).fingerprint, key.fingerprint);
});
