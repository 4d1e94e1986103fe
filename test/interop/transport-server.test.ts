// Interop, RFC 4253 transport: real clients (OpenSSH ssh, Dropbear dbclient, PuTTY plink) against
// a hush server (listenTransport) with host keys of every type.
//
// User authentication is not implemented yet, so the server answers every
// SSH_MSG_USERAUTH_REQUEST with SSH_MSG_USERAUTH_FAILURE ("publickey", partial success false):
// each client completes the key exchange, has ssh-userauth accepted, and gives up with
// "Permission denied". The assertions are on the clients' logs (what they negotiated, that strict
// KEX was on, that SERVICE_ACCEPT arrived) and on the hush side (the 'kex' event, the accepted
// service, and a close that is the client hanging up, not a protocol or MAC error).
//
// Each case gets its own listener, so the hush connection and the client run belong together and
// cases can run in parallel. The algorithm matrix is what the installed client offers (OpenSSH:
// `ssh -Q`; dbclient and plink: their SSH_MSG_KEXINIT captured by a throwaway listener) intersected
// with what hush implements; the rest is printed as "not covered". On the reference machine:
//   - mlkem768x25519-sha256 is not testable (OpenSSH 9.9+, Debian 12 has 9.2p1; Dropbear 2022.83
//     and PuTTY 0.78 lack it).
//   - dbclient has no verbose switch (-v is ignored in this build): its algorithms are chosen with
//     -c/-m (ciphers, MACs) or by restricting the hush server (kex, host key, compression), and
//     checked on the hush side; from dbclient itself only the outcome is checked.
//   - plink picks key exchange, cipher and host key order from saved-session settings, not flags:
//     a saved session (in $PUTTYDIR/sessions) moves every method above PuTTY's warning line, and
//     the hush server is restricted to the one algorithm under test. PuTTY's log does not tell
//     curve25519-sha256 from its @libssh.org alias, nor ssh-rsa from rsa-sha2-*: the hush side does.
//   - Rekeying is not tested: OpenSSH refuses a re-exchange before user authentication.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { getCipher, INSECURE_ALGORITHMS, SUPPORTED_ALGORITHMS } from '../../src/algorithms/registry.js';
import type { SshError } from '../../src/errors.js';
import { fingerprintSha256 } from '../../src/keys/fingerprint.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { KexInit, type KexInitMessage } from '../../src/messages/transport.js';
import { listenTransport, type TransportSocket } from '../../src/node/transport-socket.js';
import type { AlgorithmPreferences, TransportConfig } from '../../src/transport/config.js';
import type { TransportEvent } from '../../src/transport/events.js';
import type { NegotiatedAlgorithms } from '../../src/transport/negotiate.js';
import {
  dbclientArgs,
  findBinary,
  makeTempDir,
  opensshClientArgs,
  plinkArgs,
  requirePeer,
  runClient,
  type ClientCommand,
  type RunResult,
} from '../harness/peers.js';

type KexEvent = Extract<TransportEvent, { type: 'kex' }>;
type Kind = keyof AlgorithmPreferences;
type ServerConfig = Omit<TransportConfig, 'role'>;

const CLIENT_TIMEOUT_MS = 20_000;
/** Client runs in flight at once (2-core reference machine; the hush side shares this process). */
const PARALLEL = 4;

const HUSH_ALL: Record<Kind, readonly string[]> = {
  kex: [...SUPPORTED_ALGORITHMS.kex, ...INSECURE_ALGORITHMS.kex],
  hostKey: [...SUPPORTED_ALGORITHMS.hostKey, ...INSECURE_ALGORITHMS.hostKey],
  cipher: [...SUPPORTED_ALGORITHMS.cipher, ...INSECURE_ALGORITHMS.cipher],
  mac: [...SUPPORTED_ALGORITHMS.mac, ...INSECURE_ALGORITHMS.mac],
  compression: [...SUPPORTED_ALGORITHMS.compression],
};

function isAead(cipher: string): boolean {
  const c = getCipher(cipher);
  assert.ok(c, `hush lists cipher ${cipher} but has no implementation of it`);
  return c.aead;
}

// ---- host keys ------------------------------------------------------------------------------

let hostKeysMemo: PrivateKey[] | undefined;
/** One key of every type; the RSA key may also sign ssh-rsa (SHA-1), for the opt-in case. */
function hostKeys(): PrivateKey[] {
  return (hostKeysMemo ??= [
    PrivateKey.generate('ed25519'),
    PrivateKey.generate('ecdsa-p256'),
    PrivateKey.generate('ecdsa-p384'),
    PrivateKey.generate('ecdsa-p521'),
    PrivateKey.generate('rsa', undefined, { sshRsaSha1: true }),
  ]);
}

function keyFor(hostKeyAlgorithm: string): PrivateKey {
  const k = hostKeys().find((key) => key.algorithms.includes(hostKeyAlgorithm));
  assert.ok(k, `no host key signs ${hostKeyAlgorithm}`);
  return k;
}

/** "type base64" lines for known_hosts. */
function publicLines(): string[] {
  return hostKeys().map((k) => `${k.keyType} ${Buffer.from(k.publicKey).toString('base64')}`);
}

// ---- the hush server ------------------------------------------------------------------------

/** SSH_MSG_USERAUTH_FAILURE (RFC 4252 §5.1): name-list "publickey", partial success false. */
const USERAUTH_FAILURE = Uint8Array.from([51, 0, 0, 0, 9, ...Buffer.from('publickey', 'ascii'), 0]);
const USERAUTH_REQUEST = 50;

interface ConnRecord {
  readonly conn: TransportSocket;
  kex: KexEvent | undefined;
  service: string | undefined;
  authRequests: number;
  readonly closed: Promise<SshError | undefined>;
}

interface HushServer {
  readonly port: number;
  readonly conns: ConnRecord[];
  close(): Promise<void>;
}

/**
 * Every algorithm hush has, the weak ones too (a client restricted to one picks it); `overrides`
 * narrows a kind to what a case tests.
 */
function serverConfig(overrides: Partial<AlgorithmPreferences> = {}): ServerConfig {
  return { hostKeys: hostKeys(), allowInsecure: true, algorithms: { ...HUSH_ALL, ...overrides } };
}

async function startHush(config: ServerConfig): Promise<HushServer> {
  const conns: ConnRecord[] = [];
  const listener = await listenTransport({ host: '127.0.0.1', port: 0 }, config, (conn) => {
    const rec: ConnRecord = { conn, kex: undefined, service: undefined, authRequests: 0, closed: conn.closed };
    conns.push(rec);
    // listenTransport offers no per-event callback, and waitFor() keeps returning the first event of
    // a type, so new events are read from conn.events after each chunk the driver has processed
    // (its 'data' listener was added first, in the TransportSocket constructor, so it ran already).
    let next = 0;
    const scan = (): void => {
      for (; next < conn.events.length; next++) {
        const ev = conn.events[next]!;
        if (ev.type === 'kex' && ev.initial) rec.kex = ev;
        else if (ev.type === 'service') rec.service = ev.name;
        else if (ev.type === 'payload' && ev.payload[0] === USERAUTH_REQUEST) {
          rec.authRequests++;
          if (!conn.transport.closed) conn.act((t) => t.send(USERAUTH_FAILURE));
        }
      }
    };
    conn.driver.socket.on('data', scan);
    scan();
  });
  return { port: listener.port, conns, close: () => listener.close() };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs one client against a fresh hush server and checks the hush side: one connection, strict
 * initial key exchange with `expected` algorithms, ssh-userauth accepted, at least one userauth
 * request answered, and a close caused by the client leaving (no protocol, MAC or kex error).
 */
async function againstHush(
  config: ServerConfig,
  client: (port: number) => ClientCommand,
  expected: Partial<NegotiatedAlgorithms>,
): Promise<{ run: RunResult; kex: KexEvent }> {
  const server = await startHush(config);
  try {
    const run = await runClient(client(server.port), { timeoutMs: CLIENT_TIMEOUT_MS });
    const transcript = `client exit ${run.code}${run.timedOut ? ' (timed out)' : ''}\n--- stderr:\n${run.stderr}\n--- stdout:\n${run.stdout}`;
    assert.equal(server.conns.length, 1, `expected one connection to hush, got ${server.conns.length}\n${transcript}`);
    const rec = server.conns[0]!;
    const err = await withTimeout(rec.closed, 5000, 'the hush connection to close after the client exited');
    const ending = err === undefined ? 'closed locally' : `${err.code}: ${err.message}`;
    assert.ok(rec.kex, `hush finished no key exchange (hush: ${ending})\n${transcript}`);
    assert.equal(rec.kex.strict, true, 'strict KEX must be on: both sides offer it');
    assert.deepEqual(pick(rec.kex.algorithms, expected), expected, `negotiated ${JSON.stringify(rec.kex.algorithms)}`);
    assert.equal(rec.service, 'ssh-userauth', `hush accepted no ssh-userauth service (hush: ${ending})\n${transcript}`);
    assert.ok(rec.authRequests >= 1, `the client sent no SSH_MSG_USERAUTH_REQUEST\n${transcript}`);
    assert.ok(
      err !== undefined && (err.code === 'ERR_PEER_DISCONNECTED' || err.code === 'ERR_CONNECTION_LOST'),
      `the connection must end with the client hanging up, not with ${ending}\n${transcript}`,
    );
    assert.equal(run.timedOut, false, transcript);
    assert.notEqual(run.code, 0, `authentication cannot succeed yet, but the client exited 0\n${transcript}`);
    return { run, kex: rec.kex };
  } finally {
    await server.close();
  }
}

function pick(a: NegotiatedAlgorithms, keys: Partial<NegotiatedAlgorithms>): Partial<NegotiatedAlgorithms> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(keys) as Array<keyof NegotiatedAlgorithms>) out[k] = a[k];
  return out as Partial<NegotiatedAlgorithms>;
}

function both(c: string, mac: string | null): Partial<NegotiatedAlgorithms> {
  return { cipherClientToServer: c, cipherServerToClient: c, macClientToServer: mac, macServerToClient: mac };
}

function compressionBoth(c: string): Partial<NegotiatedAlgorithms> {
  return { compressionClientToServer: c, compressionServerToClient: c };
}

function assertLines(log: string, needles: ReadonlyArray<string | RegExp>, who: string): void {
  const missing = needles.filter((n) => (typeof n === 'string' ? !log.includes(n) : !n.test(log)));
  if (missing.length > 0) {
    assert.fail(`${who} output lacks ${missing.map((m) => (typeof m === 'string' ? JSON.stringify(m) : String(m))).join(', ')}:\n${log}`);
  }
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs the cases as parallel subtests (at most PARALLEL at once) and waits for all of them. */
async function cases(t: TestContext, list: ReadonlyArray<readonly [string, () => Promise<void>]>): Promise<void> {
  await Promise.all(list.map(([name, fn]) => t.test(name, fn)));
}

/** hush's names (hush's order) that the client offers; the rest are reported as not covered. */
function shared(t: TestContext, peer: string, offers: readonly string[], kind: Kind): string[] {
  const common = HUSH_ALL[kind].filter((n) => offers.includes(n));
  const missing = HUSH_ALL[kind].filter((n) => !offers.includes(n));
  if (missing.length > 0) t.diagnostic(`${kind}: not covered, ${peer} does not offer: ${missing.join(', ')}`);
  assert.ok(common.length > 0, `${peer} and hush share no ${kind}: the client offers ${offers.join(',')}`);
  return common;
}

/** A client's SSH_MSG_KEXINIT, captured by a listener that speaks just enough SSH to get it. */
async function clientKexInit(client: (port: number) => ClientCommand): Promise<KexInitMessage> {
  let captured: KexInitMessage | undefined;
  let problem: unknown;
  const srv = createServer((sock) => {
    let buf = Buffer.alloc(0);
    let versionSeen = false;
    sock.on('error', () => {});
    sock.write('SSH-2.0-hush_probe\r\n');
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!versionSeen) {
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        versionSeen = true;
        buf = buf.subarray(nl + 1);
      }
      if (buf.length < 5) return;
      const len = buf.readUInt32BE(0);
      if (buf.length < 4 + len) return;
      try {
        captured ??= KexInit.decode(new Uint8Array(buf.subarray(5, 4 + len - buf[4]!)));
      } catch (e) {
        problem = e;
      }
      sock.destroy();
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  try {
    const addr = srv.address();
    assert.ok(addr !== null && typeof addr === 'object');
    const run = await runClient(client(addr.port), { timeoutMs: 10_000 });
    if (problem !== undefined) throw problem;
    assert.ok(captured, `the client sent no KEXINIT:\n${run.stderr}`);
    return captured;
  } finally {
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
}

function offersOf(init: KexInitMessage): Record<Kind, readonly string[]> {
  return {
    kex: init.kexAlgorithms,
    hostKey: init.serverHostKeyAlgorithms,
    cipher: init.encryptionClientToServer.filter((c) => init.encryptionServerToClient.includes(c)),
    mac: init.macClientToServer.filter((m) => init.macServerToClient.includes(m)),
    compression: init.compressionClientToServer.filter((c) => init.compressionServerToClient.includes(c)),
  };
}

/** Cipher and MAC pairs: AEAD ciphers alone, the others with every shared MAC. */
function cipherMacPairs(ciphers: readonly string[], macs: readonly string[]): Array<[string, string | null]> {
  return ciphers.flatMap((c): Array<[string, string | null]> => (isAead(c) ? [[c, null]] : macs.map((m): [string, string] => [c, m])));
}

// ---- OpenSSH ssh ----------------------------------------------------------------------------

async function sshQuery(what: string): Promise<string[]> {
  const r = await runClient(findBinary('ssh')!, ['-Q', what]);
  assert.equal(r.code, 0, `ssh -Q ${what}: ${r.stderr}`);
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

test('OpenSSH ssh -> hush server: every shared transport algorithm', { timeout: 180_000 }, async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const offers: Record<Kind, readonly string[]> = {
    kex: await sshQuery('kex'),
    hostKey: await sshQuery('HostKeyAlgorithms'),
    cipher: await sshQuery('cipher'),
    mac: await sshQuery('mac'),
    compression: await sshQuery('compression'),
  };

  /** ssh -vvv with `options`, our host keys in known_hosts (so a wrong key fails), and the checks. */
  const sshCase = async (
    options: readonly string[],
    expected: Partial<NegotiatedAlgorithms>,
    server: ServerConfig = serverConfig(),
  ): Promise<void> => {
    const { run, kex } = await againstHush(
      server,
      (port) =>
        opensshClientArgs({
          dir: tmp.path,
          port,
          knownHostKeys: publicLines(),
          extra: ['-vvv', ...options.flatMap((o) => ['-o', o])],
          command: ['true'],
        }),
      expected,
    );
    const a = kex.algorithms;
    const key = keyFor(a.hostKey);
    assertLines(
      run.stderr,
      [
        `debug1: kex: algorithm: ${a.kex}\r\n`,
        `debug1: kex: host key algorithm: ${a.hostKey}\r\n`,
        `debug1: kex: server->client cipher: ${a.cipherServerToClient} MAC: ${a.macServerToClient ?? '<implicit>'} compression: ${a.compressionServerToClient}\r\n`,
        `debug1: kex: client->server cipher: ${a.cipherClientToServer} MAC: ${a.macClientToServer ?? '<implicit>'} compression: ${a.compressionClientToServer}\r\n`,
        // kex.c kex_choose_conf(), at debug3, when both sides offered kex-strict-*-v00@openssh.com.
        'debug3: kex_choose_conf: will use strict KEX ordering',
        `debug1: Server host key: ${key.keyType} ${fingerprintSha256(key.publicKey)}`,
        /Host '\[127\.0\.0\.1\]:\d+' is known and matches the \S+ host key\./,
        'debug1: SSH2_MSG_SERVICE_ACCEPT received',
        'debug1: Authentications that can continue: publickey',
        'Permission denied (publickey).',
      ],
      'ssh -vvv',
    );
    assert.equal(run.code, 255);
  };

  await t.test('defaults on both sides', () => sshCase([], {}, { hostKeys: hostKeys() }));
  await t.test('key exchange methods', { concurrency: PARALLEL }, (st) =>
    cases(
      st,
      shared(st, 'ssh', offers.kex, 'kex').map((m) => [m, () => sshCase([`KexAlgorithms=${m}`], { kex: m })] as const),
    ),
  );
  await t.test('ciphers and MACs', { concurrency: PARALLEL }, (st) =>
    cases(
      st,
      cipherMacPairs(shared(st, 'ssh', offers.cipher, 'cipher'), shared(st, 'ssh', offers.mac, 'mac')).map(
        ([c, m]) =>
          [
            m === null ? c : `${c} + ${m}`,
            () => sshCase(m === null ? [`Ciphers=${c}`] : [`Ciphers=${c}`, `MACs=${m}`], both(c, m)),
          ] as const,
      ),
    ),
  );
  await t.test('host key algorithms', { concurrency: PARALLEL }, (st) =>
    cases(
      st,
      shared(st, 'ssh', offers.hostKey, 'hostKey').map(
        (h) => [h, () => sshCase([`HostKeyAlgorithms=${h}`], { hostKey: h })] as const,
      ),
    ),
  );
  // ssh -C offers zlib@openssh.com,zlib,none; the server offers one. zlib compresses from NEWKEYS
  // on (SERVICE_REQUEST, USERAUTH_* go through it); zlib@openssh.com only after authentication.
  await t.test('compression (ssh -o Compression=yes)', { concurrency: PARALLEL }, (st) =>
    cases(
      st,
      shared(st, 'ssh', offers.compression, 'compression').map(
        (c) => [c, () => sshCase(['Compression=yes'], compressionBoth(c), serverConfig({ compression: [c] }))] as const,
      ),
    ),
  );
});

// ---- Dropbear dbclient ----------------------------------------------------------------------

test('Dropbear dbclient -> hush server: every shared transport algorithm', { timeout: 120_000 }, async (t) => {
  if (!requirePeer('dropbear-client', t)) return;
  const tmp = await makeTempDir(t);
  const offers = offersOf(await clientKexInit((port) => dbclientArgs({ dir: tmp.path, port, command: ['true'] })));

  /** dbclient has no verbose log: it must reach authentication and give up there, not in kex. */
  const dbCase = async (
    flags: { ciphers?: string[]; macs?: string[] },
    expected: Partial<NegotiatedAlgorithms>,
    server: ServerConfig,
  ): Promise<void> => {
    const { run } = await againstHush(server, (port) => dbclientArgs({ dir: tmp.path, port, command: ['true'], ...flags }), expected);
    assertLines(run.stderr, [/Connection to root@127\.0\.0\.1:\d+ exited: No auth methods could be used\./], 'dbclient');
  };

  // dbclient sends its first key exchange packet right after its KEXINIT (first_kex_packet_follows).
  // RFC 4253 §7: the guess is right only if both sides' first kex and first host key algorithm
  // are the same; otherwise the server ignores that packet and dbclient sends it again. The
  // guess cases are tested on their own; elsewhere the server lists dbclient's first kex first,
  // so that each case tests only its own algorithm.
  const dbFirstKex = offers.kex.find((n) => HUSH_ALL.kex.includes(n));
  assert.ok(dbFirstKex !== undefined && dbFirstKex === offers.kex[0], `dbclient's first kex is not one hush has: ${offers.kex.join(',')}`);
  const dbFirstHostKey = offers.hostKey[0]!;
  const otherKex = offers.kex.find((n) => n !== dbFirstKex && HUSH_ALL.kex.includes(n));
  assert.ok(otherKex, 'dbclient offers a single kex method');
  const dbServer = (overrides: Partial<AlgorithmPreferences> = {}): ServerConfig =>
    serverConfig({ kex: [dbFirstKex, ...HUSH_ALL.kex.filter((n) => n !== dbFirstKex)], ...overrides });

  await t.test('first_kex_packet_follows: right guess (same first kex and host key on both sides)', () =>
    dbCase({}, { kex: dbFirstKex, hostKey: dbFirstHostKey }, dbServer({ hostKey: [dbFirstHostKey, ...HUSH_ALL.hostKey.filter((h) => h !== dbFirstHostKey)] })),
  );
  await t.test(`first_kex_packet_follows: wrong guess (server prefers ${otherKex}; dbclient's ${dbFirstKex} still wins)`, () =>
    // The negotiated method is dbclient's first, but the server's first differs: the guessed
    // packet must be ignored, and dbclient sends it again (it does so by the RFC rule).
    dbCase({}, { kex: dbFirstKex }, serverConfig({ kex: [otherKex, dbFirstKex] })),
  );
  await t.test('defaults on both sides', () => dbCase({}, {}, { hostKeys: hostKeys() }));
  // dbclient has no kex, host key or compression option: the hush server offers just one.
  await t.test('key exchange methods (server offers one)', { concurrency: PARALLEL }, (st) =>
    cases(
      st,
      shared(st, 'dbclient', offers.kex, 'kex').map((m) => [m, () => dbCase({}, { kex: m }, dbServer({ kex: [m] }))] as const),
    ),
  );
  await t.test('ciphers and MACs (dbclient -c / -m)', { concurrency: PARALLEL }, (st) =>
    cases(
      st,
      cipherMacPairs(shared(st, 'dbclient', offers.cipher, 'cipher'), shared(st, 'dbclient', offers.mac, 'mac')).map(
        ([c, m]) =>
          [
            m === null ? c : `${c} + ${m}`,
            () => dbCase(m === null ? { ciphers: [c] } : { ciphers: [c], macs: [m] }, both(c, m), dbServer()),
          ] as const,
      ),
    ),
  );
  await t.test('host key algorithms (server offers one)', { concurrency: PARALLEL }, (st) =>
    cases(
      st,
      shared(st, 'dbclient', offers.hostKey, 'hostKey').map(
        (h) => [h, () => dbCase({}, { hostKey: h }, dbServer({ hostKey: [h] }))] as const,
      ),
    ),
  );
  await t.test('compression (server offers one)', { concurrency: PARALLEL }, (st) =>
    cases(
      st,
      shared(st, 'dbclient', offers.compression, 'compression').map(
        (c) => [c, () => dbCase({}, compressionBoth(c), dbServer({ compression: [c] }))] as const,
      ),
    ),
  );
});

// ---- PuTTY plink ----------------------------------------------------------------------------

/** PuTTY's event-log names (0.78) for what it initialises. */
const PUTTY_CIPHER: Readonly<Record<string, string>> = {
  'aes128-ctr': 'AES-128 SDCTR',
  'aes192-ctr': 'AES-192 SDCTR',
  'aes256-ctr': 'AES-256 SDCTR',
  'aes128-cbc': 'AES-128 CBC',
  'aes192-cbc': 'AES-192 CBC',
  'aes256-cbc': 'AES-256 CBC',
  'aes128-gcm@openssh.com': 'AES-128 GCM',
  'aes256-gcm@openssh.com': 'AES-256 GCM',
  'chacha20-poly1305@openssh.com': 'ChaCha20',
  '3des-cbc': 'triple-DES CBC',
};
const PUTTY_MAC: Readonly<Record<string, string>> = {
  'hmac-sha2-256': 'HMAC-SHA-256',
  'hmac-sha2-512': 'HMAC-SHA-512',
  'hmac-sha1': 'HMAC-SHA-1',
  'hmac-sha2-256-etm@openssh.com': 'HMAC-SHA-256',
  'hmac-sha2-512-etm@openssh.com': 'HMAC-SHA-512',
  'hmac-sha1-etm@openssh.com': 'HMAC-SHA-1',
};
const PUTTY_AEAD_MAC: Readonly<Record<string, string>> = {
  'chacha20-poly1305@openssh.com': 'Poly1305',
  'aes128-gcm@openssh.com': 'AES-GCM',
  'aes256-gcm@openssh.com': 'AES-GCM',
};

/** PuTTY's "Doing ..." line(s) for a key exchange method. */
function puttyKexLines(kex: string): RegExp[] {
  const hash = (bits: string): string => `using hash SHA-${bits}\\b`;
  if (kex === 'curve25519-sha256' || kex === 'curve25519-sha256@libssh.org') {
    return [new RegExp(`Doing ECDH key exchange with curve Curve25519, ${hash('256')}`)];
  }
  const ec = /^ecdh-sha2-nistp(\d+)$/.exec(kex);
  if (ec) return [new RegExp(`Doing ECDH key exchange with curve nistp${ec[1]}, ${hash(ec[1] === '521' ? '512' : ec[1]!)}`)];
  const gex = /^diffie-hellman-group-exchange-sha(1|256)$/.exec(kex);
  if (gex) {
    return [/Doing Diffie-Hellman group exchange/, new RegExp(`Doing Diffie-Hellman key exchange using \\d+-bit modulus and hash SHA-${gex[1]}\\b.* with a server-supplied group`)];
  }
  const group = /^diffie-hellman-group(\d+)-sha(\d+)$/.exec(kex);
  if (group) {
    const bits = { '1': 1024, '14': 2048, '16': 4096, '18': 8192 }[group[1]!];
    return [new RegExp(`Doing Diffie-Hellman key exchange using ${bits}-bit modulus and hash SHA-${group[2]}\\b.* with standard group "group${group[1]}"`)];
  }
  assert.fail(`no PuTTY log pattern for ${kex}`);
}

test('PuTTY plink -> hush server: every shared transport algorithm', { timeout: 180_000 }, async (t) => {
  if (!requirePeer('putty', t)) return;
  const tmp = await makeTempDir(t);
  // Saved sessions (plink -load): every key exchange method above PuTTY's warning line, so that
  // -batch does not abort on the weak ones (PuTTY 0.78 puts diffie-hellman-group1-sha1 below it).
  // PuTTY adds its post-quantum method in front by itself. "hush-zlib" also turns compression on.
  const sessions = join(tmp.path, '.putty', 'sessions');
  mkdirSync(sessions, { recursive: true, mode: 0o700 });
  const common = [
    'KEX=ecdh,dh-gex-sha1,dh-group18-sha512,dh-group17-sha512,dh-group16-sha512,dh-group15-sha512,dh-group14-sha1,dh-group1-sha1,rsa,WARN',
    'Cipher=aes,chacha20,aesgcm,3des,WARN,des,blowfish,arcfour',
    'HostKey=ed25519,ecdsa,rsa,dsa,WARN',
  ];
  writeFileSync(join(sessions, 'hush'), [...common, 'Compression=0', ''].join('\n'));
  writeFileSync(join(sessions, 'hush-zlib'), [...common, 'Compression=1', ''].join('\n'));
  const fingerprints = hostKeys().map((k) => fingerprintSha256(k.publicKey));
  const plink = (port: number, session: string | undefined): ClientCommand =>
    plinkArgs({
      dir: tmp.path,
      port,
      hostKeys: fingerprints,
      verbose: true,
      extra: session === undefined ? [] : ['-load', session],
      command: ['true'],
    });
  const offers = offersOf(await clientKexInit((port) => plink(port, 'hush')));
  const zlibOffers = offersOf(await clientKexInit((port) => plink(port, 'hush-zlib')));

  const plinkCase = async (
    server: ServerConfig,
    expected: Partial<NegotiatedAlgorithms>,
    session: string | undefined = 'hush',
    extra: ReadonlyArray<string | RegExp> = [],
  ): Promise<void> => {
    const { run, kex } = await againstHush(server, (port) => plink(port, session), expected);
    const a = kex.algorithms;
    const key = keyFor(a.hostKey);
    const cipher = PUTTY_CIPHER[a.cipherServerToClient];
    assert.ok(cipher, `no PuTTY name for ${a.cipherServerToClient}`);
    const mac = a.macServerToClient === null ? PUTTY_AEAD_MAC[a.cipherServerToClient] : PUTTY_MAC[a.macServerToClient];
    assert.ok(mac, `no PuTTY name for the MAC of ${JSON.stringify(a)}`);
    const etm = a.macServerToClient === null || a.macServerToClient.includes('-etm@') ? ' \\(in ETM mode\\)' : '(?! \\(in ETM)';
    const lines: Array<string | RegExp> = ['Using SSH protocol version 2', 'Enabling strict key exchange semantics', ...puttyKexLines(a.kex)];
    for (const dir of ['outbound', 'inbound']) {
      lines.push(new RegExp(`Initialised ${escapeRe(cipher)}( \\([^)]*\\))? ${dir} encryption`));
      lines.push(new RegExp(`Initialised ${escapeRe(mac)}( \\([^)]*\\))? ${dir} MAC algorithm${etm}`));
    }
    lines.push(
      new RegExp(`Host key fingerprint is:\\r?\\n${escapeRe(key.keyType)} \\d+ ${escapeRe(fingerprintSha256(key.publicKey))}`),
      'No supported authentication methods available (server sent: publickey)',
      ...extra,
    );
    assertLines(run.stderr, lines, 'plink -v');
  };

  await t.test('defaults on both sides (no saved session)', () => plinkCase({ hostKeys: hostKeys() }, {}, undefined));
  await t.test('key exchange methods (server offers one)', { concurrency: PARALLEL }, (st) =>
    cases(
      st,
      shared(st, 'plink', offers.kex, 'kex').map((m) => [m, () => plinkCase(serverConfig({ kex: [m] }), { kex: m })] as const),
    ),
  );
  await t.test('ciphers and MACs (server offers one of each)', { concurrency: PARALLEL }, (st) =>
    cases(
      st,
      cipherMacPairs(shared(st, 'plink', offers.cipher, 'cipher'), shared(st, 'plink', offers.mac, 'mac')).map(
        ([c, m]) =>
          [
            m === null ? c : `${c} + ${m}`,
            () => plinkCase(serverConfig(m === null ? { cipher: [c] } : { cipher: [c], mac: [m] }), both(c, m)),
          ] as const,
      ),
    ),
  );
  await t.test('host key algorithms (server offers one)', { concurrency: PARALLEL }, (st) =>
    cases(
      st,
      shared(st, 'plink', offers.hostKey, 'hostKey').map(
        (h) => [h, () => plinkCase(serverConfig({ hostKey: [h] }), { hostKey: h })] as const,
      ),
    ),
  );
  await t.test('compression (Compression=1; server offers one)', { concurrency: PARALLEL }, (st) =>
    cases(
      st,
      shared(st, 'plink', zlibOffers.compression, 'compression').map(
        (c) =>
          [
            c,
            () =>
              plinkCase(
                serverConfig({ compression: [c] }),
                compressionBoth(c),
                'hush-zlib',
                // Plain zlib runs from NEWKEYS on; zlib@openssh.com waits for authentication.
                c === 'zlib' ? ['Initialised zlib (RFC1950) compression', 'Initialised zlib (RFC1950) decompression'] : [],
              ),
          ] as const,
      ),
    ),
  );
});
