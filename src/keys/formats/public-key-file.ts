/**
 * Public key files:
 *
 *   OpenSSH     "ssh-ed25519 AAAAC3Nz... comment"          id_*.pub, one line (sshkey.c)
 *   RFC 4716    "---- BEGIN SSH2 PUBLIC KEY ----"          ssh-keygen -e, puttygen -O public
 *               headers ("Comment: ..."), "\" continues a header line, lines of at most 72
 *               bytes, then the base64 blob
 *   PEM         "-----BEGIN PUBLIC KEY-----"               X.509 SubjectPublicKeyInfo
 *                                                           (ssh-keygen -e -m PKCS8)
 *               "-----BEGIN RSA PUBLIC KEY-----"           PKCS#1 RSAPublicKey (ssh-keygen -e -m PEM)
 */
import { createPublicKey } from 'node:crypto';
import { base64Encode } from '../base64.js';
import { encodePublicKey, parsePublicKey, publicKeyType, type PublicKeyType } from '../public-key.js';
import {
  checkComment,
  corrupt,
  decodeBase64,
  decodeComment,
  describe,
  encodeUtf8,
  fileText,
  fromLatin1,
  guard,
  keyError,
  printable,
  splitLines,
  truncated,
  type KeyFileOptions,
} from './common.js';
import { findPemBlock, PEM_PRIVATE_LABELS } from './pem.js';

export type PublicKeyFileFormat = 'openssh' | 'rfc4716' | 'spki' | 'pkcs1';

export interface PublicKeyFile {
  /** The SSH public key blob (RFC 4253 §6.6). */
  readonly blob: Uint8Array;
  readonly keyType: PublicKeyType;
  /** "" when the file has none. */
  readonly comment: string;
  readonly format: PublicKeyFileFormat;
}

const RFC4716_BEGIN = '---- BEGIN SSH2 PUBLIC KEY ----';
const RFC4716_END = '---- END SSH2 PUBLIC KEY ----';
/** RFC 4716 §3: no line longer than 72 8-bit bytes, terminator excluded. */
const RFC4716_LINE_BYTES = 72;
/** ssh-keygen -e wraps the RFC 4716 base64 at 70 columns. */
const RFC4716_BASE64_WIDTH = 70;

/** Reads the first public key in a .pub, RFC 4716 or PEM public key file. */
export function parsePublicKeyFile(data: string | Uint8Array, options: KeyFileOptions = {}): PublicKeyFile {
  return guard(options, () => {
    const text = fileText(data);
    if (text.includes(RFC4716_BEGIN)) return readRfc4716(text, options);
    const pem = findPemBlock(text, options, ['PUBLIC KEY', 'RSA PUBLIC KEY', ...PEM_PRIVATE_LABELS, 'OPENSSH PRIVATE KEY']);
    if (pem !== undefined) {
      if (pem.label.endsWith('PRIVATE KEY')) throw keyError(`${describe(options)} is a private key, not a public key`);
      return readPemPublicKey(pem.text, pem.label === 'RSA PUBLIC KEY' ? 'pkcs1' : 'spki', options);
    }
    if (/^\s*PuTTY-User-Key-File-/.test(text)) throw keyError(`${describe(options)} is a PuTTY private key, not a public key`);
    return readOpenSshLine(text, options);
  });
}

function readOpenSshLine(text: string, options: KeyFileOptions): PublicKeyFile {
  const line = splitLines(text)
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  if (line === undefined) throw keyError(`${describe(options)} holds no public key`);
  const m = /^(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line);
  if (m === null) throw keyError(`${describe(options)} is not a public key file (expected "type base64 [comment]")`);
  const type = m[1]!;
  const blob = decodeBase64(options, m[2]!, 'the public key');
  const key = parsePublicKey(blob);
  if (key.type !== type) throw corrupt(options, `the line says ${printable(type)}, the key is ${key.type}`);
  return { blob, keyType: key.type, comment: decodeComment(fromLatin1(m[3] ?? '')), format: 'openssh' };
}

function readRfc4716(text: string, options: KeyFileOptions): PublicKeyFile {
  // Trailing whitespace only: a continuation line may start with a significant space.
  const lines = splitLines(text).map((l) => l.trimEnd());
  const begin = lines.findIndex((l) => l.trim() === RFC4716_BEGIN);
  const end = lines.findIndex((l, k) => k > begin && l.trim() === RFC4716_END);
  if (end < 0) throw truncated(options, `no "${RFC4716_END}" line`);
  let comment = '';
  let i = begin + 1;
  // RFC 4716 §3.3: a header is "tag: value"; a line ending in "\" continues on the next line.
  while (i < end && lines[i]!.includes(':')) {
    let header = lines[i++]!;
    while (header.endsWith('\\')) {
      if (i >= end) throw truncated(options, 'a header continues past the end');
      header = header.slice(0, -1) + lines[i++]!;
    }
    const colon = header.indexOf(':');
    const tag = header.slice(0, colon).trim();
    let value = header.slice(colon + 1).trim();
    if (tag.toLowerCase() === 'comment') {
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      comment = decodeComment(fromLatin1(value));
    }
  }
  const blob = decodeBase64(options, lines.slice(i, end).join('').replace(/\s+/g, ''), 'the public key');
  const key = parsePublicKey(blob);
  return { blob, keyType: key.type, comment, format: 'rfc4716' };
}

function readPemPublicKey(pem: string, format: 'spki' | 'pkcs1', options: KeyFileOptions): PublicKeyFile {
  let blob: Uint8Array;
  try {
    blob = encodePublicKey(createPublicKey({ key: pem, format: 'pem' }));
  } catch (e) {
    throw corrupt(options, 'OpenSSL could not read the PEM public key', e);
  }
  const key = parsePublicKey(blob);
  return { blob, keyType: key.type, comment: '', format };
}

/** The contents of a .pub file: "type base64 comment\n" (no comment, no space when it is empty). */
export function writePublicKeyLine(blob: Uint8Array, comment = ''): string {
  checkComment(comment);
  const type = guard({}, () => publicKeyType(blob));
  return `${type} ${base64Encode(blob)}${comment !== '' ? ` ${comment}` : ''}\n`;
}

/** Splits a header into RFC 4716 lines of at most 72 bytes, each but the last ending in "\". */
function headerLines(header: string): string {
  let out = '';
  let line = '';
  let bytes = 0;
  for (const ch of header) {
    const n = encodeUtf8(ch).length;
    if (bytes + n > RFC4716_LINE_BYTES - 1) {
      out += `${line}\\\n`;
      line = '';
      bytes = 0;
    }
    line += ch;
    bytes += n;
  }
  return `${out}${line}\n`;
}

/** An RFC 4716 public key file, as ssh-keygen -e writes it (with a Comment header when given). */
export function writeRfc4716(blob: Uint8Array, comment = ''): string {
  checkComment(comment);
  guard({}, () => publicKeyType(blob));
  const b64 = base64Encode(blob);
  let body = '';
  for (let i = 0; i < b64.length; i += RFC4716_BASE64_WIDTH) body += b64.slice(i, i + RFC4716_BASE64_WIDTH) + '\n';
  const header = comment !== '' ? headerLines(`Comment: "${comment}"`) : '';
  return `${RFC4716_BEGIN}\n${header}${body}${RFC4716_END}\n`;
}

/** A PEM public key: SubjectPublicKeyInfo ("PUBLIC KEY"), or PKCS#1 ("RSA PUBLIC KEY", RSA only). */
export function writePublicKeyPem(blob: Uint8Array, format: 'spki' | 'pkcs1' = 'spki'): string {
  const key = guard({}, () => parsePublicKey(blob));
  if (format === 'pkcs1' && key.type !== 'ssh-rsa') throw keyError(`PKCS#1 holds RSA keys only, not ${key.type}`);
  const out = key.keyObject.export({ format: 'pem', type: format });
  return typeof out === 'string' ? out : new TextDecoder().decode(out);
}
