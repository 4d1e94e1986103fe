// Finite-field Diffie-Hellman: the groups, e/f validation (RFC 4253 §8), K against a BigInt
// computation, and group exchange (RFC 4419) group choice and client-side group checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SshError } from '../../src/errors.js';
import {
  diffieHellmanGroup14Sha256,
  diffieHellmanGroup16Sha512,
  diffieHellmanGroup18Sha512,
  diffieHellmanGroup1Sha1,
  diffieHellmanGroup14Sha1,
  KexDhReply,
} from '../../src/kex/dh.js';
import {
  chooseGexGroup,
  dhGexKex,
  diffieHellmanGroupExchangeSha256,
  gexPreferredBits,
  KexDhGexGroup,
  KexDhGexRequest,
} from '../../src/kex/dh-gex.js';
import {
  DhKeyPair,
  gexServerGroups,
  modpGroup14,
  modpGroup15,
  modpGroup16,
  modpGroup17,
  modpGroup18,
  oakleyGroup2,
  toBigInt,
} from '../../src/kex/dh-groups.js';
import { Reader } from '../../src/wire/reader.js';
import { mpintBytes, Writer } from '../../src/wire/writer.js';
import { clientContext, hex, payload, runKex, serverContext, testHostKey, toHex } from './helpers.js';

const isKex = (e: unknown) => e instanceof SshError && e.code === 'ERR_KEX';
const isProtocol = (e: unknown) => e instanceof SshError && e.code === 'ERR_PROTOCOL';

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let r = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return r;
}

test('MODP groups: sizes, generator 2, and the RFC 2409/3526 pi-derived form', () => {
  const expected: Array<[ReturnType<typeof modpGroup14>, number]> = [
    [oakleyGroup2(), 1024],
    [modpGroup14(), 2048],
    [modpGroup15(), 3072],
    [modpGroup16(), 4096],
    [modpGroup17(), 6144],
    [modpGroup18(), 8192],
  ];
  for (const [g, bits] of expected) {
    assert.equal(g.bits, bits);
    assert.equal(g.prime.length * 8, bits);
    assert.deepEqual([...g.generator], [2]);
    const h = toHex(g.prime);
    // p = 2^N - 2^(N-64) - 1 + 2^64 * (floor(2^(N-130) pi) + k): top and bottom 64 bits are all ones,
    // and the next bits are those of pi (c90fdaa22168c234c4c6628b80dc1cd1...).
    assert.ok(h.startsWith('ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd1'), g.label);
    assert.ok(h.endsWith('ffffffffffffffff'), g.label);
  }
  // RFC 3526 §3, the 2048-bit prime's last words before the trailing ones.
  assert.ok(toHex(modpGroup14().prime).endsWith('15728e5a8aacaa68ffffffffffffffff'));
  assert.deepEqual(gexServerGroups().map((g) => g.bits), [2048, 3072, 4096, 6144, 8192]);
});

test('K and e/f match a BigInt modular exponentiation (group14, group1)', () => {
  for (const alg of [diffieHellmanGroup14Sha256, diffieHellmanGroup1Sha1]) {
    const group = alg === diffieHellmanGroup1Sha1 ? oakleyGroup2() : modpGroup14();
    const run = runKex(alg, { seed: 'bigint' });
    const p = toBigInt(group.prime);
    // Client exponent: 64 bytes (512 bits for SHA-256/SHA-1: 2 x 256-bit strength).
    const x = toBigInt(clientContext(alg, 'bigint').random(64));
    const e = new Reader(run.transcript[0]!.payload, 1).mpint();
    assert.equal(e, modPow(2n, x, p));
    const reply = KexDhReply.decode(run.transcript[1]!.payload);
    const f = toBigInt(reply.f);
    const k = modPow(f, x, p);
    assert.deepEqual(run.client.sharedSecret, new Writer().mpint(k).finish());
  }
});

function badValues(prime: Uint8Array): Array<[string, Uint8Array]> {
  const p = toBigInt(prime);
  const mag = (v: bigint) => {
    const b = mpintBytes(v);
    return b[0] === 0 ? b.subarray(1) : b;
  };
  return [
    ['0', new Uint8Array(0)],
    ['1', Uint8Array.of(1)],
    ['p-1', mag(p - 1n)],
    ['p', mag(p)],
    ['p+1', mag(p + 1n)],
    ['2^N', mag(1n << BigInt(prime.length * 8))],
  ];
}

test('fixed groups: e and f of 0, 1, p-1, p and above are refused with ERR_KEX', () => {
  for (const [alg, group] of [
    [diffieHellmanGroup14Sha256, modpGroup14()],
    [diffieHellmanGroup16Sha512, modpGroup16()],
    [diffieHellmanGroup18Sha512, modpGroup18()],
    [diffieHellmanGroup14Sha1, modpGroup14()],
    [diffieHellmanGroup1Sha1, oakleyGroup2()],
  ] as const) {
    for (const [label, v] of badValues(group.prime)) {
      const init = payload(30, (w) => w.mpintMagnitude(v));
      assert.throws(() => alg.createServer(serverContext(alg, 'bad')).receive(init), isKex, `${alg.name} e=${label}`);
      const c = alg.createClient(clientContext(alg, 'bad'));
      c.start();
      const reply = payload(31, (w) => w.bytesString(Uint8Array.of(1)).mpintMagnitude(v).bytesString(Uint8Array.of(2)));
      assert.throws(() => c.receive(reply), isKex, `${alg.name} f=${label}`);
    }
    // A negative e is a wire error (mpint sign).
    const neg = payload(30, (w) => w.mpint(-5n));
    assert.throws(() => alg.createServer(serverContext(alg, 'neg')).receive(neg), (e: unknown) => e instanceof SshError && e.code === 'ERR_WIRE');
  }
});

test('GEX: server group choice', () => {
  const groups = gexServerGroups();
  const pick = (min: number, n: number, max: number) => chooseGexGroup(groups, min, n, max)?.bits;
  assert.equal(pick(2048, 3072, 8192), 3072);
  assert.equal(pick(2048, 2048, 8192), 2048);
  assert.equal(pick(2048, 7680, 8192), 8192);
  assert.equal(pick(2048, 8192, 8192), 8192);
  assert.equal(pick(1024, 1024, 8192), 2048);
  assert.equal(pick(2048, 5000, 6000), 4096, 'nothing >= n within max: the largest that fits');
  assert.equal(pick(3000, 3500, 4000), 3072);
  assert.equal(pick(1024, 1024, 1536), undefined);
  assert.equal(pick(2049, 2049, 3071), undefined);
  assert.equal(gexPreferredBits(112), 2048);
  assert.equal(gexPreferredBits(128), 3072);
  assert.equal(gexPreferredBits(192), 7680);
  assert.equal(gexPreferredBits(256), 8192);
});

test('GEX: request 2048/3072/8192, get the 3072-bit RFC 3526 group, agree', () => {
  const run = runKex(diffieHellmanGroupExchangeSha256, { seed: 'gex' });
  const req = KexDhGexRequest.decode(run.transcript[0]!.payload);
  assert.deepEqual(req, { min: 2048, n: 3072, max: 8192 });
  const group = KexDhGexGroup.decode(run.transcript[1]!.payload);
  assert.deepEqual(group.p, modpGroup15().prime);
  assert.deepEqual([...group.g], [2]);
  assert.deepEqual(run.transcript.map((m) => [m.from, m.payload[0]]), [
    ['client', 34],
    ['server', 31],
    ['client', 32],
    ['server', 33],
  ]);
  // Custom sizes go on the wire as given.
  const big = runKex(dhGexKex('diffie-hellman-group-exchange-sha256', 'sha256', { min: 4096, preferred: 8192, max: 8192 }));
  assert.deepEqual(KexDhGexGroup.decode(big.transcript[1]!.payload).p, modpGroup18().prime);
  assert.throws(() => dhGexKex('x', 'sha256', { min: 4096, preferred: 2048, max: 8192 }), RangeError);
});

test('GEX: the client refuses groups that are too small, too big, or malformed', () => {
  const alg = diffieHellmanGroupExchangeSha256;
  const p2048 = modpGroup14().prime;
  const even = p2048.slice();
  even[even.length - 1]! &= 0xfe;
  const cases: Array<[string, Uint8Array, Uint8Array]> = [
    ['1024-bit group', oakleyGroup2().prime, Uint8Array.of(2)],
    ['group above max', new Uint8Array(1025).fill(0xff), Uint8Array.of(2)],
    ['even modulus', even, Uint8Array.of(2)],
    ['g = 0', p2048, new Uint8Array(0)],
    ['g = 1', p2048, Uint8Array.of(1)],
    ['g = p-1', p2048, (() => { const v = p2048.slice(); v[v.length - 1]! -= 1; return v; })()],
  ];
  for (const [label, p, g] of cases) {
    const c = alg.createClient(clientContext(alg, 'grp'));
    c.start();
    assert.throws(() => c.receive(KexDhGexGroup.encode({ p, g })), isKex, label);
  }
  // A client that asked for at least 3072 bits refuses a 2048-bit group.
  const strict = dhGexKex('diffie-hellman-group-exchange-sha256', 'sha256', { min: 3072, preferred: 3072, max: 8192 });
  const c = strict.createClient(clientContext(strict, 'grp'));
  c.start();
  assert.throws(() => c.receive(KexDhGexGroup.encode({ p: p2048, g: Uint8Array.of(2) })), isKex);
});

test('GEX: the server refuses inconsistent or unsatisfiable requests, and REQUEST_OLD', () => {
  const alg = diffieHellmanGroupExchangeSha256;
  const server = () => alg.createServer(serverContext(alg, 'req'));
  for (const [min, n, max] of [
    [4096, 2048, 8192],
    [2048, 8192, 4096],
    [1024, 1024, 1536],
    [8193, 9000, 10000],
  ] as const) {
    assert.throws(() => server().receive(KexDhGexRequest.encode({ min, n, max })), isKex, `${min}/${n}/${max}`);
  }
  assert.throws(() => server().receive(payload(30, (w) => w.u32(2048))), isProtocol);
  // INIT before REQUEST.
  assert.throws(() => server().receive(payload(32, (w) => w.mpint(5n))), isProtocol);
});

test('GEX: e and f of 0, 1, p-1 and p are refused', () => {
  const alg = diffieHellmanGroupExchangeSha256;
  for (const [label, v] of badValues(modpGroup15().prime)) {
    const s = alg.createServer(serverContext(alg, 'ef'));
    s.receive(KexDhGexRequest.encode({ min: 2048, n: 3072, max: 8192 }));
    assert.throws(() => s.receive(payload(32, (w) => w.mpintMagnitude(v))), isKex, `e=${label}`);
    const c = alg.createClient(clientContext(alg, 'ef'));
    c.start();
    c.receive(KexDhGexGroup.encode({ p: modpGroup15().prime, g: Uint8Array.of(2) }));
    const reply = payload(33, (w) => w.bytesString(Uint8Array.of(1)).mpintMagnitude(v).bytesString(Uint8Array.of(2)));
    assert.throws(() => c.receive(reply), isKex, `f=${label}`);
  }
});

// A 4095-bit safe prime from OpenSSH's /etc/ssh/moduli (Debian 12), generator 2: the kind of group
// an OpenSSH server hands out. node's DiffieHellman class would spend ~3 s primality-testing it.
const MODULI_4095 =
    'ed38fc9ddcd01cdf39c887875aa0a7eff8682144089fc338c06e2c138653b5e7a082b537ba5c80a93b7192d153313de5' +
    '6606c8e2a0cae8370284be3add97f04bd4ebdfd21a999e13461b544c49742de120c46d046f6e9c55922e68ff3c8a115e' +
    '51e70071377b60f8127eb9228a332bd38af8ef1da8efa7012496070426203f3beecbb286e33c053dc070cd919074dba9' +
    '7e19c081c6cd8b74dbdf6674f64cd7a7b5f0b7e40b0fd607af531d55facab38c9f550c1d60d89601e6ba1d6ba66f5e18' +
    'd4c8d4d634c464ec748a260c285d84158cc3dfa9bc03973f32077f7d92c104314173584b96c43f22afefa135f3a4c5a0' +
    'd959b963c8227a337dac30d8b96f7580d67763621c9f51faa9e2641d81565810770727ef4c25f8210ccf60b248007055' +
    '6e874e59d910b9b1822b13420c2843bed4fa4f5cbd7822d651c07cb8657ad1b3629eb337cba9f1fa50e819e9dec1db56' +
    '4ffbc1def0561079f96d8abd0740be2c997f4eeef7e8244ecaa6e2ba85e832329220c26a7f088165f583343c190b245c' +
    'ee6ae40e01d2afaafdd509302ebd989ae641131152538c749718fd8d1642b9802dacf3945c0a445d2ecdcf921f8e3604' +
    '95a564c0ee64d74224cf93119aff5bea0b61abbf1db67a6820a4bf9ad622207ece7db9ece03b4fb6d69d06bbcbeacfcf' +
    '62d85763daa5b8c22385d5f4e22352c6ef6495485d00fd019fdf6d629c7d4793';

test('GEX: a server-chosen group that is not an RFC 3526 group works, quickly', () => {
  const alg = diffieHellmanGroupExchangeSha256;
  const p = hex(MODULI_4095);
  assert.equal(p.length * 8, 4096);
  const group = { label: 'moduli', prime: p, generator: Uint8Array.of(2), bits: 4095, opensslNamed: false };
  const started = performance.now();
  const c = alg.createClient(clientContext(alg, 'moduli'));
  c.start();
  const step = c.receive(KexDhGexGroup.encode({ p, g: Uint8Array.of(2) }));
  assert.equal(step.kind, 'send');
  const e = new Reader(step.messages[0]!, 1).mpintMagnitude();
  // Play the server by hand with the same DH code.
  const server = DhKeyPair.generate(group, serverContext(alg, 'moduli').random, 512);
  const k = server.computeSharedSecret(e, 'e');
  const reply = payload(33, (w) => w.bytesString(testHostKey().publicKey).mpintMagnitude(server.publicValue).bytesString(Uint8Array.of(0)));
  const done = c.receive(reply);
  assert.equal(done.kind, 'done');
  assert.deepEqual(done.kind === 'done' ? done.sharedSecret : undefined, new Writer().mpintMagnitude(k).finish());
  // And against BigInt arithmetic.
  const x = toBigInt(clientContext(alg, 'moduli').random(64));
  assert.equal(toBigInt(e), modPow(2n, x, toBigInt(p)));
  assert.ok(performance.now() - started < 1500, 'no primality test on the hot path');
});
