/**
 * The socket driver contains a throwing event handler to its own connection, and acknowledges
 * at once a read it had no reply to.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { nativeCrypto } from '../../src/crypto/native.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { SocketDriver } from '../../src/node/driver.js';
import { SocketReader } from '../../src/node/socket-reader.js';
import type { TransportEvent } from '../../src/transport/events.js';
import { Transport } from '../../src/transport/transport.js';
import { requireNativeAddon } from '../harness/availability.js';

test('an exception in an event handler drops that connection, reports it, and nothing else', async () => {
  const hostKeys = [PrivateKey.generate('ed25519')];
  const errors: unknown[] = [];
  const closed: Socket[] = [];
  const server = createServer((socket) => {
    new SocketDriver<TransportEvent>(socket, new Transport({ role: 'server', hostKeys }), {
      onEvent: (ev) => {
        if (ev.type === 'version' && ev.version.softwareVersion === 'boom') throw new Error('handler bug');
      },
      onHandlerError: (e) => errors.push(e),
    });
    socket.on('close', () => closed.push(socket));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const talk = (version: string) =>
    new Promise<string>((resolve) => {
      const c = connect(port, '127.0.0.1');
      let got = '';
      c.on('data', (b) => (got += b.toString('latin1')));
      c.on('close', () => resolve(got));
      c.on('error', () => undefined);
      c.write(`SSH-2.0-${version}\r\n`);
      setTimeout(() => c.end(), 300);
    });
  const [bad, good] = await Promise.all([talk('boom'), talk('fine')]);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /handler bug/);
  assert.match(good, /^SSH-2\.0-hush_/, 'the other connection was served');
  assert.match(bad, /^SSH-2\.0-hush_/);
  server.close();
  assert.ok(closed.length >= 1);
});

test('a delivery that produced no reply is acknowledged at once (TCP_QUICKACK), so a Nagle-bound peer is not held for the delayed-ACK timer', async (t) => {
  if (!(await requireNativeAddon(t))) return;
  const addon = nativeCrypto()!;
  const hostKeys = [PrivateKey.generate('ed25519')];
  // The client's version line, then its KEXINIT: the server answers the first (its own version
  // and KEXINIT), and has nothing to say to the second (it waits for KEX_ECDH_INIT).
  const client = new Transport({ role: 'client' });
  const hello: Buffer[] = [];
  for (let b = client.pollTransmit(); b !== undefined; b = client.pollTransmit()) hello.push(Buffer.from(b));
  const bytes = Buffer.concat(hello);
  const versionEnd = bytes.indexOf('\r\n') + 2;
  let accepted!: Socket;
  const server = createServer((socket) => {
    accepted = socket;
    const reader = new SocketReader();
    assert.ok(reader.adopt(socket));
    new SocketDriver<TransportEvent>(socket, new Transport({ role: 'server', hostKeys }), { reader, onEvent: () => undefined });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const c = connect((server.address() as { port: number }).port, '127.0.0.1');
  let got = Buffer.alloc(0);
  c.on('data', (b: Buffer) => (got = Buffer.concat([got, b])));
  await new Promise((r) => c.once('connect', r));
  c.write(bytes.subarray(0, versionEnd));
  // The server's version line and KEXINIT (a few hundred bytes).
  for (let i = 0; i < 500 && (got.indexOf('\r\n') < 0 || got.length < got.indexOf('\r\n') + 200); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(got.indexOf('\r\n') > 0, 'no answer from the server');
  const fd = (accepted as unknown as { _handle: { fd: number } })._handle.fd;
  // Delayed-ACK mode, as after an exchange of requests and replies.
  assert.ok(addon.quickAck!(fd, false));
  assert.equal(addon.quickAckState!(fd), false);
  const before = got.length;
  const read = accepted.bytesRead;
  c.write(bytes.subarray(versionEnd));
  // Checked as soon as the server has read the KEXINIT (it had no reply to it): the kernel itself
  // would leave delayed-ACK mode only when its timer fires, ~40 ms later.
  for (let i = 0; i < 100_000 && accepted.bytesRead < read + bytes.length - versionEnd; i++) await new Promise((r) => setImmediate(r));
  assert.equal(accepted.bytesRead, read + bytes.length - versionEnd, 'the server did not read the KEXINIT');
  assert.equal(addon.quickAckState!(fd), true, 'the socket stayed in delayed-ACK mode after a read that had no reply');
  assert.equal(got.length, before, 'the server replied to the KEXINIT: the test proves nothing');
  c.destroy();
  server.close();
});
