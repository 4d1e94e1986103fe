/**
 * Many channels: 100 session channels open at once on one connection, each carrying its own
 * stream from server to client, library to library in one process (hush client <-> hush server,
 * ssh2 client <-> ssh2 server). The server side produces the bytes in memory (no child process),
 * so this measures the protocol libraries: channel multiplexing, windows, packetization, crypto.
 * Each implementation runs in a fresh process of its own (isolated.ts), the two never in one.
 *
 * Every channel's stream is a different pattern (64 KiB of random bytes, repeated), and the client
 * compares every byte it receives, in order, against its channel's pattern (memcmp, cheap next to
 * the crypto), and the count: a channel is verified when it received exactly its bytes.
 */
import { randomBytes } from 'node:crypto';
import { PrivateKey } from '../src/keys/private-key.js';
import { writeOpenSshPrivateKey } from '../src/keys/formats/index.js';
import { connect } from '../src/node/client.js';
import { createServer } from '../src/node/server.js';
import type { SessionChannel } from '../src/node/session-channel.js';
import { runIsolated } from './isolated.js';
import type { Ssh2Lib } from './ssh2-types.js';

export const CHANNELS = 100;
export const CHANNEL_CIPHERS = ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com'];

export interface ChannelsResult {
  implementation: 'hush <-> hush' | 'ssh2 <-> ssh2';
  cipher: string;
  channels: number;
  bytesPerChannel: number;
  mibPerSec: number;
  /** Channels that received exactly their bytes, in order. */
  verified: number;
}

const PERIOD = 64 * 1024;
const CHUNK = 4 * PERIOD; // what the server writes at a time: the pattern, 4 times

/** One pattern per channel: CHUNK bytes, PERIOD random bytes repeated (so every write is aligned). */
function makePatterns(): Buffer[] {
  return Array.from({ length: CHANNELS }, () => {
    const p = randomBytes(PERIOD);
    return Buffer.concat([p, p, p, p]);
  });
}

/** Checks a stream against a pattern as it arrives. */
class Verifier {
  received = 0;
  ok = true;
  constructor(private readonly pattern: Buffer) {}
  push(b: Uint8Array): void {
    for (let off = 0; off < b.length; ) {
      const o = this.received % PERIOD;
      const k = Math.min(b.length - off, this.pattern.length - o);
      if (this.ok && this.pattern.compare(b, off, off + k, o, o + k) !== 0) this.ok = false;
      off += k;
      this.received += k;
    }
  }
}

/** Writes `bytes` of `pattern`'s stream to `write`, respecting back-pressure, then calls `done`. */
function produce(pattern: Buffer, bytes: number, stream: NodeJS.WritableStream, done: () => void): void {
  let left = bytes;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, CHUNK);
      left -= n;
      if (!stream.write(n === CHUNK ? pattern : pattern.subarray(0, n))) return void stream.once('drain', pump);
    }
    done();
  };
  pump();
}

/** `download <channel index> <bytes>` */
function parseCommand(cmd: string): { index: number; bytes: number } | undefined {
  const m = /^download (\d+) (\d+)$/.exec(cmd);
  return m ? { index: Number(m[1]), bytes: Number(m[2]) } : undefined;
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

async function hushRun(port: number, key: PrivateKey, cipher: string, bytes: number, patterns: Buffer[]): Promise<{ mibPerSec: number; verified: number }> {
  const c = await connect({ host: '127.0.0.1', port, username: 'bench', privateKey: key, hostKey: () => true, transport: { algorithms: { cipher: [cipher] } } });
  try {
    const start = process.hrtime.bigint();
    const verifiers = await Promise.all(
      patterns.map(async (pattern, i) => {
        const p = await c.spawn(`download ${i} ${bytes}`);
        const v = new Verifier(pattern);
        p.stdout.on('data', (b: Buffer) => v.push(b));
        p.stderr.resume();
        const ended = new Promise<void>((r) => p.stdout.once('end', () => r()));
        await Promise.all([p.wait(), ended]);
        return v;
      }),
    );
    const elapsed = seconds(start);
    return { mibPerSec: (bytes * patterns.length) / elapsed / 2 ** 20, verified: verifiers.filter((v) => v.ok && v.received === bytes).length };
  } finally {
    await c.close();
  }
}


async function ssh2Server(lib: Ssh2Lib, hostKeyPem: string, patterns: Buffer[]): Promise<{ port: number; close(): void }> {
  const server = new lib.Server({ hostKeys: [hostKeyPem], algorithms: { cipher: CHANNEL_CIPHERS } }, (client) => {
    client
      .on('authentication', ((ctx: { accept(): void }) => ctx.accept()) as never)
      .on('ready', (() =>
        client.on('session', ((accept: () => { on(e: string, f: (...a: never[]) => void): void }) => {
          accept().on('exec', ((acc: () => NodeJS.ReadWriteStream & { exit(code: number): void }, rej: () => void, info: { command: string }) => {
            const cmd = parseCommand(info.command);
            if (!cmd || !patterns[cmd.index]) return rej();
            const stream = acc();
            produce(patterns[cmd.index]!, cmd.bytes, stream, () => {
              stream.exit(0);
              stream.end();
            });
          }) as never);
        }) as never)) as never)
      .on('error', (() => undefined) as never);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: server.address().port, close: () => server.close() };
}

async function ssh2Run(lib: Ssh2Lib, port: number, cipher: string, bytes: number, patterns: Buffer[]): Promise<{ mibPerSec: number; verified: number }> {
  const client = new lib.Client();
  await new Promise<void>((resolve, reject) => {
    client.on('ready', resolve as never);
    client.on('error', reject as never);
    client.connect({ host: '127.0.0.1', port, username: 'bench', password: 'x', algorithms: { cipher: [cipher] } });
  });
  try {
    const start = process.hrtime.bigint();
    const verifiers = await Promise.all(
      patterns.map(
        (pattern, i) =>
          new Promise<Verifier>((resolve, reject) => {
            client.exec(`download ${i} ${bytes}`, (err, stream) => {
              if (err) return reject(err);
              const v = new Verifier(pattern);
              stream.on('data', (b: Buffer) => v.push(b));
              stream.stderr.resume();
              stream.on('close', () => resolve(v));
              stream.end();
            });
          }),
      ),
    );
    const elapsed = seconds(start);
    return { mibPerSec: (bytes * patterns.length) / elapsed / 2 ** 20, verified: verifiers.filter((v) => v.ok && v.received === bytes).length };
  } finally {
    client.end();
  }
}

/** hush client <-> hush server, both made here, one run (through isolated.ts: a process of its own). */
export async function hushChannelsFresh(cipher: string, bytes: number): Promise<{ mibPerSec: number; verified: number }> {
  const patterns = makePatterns();
  const clientKey = PrivateKey.generate('ed25519');
  const clientBlob = Buffer.from(clientKey.publicKey);
  const sessions = (session: SessionChannel) => {
    session.on('request', (r: { type: string; data: Uint8Array; accept(): void; reject(): void }) => {
      const cmd = r.type === 'exec' ? parseCommand(Buffer.from(r.data.subarray(4)).toString()) : undefined;
      if (!cmd || !patterns[cmd.index]) return r.reject();
      r.accept();
      produce(patterns[cmd.index]!, cmd.bytes, session.stdout, () => session.stdout.end(() => session.exit(0)));
    });
  };
  const accept = (req: { method: string; key?: Uint8Array }) => (req.method === 'publickey' && req.key && Buffer.from(req.key).equals(clientBlob) ? 'accept' : 'reject');
  const hush = createServer({
    hostKeys: [PrivateKey.generate('ed25519')],
    authPolicy: accept as never,
    sessions,
    maxSessions: CHANNELS,
    users: () => ({ name: 'bench', uid: 0, gid: 0, home: '/', shell: '/bin/sh' }),
  });
  const port = (await hush.listen(0, '127.0.0.1')).port;
  try {
    return await hushRun(port, clientKey, cipher, bytes, patterns);
  } finally {
    await hush.close();
  }
}

/** ssh2 client <-> ssh2 server (as installed), both made here, one run (through isolated.ts). */
export async function ssh2ChannelsFresh(cipher: string, bytes: number): Promise<{ mibPerSec: number; verified: number }> {
  const patterns = makePatterns();
  const lib = (await import('ssh2')).default as unknown as Ssh2Lib;
  const s2 = await ssh2Server(lib, writeOpenSshPrivateKey(PrivateKey.generate('ed25519')), patterns); // ssh2 reads ed25519 keys in OpenSSH format only
  try {
    return await ssh2Run(lib, s2.port, cipher, bytes, patterns);
  } finally {
    s2.close();
  }
}

export async function benchChannels(opts: { quick: boolean; reps: number }): Promise<ChannelsResult[]> {
  const total = opts.quick ? 16 * 2 ** 20 : 2 ** 30;
  const bytes = Math.floor(total / CHANNELS);
  const here = new URL(import.meta.url);
  const out: ChannelsResult[] = [];
  for (let rep = 0; rep < opts.reps; rep++) {
    for (const cipher of CHANNEL_CIPHERS) {
      // Each implementation in a fresh process of its own (see isolated.ts).
      const hush = await runIsolated<{ mibPerSec: number; verified: number }>(here, 'hushChannelsFresh', [cipher, bytes]);
      out.push({ implementation: 'hush <-> hush', cipher, channels: CHANNELS, bytesPerChannel: bytes, ...hush });
      const ssh2 = await runIsolated<{ mibPerSec: number; verified: number }>(here, 'ssh2ChannelsFresh', [cipher, bytes]);
      out.push({ implementation: 'ssh2 <-> ssh2', cipher, channels: CHANNELS, bytesPerChannel: bytes, ...ssh2 });
    }
  }
  return out;
}

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, min: s[0]!, max: s[s.length - 1]! };
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** The Markdown table, and its rows as JSON. */
export function channelsTable(results: ChannelsResult[]): { lines: string[]; json: unknown[] } {
  const per = results[0]?.bytesPerChannel ?? 0;
  const mib = (b: number) => (b >= 2 ** 30 - 2 ** 20 ? `${(b / 2 ** 30).toFixed(0)} GiB` : `${fmt(b / 2 ** 20)} MiB`);
  const lines = [
    `## many channels: ${CHANNELS} concurrent session channels on one connection, server -> client, library to library in one process (${mib(per)} per channel, ${mib(per * CHANNELS)} in all; aggregate MiB/s, median (min-max))`,
    '',
    '| cipher | hush <-> hush | ssh2 <-> ssh2 | hush / ssh2 | channels verified (worst run) |',
    '|---|---:|---:|---:|---|',
  ];
  const json: unknown[] = [];
  for (const cipher of CHANNEL_CIPHERS) {
    const of = (impl: ChannelsResult['implementation']) => results.filter((r) => r.cipher === cipher && r.implementation === impl);
    const hush = of('hush <-> hush');
    const ssh2 = of('ssh2 <-> ssh2');
    if (!hush.length || !ssh2.length) continue;
    const h = stats(hush.map((r) => r.mibPerSec));
    const s = stats(ssh2.map((r) => r.mibPerSec));
    const hv = Math.min(...hush.map((r) => r.verified));
    const sv = Math.min(...ssh2.map((r) => r.verified));
    json.push({ cipher, channels: CHANNELS, bytesPerChannel: per, 'hush <-> hush': h, 'ssh2 <-> ssh2': s, ratio: h.median / s.median, verified: { hush: hv, ssh2: sv } });
    lines.push(
      `| ${cipher} | ${fmt(h.median)} (${fmt(h.min)}-${fmt(h.max)}) | ${fmt(s.median)} (${fmt(s.min)}-${fmt(s.max)}) | ${(h.median / s.median).toFixed(2)}x | hush ${hv}/${CHANNELS}, ssh2 ${sv}/${CHANNELS} |`,
    );
  }
  lines.push('', 'Each channel carries its own pattern; the client checks every byte, in order, and the count. The 100 opens arrive back to');
  lines.push('back, before the server application answers any (both servers with their defaults).');
  return { lines, json };
}
