/**
 * Shared helpers of the key file readers and writers: input normalisation, ERR_KEY errors that
 * say what went wrong in words a person understands, and armor line wrapping.
 */
import { SshError, WireError } from '../../errors.js';
import { base64Decode } from '../base64.js';

export interface KeyFileOptions {
  /** How to name the file in error messages, e.g. "~/.ssh/id_ed25519". */
  readonly name?: string;
}

const utf8Lossy = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/** "key file ~/.ssh/id_ed25519", or "key file" when the caller gave no name. */
export function describe(options: KeyFileOptions): string {
  return options.name !== undefined ? `key file ${options.name}` : 'key file';
}

export function keyError(message: string, cause?: unknown): SshError {
  return new SshError('ERR_KEY', message, cause !== undefined ? { cause } : undefined);
}

/**
 * Key numbers that do not make a valid key (a private half that does not match its public
 * half, a wrong length). Inside a file reader it becomes "corrupt key file X: <message>".
 */
export class InvalidKeyError extends SshError {
  constructor(message: string, cause?: unknown) {
    super('ERR_KEY', message, cause !== undefined ? { cause } : undefined);
    this.name = 'InvalidKeyError';
  }
}

export function invalidKey(message: string, cause?: unknown): InvalidKeyError {
  return new InvalidKeyError(message, cause);
}

export function wrongPassphrase(options: KeyFileOptions): SshError {
  return keyError(`wrong passphrase for ${describe(options)}`);
}

export function passphraseNeeded(options: KeyFileOptions): SshError {
  return keyError(`${describe(options)} is encrypted: a passphrase is needed`);
}

export function truncated(options: KeyFileOptions, detail?: string, cause?: unknown): SshError {
  return keyError(`truncated ${describe(options)}${detail !== undefined ? ` (${detail})` : ''}`, cause);
}

export function corrupt(options: KeyFileOptions, detail: string, cause?: unknown): SshError {
  return keyError(`corrupt ${describe(options)}: ${detail}`, cause);
}

export function unsupportedKeyType(options: KeyFileOptions, type: string): SshError {
  return keyError(`unsupported key type "${printable(type)}" in ${describe(options)} (hush reads ssh-ed25519, ecdsa-sha2-nistp256/384/521 and ssh-rsa keys)`);
}

/** A name from a file, made safe to show: control characters escaped, length capped. */
export function printable(s: string): string {
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return t.length > 64 ? `${t.slice(0, 64)}...` : t;
}

/**
 * Runs a decoder and turns anything it throws into an ERR_KEY SshError: a WireError from a
 * Reader means the file ended early or holds a malformed field; an ERR_UNSUPPORTED from the
 * public key parser names a key type hush does not use; anything else (a node:crypto error
 * on a bad key) is a corrupt file. ERR_KEY errors pass through unchanged.
 */
export function guard<T>(options: KeyFileOptions, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    throw asKeyError(options, e);
  }
}

export function asKeyError(options: KeyFileOptions, e: unknown): SshError {
  if (e instanceof InvalidKeyError) return corrupt(options, e.message, e);
  if (e instanceof SshError) {
    if (e.code === 'ERR_KEY') return e;
    if (e instanceof WireError) {
      // The Reader's own words ("truncated string: need 32 bytes, 10 left") stay in `cause`.
      return e.message.startsWith('truncated') ? truncated(options, undefined, e) : corrupt(options, e.message, e);
    }
    if (e.code === 'ERR_UNSUPPORTED') {
      const m = /key type "?([^"\s]*)"?/.exec(e.message);
      if (m !== null) return unsupportedKeyType(options, m[1]!);
      return keyError(`${e.message} in ${describe(options)}`, e);
    }
  }
  const detail = e instanceof Error ? e.message : String(e);
  return corrupt(options, detail, e);
}

/** The file's bytes. A string is taken as UTF-8 text (how it would be stored). */
export function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? utf8Encoder.encode(data) : data;
}

/**
 * A key file as text of one char per byte (see latin1), without a UTF-8 byte order mark.
 * Parsing the bytes, not a decoded string, keeps a PuTTY comment's bytes exact for its MAC.
 */
export function fileText(data: string | Uint8Array): string {
  return latin1(toBytes(data)).replace(/^\xef\xbb\xbf/, '');
}

/** Bytes as a string of one char per byte, so text formats can be parsed without losing bytes. */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

/** The inverse of latin1(): chars 0..255 back to bytes. */
export function fromLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Comments are UTF-8 by convention but not by rule: decode without failing. */
export function decodeComment(bytes: Uint8Array): string {
  return utf8Lossy.decode(bytes);
}

export function encodeUtf8(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/** A passphrase as bytes; an empty one counts as none (as in ssh-keygen). */
export function passphraseBytes(p: string | Uint8Array | undefined): Uint8Array | undefined {
  if (p === undefined) return undefined;
  const b = typeof p === 'string' ? utf8Encoder.encode(p) : p;
  return b.length === 0 ? undefined : b;
}

/** Strict base64 of a text body (whitespace already removed); errors name the file. */
export function decodeBase64(options: KeyFileOptions, text: string, what: string): Uint8Array {
  try {
    return base64Decode(text);
  } catch (e) {
    throw corrupt(options, `${what} is not valid base64`, e);
  }
}

/** Splits text into lines of at most `width` characters (each followed by "\n"). */
export function wrapLines(text: string, width: number): string {
  let out = '';
  for (let i = 0; i < text.length; i += width) out += text.slice(i, i + width) + '\n';
  return out;
}

/** Lines without their terminators; accepts LF, CRLF and CR-only files. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export function checkComment(comment: string): void {
  if (/[\r\n]/.test(comment)) throw keyError('a key comment cannot contain a line break');
}
