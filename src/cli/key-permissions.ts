/**
 * sshkey_perm_ok(): a private key file of ours that others may read or write is not used, for
 * the client's identities (ssh) and for the server's host keys (sshd) alike.
 */
import { statSync } from 'node:fs';

/** The warning ssh and sshd print for such a file, or undefined when its permissions are fine (or it cannot be seen). */
export function unprotectedKeyWarning(path: string): string | undefined {
  let st;
  try {
    st = statSync(path);
  } catch {
    return undefined; // unreadable: reported when it is read
  }
  // Only a file owned by whoever runs us is judged (sshd: another owner's file is not our business).
  if (st.uid !== process.getuid?.() || (st.mode & 0o077) === 0) return undefined;
  return [
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    '@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @',
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    `Permissions 0${(st.mode & 0o777).toString(8)} for '${path}' are too open.`,
    'It is required that your private key files are NOT accessible by others.',
    'This private key will be ignored.',
  ].join('\n');
}
