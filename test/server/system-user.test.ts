/**
 * Running as root, sessions run as the authenticated system user: uid, gid, supplementary
 * groups, no capabilities, a terminal owned by the user; the default policy reads the user's
 * authorized_keys (here an AuthorizedKeysFile pattern with %u) and accounts come from getent.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PrivateKey } from '../../src/keys/private-key.js';
import { createServer } from '../../src/node/server.js';
import { lookupUser } from '../../src/node/users.js';
import { createSystemUser } from '../auth/system-user.js';
import { binaryPath } from '../harness/availability.js';
import { makeTempDir, opensshClientArgs, requireBinaries, requirePeer, runClient, sshKeygen } from '../harness/peers.js';

test('as root: the session runs as the user with its supplementary groups and no capabilities', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  if (!requireBinaries('setpriv', [{ binary: 'setpriv', debPackage: 'util-linux' }, { binary: 'usermod', debPackage: 'passwd' }], t)) return;
  const user = await createSystemUser(t);
  if (!user) return;
  const mod = await runClient(binaryPath('usermod'), ['-a', '-G', 'users', user.name]);
  assert.equal(mod.code, 0, mod.stderr);
  const account = lookupUser(user.name)!;
  const usersGid = Number((await runClient('getent', ['group', 'users'])).stdout.split(':')[2]);

  const tmp = await makeTempDir(t, 'hush-sysuser-');
  const key = await sshKeygen(tmp.path, 'ed25519');
  writeFileSync(join(tmp.path, `${user.name}.keys`), `${key.publicLine}\n`);
  const hostKey = PrivateKey.generate('ed25519');
  // The key file lies under /tmp, which anyone may write: StrictModes would (rightly) refuse it.
  const server = createServer({ hostKeys: [hostKey], authorizedKeysFiles: [join(tmp.path, '%u.keys')], strictModes: false });
  const { port } = await server.listen(0, '127.0.0.1');
  t.after(() => server.close());
  const ssh = (command: string[], extra: string[] = [], login = user.name) =>
    runClient(
      opensshClientArgs({
        dir: tmp.path,
        port,
        user: login,
        identityFiles: [key.privatePath],
        knownHostKeys: [`${hostKey.keyType} ${Buffer.from(hostKey.publicKey).toString('base64')}`],
        configLines: ['LogLevel ERROR'],
        extra,
        command,
      }),
      { timeoutMs: 20_000 },
    );

  const r = await ssh(['id -u; id -g; id -G; grep -E "^Cap(Prm|Eff)" /proc/self/status; pwd; echo "$HOME $USER"']);
  assert.equal(r.code, 0, r.stderr);
  const [uid, gid, groups, capPrm, capEff, pwd, env] = r.stdout.trim().split('\n');
  assert.equal(Number(uid), account.uid);
  assert.equal(Number(gid), account.gid);
  assert.ok(groups!.split(' ').map(Number).includes(usersGid), `groups ${groups} lack users (${usersGid})`);
  assert.ok(!groups!.split(' ').includes('0'), `root's group leaked: ${groups}`);
  assert.match(capPrm!, /:\s+0+$/);
  assert.match(capEff!, /:\s+0+$/);
  // useradd -M made no home: sshd's warning, and the session runs in /.
  assert.equal(pwd, '/');
  assert.match(r.stderr, /Could not chdir to home directory/);
  assert.equal(env, `${account.home} ${user.name}`);

  const p = await ssh(['stat -c %u "$(tty)"; id -u; grep -E "^CapEff" /proc/self/status'], ['-tt']);
  assert.equal(p.code, 0, p.stderr);
  const lines = p.stdout.replace(/\r/g, '').trim().split('\n');
  assert.equal(Number(lines.at(-3)), account.uid, p.stdout);
  assert.equal(Number(lines.at(-2)), account.uid);
  assert.match(lines.at(-1)!, /:\s+0+$/);

  // Another system user the keys do not belong to is refused.
  const other = await ssh(['true'], [], 'root');
  assert.equal(other.code, 255);
});
