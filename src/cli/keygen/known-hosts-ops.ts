/** hush-keygen -F / -R / -H: find, remove and hash hosts in a known_hosts file, as ssh-keygen. */
import { copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { entryMatchesName, hashHostName, parseKnownHosts, type KnownHostsEntry } from '../../keys/knownhosts/index.js';
import { base64Encode } from '../../keys/base64.js';

function hostNames(host: string): string[] {
  // ssh-keygen -F accepts "host" or "[host]:port"; lookups are case-insensitive.
  return [host.toLowerCase()];
}

function matches(e: KnownHostsEntry, host: string): boolean {
  return hostNames(host).some((n) => entryMatchesName(e, n));
}

export function findHost(file: string, host: string, hashOutput: boolean, out: (s: string) => void): boolean {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  let found = false;
  for (const e of parseKnownHosts(text, file).entries) {
    if (!matches(e, host)) continue;
    found = true;
    // ssh-keygen prints the marker after a space, and the space even without one.
    const marker = e.marker === 'none' ? '' : e.marker === 'revoked' ? 'REVOKED' : 'CA';
    out(`# Host ${host} found: line ${e.line} ${marker}`);
    let line = lines[e.line - 1]!;
    if (hashOutput && !e.hashed) {
      const rest = line.slice(line.indexOf(e.hosts) + e.hosts.length);
      line = `${hashHostName(host, randomBytes(20))}${rest}`;
    }
    out(line);
  }
  return found;
}

export function removeHost(file: string, host: string, out: (s: string) => void): boolean {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const drop = new Set<number>();
  for (const e of parseKnownHosts(text, file).entries) {
    if (e.marker === 'none' && matches(e, host)) {
      drop.add(e.line);
      out(`# Host ${host} found: line ${e.line}`);
    }
  }
  if (drop.size === 0) return false;
  copyFileSync(file, `${file}.old`);
  const kept = lines.filter((_, i) => !drop.has(i + 1));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, kept.join('\n'), { mode: 0o644 });
  renameSync(tmp, file);
  out(`${file} updated.`);
  out(`Original contents retained as ${file}.old`);
  return true;
}

/** Replaces every plain host name with its hash; one line per name, as ssh-keygen -H does. */
export function hashFile(file: string, out: (s: string) => void, err: (s: string) => void): void {
  const text = readFileSync(file, 'utf8');
  const parsed = parseKnownHosts(text, file);
  const byLine = new Map(parsed.entries.map((e) => [e.line, e]));
  const outLines: string[] = [];
  const lines = text.split('\n');
  let changed = false;
  lines.forEach((line, i) => {
    const e = byLine.get(i + 1);
    // Comments, markers, hashed or wildcard/negated patterns are kept as they are.
    if (!e || e.hashed || e.marker !== 'none' || /[*?!]/.test(e.hosts)) {
      outLines.push(line);
      return;
    }
    changed = true;
    const key = `${e.keyType} ${base64Encode(e.blob)}${e.comment ? ` ${e.comment}` : ''}`;
    for (const name of e.hosts.split(',')) outLines.push(`${hashHostName(name.toLowerCase(), randomBytes(20))} ${key}`);
  });
  if (!changed) {
    err(`${file} is not a valid known_hosts file or has no unhashed hosts.`);
    return;
  }
  copyFileSync(file, `${file}.old`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, outLines.join('\n'), { mode: 0o644 });
  renameSync(tmp, file);
  out(`${file} updated.`);
  out(`Original contents retained as ${file}.old`);
  out(`WARNING: ${file}.old contains unhashed entries`);
  out('Delete this file to ensure privacy of hostnames');
}
