// In-memory key exchange harness: fake transport contexts, a seeded random source, and a pump
// that runs a client session against a server session and records the messages in between.
import { createHash } from 'node:crypto';
import type { KexAlgorithm, KexContext, KexServerContext, KexStep } from '../../src/algorithms/types.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { Writer } from '../../src/wire/writer.js';

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Counter-mode SHA-256 over a seed: the same seed always gives the same byte stream. */
export function seededRandom(seed: string): (n: number) => Uint8Array {
  let counter = 0;
  let pool = new Uint8Array(0);
  return (n) => {
    while (pool.length < n) {
      const block = createHash('sha256').update(seed).update(String(counter++)).digest();
      const next = new Uint8Array(pool.length + block.length);
      next.set(pool);
      next.set(block, pool.length);
      pool = next;
    }
    const out = pool.slice(0, n);
    pool = pool.slice(n);
    return out;
  };
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** What the transport would feed into H besides the method's part (RFC 4253 §8). */
export const TRANSCRIPT = {
  clientVersion: enc('SSH-2.0-hush_test'),
  serverVersion: enc('SSH-2.0-hush_test_server'),
  clientKexInit: enc('\x14client-kexinit-payload'),
  serverKexInit: enc('\x14server-kexinit-payload'),
};

/** H = HASH(string V_C || string V_S || string I_C || string I_S || string K_S || methodPart || K). */
export function exchangeHashFor(alg: KexAlgorithm) {
  return (hostKey: Uint8Array, methodPart: Uint8Array, sharedSecret: Uint8Array): Uint8Array => {
    const w = new Writer()
      .bytesString(TRANSCRIPT.clientVersion)
      .bytesString(TRANSCRIPT.serverVersion)
      .bytesString(TRANSCRIPT.clientKexInit)
      .bytesString(TRANSCRIPT.serverKexInit)
      .bytesString(hostKey)
      .raw(methodPart)
      .raw(sharedSecret);
    return new Uint8Array(createHash(alg.hash).update(w.finish()).digest());
  };
}

let cachedHostKey: PrivateKey | undefined;
/** One Ed25519 host key for all tests (RFC 8032 TEST 1 seed, so transcripts are stable). */
export function testHostKey(): PrivateKey {
  cachedHostKey ??= PrivateKey.fromEd25519Seed(hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
  return cachedHostKey;
}

export function clientContext(alg: KexAlgorithm, seed: string): KexContext {
  return { random: seededRandom(`client:${seed}`), exchangeHash: exchangeHashFor(alg) };
}

export function serverContext(
  alg: KexAlgorithm,
  seed: string,
  hostKey: PrivateKey = testHostKey(),
  hostKeyAlgorithm: string = hostKey.algorithms[0]!,
): KexServerContext {
  return {
    random: seededRandom(`server:${seed}`),
    exchangeHash: exchangeHashFor(alg),
    hostKey: hostKey.publicKey,
    sign: (h) => hostKey.sign(hostKeyAlgorithm, h),
  };
}

export type Done = Extract<KexStep, { kind: 'done' }>;

export interface KexRun {
  client: Done;
  server: Done;
  /** Every message, in order, with its direction. */
  transcript: Array<{ from: 'client' | 'server'; payload: Uint8Array }>;
}

/**
 * Runs a full exchange. `tamper` may replace a message in flight (return it unchanged to pass).
 */
export function runKex(
  alg: KexAlgorithm,
  options: {
    seed?: string;
    hostKey?: PrivateKey;
    hostKeyAlgorithm?: string;
    tamper?: (from: 'client' | 'server', payload: Uint8Array, index: number) => Uint8Array;
  } = {},
): KexRun {
  const seed = options.seed ?? 'default';
  const hostKey = options.hostKey ?? testHostKey();
  const client = alg.createClient(clientContext(alg, seed));
  const server = alg.createServer(serverContext(alg, seed, hostKey, options.hostKeyAlgorithm ?? hostKey.algorithms[0]!));
  const transcript: KexRun['transcript'] = [];
  const tamper = options.tamper ?? ((_f, p) => p);
  let clientDone: Done | undefined;
  let serverDone: Done | undefined;
  let toServer = client.start();
  for (let round = 0; round < 10; round++) {
    const toClient: Uint8Array[] = [];
    for (const m of toServer) {
      const p = tamper('client', m, transcript.length);
      transcript.push({ from: 'client', payload: p });
      const step = server.receive(p);
      toClient.push(...step.messages);
      if (step.kind === 'done') serverDone = step;
    }
    toServer = [];
    for (const m of toClient) {
      const p = tamper('server', m, transcript.length);
      transcript.push({ from: 'server', payload: p });
      const step = client.receive(p);
      toServer.push(...step.messages);
      if (step.kind === 'done') clientDone = step;
    }
    if (clientDone !== undefined && serverDone !== undefined) return { client: clientDone, server: serverDone, transcript };
    if (toServer.length === 0) throw new Error('key exchange stalled');
  }
  throw new Error('key exchange did not finish in 10 rounds');
}

/** Builds a payload: message number then a list of fields written by `fill`. */
export function payload(id: number, fill: (w: Writer) => void): Uint8Array {
  const w = new Writer().u8(id);
  fill(w);
  return w.finish();
}

/** Rebuilds an ECDH-style reply (string K_S, string Q_S, string sig) with another Q_S. */
export function replaceServerValue(reply: Uint8Array, value: Uint8Array): Uint8Array {
  const view = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  const hkLen = view.getUint32(1);
  const hostKey = reply.subarray(5, 5 + hkLen);
  const qLen = view.getUint32(5 + hkLen);
  const sig = reply.subarray(5 + hkLen + 4 + qLen + 4);
  return payload(31, (w) => w.bytesString(hostKey).bytesString(value).bytesString(sig));
}
