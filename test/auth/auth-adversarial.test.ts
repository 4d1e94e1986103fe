/**
 * Authentication attacks, in memory: signatures over the wrong session, a signature by another
 * key than the one offered, message-type confusion in both directions (libssh CVE-2018-10933),
 * offered-but-unproven keys (Go CVE-2024-45337), MaxAuthTries.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientAuth } from '../../src/auth/client.js';
import { publickeySignedData, UserauthRequest } from '../../src/auth/messages.js';
import { ServerAuth, type ServerAuthEvent } from '../../src/auth/server.js';
import { SshError } from '../../src/errors.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { MSG } from '../../src/messages/numbers.js';
import { Writer } from '../../src/wire/writer.js';

const SESSION = new Uint8Array(32).fill(7);
const alice = PrivateKey.generate('ed25519');
const bob = PrivateKey.generate('ed25519');

function signedRequest(opts: { user?: string; blobOf: PrivateKey; signer: PrivateKey; session?: Uint8Array; algorithm?: string }): Uint8Array {
  const user = opts.user ?? 'alice';
  const alg = opts.algorithm ?? 'ssh-ed25519';
  const data = publickeySignedData(opts.session ?? SESSION, user, 'ssh-connection', alg, opts.blobOf.publicKey);
  const sig = opts.signer.sign(opts.signer.algorithms[0]!, data);
  const methodData = new Writer().bool(true).utf8(alg).bytesString(opts.blobOf.publicKey).bytesString(sig).finish();
  return UserauthRequest.encode({ user, service: 'ssh-connection', method: 'publickey', methodData });
}

function query(key: PrivateKey, user = 'alice'): Uint8Array {
  const methodData = new Writer().bool(false).utf8(key.algorithms[0]!).bytesString(key.publicKey).finish();
  return UserauthRequest.encode({ user, service: 'ssh-connection', method: 'publickey', methodData });
}

/** A server whose policy accepts every request it is asked about; returns what it sent and said. */
function server(maxAuthTries = 6) {
  const s = new ServerAuth({ maxAuthTries }, () => SESSION);
  const events: ServerAuthEvent[] = [];
  const sent: number[] = [];
  const pump = () => {
    for (let e = s.pollEvent(); e; e = s.pollEvent()) {
      events.push(e);
      if (e.type === 'request') s.answer(e.request.id, 'accept');
    }
    for (let p = s.pollTransmit(); p; p = s.pollTransmit()) sent.push(p[0]!);
  };
  return { s, events, sent, feed: (p: Uint8Array) => (s.receive(p), pump()) };
}

test('a signature over another session identifier is refused, and never reaches the application', () => {
  const srv = server();
  srv.feed(signedRequest({ blobOf: alice, signer: alice, session: new Uint8Array(32).fill(8) }));
  assert.deepEqual(srv.sent, [MSG.USERAUTH_FAILURE]);
  assert.equal(srv.events.some((e) => e.type === 'request' || e.type === 'success'), false);
  assert.equal(srv.s.authenticated, false);
});

test('a signature made by a different key than the one offered is refused', () => {
  const srv = server();
  srv.feed(signedRequest({ blobOf: alice, signer: bob }));
  assert.deepEqual(srv.sent, [MSG.USERAUTH_FAILURE]);
  assert.equal(srv.s.authenticated, false);
});

test('an algorithm that does not match the key type is refused', () => {
  const rsa = PrivateKey.generate('rsa', 2048);
  const srv = server();
  srv.feed(signedRequest({ blobOf: rsa, signer: rsa, algorithm: 'ssh-ed25519' }));
  assert.deepEqual(srv.sent, [MSG.USERAUTH_FAILURE]);
});

test('an offered-but-unproven key never counts: the success names the key whose signature was verified', () => {
  const srv = server();
  srv.feed(query(alice)); // the policy says yes to "would alice's key do?" -> PK_OK
  assert.deepEqual(srv.sent, [60]);
  const q = srv.events.find((e) => e.type === 'request');
  assert.ok(q && q.request.method === 'publickey' && q.request.verified === false);
  srv.feed(signedRequest({ blobOf: bob, signer: bob }));
  const ok = srv.events.find((e) => e.type === 'success');
  assert.ok(ok && ok.type === 'success');
  assert.deepEqual(ok.key, bob.publicKey, 'success carries the verified key (bob), not the queried one');
  const verified = srv.events.filter((e) => e.type === 'request' && e.request.method === 'publickey' && e.request.verified);
  assert.equal(verified.length, 1);
});

test('a client may not send server messages (USERAUTH_SUCCESS, FAILURE, PK_OK, banner)', () => {
  for (const payload of [Uint8Array.of(MSG.USERAUTH_SUCCESS), new Writer().u8(MSG.USERAUTH_FAILURE).nameList([]).bool(false).finish(), Uint8Array.of(60), Uint8Array.of(MSG.USERAUTH_BANNER)]) {
    const srv = server();
    assert.throws(() => srv.s.receive(payload), (e: SshError) => e.code === 'ERR_PROTOCOL' && e.disconnectReason === 2);
    assert.equal(srv.s.authenticated, false);
  }
});

test('MaxAuthTries: the sixth failure disconnects (the "none" probe is not counted)', () => {
  const s = new ServerAuth({ maxAuthTries: 6 }, () => SESSION);
  const none = UserauthRequest.encode({ user: 'alice', service: 'ssh-connection', method: 'none', methodData: new Uint8Array(0) });
  s.receive(none);
  for (let e = s.pollEvent(); e; e = s.pollEvent()) if (e.type === 'request') s.answer(e.request.id, 'reject');
  for (let i = 1; i <= 5; i++) s.receive(signedRequest({ blobOf: alice, signer: bob }));
  assert.throws(
    () => s.receive(signedRequest({ blobOf: alice, signer: bob })),
    (e: SshError) => e.code === 'ERR_AUTH_FAILED' && /Too many authentication failures for alice/.test(e.message),
  );
});

test('a change of user name within a connection is refused (as OpenSSH)', () => {
  const srv = server();
  srv.feed(query(alice, 'alice'));
  assert.throws(() => srv.feed(query(alice, 'root')), (e: SshError) => e.code === 'ERR_PROTOCOL');
});

test('the client refuses a USERAUTH_SUCCESS it did not ask for, and a PK_OK for another key', () => {
  const ctx = { sessionId: () => SESSION, serverSigAlgs: () => undefined };
  const fresh = new ClientAuth({ user: 'alice', credentials: [] }, ctx);
  assert.throws(() => fresh.receive(Uint8Array.of(MSG.USERAUTH_SUCCESS)), (e: SshError) => e.code === 'ERR_PROTOCOL');

  const c = new ClientAuth({ user: 'alice', credentials: [{ method: 'publickey', key: alice }], queryLocalKeys: true }, ctx);
  c.start();
  const out = c.receive(new Writer().u8(MSG.USERAUTH_FAILURE).nameList(['publickey']).bool(false).finish());
  assert.equal(UserauthRequest.decode(out[0]!).method, 'publickey'); // the query for alice's key
  // A SUCCESS in answer to a mere query is not a success.
  assert.throws(() => c.receive(Uint8Array.of(MSG.USERAUTH_SUCCESS)), (e: SshError) => e.code === 'ERR_PROTOCOL');
  const c2 = new ClientAuth({ user: 'alice', credentials: [{ method: 'publickey', key: alice }], queryLocalKeys: true }, ctx);
  c2.start();
  c2.receive(new Writer().u8(MSG.USERAUTH_FAILURE).nameList(['publickey']).bool(false).finish());
  const pkOkForBob = new Writer().u8(60).utf8('ssh-ed25519').bytesString(bob.publicKey).finish();
  assert.throws(() => c2.receive(pkOkForBob), (e: SshError) => e.code === 'ERR_PROTOCOL');
  assert.equal(c2.authenticated, false);
});
