// Interop, RFC 4253 transport: the hush client against real servers (OpenSSH sshd, Dropbear).
//
// Every key exchange method, cipher (with every MAC for the non-AEAD ones), host key algorithm and
// compression method that hush and the server share is negotiated alone, and the connection runs
// up to SSH_MSG_SERVICE_ACCEPT for ssh-userauth: the transport's "it works" end point (user
// authentication is another layer). The shared lists are not hard-coded: the server is configured
// with everything it can do (OpenSSH: `ssh -Q`), then its own SSH_MSG_KEXINIT is read off the wire,
// so the matrix follows whatever versions are installed. Names hush implements that the server
// does not offer are printed as diagnostics ("not covered"). On the reference machine (Debian 12):
//   - mlkem768x25519-sha256 needs OpenSSH 9.9+ (Debian 12 has 9.2p1) and Dropbear has none: it is
//     not interop-tested here, only by the known-answer tests.
//   - Neither sshd (>= 7.4) nor Dropbear offers plain pre-authentication `zlib`: a hush client that
//     asks only for it must fail negotiation cleanly, which is what is asserted. zlib@openssh.com is
//     delayed until after user authentication, so only its negotiation is visible here. Real
//     compressed traffic is covered in transport-server.test.ts (ssh -C, dbclient, plink with zlib).
//   - Rekeying is not tested: OpenSSH refuses a re-exchange before user authentication.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { getCipher, INSECURE_ALGORITHMS, SUPPORTED_ALGORITHMS } from '../../src/algorithms/registry.js';
import { SshError } from '../../src/errors.js';
import { KexInit, type KexInitMessage } from '../../src/messages/transport.js';
import { dialTransport, type HostKeyVerifier } from '../../src/node/transport-socket.js';
import type { AlgorithmPreferences, TransportConfig } from '../../src/transport/config.js';
import type { TransportEvent } from '../../src/transport/events.js';
import {
  findBinary,
  makeTempDir,
  requirePeer,
  runClient,
  startDropbear,
  startSshd,
  type KeyFiles,
  type Peer,
} from '../harness/peers.js';

type KexEvent = Extract<TransportEvent, { type: 'kex' }>;
type Kind = keyof AlgorithmPreferences;
type ClientConfig = Omit<TransportConfig, 'role'>;

const STEP_MS = 10_000;
const HUSH_ALL: Record<Kind, readonly string[]> = {
  kex: [...SUPPORTED_ALGORITHMS.kex, ...INSECURE_ALGORITHMS.kex],
  hostKey: [...SUPPORTED_ALGORITHMS.hostKey, ...INSECURE_ALGORITHMS.hostKey],
  cipher: [...SUPPORTED_ALGORITHMS.cipher, ...INSECURE_ALGORITHMS.cipher],
  mac: [...SUPPORTED_ALGORITHMS.mac, ...INSECURE_ALGORITHMS.mac],
  compression: [...SUPPORTED_ALGORITHMS.compression],
};

function isInsecure(kind: Kind, name: string): boolean {
  return INSECURE_ALGORITHMS[kind].includes(name);
}

function isAead(cipher: string): boolean {
  const c = getCipher(cipher);
  assert.ok(c, `hush lists cipher ${cipher} but has no implementation of it`);
  return c.aead;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The server's SSH_MSG_KEXINIT, read off the wire (it is the first packet, in the clear). */
function serverKexInit(port: number): Promise<KexInitMessage> {
  return withTimeout(
    new Promise<KexInitMessage>((resolve, reject) => {
      const sock = connect({ host: '127.0.0.1', port });
      let buf = Buffer.alloc(0);
      let versionSeen = false;
      sock.on('connect', () => sock.write('SSH-2.0-hush_probe\r\n'));
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        // RFC 4253 §4.2: a server may send other lines before its SSH- identification line.
        while (!versionSeen) {
          const nl = buf.indexOf('\n');
          if (nl < 0) return;
          versionSeen = buf.subarray(0, 4).toString('latin1') === 'SSH-';
          buf = buf.subarray(nl + 1);
        }
        if (buf.length < 5) return;
        const len = buf.readUInt32BE(0);
        if (buf.length < 4 + len) return;
        const padding = buf[4]!;
        sock.destroy();
        try {
          resolve(KexInit.decode(new Uint8Array(buf.subarray(5, 4 + len - padding))));
        } catch (e) {
          reject(e as Error);
        }
      });
      sock.on('error', reject);
      sock.on('close', () => reject(new Error('the server closed before sending KEXINIT')));
    }),
    STEP_MS,
    'the server KEXINIT',
  );
}

/** What the server offers, by kind (host key algorithms only for the keys it has). */
function offered(init: KexInitMessage): Record<Kind, readonly string[]> {
  return {
    kex: init.kexAlgorithms,
    hostKey: init.serverHostKeyAlgorithms,
    cipher: init.encryptionServerToClient.filter((c) => init.encryptionClientToServer.includes(c)),
    mac: init.macServerToClient.filter((m) => init.macClientToServer.includes(m)),
    compression: init.compressionServerToClient.filter((c) => init.compressionClientToServer.includes(c)),
  };
}

/** hush's names (in hush's order) that the server offers; the rest are reported as not covered. */
function shared(t: TestContext, peerName: string, server: Record<Kind, readonly string[]>, kind: Kind, report = true): string[] {
  const both = HUSH_ALL[kind].filter((n) => server[kind].includes(n));
  const missing = HUSH_ALL[kind].filter((n) => !server[kind].includes(n));
  if (report && missing.length > 0) t.diagnostic(`${kind}: not covered, ${peerName} does not offer: ${missing.join(', ')}`);
  assert.ok(both.length > 0, `${peerName} and hush share no ${kind}: server offers ${server[kind].join(',')}`);
  return both;
}

/** The blob a public key line carries (its base64 body). */
function blobOf(publicLine: string): Buffer {
  const b64 = publicLine.trim().split(/\s+/)[1];
  assert.ok(b64, `not a public key line: ${publicLine}`);
  return Buffer.from(b64, 'base64');
}

/** Host key algorithm -> the key type whose blob the server must present for it. */
function keyTypeFor(algorithm: string): string {
  return algorithm === 'rsa-sha2-256' || algorithm === 'rsa-sha2-512' ? 'ssh-rsa' : algorithm;
}

/** Public key blobs by key type ("ssh-ed25519", "ecdsa-sha2-nistp384", ...). */
function blobsByType(lines: readonly string[]): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const l of lines) m.set(l.trim().split(/\s+/)[0]!, blobOf(l));
  return m;
}

interface HandshakeResult {
  kex: KexEvent;
  hostKey: Buffer;
  hostKeyAlgorithm: string;
  verifyCalls: number;
}

/**
 * Dial, accept whatever host key the server proves, finish the key exchange, request ssh-userauth,
 * wait for SERVICE_ACCEPT, then disconnect.
 */
async function handshake(port: number, config: ClientConfig): Promise<HandshakeResult> {
  let hostKey: Buffer | undefined;
  let hostKeyAlgorithm = '';
  let verifyCalls = 0;
  const ts = await dialTransport('127.0.0.1', port, config, {
    verifyHostKey: (blob, algorithm) => {
      verifyCalls++;
      hostKey = Buffer.from(blob);
      hostKeyAlgorithm = algorithm;
      return true;
    },
  });
  try {
    const kex = await withTimeout(ts.waitFor('kex'), STEP_MS, "the 'kex' event");
    ts.act((t) => t.requestService('ssh-userauth'));
    const service = await withTimeout(ts.waitFor('service'), STEP_MS, "the 'service' event (SERVICE_ACCEPT)");
    assert.equal(service.name, 'ssh-userauth');
    assert.ok(hostKey, 'the key exchange finished without asking verifyHostKey');
    return { kex, hostKey, hostKeyAlgorithm, verifyCalls };
  } finally {
    ts.close();
    const err = await withTimeout(ts.closed, STEP_MS, 'the connection to close');
    assert.equal(err, undefined, `closing after the handshake reported an error: ${err?.message}`);
  }
}

/** Dial expecting the connection to fail; returns the error it closed with. */
async function expectFailure(port: number, config: ClientConfig, verifyHostKey?: HostKeyVerifier): Promise<SshError> {
  const ts = await dialTransport('127.0.0.1', port, config, verifyHostKey === undefined ? {} : { verifyHostKey });
  const err = await withTimeout(ts.closed, STEP_MS, 'the connection to fail');
  assert.ok(err instanceof SshError, `expected the connection to fail, it closed with ${String(err)}`);
  await assert.rejects(ts.waitFor('kex'), (e: unknown) => e === err, "waitFor('kex') must reject with the close error");
  assert.equal(
    ts.events.some((e) => e.type === 'kex'),
    false,
    'a failed connection must not report a finished key exchange',
  );
  return err;
}

/** Polls the server's log, from `offset` on, until it contains every needle. */
async function logAfter(peer: Peer, offset: number, needles: ReadonlyArray<string | RegExp>, ms = 5000): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const part = peer.log().slice(offset);
    const missing = needles.filter((n) => (typeof n === 'string' ? !part.includes(n) : !n.test(part)));
    if (missing.length === 0) return part;
    if (Date.now() > until) {
      assert.fail(`server log lacks ${missing.map((m) => (typeof m === 'string' ? JSON.stringify(m) : String(m))).join(', ')}. Log since the case began:\n${part.slice(-6000)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function expectedCipherLine(direction: 'client->server' | 'server->client', cipher: string, mac: string | null, compression: string): string {
  return `kex: ${direction} cipher: ${cipher} MAC: ${mac ?? '<implicit>'} compression: ${compression}`;
}

/** ECDSA P-384 / P-521 host keys (the harness makes only P-256), with ssh-keygen or dropbearkey. */
async function extraKey(dir: string, cmd: 'ssh-keygen' | 'dropbearkey', bits: 384 | 521): Promise<KeyFiles> {
  const bin = findBinary(cmd);
  assert.ok(bin, `${cmd} not found`);
  const privatePath = join(dir, `extra_ecdsa_${bits}`);
  let publicLine: string | undefined;
  if (cmd === 'ssh-keygen') {
    const r = await runClient(bin, ['-q', '-t', 'ecdsa', '-b', String(bits), '-N', '', '-C', '', '-f', privatePath]);
    assert.equal(r.code, 0, r.stderr);
    publicLine = readFileSync(`${privatePath}.pub`, 'utf8').trim();
  } else {
    const r = await runClient(bin, ['-t', 'ecdsa', '-s', String(bits), '-f', privatePath]);
    assert.equal(r.code, 0, r.stderr);
    const y = await runClient(bin, ['-y', '-f', privatePath]);
    publicLine = y.stdout.split('\n').find((l) => l.startsWith('ecdsa-'));
  }
  assert.ok(publicLine, `${cmd} printed no public key`);
  return { type: 'ecdsa', privatePath, publicPath: `${privatePath}.pub`, publicLine, fingerprint: '' };
}

async function sshQuery(what: string): Promise<string[]> {
  const r = await runClient(findBinary('ssh')!, ['-Q', what]);
  assert.equal(r.code, 0, `ssh -Q ${what}: ${r.stderr}`);
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** Per-server knobs for the shared case groups. */
interface Target {
  readonly name: string;
  readonly peer: Peer;
  readonly offers: Record<Kind, readonly string[]>;
  readonly hostKeyLines: readonly string[];
  /** Extra log lines the server must have written for a successful handshake with these algorithms. */
  readonly logLines?: (kex: KexEvent['algorithms'], strict: boolean) => Array<string | RegExp>;
  /** Log text proving the server saw our disconnect after a refused host key. */
  readonly rejectionLog?: string | RegExp;
}

async function runCase(target: Target, config: ClientConfig, check: (r: HandshakeResult) => void): Promise<void> {
  const offset = target.peer.log().length;
  const r = await handshake(target.peer.port, config);
  assert.equal(r.kex.initial, true);
  assert.equal(r.kex.strict, true, `${target.name} offers strict KEX (kex-strict-s-v00@openssh.com); so does hush`);
  assert.equal(r.verifyCalls, 1, 'verifyHostKey must be asked exactly once');
  assert.equal(r.hostKeyAlgorithm, r.kex.algorithms.hostKey);
  check(r);
  if (target.logLines) await logAfter(target.peer, offset, target.logLines(r.kex.algorithms, r.kex.strict));
}

async function kexCases(t: TestContext, target: Target): Promise<void> {
  for (const m of shared(t, target.name, target.offers, 'kex')) {
    await t.test(m, async () => {
      await runCase(target, { algorithms: { kex: [m] }, allowInsecure: isInsecure('kex', m) }, (r) => {
        assert.equal(r.kex.algorithms.kex, m);
      });
    });
  }
}

async function cipherCases(t: TestContext, target: Target): Promise<void> {
  const macs = shared(t, target.name, target.offers, 'mac');
  for (const c of shared(t, target.name, target.offers, 'cipher')) {
    for (const mac of isAead(c) ? [null] : macs) {
      await t.test(mac === null ? c : `${c} + ${mac}`, async () => {
        const insecure = isInsecure('cipher', c) || (mac !== null && isInsecure('mac', mac));
        const algorithms = mac === null ? { cipher: [c] } : { cipher: [c], mac: [mac] };
        await runCase(target, { algorithms, allowInsecure: insecure }, (r) => {
          const a = r.kex.algorithms;
          assert.equal(a.cipherClientToServer, c);
          assert.equal(a.cipherServerToClient, c);
          assert.equal(a.macClientToServer, mac);
          assert.equal(a.macServerToClient, mac);
        });
      });
    }
  }
}

async function hostKeyCases(t: TestContext, target: Target, only?: readonly string[]): Promise<void> {
  const blobs = blobsByType(target.hostKeyLines);
  for (const h of shared(t, target.name, target.offers, 'hostKey', only === undefined)) {
    if (only !== undefined && !only.includes(h)) continue;
    if (!blobs.has(keyTypeFor(h))) {
      // Dropbear 2022.83 lists rsa-sha2-256 and ssh-rsa even without an RSA host key (and then
      // fails an assertion if a client picks them); only algorithms with a configured key count.
      t.diagnostic(`${h}: offered by ${target.name} without a ${keyTypeFor(h)} host key configured; skipped`);
      continue;
    }
    await t.test(h, async () => {
      await runCase(target, { algorithms: { hostKey: [h] }, allowInsecure: isInsecure('hostKey', h) }, (r) => {
        assert.equal(r.kex.algorithms.hostKey, h);
        assert.equal(r.hostKeyAlgorithm, h);
        const expected = blobs.get(keyTypeFor(h))!;
        assert.ok(r.hostKey.equals(expected), `the verified ${h} host key blob is not the server's ${keyTypeFor(h)} key`);
      });
    });
  }
}

async function compressionCases(t: TestContext, target: Target): Promise<void> {
  for (const c of HUSH_ALL.compression) {
    if (target.offers.compression.includes(c)) {
      await t.test(`${c} is negotiated`, async () => {
        await runCase(target, { algorithms: { compression: [c] } }, (r) => {
          assert.equal(r.kex.algorithms.compressionClientToServer, c);
          assert.equal(r.kex.algorithms.compressionServerToClient, c);
        });
      });
    } else {
      // Not offered by the server: the client must fail negotiation and say what was being negotiated.
      await t.test(`${c} only: negotiation fails cleanly (${target.name} does not offer it)`, async () => {
        const err = await expectFailure(target.peer.port, { algorithms: { compression: [c] } }, () => true);
        assert.equal(err.code, 'ERR_KEX_NEGOTIATION', err.message);
        assert.match(err.message, /compression/);
        assert.ok(err.message.includes(c), err.message);
      });
    }
  }
}

async function hostKeyDecisionCases(t: TestContext, target: Target): Promise<void> {
  const decisions: Array<[string, HostKeyVerifier | undefined]> = [
    ['verifyHostKey returns false', () => false],
    ['no verifyHostKey: the key is refused, never silently trusted', undefined],
    ['verifyHostKey rejects (async)', () => Promise.reject(new Error('no'))],
  ];
  for (const [name, verify] of decisions) {
    await t.test(`${name}: ERR_HOST_KEY_REJECTED`, async () => {
      const offset = target.peer.log().length;
      const err = await expectFailure(target.peer.port, {}, verify);
      assert.equal(err.code, 'ERR_HOST_KEY_REJECTED', err.message);
      if (target.rejectionLog !== undefined) await logAfter(target.peer, offset, [target.rejectionLog]);
    });
  }
  await t.test('verifyHostKey resolving true later (async) completes the handshake', async () => {
    const ts = await dialTransport('127.0.0.1', target.peer.port, {}, {
      verifyHostKey: () => new Promise((r) => setTimeout(() => r(true), 100)),
    });
    try {
      const kex = await withTimeout(ts.waitFor('kex'), STEP_MS, "the 'kex' event");
      assert.equal(kex.strict, true);
      ts.act((x) => x.requestService('ssh-userauth'));
      await withTimeout(ts.waitFor('service'), STEP_MS, "the 'service' event");
    } finally {
      ts.close();
      await withTimeout(ts.closed, STEP_MS, 'close');
    }
  });
}

async function insecureOptInCase(t: TestContext, target: Target): Promise<void> {
  const weakKex = shared(t, target.name, target.offers, 'kex', false).find((m) => isInsecure('kex', m));
  if (weakKex === undefined) return;
  await t.test(`${weakKex} without allowInsecure is refused before anything is sent`, async () => {
    // A configuration error must reject the dial; it must not escape as an uncaught exception.
    await assert.rejects(
      withTimeout(dialTransport('127.0.0.1', target.peer.port, { algorithms: { kex: [weakKex] } }), 3000, 'dialTransport to settle'),
      (e: unknown) => e instanceof SshError && e.code === 'ERR_UNSUPPORTED' && e.message.includes('allowInsecure'),
    );
  });
}

test('hush client -> OpenSSH sshd: every shared transport algorithm, host key checks', { timeout: 180_000 }, async (t) => {
  if (!requirePeer('openssh-server', t) || !requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const [p384, p521] = await Promise.all([extraKey(tmp.path, 'ssh-keygen', 384), extraKey(tmp.path, 'ssh-keygen', 521)]);
  // Everything this OpenSSH can do that hush knows, weak ones included (they are opt-in on hush's side).
  const q = {
    kex: await sshQuery('kex'),
    hostKey: await sshQuery('HostKeyAlgorithms'),
    cipher: await sshQuery('cipher'),
    mac: await sshQuery('mac'),
  };
  const both = (kind: Exclude<Kind, 'compression'>): string => HUSH_ALL[kind].filter((n) => q[kind].includes(n)).join(',');
  const sshd = await startSshd({
    t,
    config: [
      'LogLevel DEBUG3',
      `KexAlgorithms ${both('kex')}`,
      `HostKeyAlgorithms ${both('hostKey')}`,
      `Ciphers ${both('cipher')}`,
      `MACs ${both('mac')}`,
      'Compression yes',
      `HostKey ${p384.privatePath}`,
      `HostKey ${p521.privatePath}`,
    ],
  });
  const target: Target = {
    name: 'OpenSSH sshd',
    peer: sshd,
    offers: offered(await serverKexInit(sshd.port)),
    hostKeyLines: [...sshd.hostKeys.map((k) => k.publicLine), p384.publicLine, p521.publicLine],
    logLines: (a, strict) => [
      // The " [preauth]" suffix keeps curve25519-sha256 from matching curve25519-sha256@libssh.org.
      `kex: algorithm: ${a.kex} [preauth]`,
      `kex: host key algorithm: ${a.hostKey} [preauth]`,
      `${expectedCipherLine('client->server', a.cipherClientToServer, a.macClientToServer, a.compressionClientToServer)} [preauth]`,
      `${expectedCipherLine('server->client', a.cipherServerToClient, a.macServerToClient, a.compressionServerToClient)} [preauth]`,
      // kex.c kex_choose_conf(), at DEBUG3, when both sides offered kex-strict-*-v00@openssh.com.
      ...(strict ? ['kex_choose_conf: will use strict KEX ordering [preauth]'] : []),
      // SSH_MSG_SERVICE_REQUEST in, SSH_MSG_SERVICE_ACCEPT out (DEBUG3 packet trace).
      'receive packet: type 5 [preauth]',
      'send packet: type 6 [preauth]',
    ],
    // Our SSH_MSG_DISCONNECT, reason 9 (HOST_KEY_NOT_VERIFIABLE), reached sshd.
    rejectionLog: /Received disconnect from 127\.0\.0\.1 port \d+:9: /,
  };
  await t.test('key exchange methods', (st) => kexCases(st, target));
  await t.test('ciphers and MACs', (st) => cipherCases(st, target));
  await t.test('host key algorithms (ed25519, ecdsa P-256/384/521, rsa)', (st) => hostKeyCases(st, target));
  await t.test('compression', (st) => compressionCases(st, target));
  await t.test('host key decision', (st) => hostKeyDecisionCases(st, target));
  await t.test('insecure algorithms are opt-in', (st) => insecureOptInCase(st, target));
});

test('hush client -> Dropbear: every shared transport algorithm, host key checks', { timeout: 120_000 }, async (t) => {
  if (!requirePeer('dropbear', t)) return;
  const tmp = await makeTempDir(t);
  const [p384, p521] = await Promise.all([extraKey(tmp.path, 'dropbearkey', 384), extraKey(tmp.path, 'dropbearkey', 521)]);
  // Dropbear takes at most four host keys ("Too many hostkeys"): ed25519, ecdsa P-256, rsa and
  // P-384 here, and a second server for P-521.
  const dropbear = await startDropbear({ t, extraArgs: ['-r', p384.privatePath] });
  const target: Target = {
    name: 'Dropbear',
    peer: dropbear,
    offers: offered(await serverKexInit(dropbear.port)),
    hostKeyLines: [...dropbear.hostKeys.map((k) => k.publicLine), p384.publicLine],
    // Dropbear logs no algorithm names; it logs why each connection ended.
    rejectionLog: /Exit before auth from <127\.0\.0\.1:\d+>/,
  };
  await t.test('key exchange methods', (st) => kexCases(st, target));
  await t.test('ciphers and MACs', (st) => cipherCases(st, target));
  await t.test('host key algorithms (ed25519, ecdsa P-256/384, rsa)', (st) => hostKeyCases(st, target));
  await t.test('host key algorithm ecdsa-sha2-nistp521 (second server)', async (st) => {
    const d521 = await startDropbear({ t: st, hostKeyTypes: ['ed25519'], extraArgs: ['-r', p521.privatePath] });
    const t521: Target = {
      name: 'Dropbear (P-521 host key)',
      peer: d521,
      offers: offered(await serverKexInit(d521.port)),
      hostKeyLines: [p521.publicLine],
    };
    assert.ok(t521.offers.hostKey.includes('ecdsa-sha2-nistp521'), `Dropbear did not load the P-521 key: ${t521.offers.hostKey.join(',')}`);
    await hostKeyCases(st, t521, ['ecdsa-sha2-nistp521']);
  });
  await t.test('compression', (st) => compressionCases(st, target));
  await t.test('host key decision', (st) => hostKeyDecisionCases(st, target));
});
