/**
 * The I/O wrapper around the pure parsers: reads the files ssh and sshd read, with node:fs,
 * and fills in the local user, home, host name and environment. (This is the one file under
 * src/config that touches the system; it belongs with src/node/ in spirit.)
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { ConfigError } from '../config/errors.js';
import type { ConfigFileSystem } from '../config/include.js';
import { resolveSshConfig, type ResolveSshConfigOptions, type SshClientConfig, type SshConfigFile } from '../config/ssh-config.js';
import { parseSshdConfig, type ParseSshdConfigOptions, type SshdConfig } from '../config/sshd-config.js';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** ssh refuses a user or included configuration file that others could have written. */
function checkPermissions(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  if ((st.uid !== 0 && uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) {
    throw new ConfigError([{ file: path, line: 0, reason: `Bad owner or permissions on ${path}` }]);
  }
}

/** node:fs access for Include. */
export const nodeConfigFs: ConfigFileSystem = {
  readFile: readText,
  readDir: (path) => {
    try {
      return readdirSync(path);
    } catch {
      return undefined;
    }
  },
};

/** nodeConfigFs plus ssh's ownership/permission check on every file it reads. */
const checkedFs: ConfigFileSystem = {
  readFile: (path) => {
    const text = readText(path);
    if (text !== undefined) checkPermissions(path);
    return text;
  },
  ...(nodeConfigFs.readDir !== undefined ? { readDir: nodeConfigFs.readDir } : {}),
};

/** Home directories from /etc/passwd, for `~user/` paths. */
export function passwdHome(user: string): string | undefined {
  const passwd = readText('/etc/passwd');
  for (const line of passwd?.split('\n') ?? []) {
    const f = line.split(':');
    if (f[0] === user && f[5] !== undefined) return f[5];
  }
  return undefined;
}

/** Runs a `Match exec` command with the user's shell; true when it exits 0. */
export function shellExec(command: string): boolean {
  const shell = process.env['SHELL'] ?? '/bin/sh';
  // As ssh does: no stdin, output to /dev/null, errors visible.
  const r = spawnSync(shell, ['-c', command], { stdio: ['ignore', 'ignore', 'inherit'] });
  return r.status === 0;
}

export interface LoadSshConfigOptions {
  readonly host: string;
  readonly user?: string;
  readonly port?: number;
  /** `-F file`: read only this file (`none`: no file at all) instead of ~/.ssh/config and /etc/ssh/ssh_config. */
  readonly configFile?: string;
  readonly commandLineOptions?: readonly string[];
  readonly algorithms?: ResolveSshConfigOptions['algorithms'];
  /** Run `Match exec` commands (default true, as ssh does). */
  readonly allowExec?: boolean;
}

/** Reads ~/.ssh/config and /etc/ssh/ssh_config (or `-F` file) and resolves them for `host`. */
export function loadSshConfig(opts: LoadSshConfigOptions): SshClientConfig {
  const me = userInfo();
  const files: SshConfigFile[] = [];
  if (opts.configFile !== undefined) {
    if (opts.configFile.toLowerCase() !== 'none') {
      const text = readText(opts.configFile);
      if (text === undefined) throw new ConfigError([{ file: opts.configFile, line: 0, reason: `Can't open user config file ${opts.configFile}` }]);
      files.push({ path: opts.configFile, text });
    }
  } else {
    const user = `${me.homedir}/.ssh/config`;
    const userText = readText(user);
    if (userText !== undefined) {
      checkPermissions(user);
      files.push({ path: user, text: userText });
    }
    const sys = '/etc/ssh/ssh_config';
    const sysText = readText(sys);
    if (sysText !== undefined) files.push({ path: sys, text: sysText, system: true });
  }
  return resolveSshConfig({
    host: opts.host,
    ...(opts.user !== undefined ? { user: opts.user } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    files,
    ...(opts.commandLineOptions !== undefined ? { commandLineOptions: opts.commandLineOptions } : {}),
    localUser: me.username,
    home: me.homedir,
    uid: me.uid,
    hostname: hostname(),
    env: process.env,
    fs: checkedFs,
    homeOf: passwdHome,
    ...(opts.allowExec === false ? {} : { exec: shellExec }),
    ...(opts.algorithms !== undefined ? { algorithms: opts.algorithms } : {}),
  });
}

/** Reads an sshd_config (default /etc/ssh/sshd_config) and its Includes. */
export function loadSshdConfig(path = '/etc/ssh/sshd_config', opts: Omit<ParseSshdConfigOptions, 'fs'> = {}): SshdConfig {
  const text = readText(path);
  if (text === undefined) throw new ConfigError([{ file: path, line: 0, reason: `${path}: No such file or directory` }]);
  return parseSshdConfig({ path, text }, { home: userInfo().homedir, cwd: process.cwd(), ...opts, fs: nodeConfigFs });
}
