/**
 * sshd_config(5) for hushd, with OpenSSH 9.x semantics (servconf.c):
 *
 *   - the first value of a keyword wins; Port, ListenAddress, HostKey, AllowUsers, DenyUsers,
 *     AcceptEnv and Subsystem accumulate; AuthorizedKeysFile and SetEnv take their first line;
 *   - `Match User/Group/Host/Address/LocalAddress/LocalPort/RDomain/All` blocks hold only the
 *     keywords sshd allows there; matchSshdConfig() gives the configuration for one connection
 *     (sshd's second parse: values from matching blocks replace the global ones);
 *   - `Include` globs (relative paths are under /etc/ssh);
 *   - an unknown keyword, a bad value or a global-only keyword inside Match is an error naming
 *     the file and line ("/etc/ssh/sshd_config line 12: Bad configuration option: Foo").
 *
 * Pure: the file text, the daemon user's home (for `~`) and the working directory (for
 * relative HostKey / Banner paths) are arguments; Include reads through a ConfigFileSystem.
 */
import { matchFrom, normalizeAddress, parseIpv4, parseIpv6 } from '../keys/authorized-keys/address-match.js';
import { matchPattern } from '../keys/knownhosts/patterns.js';
import { assembleAlgorithms, HUSH_ALGORITHM_TABLES, type AlgorithmKind, type AlgorithmTables } from './algorithms.js';
import { ConfigError } from './errors.js';
import type { ConfigFileSystem } from './include.js';
import type { UnsupportedSetting } from './keywords.js';
import { MATCH_ONLY, parseFile, runFile } from './sshd-config-parser.js';
import { emptyState, type ParsedFile, type Pass, type PermitRootLogin, type SshdAddressFamily, type State } from './sshd-config-state.js';
import { percentExpand, type LogLevel } from './values.js';

export type { LogLevel } from './values.js';
export type { PermitRootLogin, SshdAddressFamily } from './sshd-config-state.js';
export { formatSshdConfigT, serverAlgorithmPreferences } from './sshd-config-format.js';

export interface SshdConfigFile {
  readonly path: string;
  readonly text: string;
}

export interface ParseSshdConfigOptions {
  /** File access for Include. Without it, an Include line is an error. */
  readonly fs?: ConfigFileSystem;
  /** Home directory of the user running the daemon: `~` in HostKey, Banner, AuthorizedKeysFile. Default `/root`. */
  readonly home?: string;
  /** Directory relative HostKey and Banner paths are taken from (sshd uses its cwd). Default `/`. */
  readonly cwd?: string;
  /** `-o` lines, processed before the file. */
  readonly commandLineOptions?: readonly string[];
  /** `-p` ports: they replace the Port lines of the file (which are still checked), as sshd's -p does. */
  readonly commandLinePorts?: readonly number[];
  /** Algorithm lists the configuration is resolved against. Default: hush's. */
  readonly algorithms?: AlgorithmTables;
}

/** What is known about a connection when Match blocks are evaluated (sshd -C). */
export interface SshdConnection {
  readonly user?: string;
  /** The user's groups, for `Match Group` (empty or absent: no group matches). */
  readonly groups?: readonly string[];
  /** Client address. */
  readonly address?: string;
  /** Client host name (the address unless UseDNS). */
  readonly host?: string;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly rdomain?: string;
}

export interface ListenAddress {
  /** Numeric addresses in canonical form; `0.0.0.0` / `::` for "all"; host names as written. */
  readonly host: string;
  readonly port: number;
}

export interface Subsystem {
  readonly name: string;
  readonly command: string;
  /** The command and its arguments, space-joined (what sshd runs and prints). */
  readonly commandLine: string;
}

/** The settings in effect (for the daemon, or for one connection after Match). */
export interface SshdEffectiveConfig {
  readonly ports: readonly number[];
  readonly addressFamily: SshdAddressFamily;
  readonly listenAddresses: readonly ListenAddress[];
  readonly hostKeys: readonly string[];
  /** Seconds; 0 disables. */
  readonly loginGraceTime: number;
  readonly permitRootLogin: PermitRootLogin;
  readonly logLevel: LogLevel;
  readonly pubkeyAuthentication: boolean;
  readonly passwordAuthentication: boolean;
  readonly kbdInteractiveAuthentication: boolean;
  /** Patterns with `%h %u %U %%` tokens, relative to the user's home unless absolute; `none` disables. */
  readonly authorizedKeysFiles: readonly string[];
  readonly allowUsers: readonly string[];
  readonly denyUsers: readonly string[];
  /** AllowGroups / DenyGroups: patterns matched against each of the user's groups (primary and supplementary). */
  readonly allowGroups: readonly string[];
  readonly denyGroups: readonly string[];
  readonly maxAuthTries: number;
  readonly maxSessions: number;
  readonly maxStartups: { readonly begin: number; readonly rate: number; readonly full: number };
  /** Banner file, or undefined for none. */
  readonly banner?: string;
  readonly acceptEnv: readonly string[];
  readonly setEnv: readonly { readonly name: string; readonly value: string }[];
  readonly forceCommand?: string;
  readonly permitTty: boolean;
  readonly clientAliveInterval: number;
  readonly clientAliveCountMax: number;
  readonly kexAlgorithms: readonly string[];
  readonly ciphers: readonly string[];
  readonly macs: readonly string[];
  readonly hostKeyAlgorithms: readonly string[];
  /** RekeyLimit: bytes (0: the cipher's default) and seconds (0: none). */
  readonly rekeyLimit: { readonly bytes: bigint; readonly seconds: number };
  readonly subsystems: readonly Subsystem[];
  /**
   * StrictModes: authorized_keys files, and the directories above them up to the user's home,
   * must be owned by root or the user and writable by no one else (default yes).
   */
  readonly strictModes: boolean;
  /** PermitUserEnvironment: authorized_keys environment= applied (true), not (false, default), or for these name patterns. */
  readonly permitUserEnvironment: boolean | readonly string[];
  /** TCPKeepAlive: the kernel's TCP keepalives on each connection, so that a peer gone without a word is noticed (default yes). */
  readonly tcpKeepAlive: boolean;
  /**
   * hushd's worker processes (a hush extension, not an OpenSSH keyword): a count, or `auto` for
   * one per available CPU. Default 1: a single process.
   */
  readonly workers: number | 'auto';
  /** Keywords sshd knows that hushd ignored (where they applied). */
  readonly unsupported: readonly UnsupportedSetting[];
  readonly warnings: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Resolution

function formatAddress(addr: string): string {
  if (addr.includes(':')) {
    const b = parseIpv6(addr);
    return b === undefined ? addr : formatIpv6(b);
  }
  const b = parseIpv4(addr);
  return b === undefined ? addr : Array.from(b).join('.');
}

/** inet_ntop(AF_INET6): the longest run of two or more zero groups becomes `::`. */
export function formatIpv6(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i]! << 8) | b[i + 1]!);
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (cur.base < 0) cur = { base: i, len: 1 };
      else cur.len++;
      if (cur.len > best.len) best = { ...cur };
    } else cur = { base: -1, len: 0 };
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base >= 0 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      out += `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
      break;
    }
    out += words[i]!.toString(16);
  }
  if (best.base >= 0 && best.base + best.len === 8) out += ':';
  return out;
}

function familyOf(addr: string): 4 | 6 | undefined {
  if (addr.includes(':')) return parseIpv6(addr) !== undefined ? 6 : undefined;
  return parseIpv4(addr) !== undefined ? 4 : undefined;
}

function listenAddresses(st: State, family: SshdAddressFamily, ports: readonly number[]): ListenAddress[] {
  const out: ListenAddress[] = [];
  if (st.listenQueue.length === 0) {
    for (const port of ports) {
      if (family !== 'inet') out.push({ host: '::', port });
      if (family !== 'inet6') out.push({ host: '0.0.0.0', port });
    }
    return out;
  }
  for (const q of st.listenQueue) {
    const f = familyOf(q.addr);
    if (q.addr.includes(':') && f === undefined) {
      // Not an IPv6 address, and a host name cannot contain ':'.
      throw new ConfigError([{ file: q.file, line: q.line, reason: `bad addr or host: ${q.addr} (Name or service not known)` }]);
    }
    if ((family === 'inet' && f === 6) || (family === 'inet6' && f === 4)) {
      throw new ConfigError([{ file: q.file, line: q.line, reason: `bad addr or host: ${q.addr} (Address family for hostname not supported)` }]);
    }
    const host = formatAddress(q.addr);
    for (const port of q.port > 0 ? [q.port] : ports) out.push({ host, port });
  }
  return out;
}

function resolveGlobal(st: State, opts: ParseSshdConfigOptions): SshdEffectiveConfig {
  const tables = opts.algorithms ?? HUSH_ALGORITHM_TABLES;
  const warnings: string[] = [];
  const algo = (kind: AlgorithmKind): readonly string[] => {
    const s = st.algorithms[kind];
    const r = assembleAlgorithms(kind, s?.spec, tables);
    if (typeof r === 'string') throw new ConfigError([{ file: s?.file ?? '', line: s?.line ?? 0, reason: r }]);
    for (const n of r.dropped) warnings.push(`${s?.file} line ${s?.line}: ${n} is not implemented by hush; ignored`);
    return r.names;
  };
  const ports = st.ports.length > 0 ? [...st.ports] : [22];
  const addressFamily = st.addressFamily ?? 'any';
  const hostKeys = (st.hostKeys.length > 0 ? st.hostKeys : ['/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_ecdsa_key', '/etc/ssh/ssh_host_ed25519_key']).filter(
    (k) => k.toLowerCase() !== 'none',
  );
  const clearNone = (v: string | undefined): string | undefined => (v === undefined || v.toLowerCase() === 'none' ? undefined : v);
  const banner = clearNone(st.banner);
  const forceCommand = clearNone(st.forceCommand);
  const ms = st.maxStartups;
  return {
    ports,
    addressFamily,
    listenAddresses: listenAddresses(st, addressFamily, ports),
    hostKeys,
    loginGraceTime: st.loginGraceTime ?? 120,
    permitRootLogin: st.permitRootLogin ?? 'prohibit-password',
    logLevel: st.logLevel ?? 'INFO',
    pubkeyAuthentication: st.pubkeyAuthentication ?? true,
    passwordAuthentication: st.passwordAuthentication ?? true,
    kbdInteractiveAuthentication: st.kbdInteractiveAuthentication ?? true,
    authorizedKeysFiles: st.authorizedKeysFiles.length > 0 ? [...st.authorizedKeysFiles] : ['.ssh/authorized_keys', '.ssh/authorized_keys2'],
    allowUsers: [...st.allowUsers],
    denyUsers: [...st.denyUsers],
    allowGroups: [...st.allowGroups],
    denyGroups: [...st.denyGroups],
    maxAuthTries: st.maxAuthTries ?? 6,
    maxSessions: st.maxSessions ?? 10,
    maxStartups: { begin: ms.begin ?? 10, rate: ms.rate ?? 30, full: ms.full ?? 100 },
    ...(banner !== undefined ? { banner } : {}),
    acceptEnv: [...st.acceptEnv],
    setEnv: splitEnv(st.setEnv),
    ...(forceCommand !== undefined ? { forceCommand } : {}),
    permitTty: st.permitTty ?? true,
    clientAliveInterval: st.clientAliveInterval ?? 0,
    clientAliveCountMax: st.clientAliveCountMax ?? 3,
    kexAlgorithms: algo('kex'),
    ciphers: algo('cipher'),
    macs: algo('mac'),
    hostKeyAlgorithms: algo('hostKey'),
    rekeyLimit: { bytes: st.rekeyLimit ?? 0n, seconds: st.rekeyInterval ?? 0 },
    subsystems: [...st.subsystems],
    strictModes: st.strictModes ?? true,
    permitUserEnvironment: st.permitUserEnvironment ?? false,
    tcpKeepAlive: st.tcpKeepAlive ?? true,
    workers: st.workers ?? 1,
    unsupported: [...st.unsupported],
    warnings,
  };
}

function splitEnv(list: readonly string[]): { name: string; value: string }[] {
  return list.map((e) => ({ name: e.slice(0, e.indexOf('=')), value: e.slice(e.indexOf('=') + 1) }));
}

/** A parsed sshd_config: the daemon's settings, and what Match needs to work per connection. */
export interface SshdConfig {
  /** The settings before any Match block is applied (what the daemon listens with). */
  readonly global: SshdEffectiveConfig;
  /** @internal */
  readonly source: { readonly top: ParsedFile; readonly cmdline?: ParsedFile; readonly opts: ParseSshdConfigOptions; readonly includes: Map<string, ParsedFile[]> };
}

/**
 * Parses sshd_config text (and its Includes). Throws a ConfigError naming the file and line
 * of the first problem, as sshd stops at it.
 */
export function parseSshdConfig(file: SshdConfigFile | string, opts: ParseSshdConfigOptions = {}): SshdConfig {
  const f = typeof file === 'string' ? { path: '/etc/ssh/sshd_config', text: file } : file;
  const top = parseFile(f.path, f.text);
  const cmdline = opts.commandLineOptions !== undefined && opts.commandLineOptions.length > 0 ? parseFile('command-line', opts.commandLineOptions.join('\n')) : undefined;
  const includes = new Map<string, ParsedFile[]>();
  const st = emptyState();
  const pass: Pass = { opts, ci: null, st, includes };
  if (opts.commandLinePorts !== undefined && opts.commandLinePorts.length > 0) {
    st.ports = [...opts.commandLinePorts];
    st.portsFromCommandLine = true;
  }
  if (cmdline !== undefined) runFile(pass, cmdline, { v: 0 }, { v: true }, 0);
  runFile(pass, top, { v: 0 }, { v: true }, 0);
  const global = resolveGlobal(st, opts);
  return { global, source: { top, ...(cmdline !== undefined ? { cmdline } : {}), opts, includes } };
}

/**
 * The settings for one connection (sshd's per-connection parse, as `sshd -T -C ...`): values
 * set in matching Match blocks replace the global ones. Criteria whose connection field is
 * absent do not match.
 */
export function matchSshdConfig(config: SshdConfig, conn: SshdConnection): SshdEffectiveConfig {
  const { top, opts, includes } = config.source;
  const st = emptyState();
  // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d; sshd matches a.b.c.d.
  const ci: SshdConnection = {
    ...conn,
    ...(conn.address !== undefined ? { address: normalizeAddress(conn.address) } : {}),
    ...(conn.localAddress !== undefined ? { localAddress: normalizeAddress(conn.localAddress) } : {}),
  };
  const pass: Pass = { opts, ci, st, includes };
  runFile(pass, top, { v: MATCH_ONLY }, { v: false }, 0);
  const g = config.global;
  const clearNone = (v: string | undefined): string | undefined => (v === undefined || v.toLowerCase() === 'none' ? undefined : v);
  const banner = st.banner !== undefined ? clearNone(st.banner) : g.banner;
  const forceCommand = st.forceCommand !== undefined ? clearNone(st.forceCommand) : g.forceCommand;
  const { banner: _b, forceCommand: _f, ...rest } = g;
  return {
    ...rest,
    ...(banner !== undefined ? { banner } : {}),
    ...(forceCommand !== undefined ? { forceCommand } : {}),
    permitRootLogin: st.permitRootLogin ?? g.permitRootLogin,
    logLevel: st.logLevel ?? g.logLevel,
    pubkeyAuthentication: st.pubkeyAuthentication ?? g.pubkeyAuthentication,
    passwordAuthentication: st.passwordAuthentication ?? g.passwordAuthentication,
    kbdInteractiveAuthentication: st.kbdInteractiveAuthentication ?? g.kbdInteractiveAuthentication,
    permitTty: st.permitTty ?? g.permitTty,
    maxAuthTries: st.maxAuthTries ?? g.maxAuthTries,
    maxSessions: st.maxSessions ?? g.maxSessions,
    clientAliveInterval: st.clientAliveInterval ?? g.clientAliveInterval,
    clientAliveCountMax: st.clientAliveCountMax ?? g.clientAliveCountMax,
    rekeyLimit: { bytes: st.rekeyLimit ?? g.rekeyLimit.bytes, seconds: st.rekeyInterval ?? g.rekeyLimit.seconds },
    authorizedKeysFiles: st.authorizedKeysFiles.length > 0 ? [...st.authorizedKeysFiles] : g.authorizedKeysFiles,
    allowUsers: st.allowUsers.length > 0 ? [...st.allowUsers] : g.allowUsers,
    denyUsers: st.denyUsers.length > 0 ? [...st.denyUsers] : g.denyUsers,
    allowGroups: st.allowGroups.length > 0 ? [...st.allowGroups] : g.allowGroups,
    denyGroups: st.denyGroups.length > 0 ? [...st.denyGroups] : g.denyGroups,
    acceptEnv: st.acceptEnv.length > 0 ? [...st.acceptEnv] : g.acceptEnv,
    setEnv: st.setEnv.length > 0 ? splitEnv(st.setEnv) : g.setEnv,
    unsupported: [...g.unsupported, ...st.unsupported.filter((u) => !g.unsupported.some((x) => x.file === u.file && x.line === u.line))],
  };
}

/**
 * sshd's allowed_user() for AllowUsers / DenyUsers: a `user` pattern, or `user@host` where the
 * host part is an address/host-name list matched against the client.
 */
/**
 * Whether anything in the files depends on the user's groups (AllowGroups, DenyGroups, a Match
 * with Group), so that a server looks them up only when they matter.
 */
export function sshdConfigUsesGroups(config: SshdConfig): boolean {
  const { top, cmdline, includes } = config.source;
  const files = [top, ...(cmdline ? [cmdline] : []), ...[...includes.values()].flat()];
  return files.some((f) =>
    f.directives.some(
      (d) => 'key' in d && (d.key === 'allowgroups' || d.key === 'denygroups' || (d.key === 'match' && d.args.some((a) => a.toLowerCase() === 'group'))),
    ),
  );
}

export function isUserAllowed(
  config: SshdEffectiveConfig,
  who: { readonly user: string; readonly address?: string; readonly host?: string; readonly groups?: readonly string[] },
): { allowed: true } | { allowed: false; reason: string } {
  const matches = (pattern: string): boolean => {
    const at = pattern.indexOf('@');
    if (at < 0) return matchPattern(who.user, pattern);
    if (!matchPattern(who.user, pattern.slice(0, at))) return false;
    return matchFrom(pattern.slice(at + 1), who.address, who.host ?? who.address) === 'allow';
  };
  for (const p of config.denyUsers) {
    if (matches(p)) return { allowed: false, reason: `User ${who.user} not allowed because listed in DenyUsers` };
  }
  if (config.allowUsers.length > 0 && !config.allowUsers.some(matches)) {
    return { allowed: false, reason: `User ${who.user} not allowed because not listed in AllowUsers` };
  }
  // auth.c allowed_user(): the groups, primary and supplementary, against DenyGroups then AllowGroups.
  if (config.denyGroups.length > 0 || config.allowGroups.length > 0) {
    const groups = who.groups ?? [];
    if (groups.length === 0) return { allowed: false, reason: `User ${who.user} not allowed because not in any group` };
    const listed = (patterns: readonly string[]) => groups.some((g) => patterns.some((p) => matchPattern(g, p)));
    if (listed(config.denyGroups)) return { allowed: false, reason: `User ${who.user} not allowed because a group is listed in DenyGroups` };
    if (config.allowGroups.length > 0 && !listed(config.allowGroups)) {
      return { allowed: false, reason: `User ${who.user} not allowed because none of user's groups are listed in AllowGroups` };
    }
  }
  return { allowed: true };
}

/**
 * The authorized_keys paths for a user (sshd's expand_authorized_keys()): `%%`, `%h` (home),
 * `%u` (user), `%U` (uid) expanded; a relative result is under the user's home. `none` gives none.
 */
export function authorizedKeysPaths(config: SshdEffectiveConfig, who: { readonly user: string; readonly home: string; readonly uid: number }): string[] {
  const out: string[] = [];
  for (const pattern of config.authorizedKeysFiles) {
    if (pattern.toLowerCase() === 'none') continue;
    const p = percentExpand(pattern, { h: who.home, u: who.user, U: String(who.uid) });
    out.push(p.startsWith('/') ? p : `${who.home.replace(/\/$/, '')}/${p}`);
  }
  return out;
}
