// Key files hush writes, read by the real ssh-keygen: OpenSSH private keys of every type, with
// and without a passphrase and with every cipher; PEM / PKCS#8; public keys as .pub lines,
// RFC 4716 and PEM. And the public key files ssh-keygen writes, read by hush.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '../harness/processes.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import {
  DEFAULT_BCRYPT_ROUNDS,
  KEY_FILE_CIPHERS,
  parsePrivateKeyFile,
  parsePublicKeyFile,
  readOpenSshEnvelope,
  writeOpenSshPrivateKey,
  writePem,
  writePublicKeyLine,
  writePublicKeyPem,
  writeRfc4716,
} from '../../src/keys/formats/index.js';
import { assertSignsAndVerifies, haveSshKeygen, keygenPublic, lineBody, publicLineBody, sshKeygen, writeKeyFile } from './key-tools.js';

const PASS = 'hush passphrase';

// RSA generation is slow: one key per run, shared by the tests in this file.
let rsa: PrivateKey | undefined;
function keys(): { name: string; key: PrivateKey }[] {
  rsa ??= PrivateKey.generate('rsa', 2048);
  return [
    { name: 'ed25519', key: PrivateKey.generate('ed25519') },
    { name: 'ecdsa-p256', key: PrivateKey.generate('ecdsa-p256') },
    { name: 'ecdsa-p384', key: PrivateKey.generate('ecdsa-p384') },
    { name: 'ecdsa-p521', key: PrivateKey.generate('ecdsa-p521') },
    { name: 'rsa-2048', key: rsa },
  ];
}

test('OpenSSH private keys written by hush are read by ssh-keygen -y, with and without a passphrase', async (t) => {
  if (!haveSshKeygen(t)) return;
  const tmp = await makeTempDir(t);
  await Promise.all(
    keys().map(async ({ name, key }) => {
      const comment = `hush-written ${name}`;
      const expected = writePublicKeyLine(key.publicKey, comment).trim();
      const plain = join(tmp.path, name);
      await writeKeyFile(plain, writeOpenSshPrivateKey(key, { comment }));
      assert.equal(await keygenPublic(plain), expected);
      // Default rounds (DEFAULT_BCRYPT_ROUNDS) for Ed25519, fewer for the rest to keep the run short.
      const rounds = name === 'ed25519' ? undefined : 4;
      const text = writeOpenSshPrivateKey(key, { comment, passphrase: PASS, ...(rounds !== undefined ? { rounds } : {}) });
      const envelope = readOpenSshEnvelope(text);
      assert.deepEqual([envelope.cipher, envelope.kdf, envelope.rounds], ['aes256-ctr', 'bcrypt', rounds ?? DEFAULT_BCRYPT_ROUNDS]);
      const encrypted = join(tmp.path, `${name}-enc`);
      await writeKeyFile(encrypted, text);
      assert.equal(await keygenPublic(encrypted, PASS), expected);
      // ...and the key comes back from hush's own reader.
      const back = parsePrivateKeyFile(text, PASS);
      assert.deepEqual(back.key.publicKey, key.publicKey);
      assert.equal(back.comment, comment);
      assertSignsAndVerifies(back.key);
    }),
  );
});

test('OpenSSH private keys written by hush with every cipher are read by ssh-keygen', async (t) => {
  if (!haveSshKeygen(t)) return;
  const tmp = await makeTempDir(t);
  const key = PrivateKey.generate('ecdsa-p256');
  const comment = 'cipher test';
  const expected = writePublicKeyLine(key.publicKey, comment).trim();
  assert.ok(KEY_FILE_CIPHERS.includes('chacha20-poly1305@openssh.com'));
  await Promise.all(
    KEY_FILE_CIPHERS.map(async (cipher) => {
      const path = join(tmp.path, `k-${cipher}`);
      const text = writeOpenSshPrivateKey(key, { comment, passphrase: PASS, cipher, rounds: 2 });
      assert.equal(readOpenSshEnvelope(text).cipher, cipher);
      await writeKeyFile(path, text);
      assert.equal(await keygenPublic(path, PASS), expected, cipher);
      assert.deepEqual(parsePrivateKeyFile(text, PASS).key.publicKey, key.publicKey);
    }),
  );
});

test('PEM and PKCS#8 private keys written by hush are read by ssh-keygen', async (t) => {
  if (!haveSshKeygen(t)) return;
  const tmp = await makeTempDir(t);
  const cases: { name: string; key: PrivateKey; formats: ('pkcs1' | 'sec1' | 'pkcs8')[] }[] = keys().map(({ name, key }) => ({
    name,
    key,
    formats: name === 'rsa-2048' ? ['pkcs1', 'pkcs8'] : name === 'ed25519' ? ['pkcs8'] : ['sec1', 'pkcs8'],
  }));
  for (const { name, key, formats } of cases) {
    for (const format of formats) {
      for (const pass of [undefined, PASS]) {
        const text = writePem(key, format, pass);
        const back = parsePrivateKeyFile(text, pass);
        assert.equal(back.format, format);
        assert.equal(back.encrypted, pass !== undefined);
        assert.deepEqual(back.key.publicKey, key.publicKey);
        // OpenSSH 9.2 cannot read Ed25519 keys in PKCS#8 (later versions can).
        if (name === 'ed25519') continue;
        const path = join(tmp.path, `${name}-${format}${pass ? '-enc' : ''}`);
        await writeKeyFile(path, text);
        assert.equal(lineBody(await keygenPublic(path, pass ?? '')), publicLineBody(key.publicKey), `${name} ${format}`);
      }
    }
  }
});

test('public key files: hush writes what ssh-keygen -i reads, and reads what ssh-keygen -e writes', async (t) => {
  if (!haveSshKeygen(t)) return;
  const tmp = await makeTempDir(t);
  for (const { name, key } of keys()) {
    const comment = `public ${name}`;
    const line = writePublicKeyLine(key.publicKey, comment);
    assert.match(line, /^\S+ \S+ public \S+\n$/);
    const pub = join(tmp.path, `${name}.pub`);
    await writeFile(pub, line);
    assert.deepEqual(parsePublicKeyFile(line), { blob: key.publicKey, keyType: key.keyType, comment, format: 'openssh' });
    // RFC 4716, both ways (a long comment needs header continuation lines).
    const longComment = `${comment} ${'x'.repeat(100)}`;
    const rfc = writeRfc4716(key.publicKey, longComment);
    for (const l of rfc.split('\n')) assert.ok(Buffer.byteLength(l) <= 72, `RFC 4716 line too long: ${l}`);
    await writeFile(join(tmp.path, `${name}.rfc`), rfc);
    assert.equal(lineBody(await sshKeygen(['-i', '-f', join(tmp.path, `${name}.rfc`)])), publicLineBody(key.publicKey));
    assert.deepEqual(parsePublicKeyFile(rfc), { blob: key.publicKey, keyType: key.keyType, comment: longComment, format: 'rfc4716' });
    const exported = await sshKeygen(['-e', '-f', pub]);
    const parsed = parsePublicKeyFile(exported);
    assert.deepEqual(parsed.blob, key.publicKey);
    assert.equal(parsed.format, 'rfc4716');
    assert.match(parsed.comment, /converted by/);
    // PEM: SubjectPublicKeyInfo for every type, PKCS#1 for RSA (ssh-keygen 9.2 exports no Ed25519 PEM).
    if (name !== 'ed25519') {
      const spki = writePublicKeyPem(key.publicKey, 'spki');
      await writeFile(join(tmp.path, `${name}.spki`), spki);
      assert.equal(lineBody(await sshKeygen(['-i', '-m', 'PKCS8', '-f', join(tmp.path, `${name}.spki`)])), publicLineBody(key.publicKey));
      const fromKeygen = parsePublicKeyFile(await sshKeygen(['-e', '-m', 'PKCS8', '-f', pub]));
      assert.deepEqual([fromKeygen.blob, fromKeygen.format], [key.publicKey, 'spki']);
    }
    assert.deepEqual(parsePublicKeyFile(writePublicKeyPem(key.publicKey)).blob, key.publicKey);
    if (name === 'rsa-2048') {
      const pkcs1 = writePublicKeyPem(key.publicKey, 'pkcs1');
      assert.match(pkcs1, /BEGIN RSA PUBLIC KEY/);
      await writeFile(join(tmp.path, `${name}.pkcs1`), pkcs1);
      assert.equal(lineBody(await sshKeygen(['-i', '-m', 'PEM', '-f', join(tmp.path, `${name}.pkcs1`)])), publicLineBody(key.publicKey));
      const fromKeygen = parsePublicKeyFile(await sshKeygen(['-e', '-m', 'PEM', '-f', pub]));
      assert.deepEqual([fromKeygen.blob, fromKeygen.format], [key.publicKey, 'pkcs1']);
    }
  }
});
