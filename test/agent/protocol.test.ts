// ssh-agent protocol codecs and framing (draft-miller-ssh-agent), and the Node client against a
// scripted fake agent for the failure paths a real agent will not produce.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { AgentClient } from '../../src/node/agent-client.js';
import {
  AGENT_MSG,
  AgentFramer,
  decodeIdentitiesReply,
  decodeSignReply,
  encodeRequestIdentities,
  encodeSignRequest,
  frameAgentMessage,
  isAgentFailure,
  MAX_AGENT_IDENTITIES,
  MAX_AGENT_MESSAGE,
  signFlagsFor,
  SSH_AGENT_RSA_SHA2_256,
  SSH_AGENT_RSA_SHA2_512,
} from '../../src/agent/protocol.js';
import { SshError, WireError } from '../../src/errors.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { getSignatureAlgorithm } from '../../src/keys/registry.js';
import { Writer } from '../../src/wire/writer.js';
import { makeTempDir } from '../harness/peers.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('requests: REQUEST_IDENTITIES and SIGN_REQUEST byte layout, with the length frame', () => {
  assert.equal(hex(frameAgentMessage(encodeRequestIdentities())), '000000010b');
  const req = encodeSignRequest(Uint8Array.of(0xaa, 0xbb), Uint8Array.of(0xcc), SSH_AGENT_RSA_SHA2_512);
  assert.equal(hex(req), '0d' + '00000002aabb' + '00000001cc' + '00000004');
  assert.equal(hex(frameAgentMessage(req)), '00000010' + hex(req));
  assert.equal(signFlagsFor('rsa-sha2-256'), SSH_AGENT_RSA_SHA2_256);
  assert.equal(signFlagsFor('rsa-sha2-512'), SSH_AGENT_RSA_SHA2_512);
  assert.equal(signFlagsFor('ssh-ed25519'), 0);
  assert.equal(signFlagsFor('ssh-rsa'), 0);
  assert.throws(() => frameAgentMessage(new Uint8Array(MAX_AGENT_MESSAGE + 1)), (e: unknown) => e instanceof SshError && e.code === 'ERR_LIMIT');
  assert.throws(() => encodeSignRequest(new Uint8Array(0), new Uint8Array(0), -1), /flags/);
});

test('IDENTITIES_ANSWER: decoded in order; bounds on count, lengths and trailing bytes', () => {
  const ok = new Writer().u8(12).u32(2).bytesString(Uint8Array.of(1, 2)).utf8('first key').bytesString(Uint8Array.of(3)).raw(Uint8Array.of(0, 0, 0, 2, 0xff, 0x41)).finish();
  const ids = decodeIdentitiesReply(ok);
  assert.ok(!isAgentFailure(ids));
  assert.deepEqual(ids.map((i) => [hex(i.publicKey), i.comment]), [['0102', 'first key'], ['03', '\ufffdA']]);
  assert.deepEqual(decodeIdentitiesReply(new Writer().u8(12).u32(0).finish()), []);
  assert.deepEqual(decodeIdentitiesReply(Uint8Array.of(AGENT_MSG.FAILURE)), { failure: true });
  const bad: Array<[string, Uint8Array]> = [
    ['too many', new Writer().u8(12).u32(MAX_AGENT_IDENTITIES + 1).finish()],
    ['count past the end', new Writer().u8(12).u32(1000).finish()],
    ['truncated key', new Writer().u8(12).u32(1).u32(50).finish()],
    ['trailing bytes', new Writer().u8(12).u32(0).u8(0).finish()],
    ['wrong type', new Writer().u8(14).u32(0).finish()],
    ['failure with contents', Uint8Array.of(5, 0)],
  ];
  for (const [what, payload] of bad) assert.throws(() => decodeIdentitiesReply(payload), WireError, what);
});

test('SIGN_RESPONSE: the blob, a failure (5, 30, 102, extension failure 28), or malformed', () => {
  assert.equal(hex(decodeSignReply(new Writer().u8(14).bytesString(Uint8Array.of(9, 9)).finish()) as Uint8Array), '0909');
  for (const t of [5, 30, 102]) assert.deepEqual(decodeSignReply(Uint8Array.of(t)), { failure: true });
  assert.deepEqual(decodeSignReply(Uint8Array.of(28, 1, 2)), { failure: true });
  assert.throws(() => decodeSignReply(new Writer().u8(14).bytesString(Uint8Array.of(9)).u8(0).finish()), WireError);
  assert.throws(() => decodeSignReply(Uint8Array.of(14, 0, 0)), WireError);
  assert.throws(() => decodeSignReply(Uint8Array.of(12, 0, 0, 0, 0)), WireError);
});

test('framer: any chunking, several messages per chunk; 0 and oversized lengths refused at once', () => {
  const msgs = [Uint8Array.of(12, 0, 0, 0, 0), Uint8Array.of(5), new Uint8Array(70_000).fill(14)];
  const stream = Buffer.concat(msgs.map((m) => frameAgentMessage(m)));
  for (const chunk of [1, 3, 7, 4096, stream.length]) {
    const f = new AgentFramer();
    const got: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i += chunk) {
      f.push(stream.subarray(i, i + chunk));
      for (let m = f.next(); m; m = f.next()) got.push(m);
    }
    assert.deepEqual(got.map(hex), msgs.map(hex), `chunk ${chunk}`);
    assert.equal(f.pending, 0);
  }
  const zero = new AgentFramer();
  assert.throws(() => zero.push(Uint8Array.of(0, 0, 0, 0)), /0 bytes/);
  const big = new AgentFramer();
  big.push(Uint8Array.of(0, 4));
  assert.throws(() => big.push(Uint8Array.of(0, 1)), (e: unknown) => e instanceof SshError && e.code === 'ERR_LIMIT');
});

/** A fake agent on a Unix socket: `reply` decides what to write back for each request payload. */
async function fakeAgent(t: TestContext, reply: (payload: Uint8Array, sock: Socket) => void): Promise<string> {
  const dir = await makeTempDir(t);
  const path = join(dir.path, 'agent.sock');
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    const f = new AgentFramer();
    sock.on('data', (d) => {
      f.push(d);
      for (let p = f.next(); p; p = f.next()) reply(p, sock);
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(path, r));
  t.after(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return path;
}

test('client: replies matched in order; a failure is ERR_KEY; keys() keeps only usable keys', async (t) => {
  const ed = PrivateKey.generate('ed25519');
  const path = await fakeAgent(t, (p, sock) => {
    if (p[0] === 11) {
      const body = new Writer().u8(12).u32(2).bytesString(ed.publicKey).utf8('ed').bytesString(Uint8Array.of(0, 0, 0, 3, 0x61, 0x62, 0x63)).utf8('junk').finish();
      sock.write(frameAgentMessage(body));
    } else if (p[0] === 13) {
      // Answer "failure" for data starting with 0, a real signature otherwise.
      const dataLen = new DataView(p.buffer, p.byteOffset).getUint32(5 + ed.publicKey.length);
      const data = p.subarray(9 + ed.publicKey.length, 9 + ed.publicKey.length + dataLen);
      sock.write(frameAgentMessage(data[0] === 0 ? Uint8Array.of(5) : new Writer().u8(14).bytesString(ed.sign('ssh-ed25519', data)).finish()));
    }
  });
  const agent = await AgentClient.connect(path, { timeoutMs: 5000 });
  try {
    const [ids, sig, refused] = await Promise.allSettled([
      agent.listIdentities(),
      agent.sign(ed.publicKey, Uint8Array.of(1, 2, 3)),
      agent.sign(ed.publicKey, Uint8Array.of(0)),
    ]);
    assert.equal(ids.status === 'fulfilled' && ids.value.length, 2);
    assert.ok(sig.status === 'fulfilled');
    assert.equal(getSignatureAlgorithm('ssh-ed25519')!.verify(ed.publicKey, Uint8Array.of(1, 2, 3), sig.value), true);
    assert.ok(refused.status === 'rejected' && refused.reason instanceof SshError && refused.reason.code === 'ERR_KEY');
    const keys = await agent.keys();
    assert.deepEqual(keys.map((k) => [k.keyType, k.comment, k.algorithms]), [['ssh-ed25519', 'ed', ['ssh-ed25519']]]);
  } finally {
    agent.close();
  }
});

test('client: an oversized reply, an unasked-for reply, silence and a hang-up each fail the pending requests', async (t) => {
  const cases: Array<[string, (p: Uint8Array, s: Socket) => void, string]> = [
    ['oversized', (_p, s) => s.write(Uint8Array.of(0x7f, 0, 0, 0)), 'ERR_LIMIT'],
    ['two replies', (_p, s) => s.write(Buffer.concat([frameAgentMessage(Uint8Array.of(5)), frameAgentMessage(Uint8Array.of(5))])), 'ERR_PROTOCOL'],
    ['silence', () => undefined, 'ERR_TIMEOUT'],
    ['hang-up', (_p, s) => s.destroy(), 'ERR_CONNECTION_LOST'],
  ];
  for (const [what, reply, code] of cases) {
    const path = await fakeAgent(t, reply);
    const agent = await AgentClient.connect(path, { timeoutMs: 300 });
    const first = agent.listIdentities();
    const second = agent.listIdentities();
    const results = await Promise.allSettled([first, second]);
    if (what === 'two replies') {
      // The first request gets its failure; the stray second reply breaks the connection.
      assert.ok(results[0].status === 'rejected' && (results[0].reason as SshError).code === 'ERR_KEY', what);
      assert.ok(results[1].status === 'rejected', what);
    } else {
      for (const r of results) assert.ok(r.status === 'rejected' && (r.reason as SshError).code === code, `${what}: ${r.status === 'rejected' ? r.reason : 'fulfilled'}`);
    }
    // Once broken, the client refuses further requests at once.
    await assert.rejects(agent.listIdentities(), SshError);
    agent.close();
  }
  await assert.rejects(AgentClient.connect(undefined), /SSH_AUTH_SOCK is not set/);
  await assert.rejects(AgentClient.connect('/nonexistent/agent.sock'), /cannot connect to ssh-agent/);
});
