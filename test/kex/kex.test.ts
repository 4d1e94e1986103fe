// Every key exchange method, client against server in memory: both sides agree on K and H, the
// client learns the server's host key and a signature over H that verifies, and the exchange is a
// pure function of the random sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SshError } from '../../src/errors.js';
import { DEFAULT_KEX, INSECURE_KEX, SUPPORTED_KEX, getKex } from '../../src/kex/registry.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { getSignatureAlgorithm } from '../../src/keys/registry.js';
import { Reader } from '../../src/wire/reader.js';
import { clientContext, runKex, serverContext, testHostKey } from './helpers.js';

const ALL = [...SUPPORTED_KEX, ...INSECURE_KEX];

test('registry: OpenSSH 10 default order, insecure methods kept apart', () => {
  assert.deepEqual(DEFAULT_KEX, [
    'mlkem768x25519-sha256',
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha256',
  ]);
  assert.deepEqual([...INSECURE_KEX].sort(), [
    'diffie-hellman-group-exchange-sha1',
    'diffie-hellman-group1-sha1',
    'diffie-hellman-group14-sha1',
  ]);
  for (const n of INSECURE_KEX) assert.ok(!DEFAULT_KEX.includes(n));
  for (const n of ALL) assert.equal(getKex(n)?.name, n);
  assert.equal(getKex('sntrup761x25519-sha512'), undefined);
  assert.equal(getKex('nonsense'), undefined);
});

const EXPECTED_HASH: Record<string, string> = {
  'mlkem768x25519-sha256': 'sha256',
  'curve25519-sha256': 'sha256',
  'curve25519-sha256@libssh.org': 'sha256',
  'ecdh-sha2-nistp256': 'sha256',
  'ecdh-sha2-nistp384': 'sha384',
  'ecdh-sha2-nistp521': 'sha512',
  'diffie-hellman-group-exchange-sha256': 'sha256',
  'diffie-hellman-group16-sha512': 'sha512',
  'diffie-hellman-group18-sha512': 'sha512',
  'diffie-hellman-group14-sha256': 'sha256',
  'diffie-hellman-group14-sha1': 'sha1',
  'diffie-hellman-group1-sha1': 'sha1',
  'diffie-hellman-group-exchange-sha1': 'sha1',
};

/** The byte K must be wire-encoded as: an mpint except for the hybrid PQ method. */
function checkSharedSecretEncoding(name: string, k: Uint8Array): void {
  const r = new Reader(k);
  if (name.startsWith('mlkem')) {
    assert.equal(r.bytesString().length, 32, 'hybrid K is string(SHA-256 digest)');
  } else {
    assert.ok(r.mpint() > 0n, 'K is a positive minimal mpint');
  }
  r.done('K');
}

for (const name of ALL) {
  test(`${name}: client and server agree; the host key signature over H verifies`, () => {
    const alg = getKex(name)!;
    assert.equal(alg.hash, EXPECTED_HASH[name]);
    const run = runKex(alg, { seed: name });
    const { client, server } = run;
    assert.deepEqual(client.sharedSecret, server.sharedSecret);
    assert.deepEqual(client.exchangeHash, server.exchangeHash);
    checkSharedSecretEncoding(name, client.sharedSecret);
    const hashLength = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 }[alg.hash];
    assert.equal(client.exchangeHash.length, hashLength);
    const hostKey = testHostKey();
    assert.deepEqual(client.hostKey, hostKey.publicKey);
    assert.deepEqual(server.hostKey, hostKey.publicKey);
    assert.equal(server.signature.length, 0);
    assert.deepEqual(server.messages.length, 1);
    assert.deepEqual(client.messages.length, 0);
    const sig = getSignatureAlgorithm('ssh-ed25519')!;
    assert.ok(sig.verify(client.hostKey, client.exchangeHash, client.signature));
    // Message numbers stay in the method-specific range.
    for (const m of run.transcript) assert.ok(m.payload[0]! >= 30 && m.payload[0]! <= 49);
  });

  test(`${name}: the same random sources give the same messages, K and H; others do not`, () => {
    const alg = getKex(name)!;
    const a = runKex(alg, { seed: 'replay' });
    const b = runKex(alg, { seed: 'replay' });
    assert.deepEqual(a.transcript, b.transcript);
    assert.deepEqual(a.client.sharedSecret, b.client.sharedSecret);
    assert.deepEqual(a.client.exchangeHash, b.client.exchangeHash);
    const c = runKex(alg, { seed: 'other' });
    assert.notDeepEqual(c.client.sharedSecret, a.client.sharedSecret);
    assert.notDeepEqual(c.client.exchangeHash, a.client.exchangeHash);
  });

  test(`${name}: messages out of order are protocol errors`, () => {
    const alg = getKex(name)!;
    const isProtocol = (e: unknown) => e instanceof SshError && e.code === 'ERR_PROTOCOL';
    // A server must not be sent a server message; the client must not get a client message.
    const run = runKex(alg, { seed: 'order' });
    const clientFirst = run.transcript[0]!.payload;
    const serverLast = run.transcript[run.transcript.length - 1]!.payload;
    assert.throws(() => alg.createServer(serverContext(alg, 'o')).receive(serverLast), isProtocol);
    const c = alg.createClient(clientContext(alg, 'o'));
    c.start();
    assert.throws(() => c.receive(clientFirst), isProtocol);
    // Unrelated numbers inside the method.
    assert.throws(() => alg.createServer(serverContext(alg, 'o')).receive(Uint8Array.of(49)), isProtocol);
    // Nothing is accepted after the exchange is done.
    const s2 = alg.createServer(serverContext(alg, 'order'));
    const c2 = alg.createClient(clientContext(alg, 'order'));
    let toServer = c2.start();
    let last: Uint8Array | undefined;
    for (;;) {
      const step = s2.receive(toServer[0]!);
      last = step.messages[0]!;
      if (step.kind === 'done') break;
      toServer = c2.receive(last).messages;
    }
    assert.equal(c2.receive(last).kind, 'done');
    assert.throws(() => s2.receive(clientFirst), isProtocol);
    assert.throws(() => c2.receive(last!), isProtocol);
    // Driving the API wrongly is a state error, not the peer's fault.
    assert.throws(() => alg.createClient(clientContext(alg, 'o')).receive(serverLast), (e: unknown) => e instanceof SshError && e.code === 'ERR_STATE');
    assert.throws(() => c2.start(), (e: unknown) => e instanceof SshError && e.code === 'ERR_STATE');
  });

  test(`${name}: a reply with trailing bytes is a WireError`, () => {
    const alg = getKex(name)!;
    const isWire = (e: unknown) => e instanceof SshError && e.code === 'ERR_WIRE';
    assert.throws(() => runKex(alg, { tamper: (from, p) => (from === 'server' ? concat(p, Uint8Array.of(0)) : p) }), isWire);
    assert.throws(() => runKex(alg, { tamper: (from, p) => (from === 'client' ? concat(p, Uint8Array.of(0)) : p) }), isWire);
    assert.throws(() => runKex(alg, { tamper: (from, p) => (from === 'client' ? p.subarray(0, p.length - 1) : p) }), isWire);
  });
}

test('host key algorithms other than ed25519 work through the kex contexts', () => {
  const alg = getKex('curve25519-sha256')!;
  for (const [key, algName] of [
    [PrivateKey.generate('ecdsa-p256'), 'ecdsa-sha2-nistp256'],
    [PrivateKey.generate('rsa', 2048), 'rsa-sha2-256'],
    [PrivateKey.generate('rsa', 2048), 'rsa-sha2-512'],
  ] as const) {
    const run = runKex(alg, { hostKey: key, hostKeyAlgorithm: algName });
    assert.deepEqual(run.client.hostKey, key.publicKey);
    assert.ok(getSignatureAlgorithm(algName)!.verify(run.client.hostKey, run.client.exchangeHash, run.client.signature));
  }
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
