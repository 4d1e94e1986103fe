/**
 * Stream a local file through a remote command with backpressure tied to the SSH window:
 *   node dist/examples/stream.js user@host[:port] ./big.file 'sha256sum'
 */
import { createReadStream, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { connect } from '../src/index.js';

const [target, file, command] = process.argv.slice(2);
const m = /^([^@]+)@([^:]+)(?::(\d+))?$/.exec(target ?? '');
if (!m || !file || !command) {
  console.error('usage: stream.js user@host[:port] file command');
  process.exit(2);
}
const client = await connect({
  host: m[2]!,
  port: Number(m[3] ?? 22),
  username: m[1]!,
  privateKey: readFileSync(process.env['HUSH_KEY'] ?? `${homedir()}/.ssh/id_ed25519`),
  hostKey: { strictHostKeyChecking: process.env['HUSH_ACCEPT_NEW'] ? 'accept-new' : 'yes' },
});
const proc = await client.spawn(command);
proc.stdout.pipe(process.stdout);
proc.stderr.pipe(process.stderr);
await pipeline(createReadStream(file), proc.stdin);
const { code } = await proc.wait();
await client.close();
process.exit(code ?? 255);
