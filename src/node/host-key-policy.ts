/**
 * Host key trust for clients, backed by OpenSSH's known_hosts files: the user's
 * (~/.ssh/known_hosts, ~/.ssh/known_hosts2) and the global ones (/etc/ssh/ssh_known_hosts,
 * /etc/ssh/ssh_known_hosts2). The decision itself is src/keys/knownhosts/policy.ts.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DisconnectReason, SshError } from '../errors.js';
import { fingerprintSha256 } from '../keys/fingerprint.js';
import {
  decideHostKey,
  formatKnownHostsLine,
  keyLabel,
  KnownHosts,
  knownHostsName,
  type KnownHostsFile,
  type StrictHostKeyChecking,
} from '../keys/knownhosts/index.js';
import type { HostKeyVerifier } from './transport-socket.js';

export interface HostKeyQuestion {
  message: string;
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
  hostKey: Uint8Array;
}

export interface HostKeyPolicyOptions {
  host: string;
  port?: number;
  /** As OpenSSH's StrictHostKeyChecking; default 'ask' (and without an `ask` callback, ask means no). */
  strictHostKeyChecking?: StrictHostKeyChecking;
  userKnownHostsFiles?: readonly string[];
  globalKnownHostsFiles?: readonly string[];
  /** Write new lines hashed (HashKnownHosts). */
  hashKnownHosts?: boolean;
  /** Decides an unknown key in 'ask' mode (the CLI shows the message and reads yes/no/fingerprint). */
  ask?: (q: HostKeyQuestion) => boolean | Promise<boolean>;
  /** Told about keys added to known_hosts ("Warning: Permanently added ..."). */
  onWarning?: (message: string) => void;
}

export function defaultUserKnownHostsFiles(): string[] {
  const ssh = join(homedir(), '.ssh');
  return [join(ssh, 'known_hosts'), join(ssh, 'known_hosts2')];
}
export const DEFAULT_GLOBAL_KNOWN_HOSTS_FILES = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

function readKnownHostsFiles(paths: readonly string[]): KnownHostsFile[] {
  const out: KnownHostsFile[] = [];
  for (const path of paths) {
    try {
      out.push({ path, text: readFileSync(path, 'utf8') });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return out;
}

export interface HostKeyPolicy {
  verifyHostKey: HostKeyVerifier;
  /** Host key algorithms with those of keys already known for this host first (as ssh does). */
  hostKeyAlgorithms(defaults: readonly string[]): string[];
}

export function knownHostsPolicy(opts: HostKeyPolicyOptions): HostKeyPolicy {
  const port = opts.port ?? 22;
  const userFiles = opts.userKnownHostsFiles ?? defaultUserKnownHostsFiles();
  const globalFiles = opts.globalKnownHostsFiles ?? DEFAULT_GLOBAL_KNOWN_HOSTS_FILES;
  const load = () => new KnownHosts(readKnownHostsFiles([...userFiles, ...globalFiles]));
  const record = (blob: Uint8Array) => {
    const file = userFiles[0];
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    appendFileSync(file, formatKnownHostsLine(opts.host, port, blob, { hash: opts.hashKnownHosts ?? false }), { mode: 0o600 });
    opts.onWarning?.(`Warning: Permanently added '${knownHostsName(opts.host, port)}' (${keyLabel(blob)}) to the list of known hosts.`);
  };
  return {
    hostKeyAlgorithms: (defaults) => load().hostKeyAlgorithms(opts.host, port, [...defaults]),
    verifyHostKey: async (blob) => {
      const d = decideHostKey(load(), opts.host, port, blob, opts.strictHostKeyChecking ?? 'ask');
      switch (d.action) {
        case 'accept':
          return true;
        case 'record':
          record(blob);
          return true;
        case 'reject':
          throw d.error;
        case 'ask': {
          const q: HostKeyQuestion = {
            message: d.message,
            host: opts.host,
            port,
            keyType: keyLabel(blob),
            fingerprint: fingerprintSha256(blob),
            hostKey: blob,
          };
          if (opts.ask && (await opts.ask(q))) {
            record(blob);
            return true;
          }
          throw new SshError('ERR_HOST_KEY_REJECTED', `Host key verification failed (${q.keyType} ${q.fingerprint} for ${knownHostsName(opts.host, port)} was not accepted).`, {
            reason: DisconnectReason.HOST_KEY_NOT_VERIFIABLE,
          });
        }
      }
    },
  };
}
