// authenticate() / serveAuthentication() over real loopback sockets, hush to hush: the async
// callbacks that answer keyboard-interactive prompts, password changes and external signatures.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ClientAuthEvent } from '../../src/auth/client.js';
import type { ServerAuthConfig, ServerAuthEvent } from '../../src/auth/server.js';
import { SshError } from '../../src/errors.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { authenticate, serveAuthentication, type AsyncSigningKey, type AuthenticateConfig, type AuthPolicy } from '../../src/node/authenticate.js';
import { dialTransport, listenTransport } from '../../src/node/transport-socket.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function login(t: TestContext, serverConfig: ServerAuthConfig, policy: AuthPolicy, clientConfig: AuthenticateConfig) {
  const serverEvents: ServerAuthEvent[] = [];
  const server = await listenTransport({}, { hostKeys: [PrivateKey.generate('ed25519')] }, (conn) => {
    serveAuthentication(conn, serverConfig, policy, (ev) => serverEvents.push(ev)).catch(() => undefined);
  });
  t.after(() => server.close());
  const conn = await dialTransport('127.0.0.1', server.port, {}, { verifyHostKey: () => true });
  t.after(() => conn.close());
  const clientEvents: ClientAuthEvent[] = [];
  const result = await authenticate(conn, clientConfig, (ev) => clientEvents.push(ev)).then(
    (r) => r,
    (e: unknown) => e as Error,
  );
  return { result, clientEvents, serverEvents };
}

test('keyboard-interactive: an async respond callback answers each round', async (t) => {
  const { result, clientEvents } = await login(
    t,
    { methods: ['keyboard-interactive'] },
    async (req) => {
      await sleep(5);
      if (req.method !== 'keyboard-interactive') return 'reject';
      if (!req.responses) return { name: 'n', instruction: 'i', prompts: [{ prompt: 'Password: ', echo: false }] };
      if (req.challenge?.prompts[0]?.prompt === 'Password: ') return req.responses[0] === 'pw' ? { prompts: [{ prompt: 'OTP: ', echo: true }] } : 'reject';
      return req.responses[0] === '0000' ? 'accept' : 'reject';
    },
    {
      user: 'u',
      credentials: [
        {
          method: 'keyboard-interactive',
          respond: async (q) => {
            await sleep(5);
            return q.prompts[0]!.prompt === 'Password: ' ? ['pw'] : ['0000'];
          },
        },
      ],
    },
  );
  assert.deepEqual(result, { method: 'keyboard-interactive' });
  assert.equal(clientEvents.filter((e) => e.type === 'prompt').length, 2);
});

test('keyboard-interactive: a respond callback that throws or is missing gives up the method', async (t) => {
  for (const respond of [() => Promise.reject(new Error('user cancelled')), undefined]) {
    const { result, clientEvents } = await login(
      t,
      { methods: ['keyboard-interactive', 'password'] },
      (req) =>
        req.method === 'keyboard-interactive' ? (req.responses ? 'accept' : { prompts: [{ prompt: 'P', echo: false }] }) : req.method === 'password' ? 'accept' : 'reject',
      {
        user: 'u',
        credentials: [
          respond ? { method: 'keyboard-interactive', respond } : { method: 'keyboard-interactive' },
          { method: 'password', password: 'x' },
        ],
      },
    );
    assert.deepEqual(result, { method: 'password' });
    assert.ok(clientEvents.some((e) => e.type === 'skipped' && e.method === 'keyboard-interactive'));
  }
});

test('keyboard-interactive: a wrong number of answers from the application fails authentication locally', async (t) => {
  const { result } = await login(
    t,
    { methods: ['keyboard-interactive'] },
    (req) => (req.method === 'keyboard-interactive' && !req.responses ? { prompts: [{ prompt: 'A', echo: true }, { prompt: 'B', echo: true }] } : 'reject'),
    { user: 'u', credentials: [{ method: 'keyboard-interactive', respond: () => ['only one'] }] },
  );
  assert.ok(result instanceof SshError && result.code === 'ERR_STATE', String(result));
});

test('password change through the newPassword callback', async (t) => {
  let stored = 'old';
  const { result, serverEvents } = await login(
    t,
    { methods: ['password'] },
    (req) => {
      if (req.method !== 'password' || req.password !== stored) return 'reject';
      if (req.newPassword === undefined) return { passwordChange: 'Password expired. Choose a new one.' };
      stored = req.newPassword;
      return 'accept';
    },
    { user: 'u', credentials: [{ method: 'password', password: 'old', newPassword: async (prompt) => (prompt.includes('expired') ? 'new-pw' : undefined) }] },
  );
  assert.deepEqual(result, { method: 'password' });
  assert.equal(stored, 'new-pw');
  assert.ok(serverEvents.some((e) => e.type === 'success'));
});

test('an AsyncSigningKey signs after an await; one that fails is skipped for the next credential', async (t) => {
  const key = PrivateKey.generate('ed25519');
  const other = PrivateKey.generate('ed25519');
  const asyncKey = (k: PrivateKey, fail = false): AsyncSigningKey => ({
    keyType: k.keyType,
    publicKey: k.publicKey,
    algorithms: k.algorithms,
    signAsync: async (alg, data) => {
      await sleep(5);
      if (fail) throw new Error('agent refused');
      return k.sign(alg, data);
    },
  });
  const { result, clientEvents, serverEvents } = await login(
    t,
    {},
    (req) => (req.method === 'publickey' ? 'accept' : 'reject'),
    { user: 'u', credentials: [{ method: 'publickey', key: asyncKey(other, true) }, { method: 'publickey', key: asyncKey(key) }] },
  );
  assert.deepEqual(result, { method: 'publickey' });
  assert.equal(clientEvents.filter((e) => e.type === 'skipped').length, 1);
  const success = serverEvents.find((e) => e.type === 'success');
  assert.ok(success?.type === 'success' && success.key && Buffer.from(success.key).equals(key.publicKey));
});
