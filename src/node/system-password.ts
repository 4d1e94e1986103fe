/**
 * Password checks for system accounts, through pam_unix's own helper `unix_chkpwd` (Debian:
 * libpam-modules-bin). It reads /etc/shadow with the shadow group's rights and knows every hash
 * the system uses (yescrypt, sha512crypt, ...), so hush never handles password hashes itself.
 * Run as root it checks any local account; run as a user, only that user's own password (which
 * matches what a non-root hushd can serve anyway). Accounts known only to other NSS sources
 * (LDAP, ...) are not checked: that needs the full PAM stack.
 *
 * Timing: a wrong password costs a full hash computation; an unknown user would answer at once and
 * reveal that the name does not exist. So refusals of unknown users are held for as long as the
 * slowest recent real check took (sshd runs a fake check for the same reason).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export type PasswordCheck = 'ok' | 'wrong' | 'unknown-user' | 'expired' | 'unavailable';

const HELPERS = ['/usr/sbin/unix_chkpwd', '/sbin/unix_chkpwd'];
let slowest = 0;

export function passwordHelper(): string | undefined {
  return HELPERS.find((p) => existsSync(p));
}

function run(helper: string, args: string[], input?: string): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(helper, args, { stdio: ['pipe', 'ignore', 'ignore'] });
    p.on('error', () => resolve(-1));
    p.on('exit', (code) => resolve(code ?? -1));
    // The helper may exit before reading (chkexpiry, unknown user): EPIPE here is not an error.
    p.stdin.on('error', () => undefined);
    // unix_chkpwd reads the password up to a NUL byte.
    p.stdin.end(input === undefined ? '' : `${input}\0`);
  });
}

export async function checkSystemPassword(user: string, password: string): Promise<PasswordCheck> {
  const helper = passwordHelper();
  if (!helper || !/^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}\$?$/.test(user) || password.length > 1024) return 'unavailable';
  const started = performance.now();
  // "nonull": empty passwords are refused (sshd's PermitEmptyPasswords no).
  const code = await run(helper, [user, 'nonull'], password);
  const took = performance.now() - started;
  if (code === 0 || code === 7) slowest = Math.max(slowest * 0.9, took);
  if (code === 7) return 'wrong';
  if (code === 9) {
    await new Promise((r) => setTimeout(r, Math.max(0, slowest - took)));
    return 'unknown-user';
  }
  if (code !== 0) return 'unavailable';
  // pam_unix's account check: an expired account or password cannot log in.
  const expiry = await run(helper, [user, 'chkexpiry']);
  return expiry === 0 ? 'ok' : 'expired';
}
