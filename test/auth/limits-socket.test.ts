/** MaxAuthTries against real OpenSSH ssh, and LoginGraceTime over a real socket. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordsEqual } from '../../src/auth/password.js';
import { PeerDisconnectError } from '../../src/errors.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { serveAuthentication } from '../../src/node/authenticate.js';
import { dialTransport, listenTransport } from '../../src/node/transport-socket.js';
import { makeTempDir, opensshClientArgs, requirePeer, runClient, sshKeygen } from '../harness/peers.js';

test('passwordsEqual compares content, not prefixes or lengths', () => {
  assert.equal(passwordsEqual('hunter2', 'hunter2'), true);
  assert.equal(passwordsEqual('hunter2', 'hunter'), false);
  assert.equal(passwordsEqual('', 'x'), false);
  assert.equal(passwordsEqual(Buffer.from('é'), 'é'), true);
});

test('MaxAuthTries: ssh offering more keys than allowed is disconnected with "Too many authentication failures"', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const ids = await Promise.all([1, 2, 3, 4].map((i) => sshKeygen(tmp.path, 'ed25519', `k${i}`)));
  const errors: string[] = [];
  const server = await listenTransport({}, { hostKeys: [PrivateKey.generate('ed25519')] }, (conn) => {
    serveAuthentication(conn, { maxAuthTries: 3, methods: ['publickey'] }, () => 'reject').catch((e: Error) => errors.push(e.message));
  });
  try {
    const r = await runClient(opensshClientArgs({ dir: tmp.path, port: server.port, identityFiles: ids.map((k) => k.privatePath), extra: ['-N'] }), { timeoutMs: 15_000 });
    assert.match(r.stderr, /Too many authentication failures for root/);
    assert.equal(r.code, 255);
    assert.deepEqual(errors, ['Too many authentication failures for root']);
  } finally {
    await server.close();
  }
});

test('LoginGraceTime: a client that never authenticates is disconnected; others are not affected', async () => {
  const server = await listenTransport({}, { hostKeys: [PrivateKey.generate('ed25519')], loginGraceTimeMs: 600 }, (conn) => {
    serveAuthentication(conn, {}, () => 'reject').catch(() => undefined);
  });
  try {
    const idle = await dialTransport('127.0.0.1', server.port, {}, { verifyHostKey: () => true });
    idle.act((t) => t.requestService('ssh-userauth'));
    await idle.waitFor('service');
    const err = await idle.closed;
    assert.ok(err instanceof PeerDisconnectError);
    assert.equal(err.reasonCode, 11);
    assert.match(err.description, /LoginGraceTime/);
  } finally {
    await server.close();
  }
});
