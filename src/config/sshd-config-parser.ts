/**
 * Reading sshd_config files (servconf.c process_server_config_line_depth(), match_cfg_line(),
 * parse_server_config_depth()): the option state, one handler per keyword, Match and Include.
 * sshd-config.ts runs the daemon's pass and the per-connection pass and resolves the result.
 */
import { matchAddressList } from '../keys/authorized-keys/address-match.js';
import { matchHostname, matchPatternList } from '../keys/knownhosts/patterns.js';
import { checkAlgorithmSpec, HUSH_ALGORITHM_TABLES, type AlgorithmKind } from './algorithms.js';
import { ConfigError, LineError, lineError } from './errors.js';
import { globPaths } from './include.js';
import { SSHD_OBSOLETE_KEYWORDS, SSHD_UNSUPPORTED_KEYWORDS, type SshdScope, type UnsupportedSetting } from './keywords.js';
import { Args, strdelim, tokenizeFile, type BadLine, type Directive } from './lexer.js';
import type { ParseSshdConfigOptions, SshdConnection, Subsystem } from './sshd-config.js';
import { a2port, atoiErr, convtime, multistate, parseLogLevel, scanScaled, tildeExpand, type LogLevel } from './values.js';

export type PermitRootLogin = 'yes' | 'no' | 'prohibit-password' | 'forced-commands-only';
export type SshdAddressFamily = 'any' | 'inet' | 'inet6';

export const PERMIT_ROOT_LOGIN: readonly (readonly [string, PermitRootLogin])[] = [
  ['without-password', 'prohibit-password'],
  ['prohibit-password', 'prohibit-password'],
  ['forced-commands-only', 'forced-commands-only'],
  ['yes', 'yes'],
  ['no', 'no'],
];
const SSHD_FLAG: readonly (readonly [string, boolean])[] = [
  ['yes', true],
  ['no', false],
];
const ADDRESS_FAMILY: readonly (readonly [string, SshdAddressFamily])[] = [
  ['inet', 'inet'],
  ['inet6', 'inet6'],
  ['any', 'any'],
];

// ---------------------------------------------------------------------------------------------

interface AlgoSetting {
  readonly spec: string;
  readonly file: string;
  readonly line: number;
}

export interface State {
  ports: number[];
  /** -p was given: Port lines are checked but ignored (sshd's ports_from_cmdline). */
  portsFromCommandLine?: boolean;
  listenQueue: { addr: string; port: number; file: string; line: number }[];
  addressFamily?: SshdAddressFamily;
  hostKeys: string[];
  loginGraceTime?: number;
  permitRootLogin?: PermitRootLogin;
  logLevel?: LogLevel;
  pubkeyAuthentication?: boolean;
  passwordAuthentication?: boolean;
  kbdInteractiveAuthentication?: boolean;
  authorizedKeysFiles: string[];
  allowUsers: string[];
  denyUsers: string[];
  maxAuthTries?: number;
  maxSessions?: number;
  maxStartups: { begin?: number; rate?: number; full?: number };
  banner?: string;
  acceptEnv: string[];
  setEnv: string[];
  forceCommand?: string;
  permitTty?: boolean;
  clientAliveInterval?: number;
  clientAliveCountMax?: number;
  algorithms: Partial<Record<AlgorithmKind, AlgoSetting>>;
  rekeyLimit?: bigint;
  rekeyInterval?: number;
  subsystems: Subsystem[];
  /** hushd's Workers (a hush extension): a count, or `auto` for one per available CPU. */
  workers?: number | 'auto';
  unsupported: UnsupportedSetting[];
}

export function emptyState(): State {
  return {
    ports: [],
    listenQueue: [],
    hostKeys: [],
    authorizedKeysFiles: [],
    allowUsers: [],
    denyUsers: [],
    maxStartups: {},
    acceptEnv: [],
    setEnv: [],
    algorithms: {},
    subsystems: [],
    unsupported: [],
  };
}

/** Keywords hushd implements, with their scope. */
const SUPPORTED: ReadonlyMap<string, SshdScope> = new Map<string, SshdScope>([
  ['port', 'global'],
  ['listenaddress', 'global'],
  ['addressfamily', 'global'],
  ['hostkey', 'global'],
  ['hostdsakey', 'global'],
  ['logingracetime', 'global'],
  ['permitrootlogin', 'all'],
  ['loglevel', 'all'],
  ['pubkeyauthentication', 'all'],
  ['dsaauthentication', 'global'],
  ['passwordauthentication', 'all'],
  ['kbdinteractiveauthentication', 'all'],
  ['challengeresponseauthentication', 'all'],
  ['skeyauthentication', 'all'],
  ['authorizedkeysfile', 'all'],
  ['allowusers', 'all'],
  ['denyusers', 'all'],
  ['maxauthtries', 'all'],
  ['maxsessions', 'all'],
  ['maxstartups', 'global'],
  ['banner', 'all'],
  ['acceptenv', 'all'],
  ['setenv', 'all'],
  ['forcecommand', 'all'],
  ['permittty', 'all'],
  ['clientaliveinterval', 'all'],
  ['clientalivecountmax', 'all'],
  ['kexalgorithms', 'global'],
  ['ciphers', 'global'],
  ['macs', 'global'],
  ['hostkeyalgorithms', 'global'],
  ['rekeylimit', 'all'],
  ['subsystem', 'global'],
  ['workers', 'global'], // hush extension: OpenSSH has no such keyword
  ['match', 'all'],
  ['include', 'all'],
]);

const NEVERMATCH = 4;
export const MATCH_ONLY = 8;
const MAX_DEPTH = 16;
const MAX_PORTS = 256;
const MAX_SUBSYSTEMS = 256;
/** The most worker processes Workers may ask for. */
const MAX_WORKERS = 1024;

export interface ParsedFile {
  readonly path: string;
  readonly directives: readonly (Directive | BadLine)[];
}

export interface Pass {
  readonly opts: ParseSshdConfigOptions;
  /** null: the daemon's own parse (Match blocks only syntax-checked). */
  readonly ci: SshdConnection | null;
  readonly st: State;
  /** Include cache by pattern, shared by all passes (sshd reads each included file once). */
  readonly includes: Map<string, ParsedFile[]>;
}

export function parseFile(path: string, text: string): ParsedFile {
  // sshd strips leading blanks from every line when it loads the file.
  return { path, directives: tokenizeFile(path, text, { stripLeadingBlanks: true, lowerKeywordInErrors: false }) };
}

export function runFile(pass: Pass, file: ParsedFile, flags: { v: number }, active: { v: boolean }, depth: number): void {
  if (depth > MAX_DEPTH) throw new ConfigError([{ file: file.path, line: 0, reason: 'Too many recursive configuration includes' }]);
  for (const d of file.directives) {
    if ('bad' in d) throw new ConfigError([{ file: d.file, line: d.line, reason: d.bad }]);
    try {
      processDirective(pass, d, flags, active, depth);
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      throw new ConfigError([{ file: d.file, line: d.line, reason: e.reason }]);
    }
  }
}

function derelativise(path: string, opts: ParseSshdConfigOptions): string {
  if (path.toLowerCase() === 'none') return 'none';
  let expanded: string;
  try {
    expanded = tildeExpand(path, opts.home ?? '/root');
  } catch (e) {
    lineError((e as Error).message);
  }
  if (expanded.startsWith('/')) return expanded;
  const cwd = opts.cwd ?? '/';
  return `${cwd.endsWith('/') ? cwd.slice(0, -1) : cwd}/${expanded}`;
}

function flagArg(args: Args, table: readonly (readonly [string, boolean])[] = SSHD_FLAG): boolean {
  return multi(args, table);
}

function multi<T>(args: Args, table: readonly (readonly [string, T])[]): T {
  const arg = args.next();
  if (arg === undefined || arg === '') lineError('missing argument.');
  const v = multistate(arg, table);
  if (v === undefined) lineError(`unsupported option "${arg}".`);
  return v;
}

function timeArg(args: Args): number {
  const arg = args.next();
  if (arg === undefined || arg === '') lineError('missing time value.');
  const v = convtime(arg);
  if (v < 0) lineError('invalid time value.');
  return v;
}

function intArg(args: Args, keyword: string): number {
  const v = atoiErr(args.next());
  if (typeof v !== 'number') lineError(`${keyword} integer value ${v}.`);
  return v;
}

/** match_user() in syntax-check mode: a `user@host` pattern's host part must be a valid address list. */
function validUserPattern(p: string): boolean {
  if (p === '') return false;
  const at = p.indexOf('@');
  return at < 0 || addressListValid(p.slice(at + 1));
}

/** addr_match_list(NULL, list) !== -2: no empty entry and no network with host bits set. */
function addressListValid(list: string): boolean {
  return list.split(',').every((e) => {
    const entry = e.startsWith('!') ? e.slice(1) : e;
    return entry !== '' && matchAddressList('0.0.0.0', entry) !== 'invalid';
  });
}

function set<K extends keyof State>(st: State, on: boolean, key: K, value: State[K]): void {
  if (on && st[key] === undefined) st[key] = value;
}

function processDirective(pass: Pass, d: Directive, flags: { v: number }, active: { v: boolean }, depth: number): void {
  const st = pass.st;
  const args = new Args(d.args);
  const key = d.key;
  const scope = SUPPORTED.get(key) ?? SSHD_UNSUPPORTED_KEYWORDS.get(key) ?? SSHD_OBSOLETE_KEYWORDS.get(key);
  if (scope === undefined) lineError(`Bad configuration option: ${d.keyword}`);
  if (!active.v && scope === 'global') {
    if (pass.ci === null) lineError(`Directive '${d.keyword}' is not allowed within a Match block`);
    return; // the connection's parse skips what the daemon's parse already took
  }
  const on = active.v;
  switch (key) {
    case 'port': {
      if (st.ports.length >= MAX_PORTS) lineError('too many ports.');
      const arg = args.next();
      if (arg === undefined || arg === '') lineError('missing port number.');
      const port = a2port(arg);
      if (port <= 0) lineError('Badly formatted port number.');
      if (!st.portsFromCommandLine) st.ports.push(port);
      break;
    }
    case 'listenaddress':
      listenAddress(st, d, args);
      break;
    case 'addressfamily':
      set(st, on, 'addressFamily', multi(args, ADDRESS_FAMILY));
      break;
    case 'hostkey':
    case 'hostdsakey': {
      const arg = args.next();
      if (arg === undefined || arg === '') lineError('missing file name.');
      if (on) st.hostKeys.push(derelativise(arg, pass.opts));
      break;
    }
    case 'logingracetime':
      set(st, on, 'loginGraceTime', timeArg(args));
      break;
    case 'permitrootlogin':
      set(st, on, 'permitRootLogin', multi(args, PERMIT_ROOT_LOGIN));
      break;
    case 'loglevel': {
      const arg = args.next();
      const level = parseLogLevel(arg);
      if (level === undefined) lineError(`unsupported log level '${arg ?? '<NONE>'}'`);
      set(st, on, 'logLevel', level);
      break;
    }
    case 'pubkeyauthentication':
    case 'dsaauthentication':
      set(st, on, 'pubkeyAuthentication', flagArg(args));
      break;
    case 'passwordauthentication':
      set(st, on, 'passwordAuthentication', flagArg(args));
      break;
    case 'kbdinteractiveauthentication':
    case 'challengeresponseauthentication':
    case 'skeyauthentication':
      set(st, on, 'kbdInteractiveAuthentication', flagArg(args));
      break;
    case 'permittty':
      set(st, on, 'permitTty', flagArg(args));
      break;
    case 'authorizedkeysfile': {
      const wasEmpty = st.authorizedKeysFiles.length === 0;
      for (let arg = args.next(); arg !== undefined; arg = args.next()) {
        if (arg === '') lineError(`keyword ${d.keyword} empty argument`);
        let path: string;
        try {
          path = tildeExpand(arg, pass.opts.home ?? '/root');
        } catch (e) {
          lineError((e as Error).message);
        }
        if (on && wasEmpty) st.authorizedKeysFiles.push(path);
      }
      break;
    }
    case 'allowusers':
    case 'denyusers': {
      const list = key === 'allowusers' ? st.allowUsers : st.denyUsers;
      for (let arg = args.next(); arg !== undefined; arg = args.next()) {
        if (!validUserPattern(arg)) lineError(`invalid ${d.keyword} pattern: "${arg}"`);
        if (on) list.push(arg);
      }
      break;
    }
    case 'maxauthtries':
      set(st, on, 'maxAuthTries', intArg(args, d.keyword));
      break;
    case 'maxsessions':
      set(st, on, 'maxSessions', intArg(args, d.keyword));
      break;
    case 'clientalivecountmax':
      set(st, on, 'clientAliveCountMax', intArg(args, d.keyword));
      break;
    case 'clientaliveinterval':
      set(st, on, 'clientAliveInterval', timeArg(args));
      break;
    case 'maxstartups':
      maxStartups(st, d, args);
      break;
    case 'banner': {
      const arg = args.next();
      if (arg === undefined || arg === '') lineError('missing file name.');
      set(st, on, 'banner', derelativise(arg, pass.opts));
      break;
    }
    case 'acceptenv':
      for (let arg = args.next(); arg !== undefined; arg = args.next()) {
        if (arg === '' || arg.includes('=')) lineError('Invalid environment name.');
        if (on) st.acceptEnv.push(arg);
      }
      break;
    case 'setenv': {
      const wasEmpty = st.setEnv.length === 0;
      for (let arg = args.next(); arg !== undefined; arg = args.next()) {
        if (arg === '' || !arg.includes('=')) lineError('Invalid environment.');
        if (!on || !wasEmpty) continue;
        const name = arg.slice(0, arg.indexOf('='));
        if (st.setEnv.some((e) => e.startsWith(`${name}=`))) continue;
        st.setEnv.push(arg);
      }
      break;
    }
    case 'forcecommand':
      set(st, on, 'forceCommand', d.rest.replace(/^[ \t\r\n]+/, ''));
      args.consumeAll();
      break;
    case 'kexalgorithms':
    case 'ciphers':
    case 'macs':
    case 'hostkeyalgorithms': {
      const kind: AlgorithmKind = key === 'kexalgorithms' ? 'kex' : key === 'ciphers' ? 'cipher' : key === 'macs' ? 'mac' : 'hostKey';
      const arg = args.next();
      if (arg === undefined || arg === '') lineError(`${d.keyword} missing argument.`);
      const bad = checkAlgorithmSpec(kind, arg, pass.opts.algorithms ?? HUSH_ALGORITHM_TABLES, true);
      if (bad !== undefined) lineError(bad);
      if (st.algorithms[kind] === undefined) st.algorithms[kind] = { spec: arg, file: d.file, line: d.line };
      break;
    }
    case 'rekeylimit': {
      const arg = args.next();
      if (arg === undefined || arg === '') lineError(`${d.keyword} missing argument.`);
      let bytes = 0n;
      if (arg !== 'default') {
        const v = scanScaled(arg);
        if (v === undefined) lineError(`Bad ${d.keyword} number '${arg}': Invalid argument`);
        if (v !== 0n && v < 16n) lineError(`${d.keyword} too small`);
        bytes = v;
      }
      set(st, on, 'rekeyLimit', bytes);
      if (args.remaining > 0) {
        if (args.peek() === 'none') {
          args.next();
          break;
        }
        set(st, on, 'rekeyInterval', timeArg(args));
      }
      break;
    }
    case 'subsystem':
      subsystem(st, d, args, on);
      break;
    case 'workers': {
      const arg = args.next();
      if (arg === undefined || arg === '') lineError(`${d.keyword} missing argument.`);
      const n = arg.toLowerCase() === 'auto' ? 'auto' : /^\d+$/.test(arg) ? Number(arg) : NaN;
      if (n !== 'auto' && !(n >= 1 && n <= MAX_WORKERS)) lineError(`Bad ${d.keyword} value "${arg}": a number of worker processes from 1 to ${MAX_WORKERS}, or auto.`);
      set(st, on, 'workers', n);
      break;
    }
    case 'include':
      include(pass, d, args, flags, active, depth);
      break;
    case 'match': {
      const r = matchLine(d, flags.v & NEVERMATCH ? null : pass.ci);
      active.v = flags.v & NEVERMATCH ? false : r.result;
      flags.v &= ~MATCH_ONLY;
      if (r.rest === null || r.rest === '') args.consumeAll();
      break;
    }
    default:
      if (SSHD_UNSUPPORTED_KEYWORDS.has(key) && on) st.unsupported.push({ keyword: d.keyword, file: d.file, line: d.line });
      args.consumeAll();
  }
  if (args.remaining > 0) lineError(`keyword ${d.keyword} extra arguments at end of line`);
}

function listenAddress(st: State, d: Directive, args: Args): void {
  const arg = args.next();
  if (arg === undefined || arg === '') lineError('missing address');
  let addr: string;
  let port = 0;
  const firstColon = arg.indexOf(':');
  if (!arg.includes('[') && firstColon >= 0 && arg.indexOf(':', firstColon + 1) >= 0) {
    addr = arg; // a bare IPv6 address: every port
  } else {
    let hostEnd: number;
    if (arg.startsWith('[')) {
      const close = arg.indexOf(']');
      if (close < 0) lineError('bad address:port usage');
      hostEnd = close + 1;
    } else {
      const m = /[:/]/.exec(arg);
      hostEnd = m === null ? arg.length : m.index;
    }
    if (hostEnd < arg.length && arg[hostEnd] !== ':' && arg[hostEnd] !== '/') lineError('bad address:port usage');
    const host = arg.slice(0, hostEnd);
    addr = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    if (hostEnd < arg.length) {
      port = a2port(arg.slice(hostEnd + 1));
      if (port <= 0) lineError('bad port number');
    }
  }
  const extra = args.next();
  if (extra !== undefined) {
    if (extra !== 'rdomain' || args.next() === undefined) lineError('bad ListenAddress syntax');
    lineError('bad routing domain (routing domains are not supported on this platform)');
  }
  st.listenQueue.push({ addr, port, file: d.file, line: d.line });
}

function maxStartups(st: State, d: Directive, args: Args): void {
  const arg = args.next();
  if (arg === undefined || arg === '') lineError(`${d.keyword} missing argument.`);
  // sscanf("%d:%d:%d"): how many numbers were read decides the form.
  const num = '[ \\t\\n\\v\\f\\r]*([+-]?\\d+)';
  const m = new RegExp(`^${num}(?::${num}(?::${num})?)?`).exec(arg);
  const invalid = (): never => lineError(`Invalid ${d.keyword} spec.`);
  if (m === null) invalid();
  const vals = m!.slice(1).filter((v) => v !== undefined).map(Number);
  // Written straight into the options, so a later line overrides an earlier one.
  if (vals.length === 3) {
    const [begin, rate, full] = vals as [number, number, number];
    st.maxStartups = { begin, rate, full };
    if (begin > full || rate > 100 || rate < 1) invalid();
  } else if (vals.length !== 1) {
    invalid();
  } else {
    st.maxStartups = { ...st.maxStartups, begin: vals[0]!, full: vals[0]! };
  }
  if ((st.maxStartups.full ?? 0) <= 0 || (st.maxStartups.begin ?? 0) <= 0) invalid();
}

function subsystem(st: State, d: Directive, args: Args, on: boolean): void {
  if (st.subsystems.length >= MAX_SUBSYSTEMS) lineError('too many subsystems defined.');
  const name = args.next();
  if (name === undefined || name === '') lineError(`${d.keyword} missing argument.`);
  if (!on) {
    args.next();
    return;
  }
  if (st.subsystems.some((s) => s.name === name)) lineError(`Subsystem '${name}' already defined.`);
  const command = args.next();
  if (command === undefined || command === '') lineError('Missing subsystem command.');
  const parts = [command];
  for (let a = args.next(); a !== undefined; a = args.next()) parts.push(a);
  st.subsystems.push({ name, command, commandLine: parts.join(' ') });
}

function include(pass: Pass, d: Directive, args: Args, flags: { v: number }, active: { v: boolean }, depth: number): void {
  let count = 0;
  for (let arg2 = args.next(); arg2 !== undefined; arg2 = args.next()) {
    if (arg2 === '') lineError(`keyword ${d.keyword} empty argument`);
    count++;
    const pattern = !arg2.startsWith('/') && !arg2.startsWith('~') ? `/etc/ssh/${arg2}` : arg2;
    const oactive = active.v;
    let files = pass.includes.get(pattern);
    if (files === undefined) {
      const fs = pass.opts.fs;
      if (fs === undefined) lineError(`Include ${arg2}: no file system access was given to read it`);
      files = [];
      for (const path of globPaths(pattern, fs)) {
        const text = fs.readFile(path);
        if (text === undefined) continue;
        files.push(parseFile(path, text));
      }
      pass.includes.set(pattern, files);
    }
    for (const f of files) {
      const childFlags = { v: flags.v & MATCH_ONLY ? MATCH_ONLY : oactive ? 0 : NEVERMATCH };
      runFile(pass, f, childFlags, active, depth + 1);
      active.v = oactive;
    }
  }
  if (count === 0) lineError(`${d.keyword} missing filename argument`);
}

interface MatchResult {
  readonly result: boolean;
  readonly rest: string | null;
}

/** match_cfg_line(): `ci` null checks the syntax only (and then only `All` matches). */
function matchLine(d: Directive, ci: SshdConnection | null): MatchResult {
  const bad = (why: string): never => lineError(`Bad Match condition: ${why}`);
  let cp: string | null = d.rest;
  let result = true;
  let attributes = 0;
  for (;;) {
    const t = strdelim(cp);
    cp = t.rest;
    const attrib = t.token;
    if (attrib === null || attrib === '') break;
    if (attrib.startsWith('#')) {
      cp = null;
      break;
    }
    attributes++;
    const a = attrib.toLowerCase();
    if (a === 'all') {
      const n = strdelim(cp);
      if (attributes > 1 || (n.token !== null && n.token !== '' && !n.token.startsWith('#'))) {
        bad("'all' cannot be combined with other Match attributes");
      }
      return { result: true, rest: n.token !== null && n.token.startsWith('#') ? null : n.rest };
    }
    const next = strdelim(cp);
    cp = next.rest;
    const arg = next.token;
    if (arg === null || arg === '' || arg.startsWith('#')) bad(`Missing Match criteria for ${attrib}`);
    const criteria = arg!;
    switch (a) {
      case 'user':
        if (ci?.user === undefined) result = false;
        else if (matchPatternList(ci.user, criteria) !== 'match') result = false;
        break;
      case 'group': {
        if (ci?.user === undefined) {
          result = false;
          break;
        }
        let found = false;
        for (const g of ci.groups ?? []) {
          const r = matchPatternList(g, criteria);
          if (r === 'negated') {
            found = false;
            break;
          }
          if (r === 'match') found = true;
        }
        if (!found) result = false;
        break;
      }
      case 'host':
        if (ci?.host === undefined) result = false;
        else if (matchHostname(ci.host, criteria) !== 'match') result = false;
        break;
      case 'address':
      case 'localaddress': {
        const addr = a === 'address' ? ci?.address : ci?.localAddress;
        if (addr === undefined) {
          if (!addressListValid(criteria)) bad(`Invalid Match ${a} argument '${criteria}'`);
          result = false;
          break;
        }
        const r = matchAddressList(addr, criteria);
        if (r === 'invalid') bad(`Invalid Match ${a} argument '${criteria}'`);
        if (r !== 'match') result = false;
        break;
      }
      case 'localport': {
        const port = a2port(criteria);
        if (port === -1) bad(`Invalid LocalPort '${criteria}' on Match line`);
        if (ci?.localPort === undefined || port !== ci.localPort) result = false;
        break;
      }
      case 'rdomain':
        if (ci?.rdomain === undefined) result = false;
        else if (matchPatternList(ci.rdomain, criteria) !== 'match') result = false;
        break;
      default:
        bad(`Unsupported Match attribute ${attrib}`);
    }
  }
  if (attributes === 0) bad('One or more attributes required for Match');
  return { result, rest: cp };
}

