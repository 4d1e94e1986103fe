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

/** The account of `name`, or undefined when there is none. */
export function lookupUser(name: string): UserAccount | undefined {
  // A name with ':' or control characters can never be a passwd entry (and must not reach getent).
  if (!name || name.length > 256 || /[:\0-\x1f\x7f]/.test(name) || name.startsWith('-')) return undefined;
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0 || !r.stdout) return undefined;
  const u = parsePasswdLine(r.stdout.split('\n')[0]!);
  return u && u.name === name ? u : undefined;
}
