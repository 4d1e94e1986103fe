/**
 * In-memory client<->server pairs for every kex x host key x cipher x MAC combination hush
 * supports by default, plus each opt-in legacy algorithm. Each pair completes the key exchange,
 * has the service accepted, and carries payloads both ways.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getCipher, INSECURE_ALGORITHMS, SUPPORTED_ALGORITHMS } from '../../src/algorithms/registry.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { Pair, eventsOf } from '../util/pair.js';

const hostKeys = [
  PrivateKey.generate('ed25519'),
  PrivateKey.generate('ecdsa-p256'),
  PrivateKey.generate('ecdsa-p384'),
  PrivateKey.generate('ecdsa-p521'),
  PrivateKey.generate('rsa', 2048),
];
const rsaWithSha1 = PrivateKey.fromKeyObject(hostKeys[4]!.keyObject, { sshRsaSha1: true });

function cipherMacPairs(ciphers: readonly string[], macs: readonly string[]): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  for (const c of ciphers) {
    if (getCipher(c)!.aead) out.push([c, undefined]);
    else for (const m of macs) out.push([c, m]);
  }
  return out;
}

function handshake(algorithms: Record<string, string[]>, opts: { chunk?: number; allowInsecure?: boolean; keys?: PrivateKey[] } = {}) {
  const pair = new Pair(
    { role: 'server', hostKeys: opts.keys ?? hostKeys, allowInsecure: opts.allowInsecure ?? false, algorithms: { ...SUPPORTED_ALGORITHMS, ...(opts.allowInsecure ? mergeInsecure() : {}) } },
    { client: { algorithms, allowInsecure: opts.allowInsecure ?? false }, ...(opts.chunk ? { chunk: opts.chunk } : {}) },
  );
  pair.run();
  const closed = [...eventsOf(pair.client, 'closed'), ...eventsOf(pair.server, 'closed')];
  assert.deepEqual(closed, [], `closed unexpectedly: ${closed.map((c) => c.error?.message).join('; ')}`);
  const kex = eventsOf(pair.client, 'kex')[0];
  assert.ok(kex, 'client finished the key exchange');
  assert.ok(eventsOf(pair.server, 'kex')[0], 'server finished the key exchange');
  pair.client.t.requestService('ssh-userauth');
  pair.run();
  assert.equal(eventsOf(pair.client, 'service')[0]?.name, 'ssh-userauth');
  const up = Uint8Array.of(50, 1, 2, 3, ...new Uint8Array(1000).fill(7));
  const down = Uint8Array.of(53, 9, 8, 7);
  pair.client.t.send(up);
  pair.server.t.send(down);
  pair.run();
  assert.deepEqual(pair.takePayloads(pair.server), [up]);
  assert.deepEqual(pair.takePayloads(pair.client), [down]);
  return { pair, algorithms: kex.algorithms };
}

function mergeInsecure() {
  const s = SUPPORTED_ALGORITHMS;
  const i = INSECURE_ALGORITHMS;
  return {
    kex: [...s.kex, ...i.kex],
    hostKey: [...s.hostKey, ...i.hostKey],
    cipher: [...s.cipher, ...i.cipher],
    mac: [...s.mac, ...i.mac],
  };
}

test('every kex x host key x cipher x MAC combination completes and carries data', async (t) => {
  const pairs = cipherMacPairs(SUPPORTED_ALGORITHMS.cipher, SUPPORTED_ALGORITHMS.mac);
  let n = 0;
  for (const kex of SUPPORTED_ALGORITHMS.kex) {
    await t.test(kex, () => {
      for (const hostKey of SUPPORTED_ALGORITHMS.hostKey) {
        for (const [cipher, mac] of pairs) {
          const algorithms = { kex: [kex], hostKey: [hostKey], cipher: [cipher], mac: [mac ?? SUPPORTED_ALGORITHMS.mac[0]!] };
          const { algorithms: got } = handshake(algorithms);
          assert.equal(got.kex, kex);
          assert.equal(got.hostKey, hostKey);
          assert.equal(got.cipherClientToServer, cipher);
          assert.equal(got.cipherServerToClient, cipher);
          assert.equal(got.macClientToServer, mac ?? null);
          n++;
        }
      }
    });
  }
  assert.equal(n, SUPPORTED_ALGORITHMS.kex.length * SUPPORTED_ALGORITHMS.hostKey.length * pairs.length);
});

test('each opt-in legacy algorithm works when allowed, and is refused in configuration otherwise', async (t) => {
  const keys = [...hostKeys.slice(0, 4), rsaWithSha1];
  const cases: Array<Record<string, string[]>> = [
    ...INSECURE_ALGORITHMS.kex.map((k) => ({ kex: [k] })),
    ...INSECURE_ALGORITHMS.hostKey.map((h) => ({ hostKey: [h] })),
    ...cipherMacPairs(INSECURE_ALGORITHMS.cipher, ['hmac-sha2-256']).map(([c, m]) => ({ cipher: [c], mac: [m!] })),
    ...INSECURE_ALGORITHMS.mac.map((m) => ({ cipher: ['aes128-ctr'], mac: [m] })),
  ];
  assert.ok(cases.length >= 8);
  for (const algorithms of cases) {
    await t.test(JSON.stringify(algorithms), () => {
      const { algorithms: got } = handshake(algorithms, { allowInsecure: true, keys });
      const [kind, [name]] = Object.entries(algorithms)[0]! as [string, string[]];
      const negotiated = { kex: got.kex, hostKey: got.hostKey, cipher: got.cipherClientToServer, mac: got.macClientToServer }[kind];
      assert.equal(negotiated, name);
      assert.throws(
        () => new Pair({ role: 'server', hostKeys: keys }, { client: { algorithms } }),
        (e: Error & { code?: string }) => e.code === 'ERR_UNSUPPORTED' && /weak/.test(e.message),
      );
    });
  }
});

test('one byte at a time: handshakes complete for each cipher family', () => {
  for (const [cipher, mac] of [
    ['chacha20-poly1305@openssh.com', undefined],
    ['aes256-gcm@openssh.com', undefined],
    ['aes128-ctr', 'hmac-sha2-256'],
    ['aes192-ctr', 'hmac-sha2-512-etm@openssh.com'],
  ] as const) {
    const { algorithms } = handshake({ cipher: [cipher], ...(mac ? { mac: [mac] } : {}) }, { chunk: 1 });
    assert.equal(algorithms.cipherServerToClient, cipher);
  }
});

test('a failed negotiation names what failed and lists both sides', () => {
  const pair = new Pair({ role: 'server', hostKeys, algorithms: { cipher: ['aes256-ctr'] } }, { client: { algorithms: { cipher: ['aes128-gcm@openssh.com'] } } });
  pair.run();
  const err = eventsOf(pair.client, 'closed')[0]?.error;
  assert.equal(err?.code, 'ERR_KEX_NEGOTIATION');
  assert.match(err!.message, /no matching cipher \(client to server\) found: client offers aes128-gcm@openssh.com; server offers aes256-ctr/);
  // The server saw the same failure (each side negotiates independently).
  assert.equal(eventsOf(pair.server, 'closed')[0]?.error?.code, 'ERR_KEX_NEGOTIATION');
});

test('the client refuses a host key the application rejects', () => {
  const pair = new Pair({ role: 'server', hostKeys }, { acceptHostKey: false });
  pair.run();
  assert.equal(eventsOf(pair.client, 'closed')[0]?.error?.code, 'ERR_HOST_KEY_REJECTED');
  const serverErr = eventsOf(pair.server, 'closed')[0]?.error as { reasonCode?: number } | undefined;
  assert.equal(serverErr?.reasonCode, 9); // SSH_DISCONNECT_HOST_KEY_NOT_VERIFIABLE
  assert.equal(eventsOf(pair.client, 'kex').length, 0);
});
