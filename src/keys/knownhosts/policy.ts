/**
 * The client's host key decision, as OpenSSH's StrictHostKeyChecking (ssh_config(5)). Pure: it
 * says what to do; src/node/ reads and appends the files and asks the user.
 *
 *   yes         unknown keys are refused
 *   accept-new  unknown keys are recorded and accepted
 *   ask         unknown keys are shown to the user (or the application) for a decision
 *   no          unknown keys are recorded and accepted
 * In every mode a changed or revoked key is a hard failure (OpenSSH lets `no` through with
 * restrictions; hush does not).
 */
import { DisconnectReason, SshError } from '../../errors.js';
import { fingerprintSha256 } from '../fingerprint.js';
import { publicKeyType } from '../public-key.js';
import { knownHostsName } from './format.js';
import type { KnownHosts } from './known-hosts.js';

export type StrictHostKeyChecking = 'yes' | 'accept-new' | 'ask' | 'no';

export type HostKeyDecision =
  | { action: 'accept' }
  | { action: 'record' }
  | { action: 'ask'; message: string }
  | { action: 'reject'; error: SshError };

const LABELS: Record<string, string> = {
  'ssh-ed25519': 'ED25519',
  'ecdsa-sha2-nistp256': 'ECDSA',
  'ecdsa-sha2-nistp384': 'ECDSA',
  'ecdsa-sha2-nistp521': 'ECDSA',
  'ssh-rsa': 'RSA',
};

export function keyLabel(blob: Uint8Array): string {
  const t = publicKeyType(blob);
  return LABELS[t] ?? t.toUpperCase();
}

function rejected(message: string): SshError {
  return new SshError('ERR_HOST_KEY_REJECTED', message, { reason: DisconnectReason.HOST_KEY_NOT_VERIFIABLE });
}

export function decideHostKey(
  known: KnownHosts,
  host: string,
  port: number,
  blob: Uint8Array,
  mode: StrictHostKeyChecking,
): HostKeyDecision {
  const name = knownHostsName(host, port);
  const label = keyLabel(blob);
  const fp = fingerprintSha256(blob);
  const r = known.lookup(host, port, blob);
  switch (r.status) {
    case 'known':
      return { action: 'accept' };
    case 'revoked':
      return {
        action: 'reject',
        error: rejected(
          `REVOKED HOST KEY DETECTED: the ${label} host key for ${name} is marked as revoked (${r.matches[0]?.path}:${r.matches[0]?.line}). ` +
            `This could mean that a stolen key is being used to impersonate this host. Host key verification failed.`,
        ),
      };
    case 'changed': {
      const o = r.offending;
      return {
        action: 'reject',
        error: rejected(
          `REMOTE HOST IDENTIFICATION HAS CHANGED for ${name}! Someone could be eavesdropping on you right now ` +
            `(man-in-the-middle attack), or the host key has just been changed. The fingerprint for the ${label} key sent by ` +
            `the remote host is ${fp}. Offending ${keyLabel(o.blob)} key in ${o.path}:${o.line}. Host key verification failed.`,
        ),
      };
    }
    case 'unknown':
      switch (mode) {
        case 'yes':
          return {
            action: 'reject',
            error: rejected(`No ${label} host key is known for ${name} and you have requested strict checking. Host key verification failed.`),
          };
        case 'accept-new':
        case 'no':
          return { action: 'record' };
        case 'ask':
          return {
            action: 'ask',
            message:
              `The authenticity of host '${name}' can't be established.\n` +
              `${label} key fingerprint is ${fp}.\n` +
              `This key is not known by any other names.\n` +
              `Are you sure you want to continue connecting (yes/no/[fingerprint])? `,
          };
      }
  }
}
