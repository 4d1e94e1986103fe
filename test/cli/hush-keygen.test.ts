/** hush-keygen next to the real ssh-keygen: same files, same outputs, each accepting the other's. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir, requirePeer } from '../harness/peers.js';

const hk = (args: string[], input?: string) => spawnSync(process.execPath, ['dist/src/cli/hush-keygen.js', ...args], { encoding: 'utf8', input: input ?? '', timeout: 60_000 });
const sk = (args: string[]) => spawnSync('ssh-keygen', args, { encoding: 'utf8', timeout: 60_000 });

test('keys hush-keygen generates are accepted by ssh-keygen (every type, with and without passphrase), with ssh-keygen file modes', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const cases: Array<[string, string[]]> = [
    ['ed25519', ['-t', 'ed25519']],
    ['ecdsa256', ['-t', 'ecdsa', '-b', '256']],
    ['ecdsa384', ['-t', 'ecdsa', '-b', '384']],
    ['ecdsa521', ['-t', 'ecdsa', '-b', '521']],
    ['rsa2048', ['-t', 'rsa', '-b', '2048']],
  ];
  for (const [name, args] of cases) {
    for (const pass of ['', 'sekrit pass']) {
      const f = join(tmp.path, `${name}${pass ? '-enc' : ''}`);
      const r = hk([...args, '-f', f, '-N', pass, '-C', `c-${name}`, '-q', '-a', '4']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(statSync(f).mode & 0o777, 0o600);
      assert.equal(statSync(`${f}.pub`).mode & 0o777, 0o644);
      const y = sk(['-y', '-P', pass, '-f', f]);
      assert.equal(y.status, 0, y.stderr);
      assert.equal(y.stdout.trim(), readFileSync(`${f}.pub`, 'utf8').trim());
      // Fingerprints and randomart identical.
      for (const extra of [[], ['-v'], ['-E', 'md5'], ['-v', '-E', 'md5']]) {
        assert.equal(hk(['-l', ...extra, '-f', `${f}.pub`]).stdout, sk(['-l', ...extra, '-f', `${f}.pub`]).stdout, `${name} -l ${extra.join(' ')}`);
      }
    }
  }
});

test('hush-keygen reads ssh-keygen keys: -y, -l, -p (change passphrase), -c (change comment)', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const f = join(tmp.path, 'id');
  assert.equal(sk(['-q', '-t', 'ed25519', '-N', 'old pass', '-C', 'first', '-f', f]).status, 0);
  assert.equal(hk(['-y', '-P', 'old pass', '-f', f]).stdout.trim(), sk(['-y', '-P', 'old pass', '-f', f]).stdout.trim());
  const wrong = hk(['-y', '-P', 'nope', '-f', f]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /wrong passphrase/i);
  assert.doesNotMatch(wrong.stderr, /\n\s+at /, 'no stack trace');
  const p = hk(['-p', '-P', 'old pass', '-N', 'new pass', '-f', f]);
  assert.match(p.stdout, /Your identification has been saved with the new passphrase\./);
  assert.equal(sk(['-y', '-P', 'new pass', '-f', f]).status, 0);
  assert.notEqual(sk(['-y', '-P', 'old pass', '-f', f]).status, 0);
  const c = hk(['-c', '-P', 'new pass', '-C', 'second', '-f', f]);
  assert.match(c.stdout, /Old comment: first\nComment 'second' applied/);
  assert.match(sk(['-l', '-f', f.concat('.pub')]).stdout, /second/);
});

test('conversions: -e (RFC 4716, PEM, PKCS8) and -i, both ways with ssh-keygen', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  for (const type of ['ed25519', 'rsa', 'ecdsa']) {
    const f = join(tmp.path, `k_${type}`);
    assert.equal(sk(['-q', '-t', type, '-N', '', '-f', f]).status, 0);
    const pub = readFileSync(`${f}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    for (const m of type === 'ed25519' ? ['RFC4716'] : ['RFC4716', 'PKCS8', 'PEM']) {
      const exported = join(tmp.path, `e_${type}_${m}`);
      const ours = hk(['-e', '-m', m, '-f', `${f}.pub`]).stdout;
      writeFileSync(exported, ours);
      // RFC 4716 carries a comment naming who converted it; the other formats must be identical.
      if (m !== 'RFC4716') assert.equal(ours, sk(['-e', '-m', m, '-f', `${f}.pub`]).stdout, `${type} ${m} export`);
      // ssh-keygen 9.2 cannot import its own non-RSA "-m PEM" export ("unrecognised raw private key format").
      if (!(m === 'PEM' && type !== 'rsa')) {
        const back = sk(['-i', '-m', m, '-f', exported]);
        assert.equal(back.stdout.trim(), pub, `${type} ${m}: ${back.stderr}`);
      }
      const theirs = join(tmp.path, `s_${type}_${m}`);
      writeFileSync(theirs, sk(['-e', '-m', m, '-f', `${f}.pub`]).stdout);
      assert.equal(hk(['-i', '-m', m, '-f', theirs]).stdout.trim(), pub);
    }
  }
});

test('known_hosts: -F, -R and -H as ssh-keygen', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const k = join(tmp.path, 'hk');
  sk(['-q', '-t', 'ed25519', '-N', '', '-f', k]);
  const key = readFileSync(`${k}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  const file = join(tmp.path, 'known_hosts');
  writeFileSync(file, `# comment\nexample.org,10.1.2.3 ${key}\n[other.org]:2222 ${key}\n@revoked bad.org ${key}\n`);
  for (const host of ['example.org', '10.1.2.3', '[other.org]:2222', 'bad.org', 'missing.org']) {
    const a = hk(['-F', host, '-f', file]);
    const b = sk(['-F', host, '-f', file]);
    assert.equal(a.stdout, b.stdout, host);
    assert.equal(a.status, b.status, host);
  }
  const mine = join(tmp.path, 'kh_mine');
  const theirs = join(tmp.path, 'kh_theirs');
  copyFileSync(file, mine);
  copyFileSync(file, theirs);
  assert.equal(hk(['-R', '[other.org]:2222', '-f', mine]).stdout, sk(['-R', '[other.org]:2222', '-f', theirs]).stdout.replace(theirs, mine).replace(theirs, mine));
  assert.equal(readFileSync(mine, 'utf8'), readFileSync(theirs, 'utf8'));
  // -H: every name hashed, and ssh-keygen still finds them.
  const h = hk(['-H', '-f', mine]);
  assert.match(h.stdout, /updated/);
  assert.doesNotMatch(readFileSync(mine, 'utf8'), /example\.org/);
  assert.equal(sk(['-F', 'example.org', '-f', mine]).status, 0);
  assert.equal(sk(['-F', '10.1.2.3', '-f', mine]).status, 0);
});

test('bad input: one line, exit 1, no stack trace', async (t) => {
  const tmp = await makeTempDir(t);
  const junk = join(tmp.path, 'junk');
  writeFileSync(junk, 'not a key\n');
  for (const args of [['-t', 'dsa', '-f', join(tmp.path, 'x'), '-N', ''], ['-y', '-f', junk], ['-l', '-f', join(tmp.path, 'missing')], ['--bogus'], ['-t', 'ecdsa', '-b', '300', '-f', join(tmp.path, 'y'), '-N', '']]) {
    const r = hk(args);
    assert.equal(r.status, 1, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.trim().length > 0);
  }
});
