/**
 * The file-backed default policy: OpenSSH ssh logs in to a hush server whose users and
 * authorized_keys live in a temporary home; options of the matching line are carried.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PrivateKey } from '../../src/keys/private-key.js';
import { failureDelay, refusalDelay, serveAuthentication } from '../../src/node/authenticate.js';
import { authorizedKeysPolicy, expandAuthorizedKeysPath } from '../../src/node/authorized-keys-policy.js';
import { listenTransport } from '../../src/node/transport-socket.js';
import { lookupUser, userCacheSize } from '../../src/node/users.js';
import { makeTempDir, opensshClientArgs, requirePeer, runClient, sshKeygen } from '../harness/peers.js';

test('AuthorizedKeysFile tokens %h %u %% and relative paths, as sshd', () => {
  const u = { name: 'alice', uid: 1000, gid: 1000, home: '/home/alice', shell: '/bin/sh' };
  assert.equal(expandAuthorizedKeysPath('.ssh/authorized_keys', u), '/home/alice/.ssh/authorized_keys');
  assert.equal(expandAuthorizedKeysPath('/etc/keys/%u', u), '/etc/keys/alice');
  assert.equal(expandAuthorizedKeysPath('%h/k%%', u), '/home/alice/k%');
});

test('system accounts are found through getent; impossible names never reach it', () => {
  assert.equal(lookupUser('root')?.uid, 0);
  assert.equal(lookupUser('no-such-user-hush-xyz'), undefined);
  for (const bad of ['', 'a:b', '-x', 'a\nroot', 'x'.repeat(300)]) assert.equal(lookupUser(bad), undefined);
});

test('refusals are delayed to a per-user target of 5-9 ms, doubled past slow lookups', () => {
  const d = failureDelay('alice', 0);
  assert.ok(d >= 5 && d <= 9, String(d));
  assert.equal(failureDelay('alice', 0), d, 'stable per user');
  const slow = failureDelay('alice', 12);
  assert.ok(slow > 0 && slow + 12 >= 2 * d - 1e-9);
  // As sshd: every refusal waits, except "none" (the methods question every client asks first);
  // an acceptance never waits.
  assert.equal(refusalDelay({ method: 'publickey', user: 'alice' }, 'reject', 0), d);
  assert.equal(refusalDelay({ method: 'password', user: 'alice' }, 'partial', 0), d);
  assert.equal(refusalDelay({ method: 'none', user: 'alice' }, 'reject', 0), 0);
  assert.equal(refusalDelay({ method: 'publickey', user: 'alice' }, 'accept', 0), 0);
});

test('ssh logs in through authorized_keys; options of the matching line are carried; from= and unknown users refuse', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const home = join(tmp.path, 'home-alice');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  const good = await sshKeygen(tmp.path, 'ed25519', 'good');
  const fenced = await sshKeygen(tmp.path, 'ecdsa', 'fenced');
  writeFileSync(
    join(home, '.ssh', 'authorized_keys'),
    `# keys\ncommand="echo hi",no-pty,environment="A=b" ${good.publicLine}\nfrom="10.*" ${fenced.publicLine}\n`,
  );
  const accounts = new Map([['alice', { name: 'alice', uid: 4242, gid: 4242, home, shell: '/bin/sh' }]]);
  const results: Array<{ user: string; command: string | undefined; pty: boolean | undefined }> = [];
  const server = await listenTransport({}, { hostKeys: [PrivateKey.generate('ed25519')] }, (conn) => {
    const files = authorizedKeysPolicy({ users: (n) => accounts.get(n), address: conn.driver.socket.remoteAddress! });
    serveAuthentication(conn, { methods: ['publickey'] }, files.policy).then(
      (ok) => {
        const entry = files.entryFor(ok.user, ok.key!);
        results.push({ user: ok.user, command: entry?.options.command, pty: entry?.options.pty });
        setTimeout(() => conn.close(), 50);
      },
      () => undefined,
    );
  });
  try {
    const login = (user: string, key: string) =>
      runClient(opensshClientArgs({ dir: tmp.path, port: server.port, user, identityFiles: [key], configLines: ['IdentitiesOnly yes'], extra: ['-N', '-v'] }), {
        timeoutMs: 15_000,
      });
    const ok = await login('alice', good.privatePath);
    assert.match(ok.stderr, /Authenticated to .* using "publickey"/);
    assert.deepEqual(results, [{ user: 'alice', command: 'echo hi', pty: false }]);
    const fromRefused = await login('alice', fenced.privatePath);
    assert.match(fromRefused.stderr, /Permission denied \(publickey\)/);
    const noUser = await login('bob', good.privatePath);
    assert.match(noUser.stderr, /Permission denied \(publickey\)/);
    assert.equal(results.length, 1);
  } finally {
    await server.close();
  }
});

test('account lookups are cached for a moment only, and made-up names cannot grow the cache', () => {
  const t0 = 1_000_000_000_000;
  const root = lookupUser('root', t0);
  assert.equal(root?.uid, 0);
  // Within the moment the same answer comes back; after it, getent is asked again (same account).
  assert.equal(lookupUser('root', t0 + 1000), root);
  const later = lookupUser('root', t0 + 60_000);
  assert.notEqual(later, root);
  assert.deepEqual(later, root);
  for (let i = 0; i < 300; i++) assert.equal(lookupUser(`no-such-user-hush-${i}`, t0), undefined);
  assert.ok(userCacheSize() <= 256, `cache holds ${userCacheSize()}`);
  assert.ok(userCacheSize() > 0);
});

test('StrictModes: authorized_keys is read only when neither it nor a directory up to the home can be written by others', async (t) => {
  const tmp = await makeTempDir(t);
  const home = join(tmp.path, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  chmodSync(home, 0o755);
  const key = PrivateKey.generate('ed25519');
  const file = join(home, '.ssh', 'authorized_keys');
  writeFileSync(file, `${key.keyType} ${Buffer.from(key.publicKey).toString('base64')}\n`, { mode: 0o600 });
  const account = { name: 'alice', uid: process.getuid!(), gid: process.getgid!(), home, shell: '/bin/sh' };
  const refusals: string[] = [];
  const policy = (strictModes?: boolean) =>
    authorizedKeysPolicy({ users: () => account, onRefusal: (_u, why) => refusals.push(why), ...(strictModes === undefined ? {} : { strictModes }) });
  const found = (strictModes?: boolean) => policy(strictModes).entryFor('alice', key.publicKey) !== undefined;

  assert.equal(found(), true, 'a 0600 file in a 0700 .ssh in a 0755 home is read (the check stops at the home, above it is /tmp)');
  chmodSync(file, 0o620);
  assert.equal(found(), false, 'a group-writable file is not');
  assert.ok(refusals.includes(`bad ownership or modes for file ${file}`), refusals.join('; '));
  assert.equal(found(false), true, 'StrictModes off reads it anyway');
  chmodSync(file, 0o600);
  chmodSync(home, 0o757);
  assert.equal(found(), false, 'a home others may write is not trusted either');
  assert.ok(refusals.includes(`bad ownership or modes for directory ${home}`), refusals.join('; '));
  chmodSync(home, 0o755);
  // A file outside the home is checked up to /: here /tmp, which anyone may write.
  const outside = join(tmp.path, 'keys');
  writeFileSync(outside, readFileSync(file), { mode: 0o600 });
  const elsewhere = authorizedKeysPolicy({ users: () => account, authorizedKeysFiles: [outside] });
  assert.equal(elsewhere.entryFor('alice', key.publicKey), undefined);
  assert.equal(found(), true);
});
