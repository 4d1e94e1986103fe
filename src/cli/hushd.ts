#!/usr/bin/env node
/**
 * hushd: the hush SSH server, with sshd's habits.
 *   hushd [-46dDeqtT] [-C spec] [-f config] [-h host_key] [-o option] [-p port] [--state-dir dir]
 *         [--workers n|auto]
 * Without -f it serves 127.0.0.1:2222 as the current user, with an ed25519 host key generated on
 * first run and kept in the state directory; with -f it reads an sshd_config file (sshd_config(5)).
 * Publickey logins through the users' authorized_keys; shell / exec / PTY sessions run as the user.
 * `Workers n` (hush's own keyword; --workers is `-o Workers=n`) runs n worker processes under a
 * primary (hushd-workers.ts); the default, and -d, is one process.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, formatSshdConfigT, matchSshdConfig, parseSshdConfig, type ConfigFileSystem, type SshdConfig } from '../config/index.js';
import { SshError } from '../errors.js';
import { fingerprintSha256 } from '../keys/fingerprint.js';
import { parsePrivateKey, writeOpenSshPrivateKey } from '../keys/formats/index.js';
import { PrivateKey } from '../keys/private-key.js';
import { nodeConfigFs } from '../node/config-loader.js';
import { HUSH_VERSION } from '../version.js';
import { stderrSink, syslogSink } from './hushd-log.js';
import { serve } from './hushd-serve.js';
import { isWorker, runPrimary, runWorker, type Snapshot } from './hushd-workers.js';
import { userGroups } from '../node/users.js';
import { unprotectedKeyWarning } from './key-permissions.js';
import { sftpServerPath } from '../node/session-handler.js';

const USAGE = `usage: hushd [-46DdeqTt] [-C connection_spec] [-f config_file] [-h host_key_file]
             [-o option] [-p port] [--state-dir dir] [--syslog-socket path]
             [--workers n|auto]`;

/**
 * The configuration without -f: a per-user server on loopback (the project's main job). Like the
 * sshd_config that distributions ship, it serves the sftp subsystem with OpenSSH's sftp-server
 * when one is installed, so that sftp, and scp (which speaks SFTP since OpenSSH 9.0), work.
 */
function defaultConfig(): string {
  const sftp = sftpServerPath();
  return ['ListenAddress 127.0.0.1', 'Port 2222', ...(sftp ? [`Subsystem sftp ${sftp}`] : [])].join('\n');
}

interface Options {
  configFile: string | undefined;
  commandLine: string[];
  /** -p: replaces the config's Port lines, as sshd. */
  ports: number[];
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
      workers: { type: 'string' },
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
  const ports: number[] = [];
  for (const p of values.p ?? []) {
    if (!/^\d+$/.test(p) || Number(p) > 65535 || Number(p) === 0) throw new Error(`Bad port number: ${p}`);
    ports.push(Number(p));
  }
  if (values['4']) commandLine.push('AddressFamily inet');
  if (values['6']) commandLine.push('AddressFamily inet6');
  if (values.workers !== undefined) commandLine.push(`Workers ${values.workers}`);
  const stateBase = process.env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state');
  return {
    configFile: values.f,
    commandLine,
    ports,
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

/** Config file access that remembers what it read, for the workers' snapshot. */
function recordingFs(): { fs: ConfigFileSystem; files: Record<string, string>; dirs: Record<string, readonly string[]> } {
  const files: Record<string, string> = {};
  const dirs: Record<string, readonly string[]> = {};
  const fs: ConfigFileSystem = {
    readFile: (path) => {
      const text = nodeConfigFs.readFile(path);
      if (text !== undefined) files[path] = text;
      return text;
    },
    readDir: (path) => {
      const list = nodeConfigFs.readDir?.(path);
      if (list !== undefined) dirs[path] = list;
      return list;
    },
  };
  return { fs, files, dirs };
}

/** A snapshot as a file system: a worker parses exactly what the primary read. */
function snapshotFs(s: Snapshot): ConfigFileSystem {
  const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  return { readFile: (path) => (own(s.files, path) ? s.files[path] : undefined), readDir: (path) => (own(s.dirs, path) ? s.dirs[path] : undefined) };
}

function loadConfig(o: Options, fs: ConfigFileSystem): SshdConfig {
  const commandLineOptions = o.commandLine;
  const commandLinePorts = o.ports;
  if (o.configFile) {
    // As loadSshdConfig(), through `fs`.
    const text = fs.readFile(o.configFile);
    if (text === undefined) throw new ConfigError([{ file: o.configFile, line: 0, reason: `${o.configFile}: No such file or directory` }]);
    return parseSshdConfig({ path: o.configFile, text }, { home: userInfo().homedir, cwd: process.cwd(), commandLineOptions, commandLinePorts, fs });
  }
  return parseSshdConfig({ path: '(built-in defaults)', text: defaultConfig() }, { commandLineOptions, commandLinePorts, home: homedir(), cwd: process.cwd() });
}

interface HostKeyFile {
  readonly name: string;
  readonly data: Uint8Array;
}

/** Host key files: -h files, else HostKey lines, else the generated one in the state directory. */
function readHostKeyFiles(o: Options, cfg: SshdConfig): HostKeyFile[] {
  const files = o.hostKeyFiles.length > 0 ? o.hostKeyFiles : o.configFile ? [...cfg.global.hostKeys] : [];
  const read = (name: string): HostKeyFile => {
    try {
      return { name, data: readFileSync(name) };
    } catch (e) {
      throw new Error(`Unable to load host key ${name}: ${(e as Error).message}`);
    }
  };
  if (files.length > 0) {
    // As sshd: a host key others may read is not used (said loudly); without any key, no server.
    const usable = files.filter((name) => {
      const warning = unprotectedKeyWarning(name);
      if (warning === undefined) return true;
      log(`${warning}\nUnable to load host key "${name}": bad permissions`);
      return false;
    });
    if (usable.length === 0) throw new Error('no hostkeys available -- exiting.');
    return usable.map(read);
  }
  const path = join(o.stateDir, 'ssh_host_ed25519_key');
  if (existsSync(path)) return [read(path)];
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  const key = PrivateKey.generate('ed25519');
  const text = writeOpenSshPrivateKey(key, { comment: 'hushd host key' });
  writeFileSync(path, text, { mode: 0o600 });
  writeFileSync(`${path}.pub`, `${key.keyType} ${Buffer.from(key.publicKey).toString('base64')} hushd host key\n`, { mode: 0o644 });
  log(`Generated a new ed25519 host key: ${path}`);
  return [{ name: path, data: Buffer.from(text) }];
}

function parseHostKeys(files: readonly HostKeyFile[]): PrivateKey[] {
  return files.map((f) => {
    try {
      return parsePrivateKey(f.data, undefined, { name: f.name });
    } catch (e) {
      throw new Error(`Unable to load host key ${f.name}: ${(e as Error).message}`);
    }
  });
}

/** Reads and checks the configuration and host keys, keeping what was read for the workers. */
function load(o: Options): { cfg: SshdConfig; keys: PrivateKey[]; snapshot: Snapshot } {
  const rec = recordingFs();
  const cfg = loadConfig(o, rec.fs);
  const keyFiles = readHostKeyFiles(o, cfg);
  const keys = parseHostKeys(keyFiles);
  const hostKeys = keyFiles.map((f) => ({ name: f.name, data: Buffer.from(f.data).toString('base64') }));
  return { cfg, keys, snapshot: { files: rec.files, dirs: rec.dirs, hostKeys } };
}

/** A worker's configuration and keys, parsed from the primary's snapshot. */
function fromSnapshot(o: Options, s: Snapshot): { cfg: SshdConfig; keys: PrivateKey[] } {
  const cfg = loadConfig(o, snapshotFs(s));
  return { cfg, keys: parseHostKeys(s.hostKeys.map((k) => ({ name: k.name, data: Buffer.from(k.data, 'base64') }))) };
}

/** Worker processes to run: Workers (auto: one per available CPU); -d forces one, as sshd -d does not fork. */
function workerCount(o: Options, cfg: SshdConfig): number {
  if (o.debug > 0) return 1;
  const w = cfg.global.workers;
  return w === 'auto' ? availableParallelism() : w;
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
  if (isWorker()) {
    runWorker({
      load: (snapshot) => fromSnapshot(o, snapshot),
      log: () => ({ sink: o.stderr ? stderrSink() : syslogSink(o.syslogSocket), quiet: o.quiet, debug: o.debug > 0 }),
    });
    return;
  }
  const { cfg, keys: hostKeys, snapshot } = load(o);
  for (const w of cfg.global.warnings) log(w);
  // Said, not silently dropped: whoever brings an sshd_config sees what hushd does not do.
  for (const u of cfg.global.unsupported) log(`${u.file} line ${u.line}: ${u.keyword} is not implemented by hush; ignored`);
  const workers = workerCount(o, cfg);
  if (o.test) return;
  if (o.dump) {
    const spec = o.spec ? connectionSpec(o.spec) : undefined;
    // As sshd -T -C user=...: the user's groups take part in Match Group.
    const eff = spec ? matchSshdConfig(cfg, { ...spec, ...(spec.user !== undefined ? { groups: userGroups(spec.user) } : {}) }) : cfg.global;
    process.stdout.write(formatSshdConfigT({ ...eff, workers }));
    return;
  }
  // Runtime logs go to syslog unless -e/-d (as sshd); startup errors always go to stderr.
  const sink = o.stderr ? stderrSink() : syslogSink(o.syslogSocket);
  const info = (m: string) => !o.quiet && sink.line(m);
  for (const k of hostKeys) info(`Host key: ${k.keyType} ${fingerprintSha256(k.publicKey)}`);
  const first = cfg.global.listenAddresses[0];
  const connectWith = () => {
    if (first && !o.configFile) info(`Connect with: ssh -p ${first.port} ${first.host === '127.0.0.1' ? 'localhost' : first.host}`);
  };

  if (workers > 1) {
    runPrimary({
      count: workers,
      snapshot,
      reread: () => {
        const next = load(o);
        return { snapshot: next.snapshot, workers: workerCount(o, next.cfg) };
      },
      sink,
      quiet: o.quiet,
      fatal: (m) => {
        log(`hushd: ${m}`);
        sink.close();
        process.exit(1);
      },
      onReady: connectWith,
    });
    return;
  }

  const serving = await serve(cfg, hostKeys, { sink, quiet: o.quiet, debug: o.debug > 0 });
  for (const a of serving.addresses) info(`Server listening on ${a.host} port ${a.port}.`);
  connectWith();

  // SIGHUP: re-read the configuration and host keys; new connections get them, existing ones
  // carry on with what they had. (Listen addresses, ports and Workers stay as they were: changing
  // them needs a restart.) A broken file is reported and the running configuration kept.
  process.on('SIGHUP', () => {
    try {
      const next = load(o);
      serving.reload(next.cfg, next.keys);
      info('Received SIGHUP; configuration reloaded.');
    } catch (e) {
      info(`hushd: reload failed, keeping the running configuration: ${(e as Error).message}`);
    }
  });
  const stop = () => {
    info('Received signal; terminating.');
    void serving.stop().then(() => {
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
