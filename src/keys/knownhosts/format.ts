/**
 * Writing known_hosts lines the way ssh(1) records a new host key (OpenSSH hostfile.c
 * format_host_entry(), misc.c put_host_port()):
 *
 *   host keytype base64\n                    port 22
 *   [host]:port keytype base64\n             any other port
 *   host,address keytype base64\n            CheckHostIP with an address
 *   |1|salt|hash keytype base64\n            HashKnownHosts (one line per name)
 *
 * The host is lower-cased; no comment is written.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { SshError } from '../../errors.js';
import { base64Encode } from '../base64.js';
import { publicKeyType } from '../public-key.js';
import { HOST_HASH_SALT_LENGTH, hashHostName } from './host-hash.js';
import { shown } from './key-text.js';
import { asciiLower } from './patterns.js';

export const DEFAULT_SSH_PORT = 22;

export interface FormatKnownHostsOptions {
  /** Write the name hashed (`|1|salt|hash`), as HashKnownHosts yes does. Default false. */
  readonly hash?: boolean;
  /** The 20-byte salt for a hashed name; default random. With `address`, used for the host line only. */
  readonly salt?: Uint8Array;
  /** Randomness for salts (default node:crypto randomBytes). */
  readonly randomBytes?: (n: number) => Uint8Array;
  /**
   * The server's address, recorded too (CheckHostIP): "host,address" in clear, or a second
   * hashed line for the address.
   */
  readonly address?: string;
}

/** Characters ssh(1) refuses to record in a host name (sshconnect.c), plus separators. */
const UNRECORDABLE = /[@?*#[\]|'"\\,\s\x00-\x1f\x7f]/;

/**
 * The name a host is recorded and looked up under: lower case, and `[host]:port` unless the
 * port is 22 (or 0, "unspecified").
 */
export function knownHostsName(host: string, port: number = DEFAULT_SSH_PORT): string {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SshError('ERR_KEY', `invalid port ${port}`);
  const lower = asciiLower(host);
  return port === 0 || port === DEFAULT_SSH_PORT ? lower : `[${lower}]:${port}`;
}

function checkRecordable(name: string, what: string): void {
  if (name === '' || UNRECORDABLE.test(name)) {
    throw new SshError('ERR_KEY', `cannot record ${what} ${shown(name)} in known_hosts: it is empty or holds a character that is not allowed there`);
  }
}

/** One known_hosts line (or two, for a hashed name with an address), ending in "\n". */
export function formatKnownHostsLine(
  host: string,
  port: number,
  keyBlob: Uint8Array,
  options: FormatKnownHostsOptions = {},
): string {
  checkRecordable(host, 'host name');
  if (options.address !== undefined) checkRecordable(options.address, 'address');
  let keyType: string;
  try {
    keyType = publicKeyType(keyBlob);
  } catch (e) {
    throw new SshError('ERR_KEY', 'not a public key blob', { cause: e });
  }
  const key = `${keyType} ${base64Encode(keyBlob)}`;
  const name = knownHostsName(host, port);
  const address = options.address === undefined ? undefined : knownHostsName(options.address, port);
  if (options.hash !== true) return `${address === undefined ? name : `${name},${address}`} ${key}\n`;

  const random = options.randomBytes ?? ((n: number) => new Uint8Array(nodeRandomBytes(n)));
  const salt = options.salt ?? random(HOST_HASH_SALT_LENGTH);
  let out = `${hashHostName(name, salt)} ${key}\n`;
  if (address !== undefined) out += `${hashHostName(address, random(HOST_HASH_SALT_LENGTH))} ${key}\n`;
  return out;
}
