/**
 * Key fingerprints as ssh-keygen -l prints them (OpenSSH 6.8+): `SHA256:` followed by the
 * unpadded base64 of SHA-256 over the public key blob; and the legacy colon-separated MD5 form.
 */
import { createHash } from 'node:crypto';
import { base64Encode } from './base64.js';

export function fingerprintSha256(publicKeyBlob: Uint8Array): string {
  return 'SHA256:' + base64Encode(createHash('sha256').update(publicKeyBlob).digest(), false);
}

/** `MD5:aa:bb:...` (ssh-keygen -E md5). For display to people used to it; not for decisions. */
export function fingerprintMd5(publicKeyBlob: Uint8Array): string {
  const d = createHash('md5').update(publicKeyBlob).digest();
  return 'MD5:' + Array.from(d, (b) => b.toString(16).padStart(2, '0')).join(':');
}
