/**
 * OpenSSH host pattern lists (ssh_config(5) "PATTERNS", sshd(8) known_hosts and from="..."),
 * with the semantics of OpenSSH's match.c:
 *
 *   pattern   `*` matches any run of characters (also none), `?` exactly one, the rest itself
 *   list      comma-separated patterns; a leading `!` negates one. A negated pattern that
 *             matches wins over everything ("negated"); otherwise any positive match is a
 *             "match"; otherwise "none".
 *
 * Host names compare case-insensitively (ASCII only, as C tolower does); addresses and user
 * names do not. Also used by the authorized_keys from= check.
 */

/** match_pattern_list() reads each pattern into a 1024-byte buffer; a longer one fails the list. */
const MAX_SUBPATTERN = 1023;

export type PatternListResult = 'match' | 'none' | 'negated';

/** Whether `s` matches one wildcard pattern (`*`, `?`); case-sensitive. */
export function matchPattern(s: string, pattern: string): boolean {
  // Two-pointer wildcard match: on a mismatch, let the last `*` absorb one more character.
  let si = 0;
  let pi = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    const p = pattern[pi];
    if (p === '*') {
      starP = pi++;
      starS = si;
    } else if (p !== undefined && (p === '?' || p === s[si])) {
      si++;
      pi++;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (pattern[pi] === '*') pi++;
  return pi === pattern.length;
}

/** ASCII-only lower case, as OpenSSH's lowercase()/tolower() in the C locale. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (c) => c.toLowerCase());
}

/**
 * match_pattern_list(): `string` against a comma-separated list of patterns, each possibly
 * negated with `!`. With `lowercasePatterns`, the patterns are lower-cased first (the string is
 * the caller's business).
 */
export function matchPatternList(s: string, list: string, lowercasePatterns = false): PatternListResult {
  let positive = false;
  let i = 0;
  while (i < list.length) {
    let negated = false;
    if (list[i] === '!') {
      negated = true;
      i++;
    }
    let end = list.indexOf(',', i);
    if (end < 0) end = list.length;
    let sub = list.slice(i, end);
    if (sub.length >= MAX_SUBPATTERN) return 'none';
    i = end < list.length ? end + 1 : end;
    if (lowercasePatterns) sub = asciiLower(sub);
    if (matchPattern(s, sub)) {
      if (negated) return 'negated';
      positive = true;
    }
  }
  return positive ? 'match' : 'none';
}

/** match_hostname(): a host name (or an address written as text) against a pattern list, case-insensitively. */
export function matchHostname(host: string, list: string): PatternListResult {
  return matchPatternList(asciiLower(host), list, true);
}
