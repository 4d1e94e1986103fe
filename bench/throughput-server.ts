/**
 * Bulk throughput, server side and library to library:
 * - OpenSSH `ssh` as the client, against hushd, OpenSSH sshd and the ssh2 package's server (as
 *   installed, and pure JS), each its own process running `head`/`cat`, download and upload per
 *   cipher, with the CPU each side spent;
 * - hush client <-> hush server in one process vs ssh2 client <-> ssh2 server in one process (both flavours),
 *   the server side producing / consuming the bytes in memory (no child process); each pair in a
 *   fresh process of its own (isolated.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePrivateKey, writeOpenSshPrivateKey } from '../src/keys/formats/index.js';
import { PrivateKey } from '../src/keys/private-key.js';
import { connect } from '../src/node/client.js';
import { createServer } from '../src/node/server.js';
import type { SessionChannel } from '../src/node/session-channel.js';
import { freePort, startSshd } from '../test/harness/peers.js';
import { cpuSeconds, startChild } from './setup.js';
import { runIsolated } from './isolated.js';
import { loadSsh2, ssh2Path, type Ssh2Flavour } from './ssh2-load.js';
import { pinnedCommand, pinProcess, throughputPinning } from './pinning.js';
import { rotated } from './order.js';

const HERE = new URL(import.meta.url);

export interface ServerThroughputResult {
  cipher: string;
  direction: 'download' | 'upload';
  implementation: string;
  mibPerSec: number;
  /** CPU seconds per GiB of the server process with the head/cat it ran (ssh -> server runs only). */
  serverCpuPerGiB?: number;
  /** CPU seconds per GiB of the ssh client and the head feeding or swallowing it (ssh -> server runs only). */
  clientCpuPerGiB?: number;
}

/** dash/bash `times`: the shell's own line, then its children's "XmY.YYs XmY.YYs" (user, system). */
function childrenTimes(out: string): number {
  const line = out.trim().split('\n').at(-1) ?? '';
  const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return secs.reduce((a, b) => a + b, 0);
}

export const BENCH_CIPHERS: Array<{ cipher: string; mac?: string }> = [
  { cipher: 'chacha20-poly1305@openssh.com' },
  { cipher: 'aes128-gcm@openssh.com' },
  { cipher: 'aes256-gcm@openssh.com' },
  { cipher: 'aes128-ctr', mac: 'hmac-sha2-256-etm@openssh.com' },
];

/** Every cell of a bulk-throughput table: each cipher, download then upload. */
export function* benchCells(): Generator<{ cipher: string; mac: string | undefined; direction: 'download' | 'upload' }> {
  for (const { cipher, mac } of BENCH_CIPHERS) {
    for (const direction of ['download', 'upload'] as const) yield { cipher, mac, direction };
  }
}

const CHUNK = Buffer.alloc(1024 * 1024);
/** The unmeasured first transfer each server gets per cipher and direction. */
export const WARM_UP_BYTES = (quick: boolean): number => (quick ? 2 ** 20 : 128 * 2 ** 20);
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/**
 * One transfer by OpenSSH ssh against a server; `serverCpu` reads the server side's CPU seconds
 * so far (process and reaped children). The ssh client's own CPU (with its head) comes from the
 * shell's `times`.
 */
async function sshRun(
  port: number,
  keyPath: string,
  cipher: string,
  mac: string | undefined,
  direction: string,
  bytes: number,
  serverCpu: () => number,
  clientCpus: string | undefined,
): Promise<{ mibPerSec: number; serverCpuPerGiB: number; clientCpuPerGiB: number }> {
  const ssh = `ssh -p ${port} -i ${keyPath} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o Ciphers=${cipher}${mac ? ` -o MACs=${mac}` : ''} root@127.0.0.1`;
  const transfer = direction === 'download' ? `${ssh} 'head -c ${bytes} /dev/zero' > /dev/null` : `head -c ${bytes} /dev/zero | ${ssh} 'cat > /dev/null'`;
  const cpu0 = serverCpu();
  const start = process.hrtime.bigint();
  const { elapsed, times } = await new Promise<{ elapsed: number; times: string }>((resolve, reject) => {
    const p = spawn(...pinnedCommand('sh', ['-c', `${transfer} && times`], clientCpus), { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('close', (code) => (code === 0 ? resolve({ elapsed: seconds(start), times: out }) : reject(new Error(`ssh failed (${code}): ${err}`))));
  });
  const gib = bytes / 2 ** 30;
  const client = childrenTimes(times);
  const server = serverCpu() - cpu0;
  return { mibPerSec: bytes / elapsed / 2 ** 20, serverCpuPerGiB: server / gib, clientCpuPerGiB: client / gib };
}

/** A session handler that produces or swallows bytes in memory: `download N` / `upload`. */
function memorySession(session: SessionChannel): void {
  session.on('request', (r: { type: string; data: Uint8Array; accept(): void; reject(): void }) => {
    if (r.type !== 'exec') return r.reject();
    r.accept();
    const cmd = Buffer.from(r.data.subarray(4)).toString();
    if (cmd.startsWith('download ')) {
      let left = Number(cmd.slice(9));
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, CHUNK.length);
          left -= n;
          if (!session.stdout.write(CHUNK.subarray(0, n))) return void session.stdout.once('drain', pump);
        }
        session.stdout.end(() => session.exit(0));
      };
      pump();
    } else {
      session.stdin.on('data', () => undefined);
      session.stdin.on('end', () => session.stdout.end(() => session.exit(0)));
    }
  });
}

/**
 * hush client <-> hush server in this process, the server made here (run through isolated.ts,
 * in a process of its own): the server accepts the key in `keyPath` and produces or swallows
 * the bytes in memory.
 */
export async function hushPairFresh(cipher: string, mac: string | undefined, direction: string, bytes: number, keyPath: string): Promise<number> {
  const line = readFileSync(`${keyPath}.pub`, 'utf8').trim();
  const blob = Buffer.from(line.split(' ')[1]!, 'base64');
  const accept = (req: { method: string; key?: Uint8Array }) => (req.method === 'publickey' && req.key && Buffer.from(req.key).equals(blob) ? 'accept' : 'reject');
  const mem = createServer({ hostKeys: [PrivateKey.generate('ed25519')], authPolicy: accept as never, sessions: memorySession, users: () => ({ name: 'bench', uid: 0, gid: 0, home: tmpdir(), shell: '/bin/sh' }) });
  const port = (await mem.listen(0, '127.0.0.1')).port;
  try {
    return await hushPair(cipher, mac, direction, bytes, port, parsePrivateKey(readFileSync(keyPath)));
  } finally {
    await mem.close();
  }
}

async function hushPair(cipher: string, mac: string | undefined, direction: string, bytes: number, port: number, key: PrivateKey): Promise<number> {
  const c = await connect({ host: '127.0.0.1', port, username: 'bench', privateKey: key, hostKey: () => true, transport: { algorithms: { cipher: [cipher], ...(mac ? { mac: [mac] } : {}) } } });
  try {
    const start = process.hrtime.bigint();
    const p = await c.spawn(direction === 'download' ? `download ${bytes}` : 'upload');
    if (direction === 'download') {
      let n = 0;
      p.stdout.on('data', (b: Buffer) => (n += b.length));
      await p.wait();
      if (n !== bytes) throw new Error(`hush pair got ${n}`);
    } else {
      p.stdout.resume();
      for (let sent = 0; sent < bytes; sent += CHUNK.length) {
        if (!p.stdin.write(CHUNK.subarray(0, Math.min(CHUNK.length, bytes - sent)))) await new Promise((r) => p.stdin.once('drain', r));
      }
      p.stdin.end();
      await p.wait();
    }
    return bytes / seconds(start) / 2 ** 20;
  } finally {
    await c.close();
  }
}


export async function ssh2Pair(flavour: Ssh2Flavour, cipher: string, mac: string | undefined, direction: string, bytes: number, hostKeyPem: string): Promise<number> {
  const lib = loadSsh2(flavour);
  const algorithms = { cipher: [cipher], ...(mac ? { hmac: [mac] } : {}) };
  const server = new lib.Server({ hostKeys: [hostKeyPem], algorithms }, (client) => {
    client
      .on('authentication', ((ctx: { accept(): void }) => ctx.accept()) as never)
      .on('ready', (() =>
        client.on('session', ((accept: () => { on(e: string, f: (...a: never[]) => void): void }) => {
          const session = accept();
          session.on('exec', ((acc: () => NodeJS.ReadWriteStream & { exit(code: number): void }, _rej: unknown, info: { command: string }) => {
            const stream = acc();
            if (info.command.startsWith('download ')) {
              let left = Number(info.command.slice(9));
              const pump = () => {
                while (left > 0) {
                  const n = Math.min(left, CHUNK.length);
                  left -= n;
                  if (!stream.write(CHUNK.subarray(0, n))) return void stream.once('drain', pump);
                }
                stream.exit(0);
                stream.end();
              };
              pump();
            } else {
              stream.on('data', () => undefined);
              stream.on('end', () => {
                stream.exit(0);
                stream.end();
              });
            }
          }) as never);
        }) as never)) as never);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const client = new lib.Client();
  await new Promise<void>((resolve, reject) => {
    client.on('ready', resolve as never);
    client.on('error', reject as never);
    client.connect({ host: '127.0.0.1', port, username: 'bench', password: 'x', algorithms });
  });
  try {
    const start = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      client.exec(direction === 'download' ? `download ${bytes}` : 'upload', (err, stream) => {
        if (err) return reject(err);
        let n = 0;
        stream.on('data', (b: Buffer) => (n += b.length));
        stream.stderr.resume();
        stream.on('close', () => (direction === 'download' && n !== bytes ? reject(new Error(`ssh2 pair got ${n}`)) : resolve()));
        if (direction === 'upload') {
          let sent = 0;
          const pump = () => {
            while (sent < bytes) {
              const chunk = CHUNK.subarray(0, Math.min(CHUNK.length, bytes - sent));
              sent += chunk.length;
              if (!stream.write(chunk)) return void stream.once('drain', pump);
            }
            stream.end();
          };
          pump();
        } else stream.end();
      });
    });
    return bytes / seconds(start) / 2 ** 20;
  } finally {
    client.end();
    server.close();
  }
}

/** bench/ssh2-server.ts as its own process (exec runs the command with /bin/sh -c), with that flavour of ssh2. */
async function startSsh2Server(flavour: Ssh2Flavour, hostKeyFile: string, line: string) {
  const script = fileURLToPath(new URL('./ssh2-server.js', import.meta.url));
  const { child, output } = await startChild(process.execPath, [script, hostKeyFile, line, ssh2Path(flavour)], /listening \d+/);
  const port = Number(/listening (\d+)/.exec(output())![1]);
  return { child, port, cpu: () => cpuSeconds(child.pid!) };
}

export async function benchServerThroughput(opts: { quick: boolean; reps: number }): Promise<ServerThroughputResult[]> {
  const bytes = opts.quick ? 16 * 2 ** 20 : 2 ** 30;
  const dir = mkdtempSync(join(tmpdir(), 'hush-bench-'));
  const keyPath = join(dir, 'id');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
  const line = readFileSync(`${keyPath}.pub`, 'utf8').trim();
  const sshd = await startSshd({ authorizedKeys: [line], config: ['LogLevel ERROR', 'MaxStartups 100'] });
  const hostKey = PrivateKey.generate('ed25519');
  const hostKeyPem = writeOpenSshPrivateKey(hostKey); // ssh2 reads ed25519 keys in OpenSSH format only
  const hostKeyFile = join(dir, 'host_key');
  writeFileSync(hostKeyFile, hostKeyPem, { mode: 0o600 });
  // hushd, its own process as sshd and the ssh2 servers are (sessions run `head` / `cat` with root's shell).
  const hushdPort = await freePort();
  const hushdConfig = join(dir, 'hushd_config');
  writeFileSync(join(dir, 'authorized_keys'), `${line}\n`);
  writeFileSync(hushdConfig, `ListenAddress 127.0.0.1\nPort ${hushdPort}\nHostKey ${hostKeyFile}\nAuthorizedKeysFile ${join(dir, 'authorized_keys')}\nStrictModes no\nLogLevel ERROR\n`);
  const hushd = await startChild(process.execPath, [fileURLToPath(new URL('../src/cli/hushd.js', import.meta.url)), '-e', '-f', hushdConfig], /Server listening/);
  const hushdCpu = () => cpuSeconds(hushd.child.pid!);
  const ssh2 = await startSsh2Server('installed', hostKeyFile, line);
  const ssh2Js = await startSsh2Server('pure-js', hostKeyFile, line);
  const sshdCpu = () => cpuSeconds(sshd.pid);
  // Client and server on CPUs of their own (pinning.ts); sessions inherit their server's.
  const pin = throughputPinning();
  for (const pid of [sshd.pid, hushd.child.pid!, ssh2.child.pid!, ssh2Js.child.pid!]) pinProcess(pid, pin?.server);
  const run = (port: number, cipher: string, mac: string | undefined, direction: 'download' | 'upload', cpu: () => number, n = bytes) =>
    sshRun(port, keyPath, cipher, mac, direction, n, cpu, pin?.client);
  const servers: Array<[string, number, () => number]> = [
    ['ssh -> hush server', hushdPort, hushdCpu],
    ['ssh -> sshd', sshd.port, sshdCpu],
    ['ssh -> ssh2 server', ssh2.port, ssh2.cpu],
    ['ssh -> ssh2 server (pure JS)', ssh2Js.port, ssh2Js.cpu],
  ];
  const out: ServerThroughputResult[] = [];
  try {
    // Servers run for long; the three in Node would otherwise spend part of their first
    // gigabytes compiling (V8's optimizing compiler, measured on a fresh hushd: its first two
    // 1 GiB downloads took 1.7 s, the fifth 1.1 s). Each server gets one transfer per cipher
    // and direction that is not measured.
    for (const { cipher, mac, direction } of benchCells()) {
      for (const [, port, cpu] of servers) await run(port, cipher, mac, direction, cpu, WARM_UP_BYTES(opts.quick));
    }
    for (let rep = 0; rep < opts.reps; rep++) {
      for (const { cipher, mac, direction } of benchCells()) {
        // The order rotates at each repetition (order.ts).
        for (const [implementation, port, cpu] of rotated(servers, rep)) out.push({ cipher, direction, implementation, ...(await run(port, cipher, mac, direction, cpu)) });
      }
    }
    // The library pairs after all the servers, each pair in a process of its own (see isolated.ts).
    for (let rep = 0; rep < opts.reps; rep++) {
      for (const { cipher, mac, direction } of benchCells()) {
        const pairs: Array<[string, () => Promise<number>]> = [
          ['hush <-> hush', () => runIsolated<number>(HERE, 'hushPairFresh', [cipher, mac ?? null, direction, bytes, keyPath])],
          ['ssh2 <-> ssh2', () => runIsolated<number>(HERE, 'ssh2Pair', ['installed', cipher, mac ?? null, direction, bytes, hostKeyPem])],
          ['ssh2 <-> ssh2 (pure JS)', () => runIsolated<number>(HERE, 'ssh2Pair', ['pure-js', cipher, mac ?? null, direction, bytes, hostKeyPem])],
        ];
        for (const [implementation, pair] of rotated(pairs, rep)) out.push({ cipher, direction, implementation, mibPerSec: await pair() });
      }
    }
  } finally {
    ssh2.child.kill('SIGTERM');
    ssh2Js.child.kill('SIGTERM');
    hushd.child.kill('SIGTERM');
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
