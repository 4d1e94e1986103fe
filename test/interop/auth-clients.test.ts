/**
 * More logins with real peers: plink and dbclient log in to the hush server with a key; OpenSSH
 * `ssh -i` uses key files written by hush; the hush client logs in to Dropbear with a password.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SshError } from '../../src/errors.js';
import { fingerprintSha256 } from '../../src/keys/fingerprint.js';
import { parsePrivateKey, writeOpenSshPrivateKey, writePublicKeyLine } from '../../src/keys/formats/index.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { authenticate, serveAuthentication } from '../../src/node/authenticate.js';
import { dialTransport, listenTransport } from '../../src/node/transport-socket.js';
import { createSystemUser } from '../auth/system-user.js';
import {
  dbclientArgs,
  makeTempDir,
  opensshClientArgs,
  plinkArgs,
  requirePeer,
  runClient,
  sshKeygen,
  startDropbear,
  startSshd,
  toDropbearKey,
  toPuttyKey,
} from '../harness/peers.js';

async function keyServer(allowed: Buffer) {
  const hostKey = PrivateKey.generate('ed25519');
  const wins: string[] = [];
  const server = await listenTransport({}, { hostKeys: [hostKey] }, (conn) => {
    serveAuthentication(conn, { methods: ['publickey'] }, (req) => (req.method === 'publickey' && Buffer.from(req.key).equals(allowed) ? 'accept' : 'reject')).then(
      (ok) => {
        wins.push(`${ok.user} ${ok.algorithm}`);
        setTimeout(() => conn.close(), 50);
      },
      () => undefined,
    );
  });
  return { server, wins, fingerprint: fingerprintSha256(hostKey.publicKey) };
}

test('plink and dbclient log in to the hush server with a key', async (t) => {
  if (!requirePeer('putty', t) || !requirePeer('dropbear-client', t)) return;
  const tmp = await makeTempDir(t);
  const id = await sshKeygen(tmp.path, 'ed25519');
  const { server, wins, fingerprint } = await keyServer(Buffer.from(id.publicLine.split(' ')[1]!, 'base64'));
  try {
    const ppk = await toPuttyKey(id.privatePath);
    const p = await runClient(plinkArgs({ dir: tmp.path, port: server.port, user: 'alice', hostKeys: [fingerprint], identityFile: ppk, verbose: true, command: ['true'] }), {
      timeoutMs: 20_000,
    });
    assert.match(p.stderr, /Authenticating with public key/);
    assert.deepEqual(wins, ['alice ssh-ed25519'], p.stderr);
    const dbkey = await toDropbearKey(id.privatePath);
    const d = await runClient(dbclientArgs({ dir: tmp.path, port: server.port, user: 'bob', identityFiles: [dbkey], command: ['true'] }), { timeoutMs: 20_000 });
    assert.deepEqual(wins, ['alice ssh-ed25519', 'bob ssh-ed25519'], d.stderr);
  } finally {
    await server.close();
  }
});

test('OpenSSH ssh -i logs in with key files hush wrote (every type, plain and encrypted)', async (t) => {
  if (!requirePeer('openssh-server', t) || !requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const keys = [PrivateKey.generate('ed25519'), PrivateKey.generate('ecdsa-p384'), PrivateKey.generate('rsa', 2048)];
  const sshd = await startSshd({ t, authorizedKeys: keys.map((k) => writePublicKeyLine(k.publicKey, 'hush').trim()) });
  try {
    for (const [i, key] of keys.entries()) {
      for (const passphrase of [undefined, 'correct horse']) {
        const path = join(tmp.path, `hush_key_${i}_${passphrase ? 'enc' : 'plain'}`);
        writeFileSync(path, writeOpenSshPrivateKey(key, { comment: 'written by hush', ...(passphrase ? { passphrase, rounds: 4 } : {}) }), { mode: 0o600 });
        // ssh reads the passphrase through SSH_ASKPASS when it has no terminal.
        const askpass = join(tmp.path, 'askpass.sh');
        writeFileSync(askpass, `#!/bin/sh\necho '${passphrase ?? ''}'\n`, { mode: 0o700 });
        const c = opensshClientArgs({ dir: tmp.path, port: sshd.port, identityFiles: [path], command: ['echo', 'in'], configLines: passphrase ? ['BatchMode no'] : [] });
        const r = await runClient(c.cmd, c.args, {
          timeoutMs: 15_000,
          env: { ...c.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
        });
        assert.equal(r.stdout, 'in\n', `${key.keyType} ${passphrase ? 'encrypted' : 'plain'}: ${r.stderr}`);
        // And hush reads back what it wrote.
        assert.deepEqual(parsePrivateKey(writeOpenSshPrivateKey(key, passphrase ? { passphrase, rounds: 4 } : {}), passphrase).publicKey, key.publicKey);
      }
    }
  } finally {
    await sshd.stop();
  }
});

test('the hush client logs in to Dropbear with a password; a wrong password is refused', async (t) => {
  if (!requirePeer('dropbear', t)) return;
  const user = await createSystemUser(t);
  if (!user) return;
  const db = await startDropbear({ t, passwordAuth: true });
  try {
    const ok = await dialTransport(db.host, db.port, {}, { verifyHostKey: () => true });
    assert.equal((await authenticate(ok, { user: user.name, credentials: [{ method: 'password', password: user.password }] })).method, 'password');
    ok.close();
    const bad = await dialTransport(db.host, db.port, {}, { verifyHostKey: () => true });
    await assert.rejects(
      authenticate(bad, { user: user.name, credentials: [{ method: 'password', password: 'wrong' }] }),
      (e: SshError) => e.code === 'ERR_AUTH_FAILED' && /Permission denied/.test(e.message),
    );
  } finally {
    await db.stop();
    await user.remove();
  }
});
