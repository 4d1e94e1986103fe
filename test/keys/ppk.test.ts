// PuTTY .ppk files written by the real puttygen (0.78), versions 2 and 3, with and without a
// passphrase, every key type and every Argon2 flavour, read by hush. The key must be the one
// puttygen sees (-O public-openssh, -l) and the one puttygen exports to OpenSSH format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeTempDir } from '../harness/processes.js';
import { SshError } from '../../src/errors.js';
import { parsePrivateKey, parsePrivateKeyFile, writePublicKeyLine } from '../../src/keys/formats/index.js';
import { assertSignsAndVerifies, havePuttygen, passphraseFile, puttygen, readKeyFile } from './key-tools.js';

const PASS = 'putty passphrase';

const TYPES = [
  { name: 'ed25519', args: ['-t', 'ed25519'], keyType: 'ssh-ed25519' },
  { name: 'ecdsa-256', args: ['-t', 'ecdsa', '-b', '256'], keyType: 'ecdsa-sha2-nistp256' },
  { name: 'ecdsa-384', args: ['-t', 'ecdsa', '-b', '384'], keyType: 'ecdsa-sha2-nistp384' },
  { name: 'ecdsa-521', args: ['-t', 'ecdsa', '-b', '521'], keyType: 'ecdsa-sha2-nistp521' },
  { name: 'rsa-2048', args: ['-t', 'rsa', '-b', '2048'], keyType: 'ssh-rsa' },
] as const;

function assertKeyError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SshError && e.code === 'ERR_KEY', `expected ERR_KEY, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

interface Variant {
  readonly label: string;
  readonly params: string;
  readonly passphrase: string;
}

const VARIANTS: readonly Variant[] = [
  { label: 'v3', params: 'version=3', passphrase: '' },
  // Few passes: Argon2 in JavaScript is about ten times slower than puttygen's C.
  { label: 'v3-argon2id', params: 'version=3,kdf=argon2id,passes=1', passphrase: PASS },
  { label: 'v2', params: 'version=2', passphrase: '' },
  { label: 'v2-enc', params: 'version=2', passphrase: PASS },
];

test('puttygen keys of every type, PPK v2 and v3, with and without a passphrase', async (t) => {
  if (!havePuttygen(t)) return;
  const tmp = await makeTempDir(t);
  const empty = await passphraseFile(tmp.path, '');
  const pass = await passphraseFile(tmp.path, PASS);
  await Promise.all(
    TYPES.map(async (type) => {
      const base = join(tmp.path, `${type.name}.ppk`);
      const comment = `putty ${type.name} key`;
      await puttygen(tmp.path, [...type.args, '-C', comment, '-o', base, '--new-passphrase', empty]);
      const publicLine = (await puttygen(tmp.path, ['-O', 'public-openssh', base])).trim();
      const fingerprint = /SHA256:\S+/.exec(await puttygen(tmp.path, ['-l', base]))![0];
      for (const v of VARIANTS) {
        const path = join(tmp.path, `${type.name}-${v.label}.ppk`);
        await puttygen(tmp.path, [base, '-P', '-O', 'private', '-o', path, '--ppk-param', v.params, '--new-passphrase', v.passphrase ? pass : empty]);
        const data = await readKeyFile(path);
        assert.match(new TextDecoder().decode(data), new RegExp(`^PuTTY-User-Key-File-${v.label[1]}: ${type.keyType}\n`));
        const f = parsePrivateKeyFile(data, v.passphrase, { name: `${type.name}-${v.label}.ppk` });
        assert.equal(f.format, 'ppk');
        assert.equal(f.encrypted, v.passphrase !== '');
        assert.equal(f.comment, comment);
        assert.equal(f.key.keyType, type.keyType);
        assert.equal(writePublicKeyLine(f.key.publicKey, f.comment).trim(), publicLine);
        assert.equal(f.key.fingerprint, fingerprint);
        assertSignsAndVerifies(f.key);
        if (v.passphrase !== '') {
          assertKeyError(() => parsePrivateKey(data, 'wrong', { name: 'k.ppk' }), /^wrong passphrase for key file k\.ppk$/);
          assertKeyError(() => parsePrivateKey(data), /^key file is encrypted: a passphrase is needed$/);
        }
      }
      // puttygen's own export to OpenSSH format gives the same key.
      const exported = join(tmp.path, `${type.name}.openssh`);
      await puttygen(tmp.path, [base, '-O', 'private-openssh-new', '-o', exported]);
      const viaOpenSsh = parsePrivateKeyFile(await readKeyFile(exported));
      assert.equal(viaOpenSsh.key.fingerprint, fingerprint);
      assert.equal(viaOpenSsh.comment, comment);
    }),
  );
});

test('PPK v3: Argon2i, Argon2d and puttygen default parameters', async (t) => {
  if (!havePuttygen(t)) return;
  const tmp = await makeTempDir(t);
  const empty = await passphraseFile(tmp.path, '');
  const pass = await passphraseFile(tmp.path, PASS);
  const base = join(tmp.path, 'k.ppk');
  await puttygen(tmp.path, ['-t', 'ed25519', '-C', 'argon', '-o', base, '--new-passphrase', empty]);
  const fingerprint = /SHA256:\S+/.exec(await puttygen(tmp.path, ['-l', base]))![0];
  const variants = [
    { params: 'kdf=argon2i,passes=2,memory=1024,parallelism=2', header: 'Argon2i' },
    { params: 'kdf=argon2d,passes=1,memory=64', header: 'Argon2d' },
    { params: 'kdf=argon2id', header: 'Argon2id' },
  ];
  for (const v of variants) {
    const path = join(tmp.path, `k-${v.header}-${v.params.length}.ppk`);
    await puttygen(tmp.path, [base, '-P', '-O', 'private', '-o', path, '--ppk-param', v.params, '--new-passphrase', pass]);
    const text = new TextDecoder().decode(await readKeyFile(path));
    assert.match(text, new RegExp(`\nKey-Derivation: ${v.header}\n`));
    const started = performance.now();
    const key = parsePrivateKey(text, PASS);
    if (v.params === 'kdf=argon2id') {
      const passes = /Argon2-Passes: (\d+)/.exec(text)![1];
      t.diagnostic(`puttygen default Argon2id (8 MiB, ${passes} passes): ${(performance.now() - started).toFixed(0)} ms in hush`);
    }
    assert.equal(key.fingerprint, fingerprint);
    assertKeyError(() => parsePrivateKey(text, `${PASS}!`), /^wrong passphrase/);
  }
});
