/** ClientAliveInterval / ClientAliveCountMax on the hush server, with a proxy that can silence the client. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer as createNetServer, connect as netConnect, type Socket } from 'node:net';
import { test } from 'node:test';
import { PrivateKey } from '../../src/keys/private-key.js';
import { connect } from '../../src/node/client.js';
import { createServer } from '../../src/node/server.js';

test('a client that answers keepalives stays; one that falls silent is dropped after the count', async () => {
  const clientKey = PrivateKey.generate('ed25519');
  const disconnects: string[] = [];
  const server = createServer({
    hostKeys: [PrivateKey.generate('ed25519')],
    authPolicy: (req) => (req.method === 'publickey' && req.key && Buffer.from(req.key).equals(Buffer.from(clientKey.publicKey)) ? 'accept' : 'reject'),
    users: () => ({ name: 'alive', uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, home: '/tmp', shell: '/bin/sh' }),
    clientAliveIntervalMs: 150,
    clientAliveCountMax: 2,
  });
  server.on('disconnect', (e) => disconnects.push(e.reason));
  const { port } = await server.listen(0, '127.0.0.1');
  let silent = false;
  const sockets: Socket[] = [];
  const proxy = createNetServer((down) => {
    const up = netConnect(port, '127.0.0.1');
    sockets.push(up, down);
    down.on('data', (b) => !silent && up.write(b));
    up.on('data', (b) => down.write(b));
    up.on('close', () => down.destroy());
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const proxyPort = (proxy.address() as { port: number }).port;
  try {
    const c = await connect({ host: '127.0.0.1', port: proxyPort, username: 'alive', privateKey: clientKey, hostKey: () => true });
    await new Promise((r) => setTimeout(r, 1000)); // several probes, all answered by the client
    assert.deepEqual(disconnects, []);
    assert.equal((await c.exec('echo up')).stdout.toString(), 'up\n');
    silent = true;
    const err = await c.closed;
    assert.ok(err, 'the client learns that the server gave up');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(disconnects.length, 1);
    assert.match(disconnects[0]!, /Timeout, client not responding/);
  } finally {
    for (const s of sockets) s.destroy();
    proxy.close();
    await server.close();
  }
});

/** The kernel's timer on the established TCP socket from local port `local` to `remote` (Linux /proc/net/tcp: 0 none, 2 keepalive). */
function tcpTimer(local: number, remote: number): number | undefined {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[3] !== '01') continue; // ESTABLISHED
    if (f[1]!.endsWith(`:${hex(local)}`) && f[2]!.endsWith(`:${hex(remote)}`)) return Number.parseInt(f[5]!.split(':')[0]!, 16);
  }
  return undefined;
}

test('TCP keepalives (sshd and ssh TCPKeepAlive yes): both ends arm the kernel keepalive timer, and not when turned off', async (t) => {
  if (!existsSync('/proc/net/tcp')) {
    t.skip('no /proc/net/tcp to read socket timers from (not Linux)');
    return;
  }
  const clientKey = PrivateKey.generate('ed25519');
  for (const on of [true, false]) {
    const server = createServer({
      hostKeys: [PrivateKey.generate('ed25519')],
      authPolicy: (req) => (req.method === 'publickey' && req.key && Buffer.from(req.key).equals(Buffer.from(clientKey.publicKey)) ? 'accept' : 'reject'),
      users: () => ({ name: 'alive', uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, home: '/tmp', shell: '/bin/sh' }),
      ...(on ? {} : { tcpKeepAlive: false }),
    });
    let local = 0;
    server.on('connection', (info) => (local = info.remotePort));
    const { port } = await server.listen(0, '127.0.0.1');
    const client = await connect({ host: '127.0.0.1', port, username: 'alive', privateKey: clientKey, hostKey: () => true, ...(on ? {} : { tcpKeepAlive: false }) });
    try {
      assert.ok(local > 0);
      const want = on ? 2 : 0;
      // Timer 1 (retransmission) shows while the last bytes wait for their ACK: wait until idle.
      const settled = async (a: number, b: number) => {
        for (let i = 0; i < 100 && tcpTimer(a, b) === 1; i++) await new Promise((r) => setTimeout(r, 20));
        return tcpTimer(a, b);
      };
      assert.equal(await settled(port, local), want, `server side, keepalive ${on}`);
      assert.equal(await settled(local, port), want, `client side, keepalive ${on}`);
    } finally {
      client.close();
      await server.close();
    }
  }
});
