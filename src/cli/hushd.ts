#!/usr/bin/env node
/**
 * hushd: the hush SSH server, with sshd's habits.
 *   hushd [-46dDeqtT] [-C spec] [-f config] [-h host_key] [-o option] [-p port] [--state-dir dir]
 * Without -f it serves 127.0.0.1:2222 as the current user, with an ed25519 host key generated on
 * first run and kept in the state directory; with -f it reads an sshd_config file (sshd_config(5)).
 * Publickey logins through the users' authorized_keys; shell / exec / PTY sessions run as the user.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, formatSshdConfigT, matchSshdConfig, parseSshdConfig, type SshdConfig } from '../config/index.js';
import { SshError } from '../errors.js';
import { fingerprintSha256 } from '../keys/fingerprint.js';
import { parsePrivateKey, writeOpenSshPrivateKey } from '../keys/formats/index.js';
import { PrivateKey } from '../keys/private-key.js';
import { loadSshdConfig } from '../node/config-loader.js';
import { createServer, type ConnectionInfo } from '../node/server.js';
import { HUSH_VERSION } from '../version.js';
import { serverOptions } from './hushd-config.js';
import { stderrSink, syslogSink } from './hushd-log.js';

const USAGE = `usage: hushd [-46DdeqTt] [-C connection_spec] [-f config_file] [-h host_key_file]
             [-o option] [-p port] [--state-dir dir] [--syslog-socket path]`;

/** The configuration without -f: a per-user server on loopback (the project's main job). */
const DEFAULT_CONFIG = ['ListenAddress 127.0.0.1', 'Port 2222'].join('\n');

interface Options {
  configFile: string | undefined;
  commandLine: string[];
  hostKeyFiles: string[];
  stateDir: string;
  debug: number;
  test: boolean;
  dump: boolean;
  spec: string | undefined;
  quiet: boolean;
  stderr: boolean;
  syslogSocket: string | undefined;
}

function parse(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      f: { type: 'string' },
      p: { type: 'string', multiple: true },
      h: { type: 'string', multiple: true },
      o: { type: 'string', multiple: true },
      C: { type: 'string' },
      d: { type: 'boolean', multiple: true },
      D: { type: 'boolean' },
      e: { type: 'boolean' },
      q: { type: 'boolean' },
      t: { type: 'boolean' },
      T: { type: 'boolean' },
      '4': { type: 'boolean' },
      '6': { type: 'boolean' },
      'state-dir': { type: 'string' },
      'syslog-socket': { type: 'string' },
      help: { type: 'boolean' },
      V: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.V) {
    console.log(`hushd ${HUSH_VERSION}`);
    process.exit(0);
  }
  const commandLine = [...(values.o ?? [])];
  for (const p of values.p ?? []) {
    if (!/^\d+$/.test(p) || Number(p) > 65535) throw new Error(`Bad port number: ${p}`);
    commandLine.push(`Port ${p}`);
  }
  if (values['4']) commandLine.push('AddressFamily inet');
  if (values['6']) commandLine.push('AddressFamily inet6');
  const stateBase = process.env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state');
  return {
    configFile: values.f,
    commandLine,
    hostKeyFiles: values.h ?? [],
    stateDir: values['state-dir'] ?? join(stateBase, 'hush'),
    debug: values.d?.length ?? 0,
    test: values.t ?? false,
    dump: values.T ?? false,
    spec: values.C,
    quiet: values.q ?? false,
    stderr: (values.e ?? false) || (values.d?.length ?? 0) > 0,
    syslogSocket: values['syslog-socket'],
  };
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);

function loadConfig(o: Options): SshdConfig {
  const commandLineOptions = o.commandLine;
  if (o.configFile) return loadSshdConfig(o.configFile, { commandLineOptions });
  return parseSshdConfig({ path: '(built-in defaults)', text: DEFAULT_CONFIG }, { commandLineOptions, home: homedir(), cwd: process.cwd() });
}

/** Host keys: -h files, else HostKey lines, else the generated one in the state directory. */
function loadHostKeys(o: Options, cfg: SshdConfig): PrivateKey[] {
  const files = o.hostKeyFiles.length > 0 ? o.hostKeyFiles : o.configFile ? [...cfg.global.hostKeys] : [];
  if (files.length > 0) {
    return files.map((f) => {
      try {
        return parsePrivateKey(readFileSync(f), undefined, { name: f });
      } catch (e) {
        throw new Error(`Unable to load host key ${f}: ${(e as Error).message}`);
      }
    });
  }
  const path = join(o.stateDir, 'ssh_host_ed25519_key');
  if (!existsSync(path)) {
    mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
    const key = PrivateKey.generate('ed25519');
    writeFileSync(path, writeOpenSshPrivateKey(key, { comment: 'hushd host key' }), { mode: 0o600 });
    writeFileSync(`${path}.pub`, `${key.keyType} ${Buffer.from(key.publicKey).toString('base64')} hushd host key\n`, { mode: 0o644 });
    log(`Generated a new ed25519 host key: ${path}`);
    return [key];
  }
  return [parsePrivateKey(readFileSync(path), undefined, { name: path })];
}

function connectionSpec(spec: string): { user?: string; address?: string; host?: string; localPort?: number } {
  const out: { user?: string; address?: string; host?: string; localPort?: number } = {};
  for (const part of spec.split(',')) {
    const [k, v] = part.split('=');
    if (!k || v === undefined) throw new Error(`Invalid test mode specification ${spec}`);
    if (k === 'user') out.user = v;
    else if (k === 'addr') out.address = v;
    else if (k === 'host') out.host = v;
    else if (k === 'lport') out.localPort = Number(v);
    else throw new Error(`Invalid test mode specification ${spec}`);
  }
  return out;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const cfg = loadConfig(o);
  for (const w of cfg.global.warnings) log(w);
  const hostKeys = loadHostKeys(o, cfg);
  if (o.test) return;
  if (o.dump) {
    process.stdout.write(formatSshdConfigT(o.spec ? matchSshdConfig(cfg, connectionSpec(o.spec)) : cfg.global));
    return;
  }
  const verbose = o.debug > 0 || cfg.global.logLevel.startsWith('DEBUG') || cfg.global.logLevel === 'VERBOSE';
  // Runtime logs go to syslog unless -e/-d (as sshd); startup errors always go to stderr.
  const sink = o.stderr ? stderrSink() : syslogSink(o.syslogSocket);
  const info = (m: string) => !o.quiet && sink.line(m);
  const peer = (c: ConnectionInfo) => `${c.remoteAddress} port ${c.remotePort}`;
  const label = (t: string) => (t === 'ssh-ed25519' ? 'ED25519' : t.startsWith('ecdsa-') ? 'ECDSA' : t === 'ssh-rsa' ? 'RSA' : t.toUpperCase());
  const build = (config: SshdConfig, keys: PrivateKey[]) => {
    const server = createServer(serverOptions(config, keys, { info, debug: (m) => verbose && sink.line(m) }));
    server.on('connection', (c) => verbose && sink.line(`Connection from ${peer(c)} on ${c.localAddress} port ${c.localPort}`));
    // sshd's wording: "Accepted publickey for USER from ADDR port N ssh2: ED25519 SHA256:..."
    server.on('authenticated', (e) =>
      info(`Accepted ${e.method} for ${e.user} from ${peer(e.connection)} ssh2${e.keyType ? `: ${label(e.keyType)} ${e.fingerprint}` : ''}`),
    );
    server.on('auth-failure', (e) => e.method !== 'none' && info(`Failed ${e.method} for ${e.user} from ${peer(e.connection)} ssh2`));
    server.on('disconnect', (e) => info(`Disconnected from ${e.user ? `user ${e.user} ` : ''}${peer(e.connection)}${e.reason ? `: ${e.reason}` : ''}`));
    return server;
  };
  let current = build(cfg, hostKeys);
  const retired: Array<ReturnType<typeof build>> = [];
  for (const k of hostKeys) info(`Host key: ${k.keyType} ${fingerprintSha256(k.publicKey)}`);

  // One listener per ListenAddress x Port; each connection goes to the current server.
  const listeners = await Promise.all(
    cfg.global.listenAddresses.map(
      (a) =>
        new Promise<ReturnType<typeof createNetServer>>((resolve, reject) => {
          const l = createNetServer({ noDelay: true }, (socket) => current.accept(socket));
          l.once('error', (e: NodeJS.ErrnoException) =>
            reject(new Error(e.code === 'EADDRINUSE' ? `Bind to port ${a.port} on ${a.host} failed: Address already in use.` : `${a.host} port ${a.port}: ${e.message}`)),
          );
          l.listen(a.port, a.host, () => {
            info(`Server listening on ${a.host} port ${(l.address() as { port: number }).port}.`);
            resolve(l);
          });
        }),
    ),
  );
  const first = cfg.global.listenAddresses[0];
  if (first && !o.configFile) info(`Connect with: ssh -p ${first.port} ${first.host === '127.0.0.1' ? 'localhost' : first.host}`);

  // SIGHUP: re-read the configuration and host keys; new connections get them, existing ones
  // carry on with what they had. (Listen addresses and ports stay as they were: changing them
  // needs a restart.) A broken file is reported and the running configuration kept.
  process.on('SIGHUP', () => {
    try {
      const next = loadConfig(o);
      const keys = loadHostKeys(o, next);
      retired.push(current);
      current = build(next, keys);
      info('Received SIGHUP; configuration reloaded.');
    } catch (e) {
      info(`hushd: reload failed, keeping the running configuration: ${(e as Error).message}`);
    }
  });
  const stop = () => {
    info('Received signal; terminating.');
    for (const l of listeners) l.close();
    void Promise.all([current, ...retired].map((s) => s.close())).then(() => {
      sink.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  const msg =
    e instanceof ConfigError ? e.message : e instanceof SshError ? `${e.message}` : (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? `${(e as Error).message}\n${USAGE}` : (e as Error).message;
  log(`hushd: ${msg}`);
  process.exit(1);
});
