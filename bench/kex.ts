/**
 * Complete key exchanges per second, per method: client and server sessions in memory doing all
 * their work (ephemeral keys, agreement, exchange hash), the server signing H with an Ed25519
 * host key and the client verifying that signature, as a handshake would.
 *
 *   node dist/bench/kex.js [--quick]
 */
import { createHash, randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { KexAlgorithm, KexStep } from '../src/algorithms/types.js';
import { DEFAULT_KEX, INSECURE_KEX, getKex } from '../src/kex/registry.js';
import { PrivateKey } from '../src/keys/private-key.js';
import { getSignatureAlgorithm } from '../src/keys/registry.js';
import { Writer } from '../src/wire/writer.js';

export interface KexBenchResult {
  name: string;
  /** Complete exchanges (client + server + sign + verify) per second. */
  perSecond: number;
}

const enc = new TextEncoder();
const PREFIX = new Writer()
  .utf8('SSH-2.0-hush_bench')
  .utf8('SSH-2.0-hush_bench_server')
  .bytesString(enc.encode('client kexinit'))
  .bytesString(enc.encode('server kexinit'))
  .finish();

function exchangeHash(alg: KexAlgorithm) {
  return (hostKey: Uint8Array, methodPart: Uint8Array, k: Uint8Array): Uint8Array => {
    const h = createHash(alg.hash);
    h.update(PREFIX);
    h.update(new Writer(4).u32(hostKey.length).finish());
    h.update(hostKey);
    h.update(methodPart);
    h.update(k);
    return h.digest();
  };
}

const random = (n: number): Uint8Array => randomBytes(n);

/** One full exchange; throws if the two sides disagree or the signature does not verify. */
function oneExchange(alg: KexAlgorithm, hostKey: PrivateKey): void {
  const hash = exchangeHash(alg);
  const client = alg.createClient({ random, exchangeHash: hash });
  const server = alg.createServer({
    random,
    exchangeHash: hash,
    hostKey: hostKey.publicKey,
    sign: (h) => hostKey.sign('ssh-ed25519', h),
  });
  let toServer = client.start();
  let clientDone: Extract<KexStep, { kind: 'done' }> | undefined;
  let serverDone: Extract<KexStep, { kind: 'done' }> | undefined;
  while (clientDone === undefined) {
    const toClient: Uint8Array[] = [];
    for (const m of toServer) {
      const s = server.receive(m);
      toClient.push(...s.messages);
      if (s.kind === 'done') serverDone = s;
    }
    toServer = [];
    for (const m of toClient) {
      const s = client.receive(m);
      toServer.push(...s.messages);
      if (s.kind === 'done') clientDone = s;
    }
  }
  if (serverDone === undefined || Buffer.compare(clientDone.exchangeHash, serverDone.exchangeHash) !== 0) {
    throw new Error(`${alg.name}: the two sides disagree`);
  }
  if (!ED25519.verify(clientDone.hostKey, clientDone.exchangeHash, clientDone.signature)) {
    throw new Error(`${alg.name}: host key signature does not verify`);
  }
}

const ED25519 = getSignatureAlgorithm('ssh-ed25519')!;

function measure(ms: number, minRuns: number, run: () => void): number {
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (n < minRuns || elapsed < ms) {
    run();
    n++;
    elapsed = performance.now() - start;
  }
  return (n * 1000) / elapsed;
}

export async function benchKex(opts: { quick: boolean }): Promise<KexBenchResult[]> {
  const ms = opts.quick ? 200 : 1000;
  const minRuns = opts.quick ? 3 : 10;
  const hostKey = PrivateKey.generate('ed25519');
  const results: KexBenchResult[] = [];
  for (const name of [...DEFAULT_KEX, ...INSECURE_KEX]) {
    const alg = getKex(name)!;
    const run = () => oneExchange(alg, hostKey);
    run(); // warm up (lazy group tables, JIT)
    results.push({ name, perSecond: measure(ms, minRuns, run) });
    await new Promise((resolve) => setImmediate(resolve));
  }
  return results;
}

async function main(): Promise<void> {
  const results = await benchKex({ quick: process.argv.includes('--quick') });
  const w = Math.max(...results.map((r) => r.name.length));
  console.log('complete key exchanges per second (client + server + Ed25519 host key sign/verify)');
  for (const r of results) {
    const insecure = INSECURE_KEX.includes(r.name) ? '  (insecure, opt-in)' : '';
    console.log(`${r.name.padEnd(w)}  ${r.perSecond.toFixed(1).padStart(8)}/s  ${(1000 / r.perSecond).toFixed(2).padStart(7)} ms${insecure}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
