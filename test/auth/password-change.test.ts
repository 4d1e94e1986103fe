// RFC 4252 §8 password change, both roles, in memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientAuth } from '../../src/auth/client.js';
import { UserauthPasswdChangeReq, UserauthRequest } from '../../src/auth/messages.js';
import { ServerAuth } from '../../src/auth/server.js';
import { MSG } from '../../src/messages/numbers.js';
import { Reader } from '../../src/wire/reader.js';
import { Writer } from '../../src/wire/writer.js';
import { AuthPair, SESSION_ID } from './pair.js';

const changeRequest = (oldPw: string, newPw: string) =>
  UserauthRequest.encode({
    user: 'alice',
    service: 'ssh-connection',
    method: 'password',
    methodData: new Writer().bool(true).utf8(oldPw).utf8(newPw).finish(),
  });

test('an expired password: the server asks for a change, the client prompts, sends old and new, and gets in', () => {
  let current = 'old';
  const pair = new AuthPair(
    { user: 'alice', credentials: [{ method: 'password', password: 'old' }] },
    { methods: ['password'] },
    {
      policy: (req) => {
        if (req.method !== 'password') return 'reject';
        if (req.password !== current) return 'reject';
        if (req.newPassword === undefined) return { passwordChange: 'Your password has expired' };
        if (req.newPassword.length < 6) return { passwordChange: 'Too short; choose another' };
        current = req.newPassword;
        return 'accept';
      },
      prompt: (ev) => {
        assert.equal(ev.kind, 'password-change');
        assert.deepEqual(ev.prompts, [{ prompt: 'New password: ', echo: false }]);
        return ev.instruction.startsWith('Too short') ? ['longer-one'] : ['short'];
      },
    },
  ).start();
  assert.equal(pair.client.authenticated, true);
  assert.equal(current, 'longer-one');
  assert.deepEqual(
    pair.of('prompt').map((p) => p.instruction),
    ['Your password has expired', 'Too short; choose another'],
  );
  // Both change requests carry the old password and a new one (RFC 4252 §8).
  const changes = pair.wire
    .filter((w) => w.from === 'client' && w.payload[0] === MSG.USERAUTH_REQUEST)
    .map((w) => UserauthRequest.decode(w.payload))
    .filter((r) => r.method === 'password' && r.methodData[0] === 1)
    .map((r) => {
      const rd = new Reader(r.methodData);
      rd.bool();
      return [rd.utf8(), rd.utf8()];
    });
  assert.deepEqual(changes, [['old', 'short'], ['old', 'longer-one']]);
  assert.equal(pair.server.authenticated, true);
});

test('no new password from the application: refused as before, and the next credential is tried', () => {
  const pair = new AuthPair(
    { user: 'alice', credentials: [{ method: 'password', password: 'old' }, { method: 'password', password: 'other' }] },
    { methods: ['password'] },
    {
      policy: (req) => (req.method !== 'password' ? 'reject' : req.password === 'old' ? { passwordChange: 'expired' } : 'reject'),
      prompt: () => undefined,
    },
  ).start();
  assert.equal(pair.client.authenticated, false);
  assert.deepEqual(
    pair.clientEvents.filter((e) => e.type === 'refused' || e.type === 'exhausted').map((e) => e.type),
    ['refused', 'refused', 'exhausted'],
  );
  // No change request was ever sent.
  assert.ok(!pair.wire.some((w) => w.from === 'client' && w.payload[0] === MSG.USERAUTH_REQUEST && UserauthRequest.decode(w.payload).methodData[0] === 1));
});

test('server: an unsolicited change request is refused unless allowPasswordChange; then the application sees newPassword', () => {
  const strict = new ServerAuth({}, () => SESSION_ID);
  strict.receive(changeRequest('a', 'b'));
  const evs = [strict.pollEvent(), strict.pollEvent()];
  assert.deepEqual(evs, [{ type: 'failure', user: 'alice', method: 'password', attempts: 1 }, undefined]);
  assert.equal(strict.pollTransmit()![0], MSG.USERAUTH_FAILURE);

  const open = new ServerAuth({ allowPasswordChange: true }, () => SESSION_ID);
  open.receive(changeRequest('a', 'b'));
  const ev = open.pollEvent();
  assert.deepEqual(ev?.type === 'request' && ev.request, { id: 1, user: 'alice', method: 'password', password: 'a', newPassword: 'b' });
});

test('client: PASSWD_CHANGEREQ only during password; a CHANGEREQ answered with nothing falls back', () => {
  const c = new ClientAuth({ user: 'alice', credentials: [{ method: 'password', password: 'pw' }] }, { sessionId: () => SESSION_ID, serverSigAlgs: () => undefined });
  c.start();
  // During "none", message 60 is not a password change.
  assert.throws(() => c.receive(UserauthPasswdChangeReq.encode({ prompt: 'x', languageTag: '' })), /unexpected user authentication message 60/);
  const c2 = new ClientAuth({ user: 'alice', credentials: [{ method: 'password', password: 'pw' }] }, { sessionId: () => SESSION_ID, serverSigAlgs: () => undefined });
  c2.start();
  c2.receive(new Writer().u8(MSG.USERAUTH_FAILURE).nameList(['password']).bool(false).finish());
  assert.deepEqual(c2.receive(UserauthPasswdChangeReq.encode({ prompt: 'expired', languageTag: '' })), []);
  const prompt = [c2.pollEvent(), c2.pollEvent(), c2.pollEvent()].find((e) => e?.type === 'prompt');
  assert.ok(prompt?.type === 'prompt' && prompt.kind === 'password-change');
  assert.throws(() => c2.answerPrompt(prompt.id, ['a', 'b']), /1 question/);
  assert.deepEqual(c2.answerPrompt(prompt.id, undefined), []);
  assert.equal(c2.pollEvent()?.type, 'refused');
  assert.equal(c2.pollEvent()?.type, 'exhausted');
});
