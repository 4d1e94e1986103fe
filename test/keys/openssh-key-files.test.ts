// Private key files written by the real ssh-keygen (OpenSSH 9.x), read by hush: every key type,
// with and without a passphrase, OpenSSH / PEM / PKCS#8 form, and every cipher ssh-keygen -Z takes.
// The key hush reads must be the one ssh-keygen sees (-y blob, -l fingerprint) and must sign.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '../harness/processes.js';
import { SshError } from '../../src/errors.js';
import { isEncryptedPrivateKey, parsePrivateKey, parsePrivateKeyFile, readOpenSshEnvelope } from '../../src/keys/formats/index.js';
import {
  assertSameKey,
  assertSignsAndVerifies,
  haveSshKeygen,
  keygenPublic,
  keygenView,
  lineBody,
  publicLineBody,
  readKeyFile,
  sshKeygen,
  type KeygenView,
} from './key-tools.js';

const PASS = 'correct horse battery';

const TYPES = [
  { name: 'ed25519', args: ['-t', 'ed25519'], keyType: 'ssh-ed25519' },
  { name: 'ecdsa-256', args: ['-t', 'ecdsa', '-b', '256'], keyType: 'ecdsa-sha2-nistp256' },
  { name: 'ecdsa-384', args: ['-t', 'ecdsa', '-b', '384'], keyType: 'ecdsa-sha2-nistp384' },
  { name: 'ecdsa-521', args: ['-t', 'ecdsa', '-b', '521'], keyType: 'ecdsa-sha2-nistp521' },
  { name: 'rsa-2048', args: ['-t', 'rsa', '-b', '2048'], keyType: 'ssh-rsa' },
] as const;

/** The cipher names ssh-keygen -Z accepts: `ssh -Q cipher`, and "none". */
const CIPHERS = [
  'aes256-ctr',
  'aes192-ctr',
  'aes128-ctr',
  'aes256-cbc',
  'aes192-cbc',
  'aes128-cbc',
  'aes256-gcm@openssh.com',
  'aes128-gcm@openssh.com',
  'chacha20-poly1305@openssh.com',
  '3des-cbc',
  'none',
];

function assertKeyError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SshError, `expected an SshError, got ${String(e)}`);
    assert.equal(e.code, 'ERR_KEY');
    assert.match(e.message, pattern);
    return true;
  });
}

/** A copy of `src` re-encrypted / re-encoded by ssh-keygen -p with extra arguments. */
async function rewrite(src: string, dest: string, args: readonly string[]): Promise<void> {
  await copyFile(src, dest);
  await sshKeygen(['-q', '-p', '-P', '', '-f', dest, ...args]);
}

async function checkFile(
  path: string,
  passphrase: string,
  view: KeygenView,
  expect: { format: string; comment: string; keyType: string },
): Promise<void> {
  const data = await readKeyFile(path);
  const name = path.slice(path.lastIndexOf('/') + 1);
  const header = new TextDecoder().decode(data.subarray(0, 40));
  const f = parsePrivateKeyFile(data, passphrase, { name });
  assert.equal(f.format, expect.format, `${name}: ${header}`);
  assert.equal(f.key.keyType, expect.keyType);
  assert.equal(f.encrypted, passphrase !== '');
  assert.equal(isEncryptedPrivateKey(data), passphrase !== '');
  assert.equal(f.comment, f.format === 'openssh' ? expect.comment : '');
  if (passphrase !== '' && (f.format === 'pkcs1' || f.format === 'sec1')) {
    // Legacy OpenSSL encryption (RFC 1421 headers), which node:crypto still reads.
    assert.match(new TextDecoder().decode(data), /\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,[0-9A-F]{32}\n/);
  }
  if (passphrase !== '' && f.format === 'pkcs8') assert.match(new TextDecoder().decode(data), /BEGIN ENCRYPTED PRIVATE KEY/);
  assertSameKey(f.key, view);
  assertSignsAndVerifies(f.key);
  // ssh-keygen reads this very file as the same key.
  assert.equal(lineBody(await keygenPublic(path, passphrase)), view.body);
  if (passphrase !== '') {
    assertKeyError(() => parsePrivateKey(data, 'not the passphrase', { name }), new RegExp(`^wrong passphrase for key file ${name}$`));
    assertKeyError(() => parsePrivateKey(data, undefined, { name }), /is encrypted: a passphrase is needed/);
    assertKeyError(() => parsePrivateKey(data, ''), /is encrypted: a passphrase is needed/);
  }
}

function formatOf(data: Uint8Array): string {
  const text = new TextDecoder().decode(data);
  if (text.includes('OPENSSH PRIVATE KEY')) return 'openssh';
  if (text.includes('RSA PRIVATE KEY')) return 'pkcs1';
  if (text.includes('EC PRIVATE KEY')) return 'sec1';
  return 'pkcs8';
}

test('ssh-keygen keys of every type: OpenSSH, PEM and PKCS#8, with and without a passphrase', async (t) => {
  if (!haveSshKeygen(t)) return;
  const tmp = await makeTempDir(t);
  await Promise.all(
    TYPES.map(async (type) => {
      const base = join(tmp.path, type.name);
      const comment = `hush test ${type.name}`;
      await sshKeygen(['-q', ...type.args, '-N', '', '-C', comment, '-f', base]);
      const view = await keygenView(base);
      assert.equal(view.comment, comment);
      const expect = { format: 'openssh', comment, keyType: type.keyType };
      await checkFile(base, '', view, expect);
      // Default cipher (aes256-ctr) and default rounds, as `ssh-keygen -p` writes them.
      const encrypted = `${base}-enc`;
      await rewrite(base, encrypted, ['-N', PASS]);
      const envelope = readOpenSshEnvelope(new TextDecoder().decode(await readKeyFile(encrypted)));
      assert.equal(envelope.cipher, 'aes256-ctr');
      assert.equal(envelope.kdf, 'bcrypt');
      assert.ok(envelope.rounds! >= 16, `rounds ${envelope.rounds}`);
      assert.equal(publicLineBody(envelope.publicKey), view.body);
      await checkFile(encrypted, PASS, view, expect);
      for (const m of ['PEM', 'PKCS8']) {
        for (const pass of ['', PASS]) {
          const path = `${base}-${m}${pass ? '-enc' : ''}`;
          await rewrite(base, path, ['-m', m, '-N', pass]);
          // OpenSSH 9.2 writes Ed25519 keys in its own format whatever -m says.
          const format = formatOf(await readKeyFile(path));
          if (type.name !== 'ed25519') assert.notEqual(format, 'openssh', `${m} ${type.name}`);
          await checkFile(path, pass, view, { ...expect, format });
        }
      }
    }),
  );
});

test('ssh-keygen -Z: every cipher ssh-keygen accepts for OpenSSH key files', async (t) => {
  if (!haveSshKeygen(t)) return;
  const tmp = await makeTempDir(t);
  const keys = [TYPES[0], TYPES[1]];
  await Promise.all(
    keys.map(async (type) => {
      const base = join(tmp.path, type.name);
      const comment = `cipher test ${type.name}`;
      await sshKeygen(['-q', ...type.args, '-N', '', '-C', comment, '-f', base]);
      const view = await keygenView(base);
      for (const cipher of CIPHERS) {
        const path = `${base}-${cipher}`;
        await rewrite(base, path, ['-a', '3', '-Z', cipher, '-N', PASS]);
        const text = new TextDecoder().decode(await readKeyFile(path));
        const envelope = readOpenSshEnvelope(text);
        assert.equal(envelope.cipher, cipher);
        assert.equal(envelope.kdf, 'bcrypt');
        assert.equal(envelope.rounds, 3);
        const f = parsePrivateKeyFile(text, PASS);
        assert.equal(f.comment, comment);
        assertSameKey(f.key, view);
        assertSignsAndVerifies(f.key);
        if (cipher === 'none') {
          // "-Z none" with a passphrase: KDF bcrypt, but the key is stored in the clear,
          // so (as in OpenSSH, which asks for a passphrase and ignores it) any passphrase works.
          assert.equal(f.encrypted, false);
          assert.equal(parsePrivateKeyFile(text, 'anything').key.fingerprint, view.fingerprint);
        } else {
          assert.equal(f.encrypted, true);
          assertKeyError(() => parsePrivateKey(text, 'wrong', { name: '~/.ssh/id_test' }), /^wrong passphrase for key file ~\/\.ssh\/id_test$/);
        }
      }
    }),
  );
});

test('ssh-keygen default RSA key (3072 bits), encrypted with the defaults', async (t) => {
  if (!haveSshKeygen(t)) return;
  const tmp = await makeTempDir(t);
  const base = join(tmp.path, 'id_rsa');
  await sshKeygen(['-q', '-t', 'rsa', '-N', PASS, '-C', 'default rsa', '-f', base]);
  const line = (await sshKeygen(['-y', '-P', PASS, '-f', base])).trim();
  const started = performance.now();
  const f = parsePrivateKeyFile(await readKeyFile(base), PASS);
  const ms = performance.now() - started;
  t.diagnostic(`decrypting a default ssh-keygen RSA key (bcrypt_pbkdf, ${readOpenSshEnvelope(new TextDecoder().decode(await readKeyFile(base))).rounds} rounds): ${ms.toFixed(0)} ms`);
  assert.equal(f.key.publicKey.length > 0, true);
  assert.equal(publicLineBody(f.key.publicKey), lineBody(line));
  assert.equal(f.key.keyObject.asymmetricKeyDetails?.modulusLength, 3072);
  assert.equal(f.comment, 'default rsa');
  assertSignsAndVerifies(f.key);
});

test('unsupported key types from ssh-keygen (DSA) fail with ERR_KEY', async (t) => {
  if (!haveSshKeygen(t)) return;
  const tmp = await makeTempDir(t);
  const base = join(tmp.path, 'id_dsa');
  try {
    await sshKeygen(['-q', '-t', 'dsa', '-N', '', '-f', base]);
  } catch {
    t.skip('this ssh-keygen no longer generates DSA keys');
    return;
  }
  const openssh = await readKeyFile(base);
  assertKeyError(() => parsePrivateKey(openssh, undefined, { name: 'id_dsa' }), /^unsupported key type "ssh-dss" in key file id_dsa/);
  await rewrite(base, `${base}-pem`, ['-m', 'PEM', '-N', '']);
  const pem = await readKeyFile(`${base}-pem`);
  assert.match(new TextDecoder().decode(pem), /BEGIN DSA PRIVATE KEY/);
  assertKeyError(() => parsePrivateKey(pem), /unsupported key type "ssh-dss"/);
});
