/**
 * Publickey user authentication with real peers, every key type, both roles (RFC 4252 §7, RFC 8332,
 * RFC 8709, RFC 5656): OpenSSH ssh -> hush server, hush client -> OpenSSH sshd and Dropbear.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ServerAuthEvent } from '../../src/auth/server.js';
import { SshError } from '../../src/errors.js';
import { fingerprintSha256 } from '../../src/keys/fingerprint.js';
import { parsePrivateKey } from '../../src/keys/formats/index.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { authenticate, serveAuthentication } from '../../src/node/authenticate.js';
import { dialTransport, listenTransport } from '../../src/node/transport-socket.js';
import { makeTempDir, opensshClientArgs, requirePeer, runClient, startDropbear, startSshd } from '../harness/peers.js';

const KEY_TYPES = [
  { name: 'ed25519', args: ['-t', 'ed25519'], label: 'ED25519' },
  { name: 'ecdsa-256', args: ['-t', 'ecdsa', '-b', '256'], label: 'ECDSA' },
  { name: 'ecdsa-384', args: ['-t', 'ecdsa', '-b', '384'], label: 'ECDSA' },
  { name: 'ecdsa-521', args: ['-t', 'ecdsa', '-b', '521'], label: 'ECDSA' },
  { name: 'rsa', args: ['-t', 'rsa', '-b', '2048'], label: 'RSA' },
] as const;

interface KeyFile {
  name: string;
  label: string;
  path: string;
  line: string;
  blob: Buffer;
}

function keygen(dir: string, t: (typeof KEY_TYPES)[number]): KeyFile {
  const path = join(dir, `id_${t.name}`);
  execFileSync('ssh-keygen', ['-q', ...t.args, '-N', '', '-C', `hush-${t.name}`, '-f', path]);
  const line = readFileSync(`${path}.pub`, 'utf8').trim();
  return { name: t.name, label: t.label, path, line, blob: Buffer.from(line.split(' ')[1]!, 'base64') };
}

test('OpenSSH ssh logs in to the hush server with every key type (rsa-sha2-256 and -512 too); a wrong key is refused', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const keys = KEY_TYPES.map((k) => keygen(tmp.path, k));
  const stranger = keygen(tmp.path, { name: 'ed25519-stranger', args: ['-t', 'ed25519'], label: 'ED25519' } as never);
  const allowed = new Set(keys.map((k) => k.blob.toString('base64')));
  const successes: Array<Extract<ServerAuthEvent, { type: 'success' }>> = [];
  const server = await listenTransport({}, { hostKeys: [PrivateKey.generate('ed25519')] }, (conn) => {
    serveAuthentication(conn, {}, (req) =>
      req.method === 'publickey' && req.user === 'alice' && allowed.has(Buffer.from(req.key).toString('base64')) ? 'accept' : 'reject',
    ).then(
      (ok) => {
        successes.push(ok);
        setTimeout(() => conn.close(), 50); // no sessions yet: end politely once authenticated
      },
      () => undefined,
    );
  });
  try {
    const cases = keys.flatMap((k): Array<[KeyFile, string | undefined]> =>
      k.name === 'rsa' ? [[k, 'rsa-sha2-256'], [k, 'rsa-sha2-512']] : [[k, undefined]],
    );
    for (const [key, alg] of cases) {
      await t.test(`${key.name}${alg ? ` (${alg})` : ''}`, async () => {
        const before = successes.length;
        const r = await runClient(
          opensshClientArgs({
            dir: tmp.path,
            port: server.port,
            user: 'alice',
            identityFiles: [key.path],
            configLines: ['IdentitiesOnly yes', ...(alg ? [`PubkeyAcceptedAlgorithms ${alg}`] : [])],
            extra: ['-N', '-v'],
          }),
          { timeoutMs: 15_000 },
        );
        assert.match(r.stderr, /Authenticated to 127\.0\.0\.1 .* using "publickey"/, r.stderr);
        assert.equal(successes.length, before + 1);
        const s = successes[successes.length - 1]!;
        // The server reports the key whose signature it verified, and the algorithm used.
        assert.ok(Buffer.from(s.key!).equals(key.blob));
        if (alg) assert.equal(s.algorithm, alg);
        assert.equal(s.user, 'alice');
      });
    }
    await t.test('a key the server does not accept', async () => {
      const before = successes.length;
      const r = await runClient(
        opensshClientArgs({ dir: tmp.path, port: server.port, user: 'alice', identityFiles: [stranger.path], configLines: ['IdentitiesOnly yes'], extra: ['-N'] }),
        { timeoutMs: 15_000 },
      );
      assert.match(r.stderr, /Permission denied \(publickey/);
      assert.equal(r.code, 255);
      assert.equal(successes.length, before);
    });
    await t.test('the right key for the wrong user', async () => {
      const r = await runClient(
        opensshClientArgs({ dir: tmp.path, port: server.port, user: 'mallory', identityFiles: [keys[0]!.path], configLines: ['IdentitiesOnly yes'], extra: ['-N'] }),
        { timeoutMs: 15_000 },
      );
      assert.match(r.stderr, /Permission denied \(publickey/);
    });
  } finally {
    await server.close();
  }
});

test('the hush client logs in to OpenSSH sshd with every key type read from ssh-keygen files; wrong keys and users are refused', async (t) => {
  if (!requirePeer('openssh-server', t) || !requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const keys = KEY_TYPES.map((k) => keygen(tmp.path, k));
  const sshd = await startSshd({ t, authorizedKeys: keys.map((k) => k.line), config: ['LogLevel VERBOSE'] });
  try {
    for (const k of keys) {
      await t.test(k.name, async () => {
        const key = parsePrivateKey(readFileSync(k.path), undefined, { name: k.path });
        const conn = await dialTransport(sshd.host, sshd.port, {}, { verifyHostKey: () => true });
        try {
          const r = await authenticate(conn, { user: 'root', credentials: [{ method: 'publickey', key }] });
          assert.equal(r.method, 'publickey');
          // sshd logs which key it accepted: the fingerprint must be ours.
          await sshd.waitForLog(new RegExp(`Accepted publickey for root from 127\\.0\\.0\\.1 port \\d+ ssh2: ${k.label} ${fingerprintSha256(k.blob).replace(/[+/]/g, '\\$&')}`), 5000);
          if (k.name === 'rsa') assert.ok(conn.transport.serverSigAlgs?.includes('rsa-sha2-512'));
        } finally {
          conn.close();
        }
      });
    }
    await t.test('a key sshd does not know: Permission denied, ERR_AUTH_FAILED', async () => {
      const conn = await dialTransport(sshd.host, sshd.port, {}, { verifyHostKey: () => true });
      await assert.rejects(
        authenticate(conn, { user: 'root', credentials: [{ method: 'publickey', key: PrivateKey.generate('ed25519') }] }),
        (e: SshError) => e.code === 'ERR_AUTH_FAILED' && /Permission denied \(publickey/.test(e.message),
      );
    });
    await t.test('an unknown user', async () => {
      const conn = await dialTransport(sshd.host, sshd.port, {}, { verifyHostKey: () => true });
      const key = parsePrivateKey(readFileSync(keys[0]!.path));
      await assert.rejects(authenticate(conn, { user: 'no-such-user-hush', credentials: [{ method: 'publickey', key }] }), (e: SshError) => e.code === 'ERR_AUTH_FAILED');
      await sshd.waitForLog(/Invalid user no-such-user-hush/, 5000);
    });
  } finally {
    await sshd.stop();
  }
});

test('the hush client logs in to Dropbear with every key type Dropbear supports', async (t) => {
  if (!requirePeer('dropbear', t)) return;
  const tmp = await makeTempDir(t);
  const keys = KEY_TYPES.map((k) => keygen(tmp.path, k));
  const db = await startDropbear({ t, authorizedKeys: keys.map((k) => k.line) });
  try {
    for (const k of keys) {
      await t.test(k.name, async () => {
        const key = parsePrivateKey(readFileSync(k.path));
        const conn = await dialTransport(db.host, db.port, {}, { verifyHostKey: () => true });
        try {
          assert.equal((await authenticate(conn, { user: 'root', credentials: [{ method: 'publickey', key }] })).method, 'publickey');
        } finally {
          conn.close();
        }
      });
    }
    await t.test('a wrong key is refused', async () => {
      const conn = await dialTransport(db.host, db.port, {}, { verifyHostKey: () => true });
      await assert.rejects(authenticate(conn, { user: 'root', credentials: [{ method: 'publickey', key: PrivateKey.generate('ed25519') }] }), (e: SshError) => e.code === 'ERR_AUTH_FAILED');
    });
  } finally {
    await db.stop();
  }
});
