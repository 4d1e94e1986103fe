/** Over real sockets: channel and global requests before authentication end the connection (never let in). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PeerDisconnectError } from '../../src/errors.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { MSG } from '../../src/messages/numbers.js';
import { serveAuthentication } from '../../src/node/authenticate.js';
import { dialTransport, listenTransport } from '../../src/node/transport-socket.js';
import { Writer } from '../../src/wire/writer.js';

test('CHANNEL_OPEN or GLOBAL_REQUEST before authentication: the server disconnects with PROTOCOL_ERROR; other connections carry on', async () => {
  const outcomes: string[] = [];
  const server = await listenTransport({}, { hostKeys: [PrivateKey.generate('ed25519')] }, (conn) => {
    serveAuthentication(conn, {}, () => 'reject').then(
      () => outcomes.push('authenticated'),
      (e: Error & { code?: string }) => outcomes.push(e.code ?? 'error'),
    );
  });
  try {
    const bystander = await dialTransport('127.0.0.1', server.port, {}, { verifyHostKey: () => true });
    await bystander.ready();
    const attacks = [
      new Writer().u8(MSG.CHANNEL_OPEN).utf8('session').u32(0).u32(65536).u32(32768).finish(),
      new Writer().u8(MSG.GLOBAL_REQUEST).utf8('tcpip-forward').bool(true).utf8('0.0.0.0').u32(0).finish(),
      Uint8Array.of(MSG.CHANNEL_DATA, 0, 0, 0, 0, 0, 0, 0, 1, 0x41),
    ];
    for (const payload of attacks) {
      const conn = await dialTransport('127.0.0.1', server.port, {}, { verifyHostKey: () => true });
      conn.act((t) => t.requestService('ssh-userauth'));
      await conn.waitFor('service');
      conn.act((t) => t.send(payload));
      const err = await conn.closed;
      assert.ok(err instanceof PeerDisconnectError, `closed with ${String(err)}`);
      assert.equal(err.reasonCode, 2);
      assert.match(err.description, new RegExp(`message ${payload[0]} before authentication`));
    }
    assert.deepEqual(outcomes.filter((o) => o === 'authenticated'), []);
    // The connection that behaved is untouched.
    assert.equal(bystander.transport.closed, false);
    bystander.act((t) => t.requestService('ssh-userauth'));
    await bystander.waitFor('service');
    bystander.close();
  } finally {
    await server.close();
  }
});
