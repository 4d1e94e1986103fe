/**
 * authorized_keys: parsing and choosing the line for a presented key, as OpenSSH's sshd does.
 * Pure functions over file text: reading the file is the caller's job (src/node/).
 *
 *   const { entries, errors } = parseAuthorizedKeys(text);
 *   const entry = findAuthorizedKey(entries, publicKeyBlob, { address: socket.remoteAddress });
 *   if (entry !== undefined) ... entry.options.command, entry.options.pty, ...
 */
export { parseAuthorizedKeys, type AuthorizedKey, type AuthorizedKeysError, type ParsedAuthorizedKeys } from './parse.js';
export {
  DEFAULT_AUTHORIZED_KEY_OPTIONS,
  OptionError,
  parseAuthorizedKeyOptions,
  parseExpiryTime,
  type AuthorizedKeyOptions,
  type PermitTarget,
} from './options.js';
export {
  authorizedKeyRefusal,
  findAuthorizedCertAuthority,
  findAuthorizedKey,
  type AuthorizedKeyContext,
} from './find.js';
export {
  matchAddressList,
  matchFrom,
  normalizeAddress,
  parseIpAddress,
  type AddressListResult,
  type IpAddress,
} from './address-match.js';
