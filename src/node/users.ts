/** System user accounts (getpwnam through `getent passwd`, which follows NSS like sshd does). */
import { spawnSync } from 'node:child_process';

export interface UserAccount {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export function parsePasswdLine(line: string): UserAccount | undefined {
  const f = line.trim().split(':');
  if (f.length < 7) return undefined;
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
  return { name: f[0]!, uid, gid, home: f[5]!, shell: f[6]! };
}

/**
 * One login asks for the same account several times (the connection, each publickey attempt, the
 * session): answers are kept for a moment so that getent, a blocking child process, runs once per
 * login rather than four times. The moment is short, so a changed or removed account is seen at
 * the next login, and the table is small, so made-up names cannot grow it.
 */
const CACHE_MS = 2000;
const CACHE_MAX = 256;
const cache = new Map<string, { at: number; account: UserAccount | undefined }>();

/** The account of `name`, or undefined when there is none. */
export function lookupUser(name: string, now: number = Date.now()): UserAccount | undefined {
  // A name with ':' or control characters can never be a passwd entry (and must not reach getent).
  if (!name || name.length > 256 || /[:\0-\x1f\x7f]/.test(name) || name.startsWith('-')) return undefined;
  const hit = cache.get(name);
  if (hit && now - hit.at >= 0 && now - hit.at < CACHE_MS) return hit.account;
  const account = getent(name);
  cache.delete(name);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(name, { at: now, account });
  return account;
}

/** @internal for tests: how many answers are kept. */
export function userCacheSize(): number {
  return cache.size;
}

function getent(name: string): UserAccount | undefined {
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0 || !r.stdout) return undefined;
  const u = parsePasswdLine(r.stdout.split('\n')[0]!);
  return u && u.name === name ? u : undefined;
}

const groupCache = new Map<string, { at: number; groups: string[] }>();

/**
 * The names of the account's groups, primary and supplementary, as initgroups(3) sees them
 * through NSS (`id -Gn`), for AllowGroups, DenyGroups and Match Group. Kept for a moment like
 * accounts; empty when the account has none or cannot be looked up.
 */
export function userGroups(name: string, now: number = Date.now()): string[] {
  if (lookupUser(name, now) === undefined) return [];
  const hit = groupCache.get(name);
  if (hit && now - hit.at >= 0 && now - hit.at < CACHE_MS) return hit.groups;
  const r = spawnSync('id', ['-Gn', '--', name], { encoding: 'utf8', timeout: 5000 });
  const groups = r.status === 0 && r.stdout ? r.stdout.trim().split(/\s+/).filter(Boolean) : [];
  groupCache.delete(name);
  if (groupCache.size >= CACHE_MAX) groupCache.delete(groupCache.keys().next().value!);
  groupCache.set(name, { at: now, groups });
  return groups;
}
