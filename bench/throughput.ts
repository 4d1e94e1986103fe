/**
 * Bulk throughput of one channel, side by side on the same OpenSSH sshd in the same run:
 * hush client vs OpenSSH ssh vs the ssh2 package's client, download (`head -c N /dev/zero`)
 * and upload (`cat > /dev/null`), per cipher. Library timings cover the transfer on an open
 * connection; `ssh` is timed as a whole command (its connection setup is ~1% of 1 GiB). Every
 * client runs in a process of its own (the Node ones through isolated.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parsePrivateKey } from '../src/keys/formats/index.js';
import { connect } from '../src/node/client.js';
import { startSshd } from '../test/harness/peers.js';
import { runIsolated } from './isolated.js';
import { loadSsh2, type Ssh2Flavour } from './ssh2-load.js';
import { pinnedCommand, pinProcess, throughputPinning } from './pinning.js';
import { rotated } from './order.js';
import { benchCells } from './throughput-server.js';

const HERE = new URL(import.meta.url);

export interface ThroughputResult {
  cipher: string;
  direction: 'download' | 'upload';
  implementation: 'hush client' | 'OpenSSH ssh' | 'ssh2 client' | 'ssh2 client (pure JS)';
  mibPerSec: number;
}

const CHUNK = Buffer.alloc(1024 * 1024);

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function hushRun(port: number, keyPath: string, cipher: string, mac: string | undefined, direction: 'download' | 'upload', bytes: number): Promise<number> {
  const c = await connect({
    host: '127.0.0.1',
    port,
    username: 'root',
    privateKey: parsePrivateKey(readFileSync(keyPath)),
    hostKey: () => true,
    transport: { algorithms: { cipher: [cipher], ...(mac ? { mac: [mac] } : {}) } },
  });
  try {
    const start = process.hrtime.bigint();
    if (direction === 'download') {
      const p = await c.spawn(`head -c ${bytes} /dev/zero`);
      let n = 0;
      p.stdout.on('data', (b: Buffer) => (n += b.length));
      await p.wait();
      if (n !== bytes) throw new Error(`hush download got ${n} of ${bytes} bytes`);
    } else {
      const p = await c.spawn('cat > /dev/null');
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

function opensshRun(port: number, keyPath: string, cipher: string, mac: string | undefined, direction: 'download' | 'upload', bytes: number, cpus: string | undefined): Promise<number> {
  const ssh = `ssh -p ${port} -i ${keyPath} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o Ciphers=${cipher}${mac ? ` -o MACs=${mac}` : ''} root@127.0.0.1`;
  const cmd = direction === 'download' ? `${ssh} 'head -c ${bytes} /dev/zero' > /dev/null` : `head -c ${bytes} /dev/zero | ${ssh} 'cat > /dev/null'`;
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const p = spawn(...pinnedCommand('sh', ['-c', cmd], cpus), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(bytes / seconds(start) / 2 ** 20) : reject(new Error(`ssh failed: ${err}`))));
  });
}

export async function ssh2Run(flavour: Ssh2Flavour, port: number, keyPath: string, cipher: string, mac: string | undefined, direction: 'download' | 'upload', bytes: number): Promise<number> {
  const { Client } = loadSsh2(flavour) as unknown as { Client: new () => Ssh2Client };
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.on('ready', resolve).on('error', reject);
    client.connect({
      host: '127.0.0.1',
      port,
      username: 'root',
      privateKey: readFileSync(keyPath),
      algorithms: { cipher: [cipher], ...(mac ? { hmac: [mac] } : {}) },
    });
  });
  try {
    const start = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      client.exec(direction === 'download' ? `head -c ${bytes} /dev/zero` : 'cat > /dev/null', (err, stream) => {
        if (err) return reject(err);
        let n = 0;
        stream.on('data', (b: Buffer) => (n += b.length));
        stream.stderr.resume();
        stream.on('close', () => (direction === 'download' && n !== bytes ? reject(new Error(`ssh2 got ${n}`)) : resolve()));
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
  }
}

interface Ssh2Stream extends NodeJS.ReadWriteStream {
  stderr: NodeJS.ReadableStream;
}
interface Ssh2Client {
  on(ev: string, fn: (...a: never[]) => void): Ssh2Client;
  connect(o: object): void;
  exec(cmd: string, cb: (err: Error | undefined, stream: Ssh2Stream) => void): void;
  end(): void;
}

export async function benchThroughput(opts: { quick: boolean; reps: number }): Promise<ThroughputResult[]> {
  const bytes = opts.quick ? 16 * 2 ** 20 : 2 ** 30;
  const dir = mkdtempSync(join(tmpdir(), 'hush-bench-'));
  const keyPath = join(dir, 'id');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
  const sshd = await startSshd({ authorizedKeys: [readFileSync(`${keyPath}.pub`, 'utf8').trim()], config: ['LogLevel ERROR', 'MaxStartups 100'] });
  // Client and server on CPUs of their own (pinning.ts); sshd's sessions inherit its CPU.
  const pin = throughputPinning();
  pinProcess(sshd.pid, pin?.server);
  const out: ThroughputResult[] = [];
  try {
    for (let rep = 0; rep < opts.reps; rep++) {
      for (const { cipher, mac, direction } of benchCells()) {
        // Each client in its own process, as ssh is (see isolated.ts); the order rotates (order.ts).
        const args = [sshd.port, keyPath, cipher, mac ?? null, direction, bytes];
        const clients: Array<[ThroughputResult['implementation'], () => Promise<number>]> = [
          ['hush client', () => runIsolated<number>(HERE, 'hushRun', args, pin?.client)],
          ['OpenSSH ssh', () => opensshRun(sshd.port, keyPath, cipher, mac, direction, bytes, pin?.client)],
          ['ssh2 client', () => runIsolated<number>(HERE, 'ssh2Run', ['installed', ...args], pin?.client)],
          ['ssh2 client (pure JS)', () => runIsolated<number>(HERE, 'ssh2Run', ['pure-js', ...args], pin?.client)],
        ];
        for (const [implementation, run] of rotated(clients, rep)) out.push({ cipher, direction, implementation, mibPerSec: await run() });
      }
    }
  } finally {
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
