/**
 * Key fingerprints as ssh-keygen -l prints them (OpenSSH 6.8+): `SHA256:` followed by the
 * unpadded base64 of SHA-256 over the public key blob; and the legacy colon-separated MD5 form.
 *
 * formatFingerprintLine() reproduces a whole `ssh-keygen -l [-E hash] -f file` line,
 * `<bits> <fingerprint> <comment> (<TYPE>)`, byte for byte (checked against OpenSSH 9.2 in
 * test/keys/fingerprint-randomart.test.ts). The randomart picture `-lv` adds is in randomart.ts.
 */
import { createHash } from 'node:crypto';
import { SshError, WireError } from '../errors.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { base64Encode } from './base64.js';
import { ecdsaCurveByKeyType, ED25519_KEY_LENGTH, parsePublicKey } from './public-key.js';

export function fingerprintSha256(publicKeyBlob: Uint8Array): string {
  return 'SHA256:' + base64Encode(createHash('sha256').update(publicKeyBlob).digest(), false);
}

/** `MD5:aa:bb:...` (ssh-keygen -E md5). For display to people used to it; not for decisions. */
export function fingerprintMd5(publicKeyBlob: Uint8Array): string {
  const d = createHash('md5').update(publicKeyBlob).digest();
  return 'MD5:' + Array.from(d, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The digests `ssh-keygen -E` accepts. */
export type FingerprintHash = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';

export const FINGERPRINT_HASHES: readonly FingerprintHash[] = ['md5', 'sha1', 'sha256', 'sha384', 'sha512'];

/** OpenSSH's name for a digest (ssh_digest_alg_name): the fingerprint prefix and randomart footer. */
export function fingerprintHashName(hash: FingerprintHash): string {
  switch (hash) {
    case 'md5':
      return 'MD5';
    case 'sha1':
      return 'SHA1';
    case 'sha256':
      return 'SHA256';
    case 'sha384':
      return 'SHA384';
    case 'sha512':
      return 'SHA512';
    default:
      throw new SshError('ERR_UNSUPPORTED', `unsupported fingerprint hash "${String(hash)}"`);
  }
}

/** The raw digest a fingerprint (and a randomart picture) is drawn from. */
export function fingerprintDigest(publicKeyBlob: Uint8Array, hash: FingerprintHash = 'sha256'): Uint8Array {
  fingerprintHashName(hash); // rejects anything else before node:crypto sees it
  return new Uint8Array(createHash(hash).update(publicKeyBlob).digest());
}

/**
 * The fingerprint as `ssh-keygen -l -E <hash>` shows it: hex pairs joined by ":" for MD5,
 * unpadded base64 for the others, each after "<HASHNAME>:".
 */
export function fingerprint(publicKeyBlob: Uint8Array, hash: FingerprintHash = 'sha256'): string {
  const d = fingerprintDigest(publicKeyBlob, hash);
  const body = hash === 'md5' ? Array.from(d, (b) => b.toString(16).padStart(2, '0')).join(':') : base64Encode(d, false);
  return `${fingerprintHashName(hash)}:${body}`;
}

/** What ssh-keygen calls a key: sshkey_type() ("ED25519", "ECDSA", "RSA", ...) and sshkey_size(). */
export interface KeygenKeyInfo {
  readonly label: 'ED25519' | 'ECDSA' | 'RSA' | 'ED25519-SK' | 'ECDSA-SK';
  /** 256 for ed25519, the curve size (256/384/521) for ECDSA, the modulus bit length for RSA. */
  readonly bits: number;
}

/**
 * The type label and size ssh-keygen reports for a public key blob. Plain keys (ssh-ed25519,
 * ecdsa-sha2-nistp*, ssh-rsa) are fully validated by parsePublicKey(); FIDO keys
 * (sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com) are checked for shape and,
 * for ECDSA, for a point on the curve. Anything else: SshError ERR_UNSUPPORTED; malformed: WireError.
 */
export function keygenKeyInfo(publicKeyBlob: Uint8Array): KeygenKeyInfo {
  const r = new Reader(publicKeyBlob);
  const type = r.utf8();
  switch (type) {
    case 'sk-ssh-ed25519@openssh.com': {
      const key = r.bytesString();
      r.utf8(); // application
      r.done(`${type} public key`);
      if (key.length !== ED25519_KEY_LENGTH) throw new WireError(`${type} public key must be 32 bytes, got ${key.length}`);
      return { label: 'ED25519-SK', bits: 256 };
    }
    case 'sk-ecdsa-sha2-nistp256@openssh.com': {
      const identifier = r.utf8();
      const q = r.bytesString();
      r.utf8(); // application
      r.done(`${type} public key`);
      // Same curve checks as a plain nistp256 key.
      parsePublicKey(new Writer().utf8('ecdsa-sha2-nistp256').utf8(identifier).bytesString(q).finish());
      return { label: 'ECDSA-SK', bits: 256 };
    }
    default: {
      const key = parsePublicKey(publicKeyBlob);
      if (key.type === 'ssh-ed25519') return { label: 'ED25519', bits: 256 };
      if (key.type === 'ssh-rsa') return { label: 'RSA', bits: key.bits };
      if (ecdsaCurveByKeyType(key.type) !== undefined) return { label: 'ECDSA', bits: key.bits };
      throw new SshError('ERR_UNSUPPORTED', `unsupported public key type "${key.type}"`);
    }
  }
}

export interface FingerprintLineOptions {
  /** ssh-keygen -E; default sha256 (as ssh-keygen's default). */
  readonly hash?: FingerprintHash;
  /**
   * How ssh-keygen would sanitise the comment for the terminal (its mprintf()), which depends on
   * its LC_CTYPE: 'utf8' (default; a UTF-8 locale such as C.UTF-8) passes printable UTF-8 through;
   * 'ascii' (the C/POSIX locale) escapes every byte outside printable ASCII. See sanitizeForTerminal().
   */
  readonly charset?: 'utf8' | 'ascii';
}

/**
 * One `ssh-keygen -l -f <file>` line, without the trailing newline ssh-keygen prints:
 * `<bits> <fingerprint> <comment> (<TYPE>)`, e.g.
 * `256 SHA256:GTGq+dc7NLR3dExDbW10z0M4XD4PKJZ9y5A6ODOeNG8 alice@host (ED25519)`.
 * An empty comment prints as "no comment" (as ssh-keygen does for a .pub line without one).
 *
 * The comment is printed as given, after terminal sanitising. To match ssh-keygen on a .pub line
 * exactly, pass what ssh-keygen takes as the comment: everything after the base64 and the blanks
 * following it, trailing blanks included, and "" when that starts with "#". (A comment given as
 * bytes is sanitised byte for byte, so invalid UTF-8 escapes as ssh-keygen escapes it.)
 */
export function formatFingerprintLine(
  publicKeyBlob: Uint8Array,
  comment: string | Uint8Array,
  options: FingerprintLineOptions = {},
): string {
  const info = keygenKeyInfo(publicKeyBlob);
  const fp = fingerprint(publicKeyBlob, options.hash ?? 'sha256');
  const shown = comment.length === 0 ? 'no comment' : sanitizeForTerminal(comment, options.charset ?? 'utf8');
  return `${info.bits} ${fp} ${shown} (${info.label})`;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

function octal(b: number): string {
  return '\\' + b.toString(8).padStart(3, '0');
}

/**
 * Untrusted text made safe for a terminal the way OpenSSH's mprintf() (utf8.c) does it: a
 * character that is not printable becomes one `\ooo` octal escape per byte (vis VIS_OCTAL);
 * tab, newline and carriage return pass. 'utf8': valid UTF-8 passes unless it is a control
 * character (C0, DEL, C1), unassigned (including noncharacters such as U+FFFE) or U+2028/U+2029,
 * which is what glibc's wcwidth() returns -1 for; invalid UTF-8 escapes byte by byte. (Unicode
 * versions differ: a character assigned after the C library's tables were built is escaped by
 * ssh-keygen and passed here, or the other way round.) 'ascii': every byte >= 0x80 escapes too.
 */
export function sanitizeForTerminal(text: string | Uint8Array, charset: 'utf8' | 'ascii' = 'utf8'): string {
  const bytes = typeof text === 'string' ? utf8Encoder.encode(text) : text;
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out += (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d ? String.fromCharCode(b) : octal(b);
      i++;
      continue;
    }
    const n = charset === 'utf8' ? utf8SequenceLength(bytes, i) : 0;
    if (n === 0) {
      out += octal(b);
      i++;
      continue;
    }
    const ch = utf8Decoder.decode(bytes.subarray(i, i + n));
    if (/^[\p{Cc}\p{Cn}\u2028\u2029]$/u.test(ch)) {
      for (let k = i; k < i + n; k++) out += octal(bytes[k]!);
    } else {
      out += ch;
    }
    i += n;
  }
  return out;
}

/** Length of the well-formed UTF-8 sequence starting at bytes[i] (a lead byte >= 0x80), or 0. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  let n: number;
  let min: number;
  let cp: number;
  if (b0 >= 0xc2 && b0 <= 0xdf) [n, min, cp] = [2, 0x80, b0 & 0x1f];
  else if (b0 >= 0xe0 && b0 <= 0xef) [n, min, cp] = [3, 0x800, b0 & 0x0f];
  else if (b0 >= 0xf0 && b0 <= 0xf4) [n, min, cp] = [4, 0x10000, b0 & 0x07];
  else return 0;
  if (i + n > bytes.length) return 0;
  for (let k = 1; k < n; k++) {
    const c = bytes[i + k]!;
    if ((c & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (c & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}
