/**
 * Whether a system account may still log in at all, whatever the method: pam_unix's account
 * check (passverify.c check_shadow_expiry), which sshd runs for every login on a PAM system
 * such as Debian, key logins included. An account past its expiry date (`chage -E`, `usermod
 * --expiredate`: the usual way to disable one) or whose password expired longer ago than its
 * inactivity period allows cannot log in. A password that must merely be changed does not stop
 * a key login here.
 *
 * /etc/shadow is read directly (root can; a server not running as root serves only its own
 * account and is told nothing here), and parsed again only when the file changes.
 */
import { readFileSync, statSync } from 'node:fs';

export type AccountState = 'expired' | 'inactive';

interface ShadowEntry {
  /** Days since 1970-01-01; undefined when the field is empty. */
  lastChange?: number;
  maxDays?: number;
  inactiveDays?: number;
  expire?: number;
}

let cached: { path: string; mtimeMs: number; size: number; entries: Map<string, ShadowEntry> } | undefined;

function field(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

function entries(path: string): Map<string, ShadowEntry> | undefined {
  let st;
  try {
    st = statSync(path);
  } catch {
    return undefined;
  }
  if (cached && cached.path === path && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.entries;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // not root: nothing to go by
  }
  const map = new Map<string, ShadowEntry>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 8 || !f[0]) continue;
    const e: ShadowEntry = {};
    const lastChange = field(f[2]);
    const maxDays = field(f[4]);
    const inactiveDays = field(f[6]);
    const expire = field(f[7]);
    if (lastChange !== undefined) e.lastChange = lastChange;
    if (maxDays !== undefined) e.maxDays = maxDays;
    if (inactiveDays !== undefined) e.inactiveDays = inactiveDays;
    if (expire !== undefined) e.expire = expire;
    map.set(f[0], e);
  }
  cached = { path, mtimeMs: st.mtimeMs, size: st.size, entries: map };
  return map;
}

/** 'expired' or 'inactive' when the account may not log in; undefined when it may (or nothing is known). */
export function accountState(user: string, now: number = Date.now(), path = '/etc/shadow'): AccountState | undefined {
  const e = entries(path)?.get(user);
  if (!e) return undefined;
  const today = Math.floor(now / 86_400_000);
  if (e.expire !== undefined && e.expire !== -1 && today >= e.expire) return 'expired';
  const { lastChange, maxDays, inactiveDays } = e;
  if (lastChange === undefined || lastChange === 0 || today < lastChange) return undefined;
  if (maxDays !== undefined && maxDays !== -1 && inactiveDays !== undefined && inactiveDays !== -1 && today - lastChange > maxDays + inactiveDays) {
    return 'inactive';
  }
  return undefined;
}
