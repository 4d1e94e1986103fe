// Client command builders. Each writes whatever files it needs into `dir` and points HOME (and
// PUTTYDIR) there, so no client reads or writes the real ~/.ssh, ~/.putty or known_hosts.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaryPath } from './availability.js';
import { publicKeyBody } from './keys.js';
import type { ClientCommand } from './processes.js';

export interface ClientOptions {
  /** Throwaway directory for config, known_hosts and HOME. */
  readonly dir: string;
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default root. */
  readonly user?: string;
  /** Flags placed just before the destination. */
  readonly extra?: readonly string[];
  /** Remote command words after the destination; none = the client's default (a shell). */
  readonly command?: readonly string[];
}

export interface OpensshClientOptions extends ClientOptions {
  /** OpenSSH-format private keys (ssh -i); IdentitiesOnly is set, so only these are offered. */
  readonly identityFiles?: readonly string[];
  /**
   * Public key lines of the server's host keys. When given they are written to known_hosts and
   * StrictHostKeyChecking is yes (a different key fails); otherwise any host key is accepted.
   */
  readonly knownHostKeys?: readonly string[];
  /** ssh_config lines, written first so they win (ssh keeps the first value), e.g. "LogLevel DEBUG3". */
  readonly configLines?: readonly string[];
}

let configCounter = 0;

/** `ssh -F <throwaway config> -p port ... user@host command`. */
export function opensshClientArgs(o: OpensshClientOptions): ClientCommand {
  const n = ++configCounter;
  const host = o.host ?? '127.0.0.1';
  const knownHosts = join(o.dir, `known_hosts.${n}`);
  const hostPattern = o.port === 22 ? host : `[${host}]:${o.port}`;
  writeFileSync(knownHosts, (o.knownHostKeys ?? []).map((l) => `${hostPattern} ${publicKeyBody(l)}\n`).join(''));
  const config = join(o.dir, `ssh_config.${n}`);
  const lines = [
    ...(o.configLines ?? []),
    `UserKnownHostsFile ${knownHosts}`,
    'GlobalKnownHostsFile /dev/null',
    `StrictHostKeyChecking ${o.knownHostKeys === undefined ? 'no' : 'yes'}`,
    'UpdateHostKeys no',
    'CheckHostIP no',
    'BatchMode yes',
    'IdentitiesOnly yes',
    'IdentityAgent none',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'ControlMaster no',
    'ControlPath none',
    'ConnectTimeout 10',
    'ServerAliveInterval 0',
  ];
  writeFileSync(config, lines.join('\n') + '\n');
  return {
    cmd: binaryPath('ssh'),
    args: [
      '-F', config,
      '-p', String(o.port),
      ...(o.identityFiles ?? []).flatMap((f) => ['-i', f]),
      ...(o.extra ?? []),
      `${o.user ?? 'root'}@${host}`,
      ...(o.command ?? []),
    ],
    env: { HOME: o.dir },
  };
}

export interface DbclientOptions extends ClientOptions {
  /** Dropbear-format private keys (see toDropbearKey): 2022.83 cannot read OpenSSH-format ones. */
  readonly identityFiles?: readonly string[];
  /** -c: of chacha20-poly1305@openssh.com, aes128-ctr, aes256-ctr in this build. */
  readonly ciphers?: readonly string[];
  /** -m: of hmac-sha1, hmac-sha2-256 in this build. */
  readonly macs?: readonly string[];
}

/**
 * `dbclient -y -y -p port ... user@host command`. dbclient has no known_hosts option: -y -y skips
 * host key checking entirely (a single -y would append to ~/.ssh/known_hosts). So dbclient tests
 * cannot check that the right host key was presented; use ssh or plink for that.
 */
export function dbclientArgs(o: DbclientOptions): ClientCommand {
  return {
    cmd: binaryPath('dbclient'),
    args: [
      '-y', '-y',
      '-p', String(o.port),
      ...(o.identityFiles ?? []).flatMap((f) => ['-i', f]),
      ...(o.ciphers === undefined ? [] : ['-c', o.ciphers.join(',')]),
      ...(o.macs === undefined ? [] : ['-m', o.macs.join(',')]),
      ...(o.extra ?? []),
      `${o.user ?? 'root'}@${o.host ?? '127.0.0.1'}`,
      ...(o.command ?? []),
    ],
    env: { HOME: o.dir },
  };
}

export interface PlinkOptions extends ClientOptions {
  /**
   * Accepted host keys for -hostkey (repeated): "SHA256:..." fingerprints (KeyFiles.fingerprint)
   * or MD5 hex. plink 0.78 has no accept-any switch, and with -batch an unknown key aborts.
   */
  readonly hostKeys: readonly string[];
  /** A PuTTY .ppk private key (see toPuttyKey). */
  readonly identityFile?: string;
  /** -v: the event log (kex, host key, ciphers) on stderr. */
  readonly verbose?: boolean;
  /** -sshlog <file>: packet log. */
  readonly sshLog?: string;
}

/** `plink -ssh -batch -no-antispoof -P port -hostkey ... -l user host command`. */
export function plinkArgs(o: PlinkOptions): ClientCommand {
  // PuTTY falls back to the passwd home's ~/.putty when $HOME/.putty is absent; PUTTYDIR wins.
  const puttyDir = join(o.dir, '.putty');
  mkdirSync(puttyDir, { recursive: true, mode: 0o700 });
  return {
    cmd: binaryPath('plink'),
    args: [
      '-ssh', '-batch', '-no-antispoof', '-noagent', '-noshare',
      '-P', String(o.port),
      '-l', o.user ?? 'root',
      ...o.hostKeys.flatMap((k) => ['-hostkey', k]),
      ...(o.identityFile === undefined ? [] : ['-i', o.identityFile]),
      ...(o.verbose === true ? ['-v'] : []),
      ...(o.sshLog === undefined ? [] : ['-sshlog', o.sshLog, '-logoverwrite']),
      ...(o.extra ?? []),
      o.host ?? '127.0.0.1',
      ...(o.command ?? []),
    ],
    env: { HOME: o.dir, PUTTYDIR: puttyDir },
  };
}

