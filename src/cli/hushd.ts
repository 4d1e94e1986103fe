#!/usr/bin/env node
/**
 * hushd: the hush SSH server. This first version runs the transport layer (version exchange,
 * key exchange, encryption, rekeying) and accepts the ssh-userauth service; user authentication
 * and sessions arrive with the next issues, so clients are refused at authentication for now.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SshError } from '../errors.js';
import { fingerprintSha256 } from '../keys/fingerprint.js';
import { parsePrivateKey, writeOpenSshPrivateKey } from '../keys/formats/index.js';
import { PrivateKey } from '../keys/private-key.js';
import { listenTransport, type TransportSocket } from '../node/transport-socket.js';
import { MSG } from '../messages/numbers.js';
import { Writer } from '../wire/writer.js';
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

/** RFC 4252 §5.1 SSH_MSG_USERAUTH_FAILURE with no method able to continue. */
function authFailure(): Uint8Array {
  return new Writer().u8(MSG.USERAUTH_FAILURE).nameList(['publickey']).bool(false).finish();
}

function serve(conn: TransportSocket, opts: Options): void {
  const sock = conn.driver.socket;
  const peer = `${sock.remoteAddress} port ${sock.remotePort}`;
  if (opts.debug) log(`Connection from ${peer}`);
  void conn.closed.then((err) => {
    if (!err) log(`Disconnected from ${peer}`);
    else if (err.code === 'ERR_PEER_DISCONNECTED') log(`Received disconnect from ${peer}: ${err.message}`);
    else log(`Connection from ${peer} closed: ${err.message} [${err.code}]`);
  });
  conn.onEvent((ev) => {
    if (ev.type === 'version' && opts.debug) {
      log(`Remote protocol version ${ev.version.protoVersion}, remote software version ${ev.version.softwareVersion}`);
    }
    if (ev.type === 'kex' && opts.debug) {
      const a = ev.algorithms;
      log(`kex: algorithm: ${a.kex}, host key algorithm: ${a.hostKey}, strict: ${ev.strict}`);
      log(`kex: client->server cipher: ${a.cipherClientToServer} MAC: ${a.macClientToServer ?? '<implicit>'} compression: ${a.compressionClientToServer}`);
      log(`kex: server->client cipher: ${a.cipherServerToClient} MAC: ${a.macServerToClient ?? '<implicit>'} compression: ${a.compressionServerToClient}`);
    }
    if (ev.type === 'payload' && ev.payload[0] === MSG.USERAUTH_REQUEST) {
      // User authentication is the next milestone; until then every attempt is refused.
      conn.act((t) => t.send(authFailure()));
    }
  });
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
  const listener = await listenTransport({ host: opts.listen, port: opts.port }, { hostKeys }, (conn) => serve(conn, opts));
  log(`Server listening on ${opts.listen} port ${listener.port}.`);
  log(`Connect with: ssh -p ${listener.port} ${opts.listen === '127.0.0.1' ? 'localhost' : opts.listen}`);
  const stop = () => {
    log('Received signal; terminating.');
    void listener.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  const msg = e instanceof SshError ? `${e.message} [${e.code}]` : (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `Bind to port failed: Address already in use.` : (e as Error).message;
  log(`hushd: ${msg}`);
  process.exit(1);
});
