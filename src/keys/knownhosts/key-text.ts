/**
 * The "keytype base64-blob" pair that known_hosts and authorized_keys lines share (OpenSSH
 * sshkey_read()): the blob must decode and must name the same type as the text before it.
 * Types hush can use (ssh-ed25519, ecdsa-sha2-nistp*, ssh-rsa) are checked in full; others
 * (sk-*, ssh-dss, certificates, types from the future) are kept as opaque blobs, which is
 * all that matching a presented key against the file needs.
 */
import { SshError } from '../../errors.js';
import { base64Decode } from '../base64.js';
import { parsePublicKey, publicKeyType } from '../public-key.js';

export type KeyText =
  | { readonly ok: true; readonly keyType: string; readonly blob: Uint8Array }
  | { readonly ok: false; readonly reason: string };

const HUSH_TYPES: ReadonlySet<string> = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
]);

/** A key type name as it may appear in a file: printable, no separators. */
const TYPE_NAME = /^[\x21-\x7e]{1,127}$/;

export function readKeyText(type: string, base64: string): KeyText {
  if (!TYPE_NAME.test(type)) return { ok: false, reason: 'invalid key type name' };
  let blob: Uint8Array;
  try {
    blob = base64Decode(base64);
  } catch {
    return { ok: false, reason: `the ${shown(type)} key is not valid base64` };
  }
  let inner: string;
  try {
    inner = publicKeyType(blob);
  } catch {
    return { ok: false, reason: `the ${shown(type)} key blob is malformed` };
  }
  if (inner !== type) return { ok: false, reason: `the line says ${shown(type)} but the key is ${shown(inner)}` };
  if (HUSH_TYPES.has(type)) {
    try {
      parsePublicKey(blob);
    } catch (e) {
      const detail = e instanceof SshError ? e.message : String(e);
      return { ok: false, reason: `invalid ${type} key: ${detail}` };
    }
  }
  return { ok: true, keyType: type, blob };
}

/** Whether two key blobs are the same key (byte for byte, as they are stored). */
export function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A name read from a file, made safe to put in a message. */
export function shown(s: string): string {
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return JSON.stringify(t.length > 64 ? `${t.slice(0, 64)}...` : t);
}
