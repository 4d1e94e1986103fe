/**
 * known_hosts lines (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT", OpenSSH hostfile.c):
 *
 *   [@cert-authority | @revoked] hostpatterns keytype base64-key [comment]
 *
 * Fields are separated by spaces or tabs; blank lines and lines starting with `#` are
 * skipped. hostpatterns is either a comma-separated pattern list (`*`, `?`, `!`, `[host]:port`)
 * or one hashed name `|1|salt|hash`. A line that cannot be read is reported with its number
 * and skipped; the rest of the file still counts, as in OpenSSH.
 */
import { hashedHostMatches, hashedHostSalt } from './host-hash.js';
import { readKeyText, shown } from './key-text.js';
import { matchHostname } from './patterns.js';

export type KnownHostsMarker = 'none' | 'cert-authority' | 'revoked';

export interface KnownHostsEntry {
  /** The file the line came from (as given; "known_hosts" when none was). */
  readonly path: string;
  /** 1-based line number. */
  readonly line: number;
  readonly marker: KnownHostsMarker;
  /** The host field as written: a pattern list, or `|1|salt|hash`. */
  readonly hosts: string;
  readonly hashed: boolean;
  readonly keyType: string;
  /** The public key blob (RFC 4253 §6.6). */
  readonly blob: Uint8Array;
  /** Whatever follows the key ("" when nothing does). */
  readonly comment: string;
}

export interface KnownHostsError {
  readonly path: string;
  readonly line: number;
  readonly reason: string;
}

export interface ParsedKnownHosts {
  readonly entries: readonly KnownHostsEntry[];
  readonly errors: readonly KnownHostsError[];
}

const MARKERS: ReadonlyMap<string, KnownHostsMarker> = new Map([
  ['@cert-authority', 'cert-authority'],
  ['@revoked', 'revoked'],
]);

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

function skipBlanks(s: string, i: number): number {
  while (isBlank(s[i])) i++;
  return i;
}

function fieldEnd(s: string, i: number): number {
  while (i < s.length && !isBlank(s[i])) i++;
  return i;
}

type LineResult = { readonly entry: KnownHostsEntry } | { readonly reason: string } | undefined;

function parseLine(text: string, path: string, line: number): LineResult {
  let i = skipBlanks(text, 0);
  if (i === text.length || text[i] === '#') return undefined;

  // check_markers(): at most one, ended by a space (or, failing any space, a tab).
  let marker: KnownHostsMarker = 'none';
  while (text[i] === '@') {
    if (marker !== 'none') return { reason: 'more than one marker' };
    let sp = text.indexOf(' ', i);
    if (sp < 0) sp = text.indexOf('\t', i);
    if (sp < 0) return { reason: 'nothing after the marker' };
    const word = text.slice(i, sp);
    const m = MARKERS.get(word);
    if (m === undefined) return { reason: `unknown marker ${shown(word)} (expected @cert-authority or @revoked)` };
    marker = m;
    i = skipBlanks(text, sp);
  }

  const hostsEnd = fieldEnd(text, i);
  if (hostsEnd === text.length) return { reason: 'truncated line: no key after the host names' };
  const hosts = text.slice(i, hostsEnd);
  const hashed = hosts.startsWith('|');
  if (hashed) {
    const salt = hashedHostSalt(hosts);
    if (typeof salt === 'string') return { reason: `bad host hash: ${salt}` };
  }

  i = skipBlanks(text, hostsEnd);
  if (i === text.length || text[i] === '#') return { reason: 'truncated line: no key type' };
  const typeEnd = fieldEnd(text, i);
  const keyType = text.slice(i, typeEnd);
  i = skipBlanks(text, typeEnd);
  if (i === text.length) return { reason: `truncated line: no key after ${shown(keyType)}` };
  const keyEnd = fieldEnd(text, i);
  const key = readKeyText(keyType, text.slice(i, keyEnd));
  if (!key.ok) return { reason: key.reason };
  const comment = text.slice(skipBlanks(text, keyEnd));

  return { entry: { path, line, marker, hosts, hashed, keyType: key.keyType, blob: key.blob, comment } };
}

/** Reads a known_hosts file. `path` only labels the entries and errors. */
export function parseKnownHosts(text: string, path = 'known_hosts'): ParsedKnownHosts {
  const entries: KnownHostsEntry[] = [];
  const errors: KnownHostsError[] = [];
  // getline() semantics: lines end at "\n"; a "\r" before it is blank space to the key reader.
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, k) => {
    const r = parseLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw, path, k + 1);
    if (r === undefined) return;
    if ('entry' in r) entries.push(r.entry);
    else errors.push({ path, line: k + 1, reason: r.reason });
  });
  return { entries, errors };
}

/**
 * Whether a line applies to `name` ("host" or "[host]:port", lower case): the hashed name is
 * that name, or the pattern list matches it with no negated pattern matching.
 */
export function entryMatchesName(entry: KnownHostsEntry, name: string): boolean {
  if (entry.hashed) {
    const salt = hashedHostSalt(entry.hosts);
    return typeof salt !== 'string' && hashedHostMatches(entry.hosts, salt, name);
  }
  return matchHostname(name, entry.hosts) === 'match';
}
