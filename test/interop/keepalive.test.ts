/**
 * Keepalives as OpenSSH's ServerAliveInterval / ServerAliveCountMax: answered keepalives keep a
 * quiet connection up; a server that goes silent is dropped after CountMax unanswered ones.
 */
import assert from 'node:assert/strict';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { test } from 'node:test';
import { PrivateKey } from '../../src/keys/private-key.js';
import { connect } from '../../src/node/client.js';
import { requirePeer, startSshd } from '../harness/peers.js';

test('keepalives: answered ones keep the connection; a silent server is dropped after the count', async (t) => {
  if (!requirePeer('openssh-server', t)) return;
  const key = PrivateKey.generate('ed25519');
  const sshd = await startSshd({ t, authorizedKeys: [`ssh-ed25519 ${Buffer.from(key.publicKey).toString('base64')} k`] });
  // A TCP proxy that can stop forwarding the server's bytes (the server "goes silent").
  let silent = false;
  const sockets: Socket[] = [];
  const proxy = createServer((down) => {
    const up = netConnect(sshd.port, '127.0.0.1');
    sockets.push(down, up);
    down.on('data', (b) => up.write(b));
    up.on('data', (b) => {
      if (!silent) down.write(b);
    });
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const port = (proxy.address() as { port: number }).port;
  try {
    const c = await connect({ host: '127.0.0.1', port, username: 'root', privateKey: key, hostKey: () => true, keepaliveIntervalMs: 150, keepaliveCountMax: 2 });
    await new Promise((r) => setTimeout(r, 1000)); // ~6 keepalives, all answered
    assert.equal((await c.exec('echo alive')).stdout.toString(), 'alive\n');
    silent = true;
    const started = Date.now();
    const err = await c.closed;
    assert.equal(err?.code, 'ERR_TIMEOUT');
    assert.match(err!.message, /server not responding/);
    assert.ok(Date.now() - started < 5000);
  } finally {
    for (const s of sockets) s.destroy();
    proxy.close();
    await sshd.stop();
  }
});
