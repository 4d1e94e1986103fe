/**
 * A load generator process for bench/setup.ts: `concurrency` loops of connect + kex + publickey
 * auth + `exec true` + close against one server, for a given time. Forked by setup.ts, so that
 * the load is made by more than one process (one Node process would be the bottleneck, not the
 * server). Protocol over IPC:
 *   parent -> { port, keyPath, kex, concurrency, seconds }
 *   child  -> { type: 'ready' }                          (key parsed, modules loaded)
 *   parent -> { type: 'go' }
 *   child  -> { type: 'done', connections, seconds, cpuSeconds } | { type: 'error', message }
 */
import { readFileSync } from 'node:fs';
import { parsePrivateKey } from '../src/keys/formats/index.js';
import { connect } from '../src/node/client.js';

export interface LoadJob {
  port: number;
  keyPath: string;
  kex: string;
  concurrency: number;
  seconds: number;
}

export type LoadReport = { type: 'ready' } | { type: 'done'; connections: number; seconds: number; cpuSeconds: number } | { type: 'error'; message: string };

/** One connection: connect, key exchange, publickey auth, exec true, close. */
export async function oneConnection(port: number, key: ReturnType<typeof parsePrivateKey>, kex: string): Promise<void> {
  const c = await connect({ host: '127.0.0.1', port, username: 'root', privateKey: key, hostKey: () => true, transport: { algorithms: { kex: [kex] } } });
  const r = await c.exec('true');
  if (r.code !== 0) throw new Error(`exec true gave ${r.code}`);
  await c.close();
}

/** Runs `concurrency` loops until `seconds` have passed; connections completed and the time taken. */
export async function sustain(job: LoadJob, key: ReturnType<typeof parsePrivateKey>): Promise<{ connections: number; seconds: number; cpuSeconds: number }> {
  const deadline = Date.now() + job.seconds * 1000;
  let done = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (Date.now() < deadline) {
        await oneConnection(job.port, key, job.kex);
        done++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return { connections: done, seconds: Number(process.hrtime.bigint() - start) / 1e9, cpuSeconds: (used.user + used.system) / 1e6 };
}

if (process.send && process.argv[2] === 'setup-load') {
  const send = (m: LoadReport) => process.send!(m);
  let job: LoadJob | undefined;
  let key: ReturnType<typeof parsePrivateKey> | undefined;
  process.on('message', (m: LoadJob | { type: 'go' }) => {
    if (!('type' in m)) {
      job = m;
      key = parsePrivateKey(readFileSync(m.keyPath));
      send({ type: 'ready' });
      return;
    }
    sustain(job!, key!).then(
      (r) => {
        send({ type: 'done', ...r });
        process.disconnect();
      },
      (e: Error) => {
        send({ type: 'error', message: e.message });
        process.disconnect();
      },
    );
  });
}
