/**
 * Choosing the authorized_keys line for a presented key, as sshd does
 * (auth2-pubkeyfile.c auth_check_authkey_line(), auth_authorise_keyopts()): the first line, in
 * file order, that lists the key and whose options let this connection use it. A line with the
 * key that refuses (wrong source, expired) does not end the search: a later line may allow it.
 */
import { sameKey } from '../knownhosts/key-text.js';
import { matchFrom, normalizeAddress } from './address-match.js';
import type { AuthorizedKey } from './parse.js';

export interface AuthorizedKeyContext {
  /** The client's IP address as text. IPv4-mapped IPv6 (::ffff:a.b.c.d) is read as IPv4. */
  readonly address?: string;
  /**
   * The client's host name, if the server resolves it (sshd UseDNS yes). Default: the address
   * itself, which is what sshd matches from= patterns against with UseDNS no (its default).
   */
  readonly hostname?: string;
  /** The current time, for expiry-time (default Date.now()). */
  readonly now?: Date | number;
}

/**
 * Why sshd would refuse `entry` for this connection, or undefined if it allows it. Checks
 * expiry-time, principals without cert-authority, and from=.
 */
export function authorizedKeyRefusal(entry: AuthorizedKey, context: AuthorizedKeyContext = {}): string | undefined {
  const o = entry.options;
  const nowMs = context.now === undefined ? Date.now() : typeof context.now === 'number' ? context.now : context.now.getTime();
  // sshd compares whole seconds: the key works through its last second.
  if (o.expiryTime !== undefined && Math.floor(o.expiryTime.getTime() / 1000) < Math.floor(nowMs / 1000)) {
    return `line ${entry.line}: key expired at ${o.expiryTime.toISOString()}`;
  }
  if (o.principals !== undefined && !o.certAuthority) return `line ${entry.line}: principals on a key that is not a cert-authority`;
  if (o.from !== undefined) {
    const address = context.address === undefined ? undefined : normalizeAddress(context.address);
    const hostname = context.hostname ?? address;
    switch (matchFrom(o.from, address, hostname)) {
      case 'allow':
        break;
      case 'invalid':
        return `line ${entry.line}: invalid from criteria "${o.from}"`;
      case 'deny':
        return `line ${entry.line}: not from a permitted host (host=${hostname ?? '?'}, ip=${address ?? '?'}, required=${o.from})`;
    }
  }
  return undefined;
}

/** The line that lets this key log in (a plain key, not a certificate), or undefined. */
export function findAuthorizedKey(
  entries: readonly AuthorizedKey[],
  keyBlob: Uint8Array,
  context: AuthorizedKeyContext = {},
): AuthorizedKey | undefined {
  return entries.find((e) => !e.options.certAuthority && sameKey(e.blob, keyBlob) && authorizedKeyRefusal(e, context) === undefined);
}

/**
 * The cert-authority line for a user certificate's signing CA key that this connection may
 * use, or undefined. The certificate's own checks (validity, principals, critical options) are
 * the caller's.
 */
export function findAuthorizedCertAuthority(
  entries: readonly AuthorizedKey[],
  caKeyBlob: Uint8Array,
  context: AuthorizedKeyContext = {},
): AuthorizedKey | undefined {
  return entries.find((e) => e.options.certAuthority && sameKey(e.blob, caKeyBlob) && authorizedKeyRefusal(e, context) === undefined);
}
