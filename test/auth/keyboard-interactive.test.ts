// keyboard-interactive (RFC 4256) in both roles, in memory: conversations of several rounds,
// zero-prompt requests, giving up, and every way a peer can confuse the message order or counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientAuth, type Credential } from '../../src/auth/client.js';
import {
  decodeInfoRequest,
  decodeInfoResponse,
  encodeInfoRequest,
  encodeInfoResponse,
  encodeKbdIntMethodData,
  MAX_KBDINT_PROMPTS,
  MAX_KBDINT_RESPONSE_BYTES,
} from '../../src/auth/keyboard-interactive.js';
import { UserauthRequest } from '../../src/auth/messages.js';
import { ServerAuth, type ServerAuthRequest } from '../../src/auth/server.js';
import { DisconnectReason, SshError } from '../../src/errors.js';
import { MSG } from '../../src/messages/numbers.js';
import { Writer } from '../../src/wire/writer.js';
import { AuthPair, SESSION_ID } from './pair.js';

const KBD = { method: 'keyboard-interactive' } as const;
const kbdRequest = (user = 'alice', submethods = '') =>
  UserauthRequest.encode({ user, service: 'ssh-connection', method: 'keyboard-interactive', methodData: encodeKbdIntMethodData(submethods) });
const passwordRequest = (password: string, user = 'alice') =>
  UserauthRequest.encode({ user, service: 'ssh-connection', method: 'password', methodData: new Writer().bool(false).utf8(password).finish() });

function protocolViolation(e: unknown): boolean {
  return e instanceof SshError && e.disconnectReason === DisconnectReason.PROTOCOL_ERROR;
}

/** A server that asks for one prompt per request, then takes the answers. */
function newServer(config = { methods: ['keyboard-interactive', 'password'] }): ServerAuth {
  return new ServerAuth(config, () => SESSION_ID);
}
function drain<T>(poll: () => T | undefined): T[] {
  const out: T[] = [];
  for (let x = poll(); x !== undefined; x = poll()) out.push(x);
  return out;
}
function requestsOf(server: ServerAuth): ServerAuthRequest[] {
  return drain(() => server.pollEvent()).flatMap((e) => (e.type === 'request' ? [e.request] : []));
}

test('a two-round conversation: prompts reach the client, answers reach the application, then success', () => {
  const seen: string[][] = [];
  const pair = new AuthPair(
    { user: 'alice', credentials: [{ method: 'keyboard-interactive', submethods: 'pam' }] },
    { methods: ['keyboard-interactive'] },
    {
      policy: (req) => {
        if (req.method === 'none') return 'reject';
        assert.equal(req.method, 'keyboard-interactive');
        if (req.method !== 'keyboard-interactive') return 'reject';
        assert.equal(req.submethods, 'pam');
        if (!req.responses) {
          return { name: 'Login', instruction: 'Two questions', prompts: [{ prompt: 'User: ', echo: true }, { prompt: 'Password: ', echo: false }] };
        }
        seen.push([...req.responses]);
        if (req.responses[1] === 's3cret') return { prompts: [{ prompt: 'Code: ', echo: false }] };
        return req.responses[0] === '123456' && req.challenge?.prompts[0]?.prompt === 'Code: ' ? 'accept' : 'reject';
      },
      prompt: (ev) => {
        assert.equal(ev.kind, 'keyboard-interactive');
        if (ev.prompts.length === 2) {
          assert.equal(ev.name, 'Login');
          assert.equal(ev.instruction, 'Two questions');
          assert.deepEqual(ev.prompts, [{ prompt: 'User: ', echo: true }, { prompt: 'Password: ', echo: false }]);
          return ['alice', 's3cret'];
        }
        assert.deepEqual(ev.prompts, [{ prompt: 'Code: ', echo: false }]);
        return ['123456'];
      },
    },
  ).start();
  assert.deepEqual(seen, [['alice', 's3cret'], ['123456']]);
  assert.equal(pair.client.authenticated, true);
  assert.equal(pair.server.authenticated, true);
  assert.deepEqual(pair.of('success'), [{ type: 'success', method: 'keyboard-interactive' }]);
  assert.equal(pair.of('prompt').length, 2);
  const success = pair.serverEvents.find((e) => e.type === 'success');
  assert.deepEqual(success, { type: 'success', user: 'alice', method: 'keyboard-interactive' });
  // On the wire: 2 INFO_REQUESTs and 2 INFO_RESPONSEs.
  assert.equal(pair.wire.filter((w) => w.from === 'server' && w.payload[0] === 60).length, 2);
  assert.equal(pair.wire.filter((w) => w.from === 'client' && w.payload[0] === 61).length, 2);
});

test('a request without prompts is answered at once with zero responses (OpenSSH sends one after PAM succeeds)', () => {
  let asked = 0;
  const pair = new AuthPair(
    { user: 'bob', credentials: [KBD] },
    { methods: ['keyboard-interactive'] },
    {
      policy: (req) => {
        if (req.method !== 'keyboard-interactive') return 'reject';
        asked++;
        if (!req.responses) return { prompts: [{ prompt: 'Password: ', echo: false }] };
        if (req.challenge?.prompts.length === 1) return req.responses[0] === 'pw' ? { instruction: 'Welcome', prompts: [] } : 'reject';
        assert.deepEqual(req.responses, []);
        return 'accept';
      },
      prompt: () => ['pw'],
    },
  ).start();
  assert.equal(asked, 3);
  assert.equal(pair.client.authenticated, true);
  assert.equal(pair.of('prompt').length, 1, 'the empty request is not put to the application');
  assert.deepEqual(pair.of('instruction'), [{ type: 'instruction', name: '', instruction: 'Welcome' }]);
  const empty = pair.wire.filter((w) => w.from === 'client' && w.payload[0] === 61).at(-1)!;
  assert.deepEqual([...empty.payload], [61, 0, 0, 0, 0]);
});

test('a wrong answer is refused and the next credential is tried; giving up a prompt also moves on', () => {
  const pair = new AuthPair(
    { user: 'carol', credentials: [KBD, KBD, { method: 'password', password: 'right' }] },
    { methods: ['keyboard-interactive', 'password'] },
    {
      policy: (req) => {
        if (req.method === 'keyboard-interactive') return req.responses ? 'reject' : { prompts: [{ prompt: 'Password: ', echo: false }] };
        if (req.method === 'password') return req.password === 'right' ? 'accept' : 'reject';
        return 'reject';
      },
      // First conversation: a wrong answer. Second: the user cancels.
      prompt: (ev) => (ev.id === 1 ? ['wrong'] : undefined),
    },
  ).start();
  assert.equal(pair.client.authenticated, true);
  assert.deepEqual(
    pair.clientEvents.filter((e) => e.type === 'refused' || e.type === 'skipped' || e.type === 'success').map((e) => `${e.type}:${e.method}`),
    ['refused:keyboard-interactive', 'skipped:keyboard-interactive', 'success:password'],
  );
  // The abandoned conversation counts as a failed attempt on the server (no FAILURE is sent for it).
  const failures = pair.serverEvents.filter((e) => e.type === 'failure');
  assert.deepEqual(
    failures.map((f) => (f.type === 'failure' ? `${f.method}:${f.attempts}` : '')),
    ['none:0', 'keyboard-interactive:1', 'keyboard-interactive:2'],
  );
  assert.equal(pair.wire.filter((w) => w.from === 'server' && w.payload[0] === MSG.USERAUTH_FAILURE).length, 2);
});

test('the server does not offer keyboard-interactive unless configured (default methods unchanged)', () => {
  const pair = new AuthPair({ user: 'dave', credentials: [KBD] }, {}, { policy: (r) => (r.method === 'keyboard-interactive' ? 'accept' : 'reject') }).start();
  assert.deepEqual(pair.of('exhausted'), [{ type: 'exhausted', methods: ['publickey', 'password'] }]);
  // A client that insists anyway is refused without bothering the application.
  const server = new ServerAuth({}, () => SESSION_ID);
  server.receive(kbdRequest());
  assert.deepEqual(requestsOf(server), []);
  assert.equal(server.pollTransmit()![0], MSG.USERAUTH_FAILURE);
});

test('server: INFO_RESPONSE without an outstanding INFO_REQUEST is a protocol error', () => {
  // Before anything.
  assert.throws(() => newServer().receive(encodeInfoResponse([])), protocolViolation);
  // While the application is still deciding about the request.
  const s1 = newServer();
  s1.receive(kbdRequest());
  assert.equal(requestsOf(s1).length, 1);
  assert.throws(() => s1.receive(encodeInfoResponse([])), /without a pending/);
  // A second response to one request.
  const s2 = newServer();
  s2.receive(kbdRequest());
  const [r] = requestsOf(s2);
  s2.answer(r!.id, { prompts: [{ prompt: 'P: ', echo: false }] });
  s2.receive(encodeInfoResponse(['a']));
  assert.throws(() => s2.receive(encodeInfoResponse(['a'])), protocolViolation);
  // During a password exchange.
  const s3 = newServer();
  s3.receive(passwordRequest('x'));
  const [p] = requestsOf(s3);
  s3.answer(p!.id, 'reject');
  assert.throws(() => s3.receive(encodeInfoResponse([])), protocolViolation);
  // After success.
  const s4 = newServer();
  s4.receive(passwordRequest('x'));
  s4.answer(requestsOf(s4)[0]!.id, 'accept');
  assert.throws(() => s4.receive(encodeInfoResponse([])), protocolViolation);
  // And message 60 never comes from a client.
  assert.throws(() => newServer().receive(encodeInfoRequest({ prompts: [] })), protocolViolation);
});

test('server: a response count other than the prompt count, or an oversized response, is a protocol error', () => {
  for (const responses of [[], ['a'], ['a', 'b', 'c']]) {
    const s = newServer();
    s.receive(kbdRequest());
    s.answer(requestsOf(s)[0]!.id, { prompts: [{ prompt: 'A', echo: true }, { prompt: 'B', echo: false }] });
    assert.throws(() => s.receive(encodeInfoResponse(responses)), protocolViolation, `${responses.length} responses`);
    assert.deepEqual(requestsOf(s), []);
  }
  const ok = newServer();
  ok.receive(kbdRequest());
  ok.answer(requestsOf(ok)[0]!.id, { prompts: [{ prompt: 'A', echo: false }] });
  ok.receive(encodeInfoResponse(['x'.repeat(MAX_KBDINT_RESPONSE_BYTES)]));
  assert.equal(requestsOf(ok)[0]?.method, 'keyboard-interactive');
  const big = newServer();
  big.receive(kbdRequest());
  big.answer(requestsOf(big)[0]!.id, { prompts: [{ prompt: 'A', echo: false }] });
  assert.throws(() => big.receive(encodeInfoResponse(['x'.repeat(MAX_KBDINT_RESPONSE_BYTES + 1)])), /at most 8192/);
  // A count claiming more than is there, and trailing bytes.
  const lying = newServer();
  lying.receive(kbdRequest());
  lying.answer(requestsOf(lying)[0]!.id, { prompts: [{ prompt: 'A', echo: false }] });
  assert.throws(() => lying.receive(Uint8Array.of(61, 0, 0, 0, 1, 0, 0, 0, 9, 65)), protocolViolation);
  assert.throws(() => decodeInfoResponse(Uint8Array.of(61, 0, 0, 0, 0, 0), 0), /trailing/);
});

test('server: a new request abandons the conversation and counts as a failure; endless restarts hit MaxAuthTries', () => {
  const s = new ServerAuth({ methods: ['keyboard-interactive', 'password'], maxAuthTries: 3 }, () => SESSION_ID);
  const challenge = { prompts: [{ prompt: 'P: ', echo: false }] };
  s.receive(kbdRequest());
  s.answer(requestsOf(s)[0]!.id, challenge);
  assert.equal(s.pollTransmit()![0], 60);
  s.receive(passwordRequest('pw'));
  const evs = drain(() => s.pollEvent());
  assert.deepEqual(evs[0], { type: 'failure', user: 'alice', method: 'keyboard-interactive', attempts: 1 });
  const pw = evs.find((e) => e.type === 'request');
  assert.equal(pw?.type === 'request' && pw.request.method, 'password');
  // The abandoned conversation's INFO_RESPONSE can no longer be sent.
  assert.throws(() => s.receive(encodeInfoResponse(['late'])), protocolViolation);
  const s2 = new ServerAuth({ methods: ['keyboard-interactive'], maxAuthTries: 3 }, () => SESSION_ID);
  assert.throws(() => {
    for (let i = 0; i < 10; i++) {
      s2.receive(kbdRequest());
      s2.answer(requestsOf(s2)[0]!.id, challenge);
    }
  }, /Too many authentication failures/);
});

test('server: pipelined requests queued behind a keyboard-interactive request run after the challenge goes out', () => {
  const s = newServer();
  s.receive(kbdRequest());
  s.receive(passwordRequest('pw'));
  const [k] = requestsOf(s);
  assert.equal(k?.method, 'keyboard-interactive');
  s.answer(k!.id, { prompts: [{ prompt: 'P: ', echo: false }] });
  assert.equal(s.pollTransmit()![0], 60);
  const evs = drain(() => s.pollEvent());
  assert.equal(evs[0]?.type, 'failure');
  assert.equal(evs[1]?.type === 'request' && evs[1].request.method, 'password');
});

test('server: a challenge only answers keyboard-interactive, at most 32 prompts; a password change only answers password', () => {
  const s = newServer();
  s.receive(passwordRequest('pw'));
  const [p] = requestsOf(s);
  assert.throws(() => s.answer(p!.id, { prompts: [] }), (e: unknown) => e instanceof SshError && e.code === 'ERR_STATE');
  const k = newServer();
  k.receive(kbdRequest());
  const [r] = requestsOf(k);
  assert.throws(() => k.answer(r!.id, { passwordChange: 'expired' }), (e: unknown) => e instanceof SshError && e.code === 'ERR_STATE');
  const tooMany = Array.from({ length: MAX_KBDINT_PROMPTS + 1 }, (_, i) => ({ prompt: `${i}`, echo: false }));
  assert.throws(() => k.answer(r!.id, { prompts: tooMany }), /at most 32 prompts/);
  // Still pending after the refused answers: a valid one goes through.
  k.answer(r!.id, { prompts: tooMany.slice(1) });
  assert.equal(decodeInfoRequest(k.pollTransmit()!).prompts.length, MAX_KBDINT_PROMPTS);
});

/** A client that has sent its keyboard-interactive request and waits. */
function kbdClient(credentials: readonly Credential[] = [KBD]): { c: ClientAuth; sent: Uint8Array[] } {
  const c = new ClientAuth({ user: 'alice', credentials: [...credentials] }, { sessionId: () => SESSION_ID, serverSigAlgs: () => undefined });
  c.start();
  const sent = c.receive(new Writer().u8(MSG.USERAUTH_FAILURE).nameList(['keyboard-interactive']).bool(false).finish());
  return { c, sent };
}

test('client: INFO_REQUEST codec bounds and message confusion', () => {
  const { c, sent } = kbdClient();
  assert.equal(UserauthRequest.decode(sent[0]!).method, 'keyboard-interactive');
  assert.deepEqual([...UserauthRequest.decode(sent[0]!).methodData], [0, 0, 0, 0, 0, 0, 0, 0]);
  // Too many prompts, and a count that lies, are malformed.
  const many = new Writer().u8(60).utf8('').utf8('').utf8('').u32(MAX_KBDINT_PROMPTS + 1);
  for (let i = 0; i <= MAX_KBDINT_PROMPTS; i++) many.utf8('p').bool(false);
  assert.throws(() => c.receive(many.finish()), /prompts \(at most 32\)/);
  assert.throws(() => decodeInfoRequest(new Writer().u8(60).utf8('').utf8('').utf8('').u32(0xffffffff).finish()), /at most 32/);
  assert.throws(() => decodeInfoRequest(new Writer().u8(60).utf8('').utf8('').utf8('').u32(2).utf8('a').bool(true).finish()), /truncated/);

  // A second INFO_REQUEST before the first is answered; SUCCESS while an answer is owed.
  const { c: c2 } = kbdClient();
  assert.deepEqual(c2.receive(encodeInfoRequest({ prompts: [{ prompt: 'P', echo: false }] })), []);
  assert.ok(drain(() => c2.pollEvent()).some((e) => e.type === 'prompt'));
  assert.throws(() => c2.receive(encodeInfoRequest({ prompts: [] })), protocolViolation);
  const { c: c3 } = kbdClient();
  c3.receive(encodeInfoRequest({ prompts: [{ prompt: 'P', echo: false }] }));
  assert.throws(() => c3.receive(Uint8Array.of(MSG.USERAUTH_SUCCESS)), protocolViolation);

  // INFO_REQUEST while no keyboard-interactive request is out (during "none", or publickey's PK_OK slot).
  const c4 = new ClientAuth({ user: 'alice', credentials: [KBD] }, { sessionId: () => SESSION_ID, serverSigAlgs: () => undefined });
  c4.start();
  assert.throws(() => c4.receive(encodeInfoRequest({ prompts: [] })), protocolViolation);
  // During password, message 60 is PASSWD_CHANGEREQ: an INFO_REQUEST does not parse as one.
  const c5 = new ClientAuth({ user: 'alice', credentials: [{ method: 'password', password: 'x' }] }, { sessionId: () => SESSION_ID, serverSigAlgs: () => undefined });
  c5.start();
  c5.receive(new Writer().u8(MSG.USERAUTH_FAILURE).nameList(['password']).bool(false).finish());
  assert.throws(() => c5.receive(encodeInfoRequest({ name: 'n', instruction: 'i', prompts: [{ prompt: 'P', echo: false }] })), protocolViolation);
});

test('client: answerPrompt checks ids and counts; a prompt made stale by FAILURE is ignored', () => {
  const { c } = kbdClient([KBD, KBD]);
  drain(() => c.pollEvent());
  c.receive(encodeInfoRequest({ prompts: [{ prompt: 'A', echo: true }, { prompt: 'B', echo: false }] }));
  const ev = drain(() => c.pollEvent()).find((e) => e.type === 'prompt');
  assert.ok(ev && ev.type === 'prompt');
  assert.throws(() => c.answerPrompt(ev.id, ['only one']), /2 question\(s\), got 1/);
  assert.throws(() => c.answerPrompt(ev.id + 100, ['a', 'b']), /no prompt or signature request/);
  assert.throws(() => c.answerPrompt(ev.id, ['a', 'x'.repeat(MAX_KBDINT_RESPONSE_BYTES + 1)]), /longer than 8192/);
  // The server gives up on us: the next credential goes out, and the late answer changes nothing.
  const next = c.receive(new Writer().u8(MSG.USERAUTH_FAILURE).nameList(['keyboard-interactive']).bool(false).finish());
  assert.equal(UserauthRequest.decode(next[0]!).method, 'keyboard-interactive');
  assert.deepEqual(c.answerPrompt(ev.id, ['a', 'b']), []);
});
