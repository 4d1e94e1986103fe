/**
 * Reading ssh_config files (readconf.c process_config_line(), match_cfg_line(),
 * read_config_file()): the option state, one handler per keyword, Host / Match / Include.
 * ssh-config.ts turns the state into the resolved configuration.
 */
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { matchHostname, matchPattern, matchPatternList } from '../keys/knownhosts/patterns.js';
import { checkAlgorithmSpec, HUSH_ALGORITHM_TABLES, type AlgorithmKind } from './algorithms.js';
import { ConfigError, LineError, lineError, type ConfigProblem } from './errors.js';
import { forwardEquals, parseForward, type Forward } from './forward.js';
import { globPaths, isAbsolute } from './include.js';
import { SSH_OBSOLETE_KEYWORDS, SSH_UNSUPPORTED_KEYWORDS, type UnsupportedSetting } from './keywords.js';
import { Args, strdelim, tokenizeFile, type BadLine, type Directive } from './lexer.js';
import { parseJump, type JumpSetting } from './proxy-jump.js';
import type { ResolveSshConfigOptions, SshConfigFile } from './ssh-config.js';
import {
  a2port,
  atoiErr,
  convtime,
  dollarExpand,
  multistate,
  parseLogLevel,
  percentExpand,
  scanScaled,
  tildeExpand,
  validEnvName,
  type LogLevel,
} from './values.js';

export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new';
export type RequestTty = 'yes' | 'no' | 'force' | 'auto';
export type AddressFamily = 'any' | 'inet' | 'inet6';
export type PubkeyAuthentication = 'yes' | 'no' | 'unbound' | 'host-bound';

export const FLAG: readonly (readonly [string, boolean])[] = [
  ['true', true],
  ['false', false],
  ['yes', true],
  ['no', false],
];
export const STRICT_HOST_KEY: readonly (readonly [string, StrictHostKeyChecking])[] = [
  ['true', 'yes'],
  ['false', 'no'],
  ['yes', 'yes'],
  ['no', 'no'],
  ['ask', 'ask'],
  ['off', 'no'],
  ['accept-new', 'accept-new'],
];
export const REQUEST_TTY: readonly (readonly [string, RequestTty])[] = [
  ['true', 'yes'],
  ['yes', 'yes'],
  ['false', 'no'],
  ['no', 'no'],
  ['force', 'force'],
  ['auto', 'auto'],
];
export const ADDRESS_FAMILY: readonly (readonly [string, AddressFamily])[] = [
  ['inet', 'inet'],
  ['inet6', 'inet6'],
  ['any', 'any'],
];
export const PUBKEY_AUTH: readonly (readonly [string, PubkeyAuthentication])[] = [
  ['true', 'yes'],
  ['false', 'no'],
  ['yes', 'yes'],
  ['no', 'no'],
  ['unbound', 'unbound'],
  ['host-bound', 'host-bound'],
];
const CANONICALIZE: readonly (readonly [string, 'yes' | 'no' | 'always'])[] = [
  ['true', 'yes'],
  ['false', 'no'],
  ['yes', 'yes'],
  ['no', 'no'],
  ['always', 'always'],
];
const COMPRESSION: readonly (readonly [string, boolean])[] = [
  ['yes', true],
  ['no', false],
];

// ---------------------------------------------------------------------------------------------
// Mutable state while reading (undefined: not set yet, so the next line may set it)

interface AlgoSetting {
  readonly spec: string;
  readonly file: string;
  readonly line: number;
}

/** Where a value was set, for errors found only when it is expanded. */
export interface Origin {
  readonly file: string;
  readonly line: number;
}

export interface State {
  user?: string;
  hostName?: string;
  port?: number;
  identityFiles: { path: string; userProvided: boolean; origin: Origin }[];
  identitiesOnly?: boolean;
  identityAgent?: string;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  strictHostKeyChecking?: StrictHostKeyChecking;
  hashKnownHosts?: boolean;
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
  connectTimeout?: number;
  algorithms: Partial<Record<AlgorithmKind, AlgoSetting>>;
  preferredAuthentications?: string;
  requestTty?: RequestTty;
  setEnv: string[];
  sendEnv: string[];
  logLevel?: LogLevel;
  batchMode?: boolean;
  passwordAuthentication?: boolean;
  pubkeyAuthentication?: PubkeyAuthentication;
  kbdInteractiveAuthentication?: boolean;
  compression?: boolean;
  proxyCommand?: string;
  jump?: JumpSetting;
  forwardAgent?: boolean;
  forwardAgentPath?: string;
  localForwards: { fwd: Forward; origin: Origin }[];
  remoteForwards: { fwd: Forward; origin: Origin }[];
  rekeyLimit?: bigint;
  rekeyInterval?: number;
  addressFamily?: AddressFamily;
  bindAddress?: string;
  connectionAttempts?: number;
  escapeChar?: number;
  checkHostIp?: boolean;
  numberOfPasswordPrompts?: number;
  hostKeyAlias?: string;
  ignoreUnknown?: string;
  canonicalizeHostname?: 'yes' | 'no' | 'always';
  unsupported: UnsupportedSetting[];
  origins: Partial<Record<'hostName' | 'identityAgent' | 'forwardAgentPath' | 'userKnownHostsFiles' | 'globalKnownHostsFiles', Origin>>;
}

export const ESCAPE_NONE = -2;
const MAX_IDENTITY_FILES = 100;
const MAX_HOSTS_FILES = 32;
const MAX_INCLUDE_DEPTH = 16;

export interface Pass {
  readonly opts: ResolveSshConfigOptions;
  /** The name `Host` patterns are matched against (the typed host; the final host name in the final pass). */
  readonly host: string;
  readonly final: boolean;
  wantFinal: boolean;
  readonly state: State;
  readonly problems: ConfigProblem[];
  readonly parsed: Map<string, ParsedFile>;
}

interface Flags {
  readonly system: boolean;
  readonly neverMatch: boolean;
  readonly cmdline: boolean;
}

export interface ParsedFile {
  readonly directives: readonly (Directive | BadLine)[];
}

function parseFile(path: string, text: string): ParsedFile {
  return { directives: tokenizeFile(path, text) };
}

export function localHostname(opts: ResolveSshConfigOptions): string {
  return opts.hostname ?? 'localhost';
}

/** ssh_connection_hash(): %C, SHA-1 over local host name, remote host, port and user. */
export function connectionHash(thisHost: string, host: string, port: string, user: string): string {
  return bytesToHex(sha1(utf8ToBytes(thisHost + host + port + user)));
}

function readFileFor(pass: Pass, path: string): ParsedFile | undefined {
  const cached = pass.parsed.get(path);
  if (cached !== undefined) return cached;
  const text = pass.opts.fs?.readFile(path);
  if (text === undefined) return undefined;
  const parsed = parseFile(path, text);
  pass.parsed.set(path, parsed);
  return parsed;
}

function runFile(pass: Pass, file: ParsedFile, flags: Flags, active: { v: boolean }, depth: number): void {
  if (depth > MAX_INCLUDE_DEPTH) throw new ConfigError([...pass.problems, { file: file.directives[0]?.file ?? '', line: 0, reason: 'Too many recursive configuration includes' }]);
  for (const d of file.directives) {
    if ('bad' in d) {
      pass.problems.push({ file: d.file, line: d.line, reason: d.bad });
      continue;
    }
    try {
      processDirective(pass, d, flags, active, depth);
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      pass.problems.push({ file: d.file, line: d.line, reason: e.reason });
    }
  }
}

function setOnce<K extends keyof State>(pass: Pass, active: boolean, key: K, value: State[K], at?: Directive): void {
  if (active && pass.state[key] === undefined && value !== undefined) {
    pass.state[key] = value;
    if (at !== undefined) pass.state.origins[key as keyof State['origins']] = { file: at.file, line: at.line };
  }
}

function parseFlagArg(args: Args, table: readonly (readonly [string, boolean])[] = FLAG): boolean {
  const arg = args.next();
  if (arg === undefined || arg === '') lineError('missing argument.');
  const v = multistate(arg, table);
  if (v === undefined) lineError(`unsupported option "${arg}".`);
  return v;
}

function parseMulti<T>(args: Args, table: readonly (readonly [string, T])[]): T {
  const arg = args.next();
  if (arg === undefined || arg === '') lineError('missing argument.');
  const v = multistate(arg, table);
  if (v === undefined) lineError(`unsupported option "${arg}".`);
  return v;
}

function parseString(args: Args): string {
  const arg = args.next();
  if (arg === undefined || arg === '') lineError('Missing argument.');
  return arg;
}

/** parse_time: seconds, or undefined for `none` (which leaves the option unset). */
function parseTime(args: Args): number | undefined {
  const arg = args.next();
  if (arg === undefined || arg === '') lineError('missing time value.');
  if (arg === 'none') return undefined;
  const v = convtime(arg);
  if (v < 0) lineError('invalid time value.');
  return v;
}

function parseIntArg(args: Args): number {
  const v = atoiErr(args.next());
  if (typeof v !== 'number') lineError(`integer value ${v}.`);
  return v;
}

/** parse_agent_path checks for IdentityAgent and ForwardAgent. */
function checkAgentPath(arg: string, env: Readonly<Record<string, string | undefined>>): void {
  try {
    dollarExpand(arg, env);
  } catch {
    lineError(`Invalid environment expansion ${arg}.`);
  }
  if (arg.startsWith('$') && arg[1] !== '{' && !validEnvName(arg.slice(1))) lineError(`Invalid environment name ${arg}.`);
}

function processDirective(pass: Pass, d: Directive, flags: Flags, active: { v: boolean }, depth: number): void {
  const st = pass.state;
  const env = pass.opts.env ?? {};
  const args = new Args(d.args);
  let key = d.key;
  switch (key) {
    case 'identityfile2':
      key = 'identityfile';
      break;
    case 'challengeresponseauthentication':
    case 'skeyauthentication':
    case 'tisauthentication':
      key = 'kbdinteractiveauthentication';
      break;
    case 'dsaauthentication':
      key = 'pubkeyauthentication';
      break;
  }
  const on = active.v;
  switch (key) {
    case 'host': {
      if (flags.cmdline) lineError('Host directive not supported as a command-line option');
      active.v = false;
      for (let arg = args.next(); arg !== undefined; arg = args.next()) {
        if (arg === '') lineError(`keyword ${key} empty argument`);
        if (flags.neverMatch) {
          args.consumeAll();
          break;
        }
        const negated = arg.startsWith('!');
        if (matchPattern(pass.host, negated ? arg.slice(1) : arg)) {
          if (negated) {
            active.v = false;
            args.consumeAll();
            break;
          }
          active.v = true;
        }
      }
      break;
    }
    case 'match': {
      if (flags.cmdline) lineError('Host directive not supported as a command-line option');
      const r = matchLine(pass, d, flags);
      active.v = flags.neverMatch ? false : r.result;
      if (r.rest === null || r.rest === '') args.consumeAll();
      break;
    }
    case 'include':
      if (flags.cmdline) lineError('Include directive not supported as a command-line option');
      include(pass, d, args, flags, active, depth);
      break;
    case 'hostname':
      setOnce(pass, on, 'hostName', parseString(args), d);
      break;
    case 'user':
      setOnce(pass, on, 'user', parseString(args));
      break;
    case 'port': {
      const arg = parseString(args);
      const port = a2port(arg);
      if (port <= 0) lineError(`Bad port '${arg}'.`);
      setOnce(pass, on, 'port', port);
      break;
    }
    case 'identityfile': {
      const arg = parseString(args);
      if (on) {
        if (st.identityFiles.length >= MAX_IDENTITY_FILES) lineError(`Too many identity files specified (max ${MAX_IDENTITY_FILES}).`);
        addIdentityFile(st, arg, !flags.system, { file: d.file, line: d.line });
      }
      break;
    }
    case 'identitiesonly':
      setOnce(pass, on, 'identitiesOnly', parseFlagArg(args));
      break;
    case 'identityagent': {
      const arg = parseString(args);
      checkAgentPath(arg, env);
      setOnce(pass, on, 'identityAgent', arg, d);
      break;
    }
    case 'forwardagent': {
      const arg = args.next();
      if (arg === undefined || arg === '') lineError('missing argument.');
      const v = multistate(arg, FLAG);
      if (v !== undefined) {
        setOnce(pass, on, 'forwardAgent', v);
        break;
      }
      setOnce(pass, on, 'forwardAgent', true);
      checkAgentPath(arg, env);
      setOnce(pass, on, 'forwardAgentPath', arg, d);
      break;
    }
    case 'userknownhostsfile':
    case 'globalknownhostsfile': {
      const list = key === 'userknownhostsfile' ? st.userKnownHostsFiles : st.globalKnownHostsFiles;
      const wasEmpty = list.length === 0;
      let i = 0;
      for (let arg = args.next(); arg !== undefined; arg = args.next()) {
        if (arg === '') lineError(`keyword ${key} empty argument`);
        if (arg.toLowerCase() === 'none' && (i > 0 || args.remaining > 0)) {
          lineError(`keyword ${key} "none" argument must appear alone.`);
        }
        i++;
        if (on && wasEmpty) {
          if (list.length >= MAX_HOSTS_FILES) lineError(`too many ${key} entries.`);
          list.push(arg);
          st.origins[key === 'userknownhostsfile' ? 'userKnownHostsFiles' : 'globalKnownHostsFiles'] = { file: d.file, line: d.line };
        }
      }
      break;
    }
    case 'stricthostkeychecking':
      setOnce(pass, on, 'strictHostKeyChecking', parseMulti(args, STRICT_HOST_KEY));
      break;
    case 'hashknownhosts':
      setOnce(pass, on, 'hashKnownHosts', parseFlagArg(args));
      break;
    case 'checkhostip':
      setOnce(pass, on, 'checkHostIp', parseFlagArg(args));
      break;
    case 'batchmode':
      setOnce(pass, on, 'batchMode', parseFlagArg(args));
      break;
    case 'passwordauthentication':
      setOnce(pass, on, 'passwordAuthentication', parseFlagArg(args));
      break;
    case 'kbdinteractiveauthentication':
      setOnce(pass, on, 'kbdInteractiveAuthentication', parseFlagArg(args));
      break;
    case 'pubkeyauthentication':
      setOnce(pass, on, 'pubkeyAuthentication', parseMulti(args, PUBKEY_AUTH));
      break;
    case 'compression':
      setOnce(pass, on, 'compression', parseFlagArg(args, COMPRESSION));
      break;
    case 'requesttty':
      setOnce(pass, on, 'requestTty', parseMulti(args, REQUEST_TTY));
      break;
    case 'addressfamily':
      setOnce(pass, on, 'addressFamily', parseMulti(args, ADDRESS_FAMILY));
      break;
    case 'serveraliveinterval':
      setOnce(pass, on, 'serverAliveInterval', parseTime(args));
      break;
    case 'connecttimeout':
      setOnce(pass, on, 'connectTimeout', parseTime(args));
      break;
    case 'serveralivecountmax':
      setOnce(pass, on, 'serverAliveCountMax', parseIntArg(args));
      break;
    case 'connectionattempts':
      setOnce(pass, on, 'connectionAttempts', parseIntArg(args));
      break;
    case 'numberofpasswordprompts':
      setOnce(pass, on, 'numberOfPasswordPrompts', parseIntArg(args));
      break;
    case 'kexalgorithms':
    case 'ciphers':
    case 'macs':
    case 'hostkeyalgorithms': {
      const kind: AlgorithmKind = key === 'kexalgorithms' ? 'kex' : key === 'ciphers' ? 'cipher' : key === 'macs' ? 'mac' : 'hostKey';
      const arg = parseString(args);
      const bad = checkAlgorithmSpec(kind, arg, pass.opts.algorithms ?? HUSH_ALGORITHM_TABLES);
      if (bad !== undefined) lineError(bad);
      if (on && st.algorithms[kind] === undefined) st.algorithms[kind] = { spec: arg, file: d.file, line: d.line };
      break;
    }
    case 'preferredauthentications':
      setOnce(pass, on, 'preferredAuthentications', parseString(args));
      break;
    case 'bindaddress':
      setOnce(pass, on, 'bindAddress', parseString(args));
      break;
    case 'hostkeyalias':
      setOnce(pass, on, 'hostKeyAlias', parseString(args));
      break;
    case 'ignoreunknown':
      setOnce(pass, on, 'ignoreUnknown', parseString(args));
      break;
    case 'loglevel': {
      const arg = args.next();
      const level = parseLogLevel(arg);
      if (level === undefined) lineError(`unsupported log level '${arg ?? '<NONE>'}'`);
      setOnce(pass, on, 'logLevel', level);
      break;
    }
    case 'sendenv':
      for (let arg = args.next(); arg !== undefined; arg = args.next()) {
        if (arg === '' || arg.includes('=')) lineError('Invalid environment name.');
        if (!on) continue;
        if (arg.startsWith('-')) {
          const pattern = arg.slice(1);
          st.sendEnv = st.sendEnv.filter((e) => !matchPattern(e, pattern));
          continue;
        }
        st.sendEnv.push(arg);
      }
      break;
    case 'setenv': {
      const wasEmpty = st.setEnv.length === 0;
      for (let arg = args.next(); arg !== undefined; arg = args.next()) {
        if (!arg.includes('=')) lineError('Invalid SetEnv.');
        if (!on || !wasEmpty) continue;
        const name = arg.slice(0, arg.indexOf('='));
        if (st.setEnv.some((e) => e.startsWith(`${name}=`))) continue;
        st.setEnv.push(arg);
      }
      break;
    }
    case 'rekeylimit': {
      const arg = args.next();
      if (arg === undefined || arg === '') lineError('Missing argument.');
      let bytes = 0n;
      if (arg !== 'default') {
        const v = scanScaled(arg);
        if (v === undefined) lineError(`Bad number '${arg}': Invalid argument`);
        if (v !== 0n && v < 16n) lineError('RekeyLimit too small');
        bytes = v;
      }
      setOnce(pass, on, 'rekeyLimit', bytes);
      if (args.remaining > 0) {
        if (args.peek() === 'none') {
          args.next();
          break;
        }
        setOnce(pass, on, 'rekeyInterval', parseTime(args));
      }
      break;
    }
    case 'escapechar': {
      const arg = parseString(args);
      const bytes = new TextEncoder().encode(arg);
      let value: number;
      if (arg === 'none') value = ESCAPE_NONE;
      else if (bytes.length === 1) value = bytes[0]!;
      else if (bytes.length === 2 && bytes[0] === 0x5e && bytes[1]! >= 64 && bytes[1]! < 128) value = bytes[1]! & 31;
      else lineError('Bad escape character.');
      setOnce(pass, on, 'escapeChar', value);
      break;
    }
    case 'proxycommand': {
      // The rest of the line, verbatim. ProxyJump sets ProxyCommand to "none", so whichever
      // of the two comes first wins (OpenSSH 10.3; Debian's 9.2 carries the same change).
      setOnce(pass, on, 'proxyCommand', d.rest.replace(/^[ \t\r\n=]*/, ''));
      args.consumeAll();
      break;
    }
    case 'proxyjump': {
      const jump = parseJump(d.rest.replace(/^[ \t\r\n=]*/, ''), st, on);
      if (jump !== undefined) {
        st.jump = jump;
        if (jump.host !== 'none') st.proxyCommand = 'none';
      }
      args.consumeAll();
      break;
    }
    case 'localforward':
    case 'remoteforward':
    case 'dynamicforward': {
      const arg = parseString(args);
      const remote = key === 'remoteforward';
      let dynamic = key === 'dynamicforward';
      let spec = arg;
      if (!dynamic) {
        const arg2 = args.next();
        if (arg2 === undefined || arg2 === '') {
          if (remote) dynamic = true;
          else lineError('Missing target argument.');
        } else {
          spec = `${arg}:${arg2}`;
        }
      }
      const fwd = parseForward(spec, dynamic, remote, env);
      if (fwd === undefined) lineError('Bad forwarding specification.');
      if (on) {
        const list = remote ? st.remoteForwards : st.localForwards;
        if (!list.some((f) => forwardEquals(f.fwd, fwd))) list.push({ fwd, origin: { file: d.file, line: d.line } });
      }
      break;
    }
    case 'canonicalizehostname': {
      // hush does not look names up in the DNS, but the setting still makes ssh read the
      // files a second time (Match canonical / final), which hush does too.
      const v = parseMulti(args, CANONICALIZE);
      setOnce(pass, on, 'canonicalizeHostname', v);
      if (on && v !== 'no') st.unsupported.push({ keyword: d.keyword, file: d.file, line: d.line });
      break;
    }
    default: {
      if (SSH_OBSOLETE_KEYWORDS.has(key)) {
        args.consumeAll();
        break;
      }
      if (SSH_UNSUPPORTED_KEYWORDS.has(key)) {
        if (on) st.unsupported.push({ keyword: d.keyword, file: d.file, line: d.line });
        args.consumeAll();
        break;
      }
      if (st.ignoreUnknown !== undefined && matchPatternList(key, st.ignoreUnknown, true) === 'match') {
        args.consumeAll();
        break;
      }
      lineError(`Bad configuration option: ${key}`);
    }
  }
  if (args.remaining > 0) lineError(`keyword ${key} extra arguments at end of line`);
}

function addIdentityFile(st: State, path: string, userProvided: boolean, origin: Origin): void {
  if (st.identityFiles.some((f) => f.userProvided === userProvided && f.path === path)) return;
  st.identityFiles.push({ path, userProvided, origin });
}

function include(pass: Pass, d: Directive, args: Args, flags: Flags, active: { v: boolean }, depth: number): void {
  const env = pass.opts.env ?? {};
  for (let arg = args.next(); arg !== undefined; arg = args.next()) {
    if (arg === '') lineError('keyword include empty argument');
    if (arg.startsWith('~') && flags.system) lineError(`bad include path ${arg}.`);
    const anchored = !isAbsolute(arg) && !arg.startsWith('~') ? `${flags.system ? '/etc/ssh' : '~/.ssh'}/${arg}` : arg;
    if (pass.opts.fs === undefined) lineError(`Include ${arg}: no file system access was given to read it`);
    let pattern: string;
    try {
      // glob(3)'s GLOB_TILDE takes ~ from $HOME.
      pattern = tildeExpand(anchored, env['HOME'] ?? pass.opts.home, pass.opts.homeOf);
    } catch (e) {
      lineError(`glob failed for ${anchored}: ${(e as Error).message}.`);
    }
    const files = globPaths(pattern, pass.opts.fs);
    const oactive = active.v;
    for (const path of files) {
      const parsed = readFileFor(pass, path);
      if (parsed === undefined) continue;
      runFile(pass, parsed, { ...flags, neverMatch: flags.neverMatch || !oactive }, active, depth + 1);
      // A Match inside the included file does not change the including file's state.
      active.v = oactive;
    }
  }
}

interface MatchResult {
  readonly result: boolean;
  readonly rest: string | null;
}

function matchLine(pass: Pass, d: Directive, flags: Flags): MatchResult {
  const st = pass.state;
  const opts = pass.opts;
  const port = st.port ?? 22;
  const ruser = st.user ?? opts.localUser;
  let host: string;
  try {
    host = pass.final ? st.hostName! : st.hostName !== undefined ? percentExpand(st.hostName, { h: pass.host }) : pass.host;
  } catch (e) {
    lineError(`HostName: ${(e as Error).message}`);
  }
  const bad = (why: string): never => lineError(`Bad Match condition: ${why}`);
  let cp: string | null = d.rest;
  let result = true;
  let attributes = 0;
  for (;;) {
    const t = strdelim(cp);
    cp = t.rest;
    const oattrib = t.token;
    if (oattrib === null || oattrib === '') break;
    if (oattrib.startsWith('#')) {
      cp = null;
      break;
    }
    const negate = oattrib.startsWith('!');
    const attrib = (negate ? oattrib.slice(1) : oattrib).toLowerCase();
    if (attrib === 'all') {
      const n = strdelim(cp);
      if (attributes > 1 || (n.token !== null && n.token !== '' && !n.token.startsWith('#'))) {
        bad(`'${oattrib}' cannot be combined with other Match attributes`);
      }
      cp = n.token !== null && n.token.startsWith('#') ? null : n.rest;
      if (result) result = !negate;
      return { result, rest: cp };
    }
    attributes++;
    if (attrib === 'canonical' || attrib === 'final') {
      if (attrib === 'final') pass.wantFinal = true;
      if (pass.final === negate) result = false;
      continue;
    }
    const a = strdelim(cp);
    cp = a.rest;
    const arg = a.token;
    if (arg === null || arg === '' || arg.startsWith('#')) bad(`Missing Match criteria for ${attrib}`);
    const criteria = arg!;
    let r: boolean;
    switch (attrib) {
      case 'host':
        r = matchHostname(host, criteria) === 'match';
        break;
      case 'originalhost':
        r = matchHostname(opts.host, criteria) === 'match';
        break;
      case 'user':
        r = matchPatternList(ruser, criteria) === 'match';
        break;
      case 'localuser':
        r = matchPatternList(opts.localUser, criteria) === 'match';
        break;
      case 'exec': {
        if (!result || flags.neverMatch) continue; // a failed earlier criterion skips the command
        const thisHost = localHostname(opts);
        const portStr = String(port);
        let cmd: string;
        try {
          cmd = percentExpand(criteria, {
            C: connectionHash(thisHost, host, portStr, ruser),
            L: thisHost.split('.')[0]!,
            d: opts.home,
            h: host,
            k: st.hostKeyAlias ?? host,
            l: thisHost,
            n: opts.host,
            p: portStr,
            r: ruser,
            u: opts.localUser,
            i: String(opts.uid ?? 0),
          });
        } catch (e) {
          lineError(`match exec '${criteria}': ${(e as Error).message}`);
        }
        if (opts.exec === undefined) lineError(`Match exec is not supported here (no exec callback): "${criteria}"`);
        r = opts.exec(cmd);
        break;
      }
      default:
        bad(`Unsupported Match attribute ${attrib}`);
    }
    if (r! === negate) result = false;
  }
  if (attributes === 0) bad('One or more attributes required for Match');
  return { result, rest: cp };
}

export function emptyState(opts: ResolveSshConfigOptions): State {
  const st: State = {
    identityFiles: [],
    userKnownHostsFiles: [],
    globalKnownHostsFiles: [],
    algorithms: {},
    setEnv: [],
    sendEnv: [],
    localForwards: [],
    remoteForwards: [],
    unsupported: [],
    origins: {},
  };
  if (opts.user !== undefined) st.user = opts.user;
  if (opts.port !== undefined) st.port = opts.port;
  return st;
}

export function runAll(pass: Pass, files: readonly SshConfigFile[], cmdline: readonly string[]): void {
  if (cmdline.length > 0) {
    const parsed = parseFile('command-line', cmdline.join('\n'));
    runFile(pass, parsed, { system: false, neverMatch: false, cmdline: true }, { v: true }, 0);
  }
  for (const f of files) {
    let parsed = pass.parsed.get(f.path);
    if (parsed === undefined) {
      parsed = parseFile(f.path, f.text);
      pass.parsed.set(f.path, parsed);
    }
    runFile(pass, parsed, { system: f.system === true, neverMatch: false, cmdline: false }, { v: true }, 0);
    if (pass.problems.length > 0) throw new ConfigError(pass.problems);
  }
  if (pass.problems.length > 0) throw new ConfigError(pass.problems);
}

