/**
 * Hashed known_hosts names (ssh_config(5) HashKnownHosts, OpenSSH hostfile.c):
 *
 *   |1|<base64 salt>|<base64 HMAC-SHA1(key = salt, message = name)>
 *
 * where the salt is 20 random bytes and the name is what would otherwise be written in clear,
 * "host" or "[host]:port". A hashed field holds exactly one name: it is compared whole.
 */
import { createHmac } from 'node:crypto';
import { base64Decode, base64Encode } from '../base64.js';

export const HASH_MAGIC = '|1|';
/** SHA-1 output length; OpenSSH insists the salt is exactly this long. */
export const HOST_HASH_SALT_LENGTH = 20;

const utf8 = new TextEncoder();

/** `|1|salt|hash` for `name` (already lower-cased and with its port, as it would be written). */
export function hashHostName(name: string, salt: Uint8Array): string {
  if (salt.length !== HOST_HASH_SALT_LENGTH) {
    throw new RangeError(`a known_hosts host hash salt is ${HOST_HASH_SALT_LENGTH} bytes, not ${salt.length}`);
  }
  const mac = createHmac('sha1', salt).update(utf8.encode(name)).digest();
  return `${HASH_MAGIC}${base64Encode(salt)}|${base64Encode(new Uint8Array(mac.buffer, mac.byteOffset, mac.length))}`;
}

/**
 * The salt of a hashed host field, or a reason why it is not one OpenSSH can use
 * (extract_salt(): the magic, a `|` after the salt, a salt of exactly 20 bytes).
 */
export function hashedHostSalt(field: string): Uint8Array | string {
  if (!field.startsWith(HASH_MAGIC)) return 'a hashed host must start with "|1|"';
  const rest = field.slice(HASH_MAGIC.length);
  const bar = rest.indexOf('|');
  if (bar < 0) return 'hashed host has no "|" after the salt';
  const b64 = rest.slice(0, bar);
  if (b64.length === 0 || b64.length > 1024) return 'hashed host has a bad salt length';
  let salt: Uint8Array;
  try {
    salt = base64Decode(b64);
  } catch {
    return 'hashed host salt is not valid base64';
  }
  if (salt.length !== HOST_HASH_SALT_LENGTH) {
    return `hashed host salt is ${salt.length} bytes, expected ${HOST_HASH_SALT_LENGTH}`;
  }
  return salt;
}

/** Whether a hashed field (with its salt already extracted) names `name`: the whole field must match. */
export function hashedHostMatches(field: string, salt: Uint8Array, name: string): boolean {
  return hashHostName(name, salt) === field;
}
