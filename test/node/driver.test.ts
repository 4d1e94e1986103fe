/** The socket driver contains a throwing event handler to its own connection. */
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { PrivateKey } from '../../src/keys/private-key.js';
import { SocketDriver } from '../../src/node/driver.js';
import type { TransportEvent } from '../../src/transport/events.js';
import { Transport } from '../../src/transport/transport.js';

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
