/**
 * KexAlgorithms / Ciphers / MACs / HostKeyAlgorithms values: syntax checks and the
 * `+` (append), `-` (remove, wildcards allowed), `^` (prepend) modifiers, with the semantics
 * of OpenSSH's kex.c kex_assemble_names() and match.c filter_list():
 *
 *   explicit  a pattern list; each element selects, in table order, the implemented names it
 *             matches (so `aes*-ctr` works, and names not implemented are dropped);
 *   +list     default list, then the new names not already in it;
 *   ^list     the new names, then the default names not already listed;
 *   -list     the default list minus every name matching a pattern.
 *
 * hush's rule on top: weak algorithms (INSECURE_ALGORITHMS) are only selected by their literal
 * name, never by a wildcard, so `Ciphers +aes128-cbc` opts in but `Ciphers *` does not.
 */
import { DEFAULT_ALGORITHMS, INSECURE_ALGORITHMS, SUPPORTED_ALGORITHMS } from '../algorithms/registry.js';
import { matchPattern, matchPatternList } from '../keys/knownhosts/patterns.js';

export type AlgorithmKind = 'kex' | 'cipher' | 'mac' | 'hostKey';

export interface AlgorithmLists {
  readonly kex: readonly string[];
  readonly cipher: readonly string[];
  readonly mac: readonly string[];
  readonly hostKey: readonly string[];
}

/** What a configuration is resolved against. */
export interface AlgorithmTables {
  /** Used when the configuration does not name a list; the base for + - ^. */
  readonly defaults: AlgorithmLists;
  /** Implemented and selectable by name or wildcard. */
  readonly supported: AlgorithmLists;
  /** Implemented but weak: selectable by literal name only. */
  readonly insecure: AlgorithmLists;
}

function pick(p: { kex: readonly string[]; cipher: readonly string[]; mac: readonly string[]; hostKey: readonly string[] }): AlgorithmLists {
  return { kex: p.kex, cipher: p.cipher, mac: p.mac, hostKey: p.hostKey };
}

/** hush's own lists (src/algorithms/registry.ts). The client and server share them. */
export const HUSH_ALGORITHM_TABLES: AlgorithmTables = Object.freeze({
  defaults: pick(DEFAULT_ALGORITHMS),
  supported: pick(SUPPORTED_ALGORITHMS),
  insecure: pick(INSECURE_ALGORITHMS),
});

/**
 * Names OpenSSH 9.x/10.x accepts in these keywords. A configuration written for OpenSSH may
 * name them, so they are not syntax errors here; those hush does not implement are dropped
 * when the list is assembled (as OpenSSH drops names it was built without) and reported as
 * warnings.
 */
export const OPENSSH_ALGORITHM_NAMES: AlgorithmLists = Object.freeze({
  kex: [
    'diffie-hellman-group1-sha1',
    'diffie-hellman-group14-sha1',
    'diffie-hellman-group14-sha256',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group-exchange-sha1',
    'diffie-hellman-group-exchange-sha256',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'sntrup761x25519-sha512',
    'sntrup761x25519-sha512@openssh.com',
    'mlkem768x25519-sha256',
    'mlkem768nistp256-sha256',
  ],
  cipher: [
    '3des-cbc',
    'aes128-cbc',
    'aes192-cbc',
    'aes256-cbc',
    'aes128-ctr',
    'aes192-ctr',
    'aes256-ctr',
    'aes128-gcm@openssh.com',
    'aes256-gcm@openssh.com',
    'chacha20-poly1305@openssh.com',
  ],
  mac: [
    'hmac-sha1',
    'hmac-sha1-96',
    'hmac-sha2-256',
    'hmac-sha2-512',
    'hmac-md5',
    'hmac-md5-96',
    'umac-64@openssh.com',
    'umac-128@openssh.com',
    'hmac-sha1-etm@openssh.com',
    'hmac-sha1-96-etm@openssh.com',
    'hmac-sha2-256-etm@openssh.com',
    'hmac-sha2-512-etm@openssh.com',
    'hmac-md5-etm@openssh.com',
    'hmac-md5-96-etm@openssh.com',
    'umac-64-etm@openssh.com',
    'umac-128-etm@openssh.com',
  ],
  hostKey: [
    'ssh-ed25519',
    'ssh-ed25519-cert-v01@openssh.com',
    'sk-ssh-ed25519@openssh.com',
    'sk-ssh-ed25519-cert-v01@openssh.com',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp256-cert-v01@openssh.com',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp384-cert-v01@openssh.com',
    'ecdsa-sha2-nistp521',
    'ecdsa-sha2-nistp521-cert-v01@openssh.com',
    'sk-ecdsa-sha2-nistp256@openssh.com',
    'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
    'webauthn-sk-ecdsa-sha2-nistp256@openssh.com',
    'ssh-dss',
    'ssh-dss-cert-v01@openssh.com',
    'ssh-rsa',
    'ssh-rsa-cert-v01@openssh.com',
    'rsa-sha2-256',
    'rsa-sha2-256-cert-v01@openssh.com',
    'rsa-sha2-512',
    'rsa-sha2-512-cert-v01@openssh.com',
  ],
});

export const ALGORITHM_KEYWORDS: Readonly<Record<AlgorithmKind, string>> = {
  kex: 'KexAlgorithms',
  cipher: 'Ciphers',
  mac: 'MACs',
  hostKey: 'HostKeyAlgorithms',
};

function known(kind: AlgorithmKind, tables: AlgorithmTables): Set<string> {
  return new Set([...tables.supported[kind], ...tables.insecure[kind], ...OPENSSH_ALGORITHM_NAMES[kind]]);
}

/**
 * The syntax check OpenSSH makes when it reads the line (ciphers_valid(), mac_valid(),
 * kex_names_valid(), sshkey_names_valid2()): every name must be known, except after `-`.
 * Host key algorithm names may be wildcards that match a known name. Returns an error
 * reason, or undefined when the value is acceptable.
 */
export function checkAlgorithmSpec(kind: AlgorithmKind, spec: string, tables: AlgorithmTables, server = false): string | undefined {
  if (spec.startsWith('-')) return undefined;
  const body = spec.startsWith('+') || spec.startsWith('^') ? spec.slice(1) : spec;
  const names = known(kind, tables);
  let ok = body !== '';
  // strsep() loop that stops at the first empty element, as the C code does.
  for (const name of body.split(',')) {
    if (!ok || name === '') break;
    if (names.has(name)) continue;
    if (kind === 'hostKey' && [...names].some((n) => matchPatternList(n, name) !== 'none')) continue;
    ok = false;
  }
  if (ok) return undefined;
  switch (kind) {
    case 'cipher':
      return `Bad SSH2 cipher spec '${spec}'.`;
    case 'mac':
      return server ? `Bad SSH2 mac spec '${spec}'.` : `Bad SSH2 MAC spec '${spec}'.`;
    case 'kex':
      return `Bad SSH2 KexAlgorithms '${spec}'.`;
    case 'hostKey':
      return `Bad key types '${spec}'.`;
  }
}

/** kex_names_cat(): `a` then the names of `b` not already in it. */
function cat(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a];
  for (const n of b) {
    if (n === '') break;
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

export interface AssembledList {
  readonly names: readonly string[];
  /** Names the configuration asked for that hush does not implement (dropped). */
  readonly dropped: readonly string[];
}

/**
 * kex_assemble_names(). `spec` undefined means "not configured". Returns an error reason
 * string when nothing usable remains (or a `!` pattern is used outside `-`).
 */
export function assembleAlgorithms(kind: AlgorithmKind, spec: string | undefined, tables: AlgorithmTables): AssembledList | string {
  const def = tables.defaults[kind];
  if (spec === undefined || spec === '') return { names: [...def], dropped: [] };
  const supported = tables.supported[kind];
  const all = [...supported, ...tables.insecure[kind].filter((n) => !supported.includes(n))];
  let list: string[];
  if (spec.startsWith('-')) {
    const names = def.filter((n) => matchPatternList(n, spec.slice(1)) !== 'match');
    if (names.length === 0) return `${ALGORITHM_KEYWORDS[kind]} "${spec}" removes every algorithm`;
    return { names, dropped: [] };
  } else if (spec.startsWith('+')) {
    list = cat(def, spec.slice(1).split(','));
  } else if (spec.startsWith('^')) {
    list = cat(spec.slice(1).split(','), def);
  } else {
    list = spec.split(',');
  }
  let out: string[] = [];
  const dropped: string[] = [];
  for (const pattern of list) {
    if (pattern.startsWith('!')) return `${ALGORITHM_KEYWORDS[kind]}: negated patterns are only allowed after "-"`;
    const wildcard = /[*?]/.test(pattern);
    const pool = wildcard ? supported : all;
    const matching = pool.filter((n) => matchPattern(n, pattern));
    if (matching.length === 0 && !wildcard && pattern !== '') dropped.push(pattern);
    out = cat(out, matching);
  }
  if (out.length === 0) {
    return `no ${ALGORITHM_KEYWORDS[kind]} in "${spec}" are implemented${dropped.length > 0 ? ` (${dropped.join(', ')})` : ''}`;
  }
  return { names: out, dropped };
}

/** Whether any name in `names` is one of the weak (opt-in) algorithms of its kind. */
export function hasInsecure(kind: AlgorithmKind, names: readonly string[], tables: AlgorithmTables = HUSH_ALGORITHM_TABLES): boolean {
  const weak = tables.insecure[kind];
  return names.some((n) => weak.includes(n) && !tables.supported[kind].includes(n));
}
