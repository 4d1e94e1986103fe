#!/usr/bin/env node
/**
 * hushd: the hush SSH server. Publickey logins through the users' authorized_keys, shell / exec /
 * PTY sessions run as the user. Configuration files (sshd_config) come with the CLI issue.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SshError } from '../errors.js';
import { fingerprintSha256 } from '../keys/fingerprint.js';
import { parsePrivateKey, writeOpenSshPrivateKey } from '../keys/formats/index.js';
import { PrivateKey } from '../keys/private-key.js';
import { createServer, type ConnectionInfo } from '../node/server.js';
import { HUSH_VERSION } from '../version.js';

const USAGE = `usage: hushd [-dDe] [-p port] [-h host_key_file] [-l listen_address] [--state-dir dir]`;

interface Options {
  port: number;
  listen: string;
  hostKeyFiles: string[];
  stateDir: string;
  debug: number;
}

function parse(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', short: 'p' },
      'host-key': { type: 'string', short: 'h', multiple: true },
      listen: { type: 'string', short: 'l' },
      'state-dir': { type: 'string' },
      debug: { type: 'boolean', short: 'd', multiple: true },
      foreground: { type: 'boolean', short: 'D' },
      stderr: { type: 'boolean', short: 'e' },
      help: { type: 'boolean' },
      version: { type: 'boolean', short: 'V' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.version) {
    console.log(`hushd ${HUSH_VERSION}`);
    process.exit(0);
  }
  const port = Number(values.port ?? 2222);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Bad port number: ${values.port}`);
  const stateBase = process.env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state');
  return {
    port,
    listen: values.listen ?? '127.0.0.1',
    hostKeyFiles: values['host-key'] ?? [],
    stateDir: values['state-dir'] ?? join(stateBase, 'hush'),
    debug: values.debug?.length ?? 0,
  };
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** Loads the configured host keys, or the generated one from the state directory (made on first run). */
function loadHostKeys(opts: Options): PrivateKey[] {
  if (opts.hostKeyFiles.length > 0) {
    return opts.hostKeyFiles.map((f) => {
      try {
        return parsePrivateKey(readFileSync(f), undefined, { name: f });
      } catch (e) {
        throw new Error(`Unable to load host key ${f}: ${(e as Error).message}`);
      }
    });
  }
  const path = join(opts.stateDir, 'ssh_host_ed25519_key');
  if (!existsSync(path)) {
    mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
    const key = PrivateKey.generate('ed25519');
    writeFileSync(path, writeOpenSshPrivateKey(key, { comment: 'hushd host key' }), { mode: 0o600 });
    log(`Generated a new ed25519 host key: ${path}`);
    return [key];
  }
  return [parsePrivateKey(readFileSync(path), undefined, { name: path })];
}

async function main(): Promise<void> {
  let opts: Options;
  try {
    opts = parse(process.argv.slice(2));
  } catch (e) {
    log(`hushd: ${(e as Error).message}\n${USAGE}`);
    process.exit(1);
  }
  const hostKeys = loadHostKeys(opts);
  for (const k of hostKeys) log(`Host key: ${k.keyType} ${fingerprintSha256(k.publicKey)}`);
  // As sshd: the users' authorized_keys files decide publickey logins; when not run as root only
  // the server's own user can log in (sessions cannot change user without privileges).
  const server = createServer({ hostKeys });
  const peer = (c: ConnectionInfo) => `${c.remoteAddress} port ${c.remotePort}`;
  server.on('connection', (c) => opts.debug && log(`Connection from ${peer(c)} on ${c.localAddress} port ${c.localPort}`));
  // sshd's wording: "Accepted publickey for USER from ADDR port N ssh2: ED25519 SHA256:..."
  const label = (t: string) => (t === 'ssh-ed25519' ? 'ED25519' : t.startsWith('ecdsa-') ? 'ECDSA' : t === 'ssh-rsa' ? 'RSA' : t.toUpperCase());
  server.on('authenticated', (e) =>
    log(`Accepted ${e.method} for ${e.user} from ${peer(e.connection)} ssh2${e.keyType ? `: ${label(e.keyType)} ${e.fingerprint}` : ''}`),
  );
  server.on('auth-failure', (e) => e.method !== 'none' && log(`Failed ${e.method} for ${e.user} from ${peer(e.connection)} ssh2`));
  server.on('disconnect', (e) => log(`Disconnected from ${e.user ? `user ${e.user} ` : ''}${peer(e.connection)}${e.reason ? `: ${e.reason}` : ''}`));
  const bound = await server.listen(opts.port, opts.listen);
  log(`Server listening on ${bound.address} port ${bound.port}.`);
  log(`Connect with: ssh -p ${bound.port} ${opts.listen === '127.0.0.1' ? 'localhost' : opts.listen}`);
  const stop = () => {
    log('Received signal; terminating.');
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  const msg = e instanceof SshError ? `${e.message} [${e.code}]` : (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `Bind to port failed: Address already in use.` : (e as Error).message;
  log(`hushd: ${msg}`);
  process.exit(1);
});
