/**
 * sshd_config keywords that set options (servconf.c process_server_config_line_depth()): the
 * keywords hushd implements with their scope, and one handler per keyword, each checking its
 * arguments whether or not the line is in force and setting the option only when it is. Match
 * and Include are the file walker's (sshd-config-parser.ts).
 */
import { checkAlgorithmSpec, HUSH_ALGORITHM_TABLES, type AlgorithmKind } from './algorithms.js';
import { lineError } from './errors.js';
import { ALGORITHM_KEYWORDS, intArg, logLevelArg, multiArg, rekeyBytesArg, rekeyIntervalArg, setEnvArgs, stringArg, timeArg, type KeywordLine } from './keyword-args.js';
import { SSHD_UNSUPPORTED_KEYWORDS, type SshdScope } from './keywords.js';
import type { Args } from './lexer.js';
import { validUserPattern } from './sshd-config-match.js';
import { ADDRESS_FAMILY, PERMIT_ROOT_LOGIN, set, SSHD_FLAG, type Pass } from './sshd-config-state.js';
import { derelativise, listenAddress, maxStartups, subsystem } from './sshd-config-values.js';
import { a2port, tildeExpand } from './values.js';

/** Keywords hushd implements, with their scope. */
export const SUPPORTED: ReadonlyMap<string, SshdScope> = new Map<string, SshdScope>([
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
  ['allowgroups', 'all'],
  ['denygroups', 'all'],
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
  ['strictmodes', 'global'],
  ['permituserenvironment', 'global'],
  ['tcpkeepalive', 'global'],
  ['keepalive', 'global'],
  ['workers', 'global'], // hush extension: OpenSSH has no such keyword
  ['match', 'all'],
  ['include', 'all'],
]);

const MAX_PORTS = 256;
/** The most worker processes Workers may ask for. */
const MAX_WORKERS = 1024;

export type OptionLine = KeywordLine<Pass>;

type Handler = (c: OptionLine) => void;

const flag = (c: OptionLine): boolean => multiArg(c.args, SSHD_FLAG);

const OPTIONS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['port', port],
  ['listenaddress', (c) => listenAddress(c.pass.st, c.d, c.args)],
  ['addressfamily', (c) => set(c.pass.st, c.on, 'addressFamily', multiArg(c.args, ADDRESS_FAMILY))],
  ['hostkey', hostKey],
  ['hostdsakey', hostKey],
  ['logingracetime', (c) => set(c.pass.st, c.on, 'loginGraceTime', timeArg(c.args))],
  ['permitrootlogin', (c) => set(c.pass.st, c.on, 'permitRootLogin', multiArg(c.args, PERMIT_ROOT_LOGIN))],
  ['loglevel', (c) => set(c.pass.st, c.on, 'logLevel', logLevelArg(c.args))],
  ['pubkeyauthentication', (c) => set(c.pass.st, c.on, 'pubkeyAuthentication', flag(c))],
  ['dsaauthentication', (c) => set(c.pass.st, c.on, 'pubkeyAuthentication', flag(c))],
  ['passwordauthentication', (c) => set(c.pass.st, c.on, 'passwordAuthentication', flag(c))],
  ['kbdinteractiveauthentication', (c) => set(c.pass.st, c.on, 'kbdInteractiveAuthentication', flag(c))],
  ['challengeresponseauthentication', (c) => set(c.pass.st, c.on, 'kbdInteractiveAuthentication', flag(c))],
  ['skeyauthentication', (c) => set(c.pass.st, c.on, 'kbdInteractiveAuthentication', flag(c))],
  ['permittty', (c) => set(c.pass.st, c.on, 'permitTty', flag(c))],
  ['authorizedkeysfile', authorizedKeysFile],
  ['allowusers', users],
  ['denyusers', users],
  ['allowgroups', groups],
  ['denygroups', groups],
  ['maxauthtries', (c) => set(c.pass.st, c.on, 'maxAuthTries', intArg(c.args, c.d.keyword))],
  ['maxsessions', (c) => set(c.pass.st, c.on, 'maxSessions', intArg(c.args, c.d.keyword))],
  ['clientalivecountmax', (c) => set(c.pass.st, c.on, 'clientAliveCountMax', intArg(c.args, c.d.keyword))],
  ['clientaliveinterval', (c) => set(c.pass.st, c.on, 'clientAliveInterval', timeArg(c.args))],
  ['maxstartups', (c) => maxStartups(c.pass.st, c.d, c.args)],
  ['banner', (c) => set(c.pass.st, c.on, 'banner', derelativise(fileNameArg(c.args), c.pass.opts))],
  ['acceptenv', acceptEnv],
  ['setenv', (c) => setEnvArgs(c.args, c.pass.st.setEnv, c.on, 'Invalid environment.')],
  ['forcecommand', forceCommand],
  ...[...ALGORITHM_KEYWORDS].map(([key, kind]): [string, Handler] => [key, (c) => algorithms(c, kind)]),
  ['rekeylimit', rekeyLimit],
  ['subsystem', (c) => subsystem(c.pass.st, c.d, c.args, c.on)],
  ['strictmodes', (c) => set(c.pass.st, c.on, 'strictModes', flag(c))],
  ['permituserenvironment', permitUserEnvironment],
  ['tcpkeepalive', (c) => set(c.pass.st, c.on, 'tcpKeepAlive', flag(c))],
  ['keepalive', (c) => set(c.pass.st, c.on, 'tcpKeepAlive', flag(c))],
  ['workers', workers],
]);

/**
 * Keywords hushd does not implement that would grant more than the file asks for if they were
 * ignored: with a restricting value, the file is refused (wherever the line is, Match blocks
 * included) rather than served more openly than written. The value given here is the one that
 * restricts nothing (or, for a function, whether the value restricts nothing).
 */
const REFUSED_UNLESS: ReadonlyMap<string, (value: string) => boolean> = new Map<string, (value: string) => boolean>([
  ['chrootdirectory', (v) => v.toLowerCase() === 'none'],
  ['revokedkeys', (v) => v.toLowerCase() === 'none'],
  ['authenticationmethods', (v) => v.toLowerCase() === 'any'],
  // "+list" only adds algorithms and "^list" reorders them: hush's own list is no wider.
  ['pubkeyacceptedalgorithms', (v) => v.startsWith('+') || v.startsWith('^')],
  ['pubkeyacceptedkeytypes', (v) => v.startsWith('+') || v.startsWith('^')],
  // hush refuses RSA keys under 1024 bits, as OpenSSH's default.
  ['requiredrsasize', (v) => /^\d+$/.test(v) && Number(v) <= 1024],
]);

/** Processes an option line; a keyword hushd knows but does not implement is noted when it applies. */
export function processOption(c: OptionLine): void {
  const handler = OPTIONS.get(c.key);
  if (handler !== undefined) {
    handler(c);
    return;
  }
  const harmless = REFUSED_UNLESS.get(c.key);
  if (harmless !== undefined && !harmless(c.d.args[0] ?? '')) {
    lineError(`${c.d.keyword} is not implemented by hush, and ignoring it would let in more than this file allows; remove the line to run hushd`);
  }
  if (SSHD_UNSUPPORTED_KEYWORDS.has(c.key) && c.on) c.pass.st.unsupported.push({ keyword: c.d.keyword, file: c.d.file, line: c.d.line });
  c.args.consumeAll();
}

function fileNameArg(args: Args): string {
  const arg = args.next();
  if (arg === undefined || arg === '') lineError('missing file name.');
  return arg;
}

function port(c: OptionLine): void {
  const st = c.pass.st;
  if (st.ports.length >= MAX_PORTS) lineError('too many ports.');
  const arg = c.args.next();
  if (arg === undefined || arg === '') lineError('missing port number.');
  const port = a2port(arg);
  if (port <= 0) lineError('Badly formatted port number.');
  if (!st.portsFromCommandLine) st.ports.push(port);
}

function hostKey(c: OptionLine): void {
  const arg = fileNameArg(c.args);
  if (c.on) c.pass.st.hostKeys.push(derelativise(arg, c.pass.opts));
}

/** AuthorizedKeysFile: the first line that sets the list wins. */
function authorizedKeysFile(c: OptionLine): void {
  const st = c.pass.st;
  const wasEmpty = st.authorizedKeysFiles.length === 0;
  for (let arg = c.args.next(); arg !== undefined; arg = c.args.next()) {
    if (arg === '') lineError(`keyword ${c.d.keyword} empty argument`);
    let path: string;
    try {
      path = tildeExpand(arg, c.pass.opts.home ?? '/root');
    } catch (e) {
      lineError((e as Error).message);
    }
    if (c.on && wasEmpty) st.authorizedKeysFiles.push(path);
  }
}

/** AllowUsers and DenyUsers accumulate. */
function users(c: OptionLine): void {
  const list = c.key === 'allowusers' ? c.pass.st.allowUsers : c.pass.st.denyUsers;
  for (let arg = c.args.next(); arg !== undefined; arg = c.args.next()) {
    if (!validUserPattern(arg)) lineError(`invalid ${c.d.keyword} pattern: "${arg}"`);
    if (c.on) list.push(arg);
  }
}

/** PermitUserEnvironment yes | no | pattern-list (servconf.c: a list names the variables allowed). */
function permitUserEnvironment(c: OptionLine): void {
  const arg = c.args.next();
  if (arg === undefined || arg === '') lineError(`${c.d.keyword} missing argument.`);
  const v = arg.toLowerCase();
  const value: boolean | string[] = v === 'yes' ? true : v === 'no' ? false : arg.split(',');
  if (Array.isArray(value) && value.some((p) => p === '')) lineError(`${c.d.keyword}: bad pattern list "${arg}".`);
  set(c.pass.st, c.on, 'permitUserEnvironment', value);
}

/** AllowGroups / DenyGroups: group name patterns (servconf.c: each argument one pattern). */
function groups(c: OptionLine): void {
  const list = c.key === 'allowgroups' ? c.pass.st.allowGroups : c.pass.st.denyGroups;
  for (let arg = c.args.next(); arg !== undefined; arg = c.args.next()) {
    if (arg === '') lineError(`${c.d.keyword}: empty group name`);
    if (c.on) list.push(arg);
  }
}

function acceptEnv(c: OptionLine): void {
  for (let arg = c.args.next(); arg !== undefined; arg = c.args.next()) {
    if (arg === '' || arg.includes('=')) lineError('Invalid environment name.');
    if (c.on) c.pass.st.acceptEnv.push(arg);
  }
}

function forceCommand(c: OptionLine): void {
  set(c.pass.st, c.on, 'forceCommand', c.d.rest.replace(/^[ \t\r\n]+/, ''));
  c.args.consumeAll();
}

function algorithms(c: OptionLine, kind: AlgorithmKind): void {
  const st = c.pass.st;
  const arg = stringArg(c.args, c.d.keyword);
  const bad = checkAlgorithmSpec(kind, arg, c.pass.opts.algorithms ?? HUSH_ALGORITHM_TABLES, true);
  if (bad !== undefined) lineError(bad);
  if (st.algorithms[kind] === undefined) st.algorithms[kind] = { spec: arg, file: c.d.file, line: c.d.line };
}

function rekeyLimit(c: OptionLine): void {
  set(c.pass.st, c.on, 'rekeyLimit', rekeyBytesArg(c.args, c.d.keyword));
  const interval = rekeyIntervalArg(c.args);
  if (interval !== undefined) set(c.pass.st, c.on, 'rekeyInterval', interval);
}

function workers(c: OptionLine): void {
  const arg = stringArg(c.args, c.d.keyword);
  const n = arg.toLowerCase() === 'auto' ? 'auto' : /^\d+$/.test(arg) ? Number(arg) : NaN;
  if (n !== 'auto' && !(n >= 1 && n <= MAX_WORKERS)) lineError(`Bad ${c.d.keyword} value "${arg}": a number of worker processes from 1 to ${MAX_WORKERS}, or auto.`);
  set(c.pass.st, c.on, 'workers', n);
}
