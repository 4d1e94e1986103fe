/**
 * authorized_keys files (sshd(8) "AUTHORIZED_KEYS FILE FORMAT", OpenSSH auth2-pubkeyfile.c):
 *
 *   [options] keytype base64-key [comment]
 *
 * Blank lines and lines starting with `#` are skipped. A line is first read as a key; only
 * when that fails is its first field taken as options (which may hold quoted spaces). A line
 * sshd would skip (bad key, bad options) is reported with its number and left out; the rest
 * of the file still counts.
 */
import { readKeyText, shown } from '../knownhosts/key-text.js';
import { DEFAULT_AUTHORIZED_KEY_OPTIONS, OptionError, parseAuthorizedKeyOptions, type AuthorizedKeyOptions } from './options.js';

export interface AuthorizedKey {
  /** 1-based line number. */
  readonly line: number;
  readonly keyType: string;
  /** The public key blob (RFC 4253 §6.6). */
  readonly blob: Uint8Array;
  /** Whatever follows the key ("" when nothing does). */
  readonly comment: string;
  readonly options: AuthorizedKeyOptions;
  /** The options as written ("" when the line has none). */
  readonly optionsText: string;
}

export interface AuthorizedKeysError {
  readonly line: number;
  readonly reason: string;
}

export interface ParsedAuthorizedKeys {
  readonly entries: readonly AuthorizedKey[];
  readonly errors: readonly AuthorizedKeysError[];
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

function skipBlanks(s: string, i: number): number {
  while (isBlank(s[i])) i++;
  return i;
}

function fieldEnd(s: string, i: number): number {
  while (i < s.length && !isBlank(s[i])) i++;
  return i;
}

type KeyAt = { readonly ok: true; readonly keyType: string; readonly blob: Uint8Array; readonly end: number } | { readonly ok: false; readonly reason: string };

/** sshkey_read() at `i`: "type base64", returning where the comment starts. */
function keyAt(s: string, i: number): KeyAt {
  const typeEnd = fieldEnd(s, i);
  if (typeEnd === i) return { ok: false, reason: 'no key' };
  if (typeEnd === s.length) return { ok: false, reason: `no key after ${shown(s.slice(i, typeEnd))}` };
  const b64 = skipBlanks(s, typeEnd);
  if (b64 === s.length) return { ok: false, reason: `no key after ${shown(s.slice(i, typeEnd))}` };
  const end = fieldEnd(s, b64);
  const k = readKeyText(s.slice(i, typeEnd), s.slice(b64, end));
  return k.ok ? { ok: true, keyType: k.keyType, blob: k.blob, end: skipBlanks(s, end) } : k;
}

/** sshkey_advance_past_options(): the end of the options field, or -1 for an unterminated quote. */
function optionsEnd(s: string, i: number): number {
  let quoted = false;
  for (; i < s.length && (quoted || !isBlank(s[i])); i++) {
    if (s[i] === '\\' && s[i + 1] === '"') i++;
    else if (s[i] === '"') quoted = !quoted;
  }
  return i >= s.length && quoted ? -1 : i;
}

/** A first field that reads as a key type rather than as options. */
const LOOKS_LIKE_KEY_TYPE = /^[A-Za-z0-9][A-Za-z0-9@._+-]*$/;

type LineResult = { readonly entry: AuthorizedKey } | { readonly reason: string } | undefined;

function parseLine(s: string, line: number): LineResult {
  const start = skipBlanks(s, 0);
  if (start === s.length || s[start] === '#') return undefined;

  const plain = keyAt(s, start);
  if (plain.ok) {
    const { keyType, blob, end } = plain;
    return { entry: { line, keyType, blob, comment: s.slice(end), options: DEFAULT_AUTHORIZED_KEY_OPTIONS, optionsText: '' } };
  }
  const optEnd = optionsEnd(s, start);
  if (optEnd < 0) return { reason: 'invalid key option string (unterminated quote)' };
  const key = keyAt(s, skipBlanks(s, optEnd));
  const optionsText = s.slice(start, optEnd);
  let options: AuthorizedKeyOptions | OptionError;
  try {
    options = parseAuthorizedKeyOptions(optionsText);
  } catch (e) {
    if (!(e instanceof OptionError)) throw e;
    options = e;
  }
  if (!key.ok) {
    // "ssh-ed25519 AAAA-broken": the first field was meant as the key type, not as options.
    const meantAsKey = options instanceof OptionError && LOOKS_LIKE_KEY_TYPE.test(optionsText);
    return { reason: meantAsKey ? plain.reason : key.reason };
  }
  if (options instanceof OptionError) return { reason: `bad key options: ${options.message}` };
  return { entry: { line, keyType: key.keyType, blob: key.blob, comment: s.slice(key.end), options, optionsText } };
}

/** Reads an authorized_keys file. */
export function parseAuthorizedKeys(text: string): ParsedAuthorizedKeys {
  const entries: AuthorizedKey[] = [];
  const errors: AuthorizedKeysError[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, k) => {
    const r = parseLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw, k + 1);
    if (r === undefined) return;
    if ('entry' in r) entries.push(r.entry);
    else errors.push({ line: k + 1, reason: r.reason });
  });
  return { entries, errors };
}
