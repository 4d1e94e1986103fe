/**
 * The agent client against OpenSSH's ssh-agent: identities as ssh-add -L lists them, signatures
 * that verify (RSA with each SHA-2 flag), hush logging in to sshd with keys that exist only in
 * the agent, and OpenSSH ssh logging in to a hush server through the agent.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { AgentClient, type AgentKey } from '../../src/node/agent-client.js';
import { SSH_AGENT_RSA_SHA2_256, SSH_AGENT_RSA_SHA2_512 } from '../../src/agent/protocol.js';
import type { ClientAuthEvent } from '../../src/auth/client.js';
import type { ServerAuthEvent, ServerAuthRequest } from '../../src/auth/server.js';
import { SshError } from '../../src/errors.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { getSignatureAlgorithm } from '../../src/keys/registry.js';
import { decodeSignatureBlob } from '../../src/keys/signature.js';
import { authenticate, serveAuthentication } from '../../src/node/authenticate.js';
import { dialTransport, listenTransport } from '../../src/node/transport-socket.js';
import { binaryPath } from '../harness/availability.js';
import { makeTempDir, opensshClientArgs, requireBinaries, requirePeer, runClient, sshKeygen, startSshd, type KeyFiles, type KeyType } from '../harness/peers.js';
import { runTool, sleep, spawnTracked, terminate } from '../harness/processes.js';

const TYPES: readonly KeyType[] = ['ed25519', 'ecdsa', 'rsa'];
const blobOf = (k: KeyFiles) => Buffer.from(k.publicLine.split(' ')[1]!, 'base64');

interface Agent {
  sock: string;
  env: NodeJS.ProcessEnv;
  keys: KeyFiles[];
}

function requireAgent(t: TestContext): boolean {
  return (
    requirePeer('openssh-client', t) &&
    requireBinaries(
      'ssh-agent',
      ['ssh-agent', 'ssh-add'].map((binary) => ({ binary, debPackage: 'openssh-client' })),
      t,
    )
  );
}

/**
 * ssh-agent -D on a socket in a temp dir (tracked and killed after the test), holding one key of
 * each type added with ssh-add; the private key files are deleted once added.
 */
async function startAgent(t: TestContext): Promise<Agent> {
  const tmp = await makeTempDir(t);
  const sock = join(tmp.path, 'agent.sock');
  const child = spawnTracked(binaryPath('ssh-agent'), ['-D', '-a', sock]);
  t.after(() => terminate(child));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const env = { SSH_AUTH_SOCK: sock };
  for (let i = 0; ; i++) {
    if ((await runClient(binaryPath('ssh-add'), ['-l'], { env, timeoutMs: 5000 })).code === 1) break; // 1: "no identities"
    if (i > 100 || child.exitCode !== null) throw new Error(`ssh-agent did not start: ${stderr}`);
    await sleep(50);
  }
  const keys: KeyFiles[] = [];
  for (const type of TYPES) {
    const k = await sshKeygen(tmp.path, type);
    await runTool('ssh-add', ['-q', k.privatePath], { env });
    rmSync(k.privatePath);
    keys.push(k);
  }
  return { sock, env, keys };
}

test('listIdentities matches ssh-add -L, in order, with comments', async (t) => {
  if (!requireAgent(t)) return;
  const agent = await startAgent(t);
  const listed = (await runTool('ssh-add', ['-L'], { env: agent.env })).stdout.trim().split('\n');
  const client = await AgentClient.connect(agent.sock, { timeoutMs: 10_000 });
  try {
    const ids = await client.listIdentities();
    assert.equal(ids.length, 3);
    assert.deepEqual(
      ids.map((i) => `${Buffer.from(i.publicKey).toString('base64')} ${i.comment}`),
      listed.map((l) => l.split(' ').slice(1).join(' ')),
    );
    assert.deepEqual(ids.map((i) => i.comment), TYPES.map((ty) => `hush-test-${ty}`));
    const keys = await client.keys();
    assert.deepEqual(keys.map((k) => k.keyType), ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa']);
    assert.deepEqual(keys[2]!.algorithms, ['rsa-sha2-512', 'rsa-sha2-256']);
  } finally {
    client.close();
  }
});

test('sign: every key type verifies with its public key; RSA honours the SHA-2 flags', async (t) => {
  if (!requireAgent(t)) return;
  const agent = await startAgent(t);
  const client = await AgentClient.connect(agent.sock, { timeoutMs: 10_000 });
  try {
    const data = new TextEncoder().encode('session id || userauth request, as RFC 4252 §7 has it');
    const cases: Array<[KeyFiles, number, string]> = [
      [agent.keys[0]!, 0, 'ssh-ed25519'],
      [agent.keys[1]!, 0, 'ecdsa-sha2-nistp256'],
      [agent.keys[2]!, SSH_AGENT_RSA_SHA2_256, 'rsa-sha2-256'],
      [agent.keys[2]!, SSH_AGENT_RSA_SHA2_512, 'rsa-sha2-512'],
      [agent.keys[2]!, 0, 'ssh-rsa'],
    ];
    for (const [key, flags, algorithm] of cases) {
      const blob = await client.sign(blobOf(key), data, flags);
      assert.equal(decodeSignatureBlob(blob).algorithm, algorithm);
      const alg = getSignatureAlgorithm(algorithm)!;
      assert.equal(alg.verify(blobOf(key), data, blob), true, `${algorithm} verifies`);
      assert.equal(alg.verify(blobOf(key), data.subarray(1), blob), false, `${algorithm} over other data does not`);
    }
    // AgentKey picks the flags from the algorithm name.
    const rsa = (await client.keys()).find((k) => k.keyType === 'ssh-rsa')!;
    assert.equal(decodeSignatureBlob(await rsa.signAsync('rsa-sha2-256', data)).algorithm, 'rsa-sha2-256');
    // A key the agent does not hold.
    await assert.rejects(client.sign(PrivateKey.generate('ed25519').publicKey, data), (e: unknown) => e instanceof SshError && e.code === 'ERR_KEY');
    // The connection is still usable after a refusal.
    assert.equal((await client.listIdentities()).length, 3);
  } finally {
    client.close();
  }
});

test('hush client -> OpenSSH sshd with keys held only by ssh-agent (ed25519, ecdsa, rsa-sha2-512)', async (t) => {
  if (!requireAgent(t) || !requirePeer('openssh-server', t)) return;
  const agent = await startAgent(t);
  const sshd = await startSshd({ t, authorizedKeys: agent.keys.map((k) => k.publicLine), config: ['LogLevel DEBUG1'] });
  const client = await AgentClient.connect(agent.sock, { timeoutMs: 10_000 });
  t.after(() => client.close());
  const keys = await client.keys();
  const expected: Array<[AgentKey, string, string]> = [
    [keys[0]!, 'ssh-ed25519', 'ED25519'],
    [keys[1]!, 'ecdsa-sha2-nistp256', 'ECDSA'],
    [keys[2]!, 'rsa-sha2-512', 'RSA'],
  ];
  for (const [key, algorithm, logName] of expected) {
    const conn = await dialTransport(sshd.host, sshd.port, {}, { verifyHostKey: () => true });
    const events: ClientAuthEvent[] = [];
    try {
      const r = await authenticate(conn, { user: 'root', credentials: [{ method: 'publickey', key }] }, (ev) => events.push(ev));
      assert.equal(r.method, 'publickey');
      const signs = events.filter((e) => e.type === 'sign');
      assert.deepEqual(signs.map((e) => e.type === 'sign' && e.algorithm), [algorithm]);
      // sshd 9.2 logs the algorithm of the query at DEBUG1 (the signed request then uses the same one).
      await sshd.waitForLog(new RegExp(`publickey test pkalg ${algorithm} pkblob ${logName} `));
      await sshd.waitForLog(new RegExp(`Accepted publickey for root .* ${logName} SHA256:`));
    } finally {
      conn.close();
    }
  }
  // Keys the server does not accept fall through to the next credential without a signature.
  const conn = await dialTransport(sshd.host, sshd.port, {}, { verifyHostKey: () => true });
  try {
    await assert.rejects(
      authenticate(conn, { user: 'nobody-here', credentials: keys.map((key) => ({ method: 'publickey', key })) }),
      /Permission denied/,
    );
  } finally {
    conn.close();
    await sshd.stop();
  }
});

test('OpenSSH ssh -> hush server through ssh-agent: the server sees the agent key verified', async (t) => {
  if (!requireAgent(t)) return;
  const agent = await startAgent(t);
  const tmp = await makeTempDir(t);
  const accepted = blobOf(agent.keys[1]!); // the ECDSA key: ssh offers the ed25519 one first
  const requests: ServerAuthRequest[] = [];
  const successes: Array<Extract<ServerAuthEvent, { type: 'success' }>> = [];
  const server = await listenTransport({}, { hostKeys: [PrivateKey.generate('ed25519')] }, (conn) => {
    serveAuthentication(conn, {}, (req) => {
      requests.push(req);
      return req.method === 'publickey' && accepted.equals(req.key) ? 'accept' : 'reject';
    }).then(
      (s) => {
        successes.push(s);
        setTimeout(() => conn.close(), 100);
      },
      () => undefined,
    );
  });
  t.after(() => server.close());
  const cmd = opensshClientArgs({
    dir: tmp.path,
    port: server.port,
    configLines: ['IdentitiesOnly no', 'IdentityAgent SSH_AUTH_SOCK', 'PreferredAuthentications publickey', 'LogLevel DEBUG1'],
    extra: ['-N'],
  });
  const r = await runClient({ ...cmd, env: { ...cmd.env, ...agent.env } }, { timeoutMs: 15_000 });
  assert.match(r.stderr, /Authenticated to 127\.0\.0\.1 .* using "publickey"/, r.stderr);
  assert.match(r.stderr, /Server accepts key: .*ECDSA SHA256:.* agent/, r.stderr);
  assert.equal(successes.length, 1);
  assert.ok(successes[0]!.key && accepted.equals(successes[0]!.key));
  assert.equal(successes[0]!.algorithm, 'ecdsa-sha2-nistp256');
  const pk = requests.filter((q): q is Extract<ServerAuthRequest, { method: 'publickey' }> => q.method === 'publickey');
  // The ed25519 key was only queried and refused; the ECDSA key was queried, then proven.
  assert.deepEqual(
    pk.map((q) => [q.keyType, q.verified]),
    [
      ['ssh-ed25519', false],
      ['ecdsa-sha2-nistp256', false],
      ['ecdsa-sha2-nistp256', true],
    ],
  );
});
