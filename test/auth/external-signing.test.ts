// publickey with a key whose private half is elsewhere (ssh-agent): ClientAuth asks with a
// 'sign' event and waits for answerSignature; the synchronous SigningKey path is unchanged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientAuth, type ExternalKey } from '../../src/auth/client.js';
import { SshError } from '../../src/errors.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { decodeSignatureBlob } from '../../src/keys/signature.js';
import { MSG } from '../../src/messages/numbers.js';
import { Writer } from '../../src/wire/writer.js';
import { AuthPair, SESSION_ID } from './pair.js';

const ed = PrivateKey.generate('ed25519');
const rsa = PrivateKey.generate('rsa', 2048);
const external = (k: PrivateKey): ExternalKey => ({ keyType: k.keyType, publicKey: k.publicKey, algorithms: k.algorithms });
const acceptKey = (k: PrivateKey) => (req: { method: string; key?: Uint8Array }) =>
  req.method === 'publickey' && Buffer.from(req.key!).equals(k.publicKey) ? ('accept' as const) : ('reject' as const);

test('an external key: one sign event with the RFC 4252 §7 data; the server verifies the answer', () => {
  const pair = new AuthPair(
    { user: 'alice', credentials: [{ method: 'publickey', key: external(ed) }] },
    {},
    { policy: acceptKey(ed), sign: (ev) => ed.sign(ev.algorithm, ev.data) },
  ).start();
  assert.equal(pair.client.authenticated, true);
  const signs = pair.of('sign');
  assert.equal(signs.length, 1);
  assert.equal(signs[0]!.algorithm, 'ssh-ed25519');
  assert.equal(signs[0]!.credential, 0);
  const success = pair.serverEvents.find((e) => e.type === 'success');
  assert.ok(success?.type === 'success' && success.key && Buffer.from(success.key).equals(ed.publicKey));
  // The server saw a verified request, which only a good signature makes.
  assert.ok(pair.requests().some((r) => r.method === 'publickey' && r.verified));
});

test('the synchronous path (a PrivateKey) still signs without any event', () => {
  const pair = new AuthPair({ user: 'alice', credentials: [{ method: 'publickey', key: ed }] }, {}, { policy: acceptKey(ed) }).start();
  assert.equal(pair.client.authenticated, true);
  assert.equal(pair.of('sign').length, 0);
});

test('a key held here signs its first request (no PK_OK round trip); an external key is queried first; queryLocalKeys restores the query', () => {
  const signedFirst = (credential: ExternalKey | PrivateKey, queryLocalKeys?: boolean): boolean[] => {
    const pair = new AuthPair(
      { user: 'alice', credentials: [{ method: 'publickey', key: credential }], ...(queryLocalKeys ? { queryLocalKeys } : {}) },
      {},
      { policy: acceptKey(ed), sign: (ev) => ed.sign(ev.algorithm, ev.data) },
    ).start();
    assert.equal(pair.client.authenticated, true);
    // publickey requests in the order the server saw them: true for a signed one.
    return pair.requests().filter((r) => r.method === 'publickey').map((r) => r.verified === true);
  };
  assert.deepEqual(signedFirst(ed), [true]);
  assert.deepEqual(signedFirst(external(ed)), [false, true]);
  assert.deepEqual(signedFirst(ed, true), [false, true]);
});

test('the first request: a key held here goes first, signed (no "none"); otherwise "none" learns the methods; a refused first key falls back to what the failure lists', () => {
  const methodsSeen = (credentials: ConstructorParameters<typeof ClientAuth>[0]['credentials'], queryLocalKeys?: boolean, accept = acceptKey(ed)): string[] => {
    const pair = new AuthPair(
      { user: 'alice', credentials, ...(queryLocalKeys ? { queryLocalKeys } : {}) },
      { methods: ['publickey', 'password'] },
      { policy: (req) => (req.method === 'password' ? 'accept' : accept(req)), sign: (ev) => ed.sign(ev.algorithm, ev.data) },
    ).start();
    assert.equal(pair.client.authenticated, true);
    return pair.requests().map((r) => (r.method === 'publickey' ? (r.verified ? 'publickey-signed' : 'publickey-query') : r.method));
  };
  assert.deepEqual(methodsSeen([{ method: 'publickey', key: ed }]), ['publickey-signed']);
  assert.deepEqual(methodsSeen([{ method: 'publickey', key: ed }], true), ['none', 'publickey-query', 'publickey-signed']);
  assert.deepEqual(methodsSeen([{ method: 'publickey', key: external(ed) }]), ['none', 'publickey-query', 'publickey-signed']);
  assert.deepEqual(methodsSeen([{ method: 'password', password: 'pw' }]), ['none', 'password']);
  // The server does not take the key: its failure lists the methods, and the password follows.
  const other = PrivateKey.generate('ed25519');
  assert.deepEqual(methodsSeen([{ method: 'publickey', key: other }, { method: 'password', password: 'pw' }]), ['publickey-signed', 'password']);
});

test('RSA: the sign event asks for the best algorithm in server-sig-algs; a blob of another algorithm is not sent', () => {
  let asked: string | undefined;
  const pair = new AuthPair(
    { user: 'alice', credentials: [{ method: 'publickey', key: external(rsa) }, { method: 'password', password: 'pw' }] },
    { methods: ['publickey', 'password'] },
    {
      serverSigAlgs: ['rsa-sha2-256', 'rsa-sha2-512'],
      policy: (req) => (req.method === 'password' || (req.method === 'publickey' && !req.verified) ? 'accept' : 'reject'),
      // An old agent ignoring the SHA-2 flags would answer with another algorithm.
      sign: (ev) => {
        asked = ev.algorithm;
        return rsa.sign('rsa-sha2-256', ev.data);
      },
    },
  ).start();
  assert.equal(asked, 'rsa-sha2-512');
  assert.equal(pair.client.authenticated, true);
  assert.deepEqual(pair.of('skipped'), [{ type: 'skipped', method: 'publickey', detail: 'asked for a rsa-sha2-512 signature, got rsa-sha2-256' }]);
  assert.ok(!pair.requests().some((r) => r.method === 'publickey' && r.verified), 'no signed request went out');
  assert.deepEqual(pair.of('success'), [{ type: 'success', method: 'password' }]);
});

test('no signature (agent refused) or a malformed blob: the key is skipped and the next credential tried', () => {
  for (const answer of [undefined, Uint8Array.of(1, 2, 3)]) {
    const pair = new AuthPair(
      { user: 'alice', credentials: [{ method: 'publickey', key: external(ed) }, { method: 'publickey', key: ed }] },
      {},
      { policy: acceptKey(ed), sign: () => answer },
    ).start();
    assert.equal(pair.client.authenticated, true);
    assert.equal(pair.of('skipped').length, 1);
    assert.equal(pair.of('sign').length, 1);
  }
});

test('while a signature is owed: SUCCESS is a protocol error, FAILURE makes the late answer void', () => {
  const mk = () => {
    const c = new ClientAuth(
      { user: 'alice', credentials: [{ method: 'publickey', key: external(ed) }, { method: 'password', password: 'pw' }] },
      { sessionId: () => SESSION_ID, serverSigAlgs: () => undefined },
    );
    c.start();
    c.receive(new Writer().u8(MSG.USERAUTH_FAILURE).nameList(['publickey', 'password']).bool(false).finish());
    assert.deepEqual(c.receive(new Writer().u8(60).utf8('ssh-ed25519').bytesString(ed.publicKey).finish()), []);
    const evs = [];
    for (let e = c.pollEvent(); e; e = c.pollEvent()) evs.push(e);
    const sign = evs.find((e) => e.type === 'sign');
    assert.ok(sign?.type === 'sign');
    return { c, sign };
  };
  const a = mk();
  assert.throws(() => a.c.receive(Uint8Array.of(MSG.USERAUTH_SUCCESS)), (e: unknown) => e instanceof SshError && e.code === 'ERR_PROTOCOL');
  const b = mk();
  const next = b.c.receive(new Writer().u8(MSG.USERAUTH_FAILURE).nameList(['publickey', 'password']).bool(false).finish());
  assert.equal(next.length, 1, 'the password request goes out');
  assert.deepEqual(b.c.answerSignature(b.sign.id, ed.sign('ssh-ed25519', b.sign.data)), []);
  const good = mk();
  const out = good.c.answerSignature(good.sign.id, ed.sign('ssh-ed25519', good.sign.data));
  assert.equal(out.length, 1);
  assert.equal(decodeSignatureBlob(ed.sign('ssh-ed25519', good.sign.data)).algorithm, 'ssh-ed25519');
  assert.throws(() => good.c.answerSignature(99, undefined), /no prompt or signature request 99/);
});
