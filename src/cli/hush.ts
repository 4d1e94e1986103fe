#!/usr/bin/env node
/**
 * hush: an SSH client with ssh(1)'s habits.
 *
 *   hush [-46CGNnqTtVv] [-p port] [-l user] [-i identity]... [-F config] [-o Option=value]...
 *        [-E logfile] [-J jump] [-c ciphers] [-m macs] [-e escape_char] [-b bind_address]
 *        [user@]host | ssh://[user@]host[:port] [command ...]
 *
 * Configuration from ~/.ssh/config and /etc/ssh/ssh_config (or -F), -o overriding; `-G` prints
 * it as `ssh -G` does. Exit status: the remote command's, or 255 for a connection,
 * authentication or host key failure (one line on stderr saying why) or a command killed by a
 * signal. The pieces live in src/cli/client/.
 */
import { formatSshConfigG, type SshClientConfig } from '../config/index.js';
import { ConfigError } from '../config/index.js';
import { matchPattern } from '../keys/knownhosts/index.js';
import { loadSshConfig } from '../node/config-loader.js';
import { HUSH_VERSION } from '../version.js';
import { commandLineNameProblem, parseHushArgs, USAGE, UsageError, type HushArgs } from './client/args.js';
import { ConnectFailure, establish } from './client/connect.js';
import { DialError } from './client/dial.js';
import { Logger } from './client/log.js';
import { runSession } from './client/session.js';
import { RawMode } from './client/tty.js';
import { keepFreedMemory } from './malloc-tuning.js';
import { terminalSafe } from './safe-text.js';

const raw = new RawMode();
let log = new Logger('INFO');

/** Leaves raw mode, exits at once (errors and signals). */
function exit(code: number): never {
  raw.leave();
  process.exit(code);
}

/** Resolves once everything written to `s` so far has reached it (a write's callback runs after those before it). */
function flushed(s: NodeJS.WriteStream): Promise<void> {
  if (s.destroyed || s.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => s.write('', () => resolve()));
}

/**
 * The normal way out: the remote output still queued for stdout and stderr is written first.
 * Writes to a pipe are asynchronous in Node, and process.exit() drops what is queued: `hush host
 * cat big | wc -c` lost the end of the output when wc read more slowly than the data came.
 */
async function finish(code: number): Promise<never> {
  raw.leave();
  await flushed(process.stdout);
  await flushed(process.stderr);
  process.exit(code);
}

/** SendEnv patterns matched against the local environment, then SetEnv (which wins). */
function environment(c: SshClientConfig): Array<[string, string]> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    let send = false;
    for (const p of c.sendEnv) {
      // OpenSSH 8.7+: "-pattern" removes names an earlier pattern added.
      if (p.startsWith('-')) {
        if (matchPattern(name, p.slice(1))) send = false;
      } else if (matchPattern(name, p)) send = true;
    }
    if (send) out.set(name, value);
  }
  for (const e of c.setEnv) out.set(e.name, e.value);
  return [...out];
}

/** Whether to ask for a PTY (ssh.c: RequestTTY, -t/-T, a command given, stdin a terminal). */
function wantPty(c: SshClientConfig, a: HushArgs): boolean {
  const want = c.requestTty === 'yes' || c.requestTty === 'force' || (c.requestTty === 'auto' && a.command.length === 0);
  if (!want) return false;
  if (c.requestTty !== 'force' && (process.stdin.isTTY !== true || a.stdinNull)) {
    log.info('Pseudo-terminal will not be allocated because stdin is not a terminal.');
    return false;
  }
  return true;
}

async function main(argv: string[]): Promise<number> {
  const a = parseHushArgs(argv);
  if (a.version) {
    process.stderr.write(`hush ${HUSH_VERSION} (SSH-2.0-hush_${HUSH_VERSION})\n`);
    return 0;
  }
  if (a.logFile !== undefined) log = new Logger('INFO', a.logFile);
  for (const w of a.warnings) process.stderr.write(`${w}\n`);
  const badName = commandLineNameProblem(a);
  if (badName !== undefined) {
    process.stderr.write(`${badName}\n`);
    return 255;
  }
  let config: SshClientConfig;
  try {
    config = loadSshConfig({
      host: a.destination,
      ...(a.user !== undefined ? { user: a.user } : {}),
      ...(a.port !== undefined ? { port: a.port } : {}),
      ...(a.configFile !== undefined ? { configFile: a.configFile } : {}),
      commandLineOptions: a.options,
    });
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const p of e.problems) process.stderr.write(`${p.line > 0 ? `${p.file} line ${p.line}: ` : ''}${p.reason}\n`);
      return 255;
    }
    throw e;
  }
  if (a.printConfig) {
    process.stdout.write(formatSshConfigG(config));
    return 0;
  }
  log.level = config.logLevel;
  log.debug1(`hush ${HUSH_VERSION}`);
  if (keepFreedMemory()) log.debug3('malloc: freed memory kept for reuse (up to 64 MiB)');
  log.debug1(`Reading configuration data ${a.configFile ?? '~/.ssh/config, /etc/ssh/ssh_config'}`);
  for (const w of config.warnings) log.verbose(w);
  if (config.localForwards.length > 0 || config.remoteForwards.length > 0) log.info('hush: port forwarding is not supported yet; LocalForward, RemoteForward and DynamicForward are ignored');
  for (const u of config.unsupported) log.debug1(`${u.file} line ${u.line}: ${u.keyword} is not supported by hush; ignored`);

  const pty = !a.noSession && wantPty(config, a);
  const conn = await establish({
    config,
    log,
    ...(a.configFile !== undefined ? { configFile: a.configFile } : {}),
    commandLineIdentities: a.identityFiles,
  });

  if (a.noSession) {
    // -N: no command, no shell; up until the connection ends or we are told to stop.
    log.debug1('Entering interactive session (no session requested).');
    const e = await conn.client.closed;
    if (e !== undefined) log.error(e.code === 'ERR_TIMEOUT' ? `Timeout, server ${config.hostName} not responding.` : `Connection to ${config.hostName} closed by remote host.`);
    return 255;
  }
  const code = await runSession({
    conn,
    log,
    command: a.command.length > 0 ? a.command.join(' ') : undefined,
    pty,
    stdinNull: a.stdinNull,
    env: environment(config),
    escapeChar: config.escapeChar,
    raw,
    host: config.hostName,
  });
  await Promise.race([conn.close(), new Promise((r) => setTimeout(r, 1000).unref())]);
  return code;
}

/** An error's first line, safe for the terminal (messages may quote what the server sent). */
function oneLine(e: unknown): string {
  return terminalSafe((e instanceof Error ? e.message : String(e)).split('\n')[0] ?? 'error');
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    raw.leave();
    log.raw = false;
    log.verbose(`Killed by signal ${sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1}.`);
    exit(255);
  });
}
process.on('exit', () => raw.leave());
process.on('uncaughtException', (e) => {
  raw.leave();
  log.raw = false;
  process.stderr.write(`hush: ${oneLine(e)}\n`);
  exit(255);
});
process.stdout.on('error', () => exit(255)); // EPIPE: whoever read our output is gone

main(process.argv.slice(2)).then(
  (code) => finish(code),
  (e: unknown) => {
    raw.leave();
    log.raw = false;
    if (e instanceof UsageError) {
      if (e.message) process.stderr.write(`${terminalSafe(e.message)}\n`);
      if (e.showUsage) process.stderr.write(`${USAGE}\n`);
      exit(255);
    }
    if (e instanceof DialError) log.error(`hush: ${e.message}`);
    else if (e instanceof ConnectFailure) log.error(e.message);
    else if (e instanceof ConfigError) process.stderr.write(`${oneLine(e)}\n`);
    else log.error(`hush: ${oneLine(e)}`);
    exit(255);
  },
);
