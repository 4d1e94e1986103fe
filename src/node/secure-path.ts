/**
 * sshd's StrictModes check of a file it takes trust from (an authorized_keys file): the file and
 * every directory above it, up to the user's home (or up to / for a file outside it), must be
 * owned by root or by the user and writable by nobody else. Otherwise another local user who can
 * write there could put their key in (OpenSSH misc.c safe_path(), called for authorized_keys by
 * auth2-pubkeyfile.c).
 */
import { realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Group- or world-writable. */
const OTHERS_WRITE = 0o022;

/**
 * Why `path` may not be trusted for the user `uid` whose home is `home`, in sshd's words, or
 * undefined when it may. A file that does not exist is the caller's business (undefined).
 */
export function unsafePathReason(path: string, uid: number, home: string | undefined): string | undefined {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return undefined;
  }
  const ownerOk = (owner: number): boolean => owner === 0 || owner === uid;
  const st = statSync(real);
  if (!st.isFile()) return `${real} is not a regular file`;
  if (!ownerOk(st.uid) || (st.mode & OTHERS_WRITE) !== 0) return `bad ownership or modes for file ${real}`;
  let realHome: string | undefined;
  try {
    realHome = home === undefined ? undefined : realpathSync(home);
  } catch {
    realHome = undefined;
  }
  for (let dir = dirname(real); ; dir = dirname(dir)) {
    let d;
    try {
      d = statSync(dir);
    } catch {
      return `bad ownership or modes for directory ${dir}`;
    }
    if (!ownerOk(d.uid) || (d.mode & OTHERS_WRITE) !== 0) return `bad ownership or modes for directory ${dir}`;
    // Past the home directory nothing more is checked; a file outside it is checked up to /.
    if (dir === realHome || dir === '/' || dirname(dir) === dir) return undefined;
  }
}
