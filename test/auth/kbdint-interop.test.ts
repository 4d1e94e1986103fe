/**
 * keyboard-interactive and password with real peers.
 *
 * hush client -> OpenSSH sshd: sshd only asks password questions over keyboard-interactive
 * through PAM (with UsePAM no it has no password device at all), so sshd runs with UsePAM yes
 * against Debian's /etc/pam.d/sshd, for a throwaway account with a password (system-user.ts).
 *
 * OpenSSH ssh / Dropbear dbclient / PuTTY plink -> hush server: the clients answer without a
 * terminal: ssh through SSH_ASKPASS (SSH_ASKPASS_REQUIRE=force) with a script that logs each
 * prompt and prints the answer, dbclient through DROPBEAR_PASSWORD, plink through -pw.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ClientAuthEvent } from '../../src/auth/client.js';
import { decodeInfoRequest } from '../../src/auth/keyboard-interactive.js';
import type { ServerAuthConfig, ServerAuthEvent } from '../../src/auth/server.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { authenticate, serveAuthentication, type AuthPolicy, type KeyboardInteractiveQuestions } from '../../src/node/authenticate.js';
import { dialTransport, listenTransport } from '../../src/node/transport-socket.js';
import {
  dbclientArgs,
  makeTempDir,
  opensshClientArgs,
  plinkArgs,
  requirePeer,
  runClient,
  sha256Fingerprint,
  startSshd,
  type ClientCommand,
  type RunResult,
} from '../harness/peers.js';
import { createSystemUser } from './system-user.js';

const PAM_SSHD = '/etc/pam.d/sshd';

function requirePamSshd(t: TestContext): boolean {
  if (existsSync(PAM_SSHD)) return true;
  const reason = `${PAM_SSHD} is missing (Debian package openssh-server installs it)`;
  if (process.env.CI) throw new Error(`CI is set: ${reason}`);
  t.skip(reason);
  return false;
}

async function pamSshd(t: TestContext) {
  return startSshd({
    t,
    config: ['UsePAM yes', 'KbdInteractiveAuthentication yes', 'PasswordAuthentication yes', 'LogLevel DEBUG1'],
  });
}

test('hush client -> OpenSSH sshd (PAM): keyboard-interactive with the account password', async (t) => {
  if (!requirePeer('openssh-server', t) || !requirePamSshd(t)) return;
  const user = await createSystemUser(t);
  if (!user) return;
  const sshd = await pamSshd(t);
  const asked: KeyboardInteractiveQuestions[] = [];
  const events: ClientAuthEvent[] = [];
  const conn = await dialTransport(sshd.host, sshd.port, {}, { verifyHostKey: () => true });
  try {
    const r = await authenticate(
      conn,
      {
        user: user.name,
        credentials: [
          {
            method: 'keyboard-interactive',
            respond: (q) => {
              asked.push(q);
              return q.prompts.map(() => user.password);
            },
          },
        ],
      },
      (ev) => events.push(ev),
    );
    assert.equal(r.method, 'keyboard-interactive');
    // PAM's pam_unix asks one hidden question.
    assert.equal(asked.length, 1, JSON.stringify(asked));
    assert.equal(asked[0]!.prompts.length, 1);
    assert.match(asked[0]!.prompts[0]!.prompt, /password/i);
    assert.equal(asked[0]!.prompts[0]!.echo, false);
    await sshd.waitForLog(new RegExp(`Accepted keyboard-interactive/pam for ${user.name}`));
    // OpenSSH follows a successful PAM conversation with an INFO_REQUEST without prompts, which
    // must be answered (with zero responses) before it sends USERAUTH_SUCCESS.
    const infoRequests = conn.events.flatMap((e) => (e.type === 'payload' && e.payload[0] === 60 ? [decodeInfoRequest(e.payload)] : []));
    assert.deepEqual(infoRequests.map((r) => r.prompts.length), [1, 0]);
    assert.ok(events.some((e) => e.type === 'success'));
  } finally {
    conn.close();
    await sshd.stop();
  }
});

test('hush client -> OpenSSH sshd (PAM): a wrong keyboard-interactive answer, then password, then a wrong password', async (t) => {
  if (!requirePeer('openssh-server', t) || !requirePamSshd(t)) return;
  const user = await createSystemUser(t);
  if (!user) return;
  const sshd = await pamSshd(t);
  const events: ClientAuthEvent[] = [];
  const conn = await dialTransport(sshd.host, sshd.port, {}, { verifyHostKey: () => true });
  try {
    const r = await authenticate(
      conn,
      {
        user: user.name,
        credentials: [
          { method: 'keyboard-interactive', respond: (q) => q.prompts.map(() => 'not-the-password') },
          { method: 'password', password: user.password },
        ],
      },
      (ev) => events.push(ev),
    );
    assert.equal(r.method, 'password');
    assert.deepEqual(
      events.filter((e) => e.type === 'refused').map((e) => (e.type === 'refused' ? e.method : '')),
      ['keyboard-interactive'],
    );
    await sshd.waitForLog(new RegExp(`Accepted password for ${user.name}`));
  } finally {
    conn.close();
  }
  const conn2 = await dialTransport(sshd.host, sshd.port, {}, { verifyHostKey: () => true });
  try {
    await assert.rejects(
      authenticate(conn2, { user: user.name, credentials: [{ method: 'password', password: 'wrong' }] }),
      (e: unknown) => e instanceof Error && /Permission denied/.test(e.message),
    );
  } finally {
    conn2.close();
    await sshd.stop();
  }
});

interface HushServer {
  port: number;
  hostKeyFingerprint: string;
  events: ServerAuthEvent[];
  successes: Array<Extract<ServerAuthEvent, { type: 'success' }>>;
  close(): Promise<void>;
}

/** A hush server that authenticates with `policy`, then disconnects (it has no connection layer yet). */
async function hushServer(t: TestContext, config: ServerAuthConfig, policy: AuthPolicy): Promise<HushServer> {
  const hostKey = PrivateKey.generate('ed25519');
  const events: ServerAuthEvent[] = [];
  const successes: HushServer['successes'] = [];
  const server = await listenTransport({}, { hostKeys: [hostKey] }, (conn) => {
    serveAuthentication(conn, config, policy, (ev) => events.push(ev)).then(
      (s) => {
        successes.push(s);
        setTimeout(() => conn.close(), 100);
      },
      () => undefined,
    );
  });
  t.after(() => server.close());
  return {
    port: server.port,
    hostKeyFingerprint: sha256Fingerprint(`ssh-ed25519 ${Buffer.from(hostKey.publicKey).toString('base64')}`),
    events,
    successes,
    close: () => server.close(),
  };
}

/** An SSH_ASKPASS script: logs each prompt to <dir>/prompts.log and answers from a table. */
function askpass(dir: string, answers: Array<[RegExp, string]>): { env: NodeJS.ProcessEnv; prompts: () => string[] } {
  const log = join(dir, 'prompts.log');
  const script = join(dir, 'askpass.sh');
  const cases = answers.map(([re, a]) => `  *${re.source}*) printf '%s\\n' '${a}' ;;`).join('\n');
  writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${log}'\ncase "$1" in\n${cases}\n  *) exit 1 ;;\nesac\n`);
  chmodSync(script, 0o755);
  return {
    env: { SSH_ASKPASS: script, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
    prompts: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
  };
}

function withEnv(cmd: ClientCommand, env: NodeJS.ProcessEnv): ClientCommand {
  return { ...cmd, env: { ...cmd.env, ...env } };
}

function describe(r: RunResult): string {
  return `code ${r.code}${r.timedOut ? ' (timed out)' : ''}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

test('OpenSSH ssh -> hush server: keyboard-interactive, two prompts answered through SSH_ASKPASS', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const server = await hushServer(t, { methods: ['keyboard-interactive'] }, (req) => {
    if (req.method !== 'keyboard-interactive') return 'reject';
    if (!req.responses) {
      return {
        name: 'hush test login',
        instruction: 'Answer both questions.',
        prompts: [
          { prompt: 'Password: ', echo: false },
          { prompt: 'Code: ', echo: true },
        ],
      };
    }
    return req.responses[0] === 'kbd-secret' && req.responses[1] === '424242' ? 'accept' : 'reject';
  });
  const ask = askpass(tmp.path, [
    [/Password/, 'kbd-secret'],
    [/Code/, '424242'],
  ]);
  const cmd = opensshClientArgs({
    dir: tmp.path,
    port: server.port,
    configLines: ['BatchMode no', 'KbdInteractiveAuthentication yes', 'PreferredAuthentications keyboard-interactive', 'LogLevel VERBOSE'],
    extra: ['-N'],
  });
  const r = await runClient(withEnv(cmd, ask.env), { timeoutMs: 15_000 });
  assert.match(r.stderr, /Authenticated to 127\.0\.0\.1 .* using "keyboard-interactive"/, describe(r));
  // ssh puts "(user@host) " before keyboard-interactive prompts.
  assert.deepEqual(ask.prompts(), ['(root@127.0.0.1) Password: ', '(root@127.0.0.1) Code: ']);
  // ssh shows the request's name and instruction.
  assert.match(r.stderr, /hush test login/);
  assert.match(r.stderr, /Answer both questions\./);
  assert.equal(server.successes[0]?.method, 'keyboard-interactive');
  assert.equal(server.successes[0]?.user, 'root');
});

test('OpenSSH ssh -> hush server: a wrong keyboard-interactive answer is refused', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const server = await hushServer(t, { methods: ['keyboard-interactive'] }, (req) =>
    req.method !== 'keyboard-interactive' ? 'reject' : !req.responses ? { prompts: [{ prompt: 'Password: ', echo: false }] } : req.responses[0] === 'right' ? 'accept' : 'reject',
  );
  const ask = askpass(tmp.path, [[/Password/, 'wrong']]);
  const cmd = opensshClientArgs({
    dir: tmp.path,
    port: server.port,
    configLines: ['BatchMode no', 'KbdInteractiveAuthentication yes', 'PreferredAuthentications keyboard-interactive', 'NumberOfPasswordPrompts 2'],
    extra: ['-N'],
  });
  const r = await runClient(withEnv(cmd, ask.env), { timeoutMs: 15_000 });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Permission denied \(keyboard-interactive\)/, describe(r));
  assert.equal(server.successes.length, 0);
  // Each refused conversation is a counted failure on the server.
  assert.ok(server.events.filter((e) => e.type === 'failure' && e.method === 'keyboard-interactive').length >= 1);
});

test('OpenSSH ssh -> hush server: password through SSH_ASKPASS', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const server = await hushServer(t, { methods: ['password'] }, (req) =>
    req.method === 'password' && req.password === 'pw-secret' ? 'accept' : 'reject',
  );
  const ask = askpass(tmp.path, [[/password/, 'pw-secret']]);
  const cmd = opensshClientArgs({
    dir: tmp.path,
    port: server.port,
    configLines: ['BatchMode no', 'PasswordAuthentication yes', 'PreferredAuthentications password', 'LogLevel VERBOSE'],
    extra: ['-N'],
  });
  const r = await runClient(withEnv(cmd, ask.env), { timeoutMs: 15_000 });
  assert.match(r.stderr, /Authenticated to 127\.0\.0\.1 .* using "password"/, describe(r));
  assert.deepEqual(ask.prompts(), ["root@127.0.0.1's password: "]);
  assert.equal(server.successes[0]?.method, 'password');
});

test('Dropbear dbclient -> hush server: password and keyboard-interactive from DROPBEAR_PASSWORD', async (t) => {
  if (!requirePeer('dropbear-client', t)) return;
  const tmp = await makeTempDir(t);
  for (const method of ['password', 'keyboard-interactive'] as const) {
    const server = await hushServer(t, { methods: [method] }, (req) => {
      if (req.method === 'password') return req.password === 'db-secret' ? 'accept' : 'reject';
      if (req.method !== 'keyboard-interactive') return 'reject';
      if (!req.responses) return { prompts: [{ prompt: 'Password: ', echo: false }] };
      return req.responses[0] === 'db-secret' ? 'accept' : 'reject';
    });
    const cmd = withEnv(dbclientArgs({ dir: tmp.path, port: server.port, extra: ['-N'] }), { DROPBEAR_PASSWORD: 'db-secret' });
    const r = await runClient(cmd, { timeoutMs: 15_000 });
    assert.equal(server.successes[0]?.method, method, `${method}: ${describe(r)}`);
    await server.close();
  }
});

test('PuTTY plink -> hush server: password and keyboard-interactive from -pw', async (t) => {
  if (!requirePeer('putty', t)) return;
  const tmp = await makeTempDir(t);
  for (const method of ['password', 'keyboard-interactive'] as const) {
    const server = await hushServer(t, { methods: [method] }, (req) => {
      if (req.method === 'password') return req.password === 'plink-secret' ? 'accept' : 'reject';
      if (req.method !== 'keyboard-interactive') return 'reject';
      if (!req.responses) return { prompts: [{ prompt: 'Password: ', echo: false }] };
      return req.responses[0] === 'plink-secret' ? 'accept' : 'reject';
    });
    const cmd = plinkArgs({ dir: tmp.path, port: server.port, hostKeys: [server.hostKeyFingerprint], extra: ['-pw', 'plink-secret', '-N'] });
    const r = await runClient(cmd, { timeoutMs: 15_000 });
    assert.equal(server.successes[0]?.method, method, `${method}: ${describe(r)}`);
    await server.close();
  }
});
