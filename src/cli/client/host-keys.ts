/**
 * The server's host key, checked as ssh(1) checks it (sshconnect.c check_host_key()): against
 * UserKnownHostsFile and GlobalKnownHostsFile, under HostKeyAlias or `host` / `[host]:port`,
 * with StrictHostKeyChecking deciding unknown keys, and ssh's own words for every outcome:
 * the unknown-host question, "Warning: Permanently added ...", the REMOTE HOST IDENTIFICATION
 * HAS CHANGED block with the offending file:line, and "Host key verification failed.".
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DisconnectReason, SshError } from '../../errors.js';
import { fingerprintSha256 } from '../../keys/fingerprint.js';
import {
  formatKnownHostsLine,
  keyLabel,
  KnownHosts,
  knownHostsName,
  type KnownHostsFile,
  type StrictHostKeyChecking,
} from '../../keys/knownhosts/index.js';
import { publicKeyType } from '../../keys/public-key.js';
import type { Logger } from './log.js';

export interface HostKeyCheckOptions {
  /** HostKeyAlias, or the host name connected to (HostName). */
  readonly host: string;
  /** 0 with HostKeyAlias (the alias is looked up without a port, as ssh does). */
  readonly port: number;
  /** "[addr]:port" / "addr" for the question, or a note when there is no address (ProxyCommand). */
  readonly addressLabel: string;
  readonly strict: StrictHostKeyChecking;
  readonly userFiles: readonly string[];
  readonly globalFiles: readonly string[];
  readonly hash: boolean;
  /** BatchMode: never ask. */
  readonly batchMode: boolean;
  readonly log: Logger;
  /** Asks the user; undefined when there is no terminal. */
  readonly prompt: (text: string) => string | undefined;
}

/** The error a failed check ends the connection with; the CLI prints "Host key verification failed.". */
export class HostKeyVerificationFailed extends SshError {
  constructor() {
    super('ERR_HOST_KEY_REJECTED', 'Host key verification failed.', { reason: DisconnectReason.HOST_KEY_NOT_VERIFIABLE });
  }
}

function readFiles(paths: readonly string[], log: Logger): KnownHostsFile[] {
  const out: KnownHostsFile[] = [];
  for (const path of paths) {
    try {
      out.push({ path, text: readFileSync(path, 'utf8') });
    } catch (e) {
      log.debug1(`load_hostkeys: fopen ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
    }
  }
  return out;
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** sshkey_ssh_name(): the name in "Server host key: ssh-ed25519 SHA256:...". */
function sshName(blob: Uint8Array): string {
  try {
    return publicKeyType(blob);
  } catch {
    return 'unknown';
  }
}

/** confirm(): yes, no (or empty, or end of file), or the fingerprint itself; anything else asks again. */
function confirm(o: HostKeyCheckOptions, question: string, fingerprint: string): boolean {
  for (let text = question; ; text = "Please type 'yes', 'no' or the fingerprint: ") {
    const answer = o.prompt(text);
    if (answer === undefined) return false;
    const word = answer.replace(/^[ \t]+/, '').split(/[ \t\n]/)[0] ?? '';
    if (word === '' || word.toLowerCase() === 'no') return false;
    if (word.toLowerCase() === 'yes' || word === fingerprint) return true;
  }
}

/**
 * Builds the verifier for connect({ hostKey }) and the host key algorithm order (known key
 * types first, as ssh orders them when HostKeyAlgorithms was not set).
 */
export function hostKeyChecker(o: HostKeyCheckOptions): {
  verify: (blob: Uint8Array) => Promise<boolean>;
  preferAlgorithms: (defaults: readonly string[]) => string[];
} {
  const name = knownHostsName(o.host, o.port);
  const load = () => new KnownHosts(readFiles([...o.userFiles, ...o.globalFiles], o.log));

  const record = (blob: Uint8Array): void => {
    const file = o.userFiles[0];
    if (file === undefined) return;
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      appendFileSync(file, formatKnownHostsLine(o.host, o.port, blob, { hash: o.hash }), { mode: 0o600 });
      o.log.info(`Warning: Permanently added '${name}' (${keyLabel(blob)}) to the list of known hosts.`);
    } catch (e) {
      o.log.error(`Failed to add the host to the list of known hosts (${file}).`);
      o.log.debug1(String((e as Error).message));
    }
  };

  const fail = (): never => {
    throw new HostKeyVerificationFailed();
  };

  const verify = async (blob: Uint8Array): Promise<boolean> => {
    const fp = fingerprintSha256(blob);
    const label = keyLabel(blob);
    o.log.debug1(`Server host key: ${sshName(blob)} ${fp}`);
    const known = load();
    const r = known.lookup(o.host, o.port, blob);
    switch (r.status) {
      case 'known': {
        const m = r.matches[0];
        if (r.withoutPort) o.log.debug1('checking without port identifier');
        o.log.debug1(`Host '${name}' is known and matches the ${label} host key.`);
        o.log.debug1(`Found key in ${m.path}:${m.line}`);
        return true;
      }
      case 'revoked': {
        o.log.error(
          [
            '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
            '@       WARNING: REVOKED HOST KEY DETECTED!               @',
            '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
            `The ${label} host key for ${name} is marked as revoked.`,
            'This could mean that a stolen key is being used to',
            'impersonate this host.',
          ].join('\n'),
        );
        return fail();
      }
      case 'changed': {
        const off = r.offending;
        o.log.error(
          [
            '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
            '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
            '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
            'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
            'Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
            'It is also possible that a host key has just been changed.',
            `The fingerprint for the ${label} key sent by the remote host is`,
            `${fp}.`,
            'Please contact your system administrator.',
            `Add correct host key in ${o.userFiles[0] ?? off.path} to get rid of this message.`,
            `Offending ${keyLabel(off.blob)} key in ${off.path}:${off.line}`,
            '  remove with:',
            `  hush-keygen -f "${off.path}" -R "${name}"`,
            // hush refuses a changed key in every mode (OpenSSH's `no` lets it through, restricted).
            `Host key for ${name} has changed and you have requested strict checking.`,
          ].join('\n'),
        );
        return fail();
      }
      case 'unknown':
        break;
    }
    switch (o.strict) {
      case 'yes':
        o.log.error(`No ${label} host key is known for ${name} and you have requested strict checking.`);
        return fail();
      case 'accept-new':
      case 'no':
        record(blob);
        return true;
      case 'ask': {
        if (o.batchMode) return fail();
        const others = known.entries.filter((e) => e.marker === 'none' && sameKey(e.blob, blob));
        const otherText =
          others.length === 0
            ? 'This key is not known by any other names.'
            : [
                'This host key is known by the following other names/addresses:',
                ...others.slice(0, 8).map((e) => `    ${e.path}:${e.line}: ${e.hashed ? '[hashed name]' : e.hosts}`),
                ...(others.length > 8 ? [`    (${others.length - 8} additional names omitted)`] : []),
              ].join('\n');
        const question =
          `The authenticity of host '${name} (${o.addressLabel})' can't be established.\n` +
          `${label} key fingerprint is ${fp}.\n` +
          `${otherText}\n` +
          'Are you sure you want to continue connecting (yes/no/[fingerprint])? ';
        if (!confirm(o, question, fp)) return fail();
        record(blob);
        return true;
      }
    }
  };

  return {
    verify,
    preferAlgorithms: (defaults) => {
      try {
        return new KnownHosts(readFiles([...o.userFiles, ...o.globalFiles], o.log)).hostKeyAlgorithms(o.host, o.port, defaults);
      } catch {
        return [...defaults];
      }
    },
  };
}
