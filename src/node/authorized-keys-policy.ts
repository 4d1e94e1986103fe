/**
 * The default server policy for publickey authentication: the user's authorized_keys files, read
 * afresh for every attempt (as sshd does), with `from=` and `expiry-time=` applied and the
 * matching line's options kept for the session layer (command=, no-pty, permitopen=, ...).
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { ServerAuthRequest } from '../auth/server.js';
import { findAuthorizedKey, parseAuthorizedKeys, type AuthorizedKey } from '../keys/authorized-keys/index.js';
import type { AuthPolicy } from './authenticate.js';
import { unsafePathReason } from './secure-path.js';
import { lookupUser, type UserAccount } from './users.js';

export interface AuthorizedKeysPolicyOptions {
  /** sshd's AuthorizedKeysFile: `%h` home, `%u` user, `%%`; relative paths are under the home (default .ssh/authorized_keys). */
  authorizedKeysFiles?: readonly string[];
  /** Finds accounts (default: the system's, through getent). */
  users?: (name: string) => UserAccount | undefined;
  /** The client's address, for `from=` (sshd matches the address itself without UseDNS). */
  address?: string;
  now?: () => Date;
  /** Told why a key was not accepted (for logs). */
  onRefusal?: (user: string, reason: string) => void;
  /**
   * sshd's StrictModes (default true): a file, or a directory above it up to the user's home,
   * that is not owned by root or the user, or that others may write, is not read.
   */
  strictModes?: boolean;
}

export function expandAuthorizedKeysPath(pattern: string, user: UserAccount): string {
  const expanded = pattern.replace(/%[%hu]/g, (t) => (t === '%%' ? '%' : t === '%h' ? user.home : user.name));
  return isAbsolute(expanded) ? expanded : join(user.home, expanded);
}

export interface AuthorizedKeysPolicy {
  policy: AuthPolicy;
  /** The authorized_keys line that let this (user, key) in: its options govern the session. */
  entryFor(user: string, key: Uint8Array): AuthorizedKey | undefined;
}

export function authorizedKeysPolicy(opts: AuthorizedKeysPolicyOptions = {}): AuthorizedKeysPolicy {
  const files = opts.authorizedKeysFiles ?? ['.ssh/authorized_keys'];
  const users = opts.users ?? lookupUser;
  const find = (name: string, key: Uint8Array): AuthorizedKey | undefined => {
    const account = users(name);
    if (!account) {
      opts.onRefusal?.(name, 'no such user');
      return undefined;
    }
    for (const pattern of files) {
      const path = expandAuthorizedKeysPath(pattern, account);
      const unsafe = opts.strictModes === false ? undefined : unsafePathReason(path, account.uid, account.home);
      if (unsafe !== undefined) {
        opts.onRefusal?.(name, unsafe);
        continue;
      }
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue;
      }
      const entry = findAuthorizedKey(parseAuthorizedKeys(text).entries, key, {
        ...(opts.address !== undefined ? { address: opts.address } : {}),
        now: opts.now?.() ?? new Date(),
      });
      if (entry) return entry;
    }
    opts.onRefusal?.(name, 'key not in authorized_keys');
    return undefined;
  };
  return {
    policy: (req: ServerAuthRequest) => (req.method === 'publickey' && find(req.user, req.key) ? 'accept' : 'reject'),
    entryFor: find,
  };
}
