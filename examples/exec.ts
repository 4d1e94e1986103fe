/**
 * Run one command on a server and print its output and exit status.
 *   node dist/examples/exec.js user@host[:port] 'uname -a'
 * Uses ~/.ssh/id_ed25519 (or $HUSH_KEY) and checks the host key against ~/.ssh/known_hosts
 * (set HUSH_ACCEPT_NEW=1 to record a host seen for the first time, as StrictHostKeyChecking=accept-new).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { connect } from '../src/index.js';

const [target, ...command] = process.argv.slice(2);
const m = /^([^@]+)@([^:]+)(?::(\d+))?$/.exec(target ?? '');
if (!m || command.length === 0) {
  console.error('usage: exec.js user@host[:port] command...');
  process.exit(2);
}
const client = await connect({
  host: m[2]!,
  port: Number(m[3] ?? 22),
  username: m[1]!,
  privateKey: readFileSync(process.env['HUSH_KEY'] ?? `${homedir()}/.ssh/id_ed25519`),
  hostKey: { strictHostKeyChecking: process.env['HUSH_ACCEPT_NEW'] ? 'accept-new' : 'yes' },
});
const r = await client.exec(command.join(' '));
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
await client.close();
process.exit(r.code ?? 255);
