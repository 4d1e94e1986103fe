import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PeerDisconnectError } from '../../src/errors.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { MSG } from '../../src/messages/numbers.js';
import { Pair, eventsOf } from '../util/pair.js';

const hostKey = PrivateKey.generate('ed25519');

test('LoginGraceTime: a client that never finishes authentication is dropped at the deadline', () => {
  let now = 5_000;
  const pair = new Pair({ role: 'server', hostKeys: [hostKey], now: () => now, loginGraceTimeMs: 30_000 });
  pair.run();
  pair.client.t.requestService('ssh-userauth');
  pair.run();
  assert.equal(pair.server.t.pollTimeout(), 35_000);
  now = 34_999;
  pair.server.t.handleTimeout(now);
  pair.run();
  assert.equal(pair.server.t.closed, false, 'not before the deadline');
  now = 35_000;
  pair.server.t.handleTimeout(now);
  pair.run();
  const err = eventsOf(pair.server, 'closed')[0]?.error;
  assert.equal(err?.code, 'ERR_TIMEOUT');
  assert.match(err!.message, /LoginGraceTime/);
  const seen = eventsOf(pair.client, 'closed')[0]?.error;
  assert.ok(seen instanceof PeerDisconnectError);
  assert.equal(seen.reasonCode, 11); // SSH_DISCONNECT_BY_APPLICATION
});

test('LoginGraceTime no longer applies once authentication succeeded; clients have none', () => {
  let now = 0;
  const pair = new Pair({ role: 'server', hostKeys: [hostKey], now: () => now, loginGraceTimeMs: 1000, rekeyIntervalMs: 0 }, { client: { now: () => now, rekeyIntervalMs: 0 } });
  pair.run();
  assert.equal(pair.client.t.pollTimeout(), undefined, 'a client has no LoginGraceTime, and its handshake timeout ended with the key exchange');
  pair.client.t.requestService('ssh-userauth');
  pair.run();
  pair.server.t.send(Uint8Array.of(MSG.USERAUTH_SUCCESS));
  pair.run();
  assert.equal(pair.server.t.pollTimeout(), undefined);
  now = 10_000;
  pair.server.t.handleTimeout(now);
  assert.equal(pair.server.t.closed, false);
});
