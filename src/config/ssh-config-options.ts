/**
 * ssh_config keywords that set options (readconf.c process_config_line()): one handler per
 * keyword, each checking its arguments whether or not the line is in force and setting the
 * option only when it is (and not set yet). Host, Match and Include are the file walker's
 * (ssh-config-parser.ts).
 */
import { matchPattern, matchPatternList } from '../keys/knownhosts/patterns.js';
import { checkAlgorithmSpec, HUSH_ALGORITHM_TABLES, type AlgorithmKind } from './algorithms.js';
import { lineError } from './errors.js';
import { forwardEquals, parseForward } from './forward.js';
import { ALGORITHM_KEYWORDS, intArg, logLevelArg, multiArg, rekeyBytesArg, rekeyIntervalArg, setEnvArgs, stringArg, timeOrNoneArg, type KeywordLine } from './keyword-args.js';
import { SSH_OBSOLETE_KEYWORDS, SSH_UNSUPPORTED_KEYWORDS } from './keywords.js';
import { parseJump } from './proxy-jump.js';
import { forwardAgent, identityAgent, identityFile, knownHostsFiles } from './ssh-config-paths.js';
import {
  ADDRESS_FAMILY,
  CANONICALIZE,
  COMPRESSION,
  ESCAPE_NONE,
  FLAG,
  PUBKEY_AUTH,
  REQUEST_TTY,
  setOnce,
  STRICT_HOST_KEY,
  type Pass,
} from './ssh-config-state.js';
import { a2port } from './values.js';

export interface OptionLine extends KeywordLine<Pass> {
  /** The line is from a system-wide file. */
  readonly system: boolean;
}

type Handler = (c: OptionLine) => void;

const OPTIONS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['hostname', (c) => setOnce(c.pass, c.on, 'hostName', stringArg(c.args), c.d)],
  ['user', (c) => setOnce(c.pass, c.on, 'user', stringArg(c.args))],
  ['port', port],
  ['identityfile', identityFile],
  ['identitiesonly', (c) => setOnce(c.pass, c.on, 'identitiesOnly', multiArg(c.args, FLAG))],
  ['identityagent', identityAgent],
  ['forwardagent', forwardAgent],
  ['userknownhostsfile', knownHostsFiles],
  ['globalknownhostsfile', knownHostsFiles],
  ['stricthostkeychecking', (c) => setOnce(c.pass, c.on, 'strictHostKeyChecking', multiArg(c.args, STRICT_HOST_KEY))],
  ['hashknownhosts', (c) => setOnce(c.pass, c.on, 'hashKnownHosts', multiArg(c.args, FLAG))],
  ['checkhostip', (c) => setOnce(c.pass, c.on, 'checkHostIp', multiArg(c.args, FLAG))],
  ['batchmode', (c) => setOnce(c.pass, c.on, 'batchMode', multiArg(c.args, FLAG))],
  ['tcpkeepalive', (c) => setOnce(c.pass, c.on, 'tcpKeepAlive', multiArg(c.args, FLAG))],
  ['keepalive', (c) => setOnce(c.pass, c.on, 'tcpKeepAlive', multiArg(c.args, FLAG))],
  ['passwordauthentication', (c) => setOnce(c.pass, c.on, 'passwordAuthentication', multiArg(c.args, FLAG))],
  ['kbdinteractiveauthentication', (c) => setOnce(c.pass, c.on, 'kbdInteractiveAuthentication', multiArg(c.args, FLAG))],
  ['pubkeyauthentication', (c) => setOnce(c.pass, c.on, 'pubkeyAuthentication', multiArg(c.args, PUBKEY_AUTH))],
  ['compression', (c) => setOnce(c.pass, c.on, 'compression', multiArg(c.args, COMPRESSION))],
  ['requesttty', (c) => setOnce(c.pass, c.on, 'requestTty', multiArg(c.args, REQUEST_TTY))],
  ['addressfamily', (c) => setOnce(c.pass, c.on, 'addressFamily', multiArg(c.args, ADDRESS_FAMILY))],
  ['serveraliveinterval', (c) => setOnce(c.pass, c.on, 'serverAliveInterval', timeOrNoneArg(c.args))],
  ['connecttimeout', (c) => setOnce(c.pass, c.on, 'connectTimeout', timeOrNoneArg(c.args))],
  ['serveralivecountmax', (c) => setOnce(c.pass, c.on, 'serverAliveCountMax', intArg(c.args))],
  ['connectionattempts', (c) => setOnce(c.pass, c.on, 'connectionAttempts', intArg(c.args))],
  ['numberofpasswordprompts', (c) => setOnce(c.pass, c.on, 'numberOfPasswordPrompts', intArg(c.args))],
  ...[...ALGORITHM_KEYWORDS].map(([key, kind]): [string, Handler] => [key, (c) => algorithms(c, kind)]),
  ['preferredauthentications', (c) => setOnce(c.pass, c.on, 'preferredAuthentications', stringArg(c.args))],
  ['bindaddress', (c) => setOnce(c.pass, c.on, 'bindAddress', stringArg(c.args))],
  ['hostkeyalias', (c) => setOnce(c.pass, c.on, 'hostKeyAlias', stringArg(c.args))],
  ['ignoreunknown', (c) => setOnce(c.pass, c.on, 'ignoreUnknown', stringArg(c.args))],
  ['loglevel', (c) => setOnce(c.pass, c.on, 'logLevel', logLevelArg(c.args))],
  ['sendenv', sendEnv],
  ['setenv', (c) => setEnvArgs(c.args, c.pass.state.setEnv, c.on, 'Invalid SetEnv.')],
  ['rekeylimit', rekeyLimit],
  ['escapechar', (c) => setOnce(c.pass, c.on, 'escapeChar', escapeChar(stringArg(c.args)))],
  ['proxycommand', proxyCommand],
  ['proxyjump', proxyJump],
  ['localforward', addForward],
  ['remoteforward', addForward],
  ['dynamicforward', addForward],
  ['canonicalizehostname', canonicalizeHostname],
]);

/** Processes an option line; an unknown keyword is an error unless IgnoreUnknown lists it. */
export function processOption(c: OptionLine): void {
  const handler = OPTIONS.get(c.key);
  if (handler !== undefined) handler(c);
  else unknownOption(c);
}

function unknownOption(c: OptionLine): void {
  const { key, args } = c;
  if (SSH_OBSOLETE_KEYWORDS.has(key)) {
    args.consumeAll();
    return;
  }
  if (SSH_UNSUPPORTED_KEYWORDS.has(key)) {
    if (c.on) c.pass.state.unsupported.push({ keyword: c.d.keyword, file: c.d.file, line: c.d.line });
    args.consumeAll();
    return;
  }
  const ignore = c.pass.state.ignoreUnknown;
  if (ignore !== undefined && matchPatternList(key, ignore, true) === 'match') {
    args.consumeAll();
    return;
  }
  lineError(`Bad configuration option: ${key}`);
}

function port(c: OptionLine): void {
  const arg = stringArg(c.args);
  const port = a2port(arg);
  if (port <= 0) lineError(`Bad port '${arg}'.`);
  setOnce(c.pass, c.on, 'port', port);
}

function algorithms(c: OptionLine, kind: AlgorithmKind): void {
  const arg = stringArg(c.args);
  const bad = checkAlgorithmSpec(kind, arg, c.pass.opts.algorithms ?? HUSH_ALGORITHM_TABLES);
  if (bad !== undefined) lineError(bad);
  const st = c.pass.state;
  if (c.on && st.algorithms[kind] === undefined) st.algorithms[kind] = { spec: arg, file: c.d.file, line: c.d.line };
}

function sendEnv(c: OptionLine): void {
  const st = c.pass.state;
  for (let arg = c.args.next(); arg !== undefined; arg = c.args.next()) {
    if (arg === '' || arg.includes('=')) lineError('Invalid environment name.');
    if (!c.on) continue;
    if (arg.startsWith('-')) {
      const pattern = arg.slice(1);
      st.sendEnv = st.sendEnv.filter((e) => !matchPattern(e, pattern));
      continue;
    }
    st.sendEnv.push(arg);
  }
}

function rekeyLimit(c: OptionLine): void {
  setOnce(c.pass, c.on, 'rekeyLimit', rekeyBytesArg(c.args));
  setOnce(c.pass, c.on, 'rekeyInterval', rekeyIntervalArg(c.args));
}

function escapeChar(arg: string): number {
  const bytes = new TextEncoder().encode(arg);
  if (arg === 'none') return ESCAPE_NONE;
  if (bytes.length === 1) return bytes[0]!;
  if (bytes.length === 2 && bytes[0] === 0x5e && bytes[1]! >= 64 && bytes[1]! < 128) return bytes[1]! & 31;
  return lineError('Bad escape character.');
}

function proxyCommand(c: OptionLine): void {
  // The rest of the line, verbatim. ProxyJump sets ProxyCommand to "none", so whichever
  // of the two comes first wins (OpenSSH 10.3; Debian's 9.2 carries the same change).
  setOnce(c.pass, c.on, 'proxyCommand', c.d.rest.replace(/^[ \t\r\n=]*/, ''));
  c.args.consumeAll();
}

function proxyJump(c: OptionLine): void {
  const st = c.pass.state;
  const jump = parseJump(c.d.rest.replace(/^[ \t\r\n=]*/, ''), st, c.on);
  if (jump !== undefined) {
    st.jump = jump;
    if (jump.host !== 'none') st.proxyCommand = 'none';
  }
  c.args.consumeAll();
}

/** LocalForward, RemoteForward (whose target may be left out: a dynamic one) and DynamicForward. */
function addForward(c: OptionLine): void {
  const { key, args } = c;
  const arg = stringArg(args);
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
  const fwd = parseForward(spec, dynamic, remote, c.pass.opts.env ?? {});
  if (fwd === undefined) lineError('Bad forwarding specification.');
  if (c.on) {
    const st = c.pass.state;
    const list = remote ? st.remoteForwards : st.localForwards;
    if (!list.some((f) => forwardEquals(f.fwd, fwd))) list.push({ fwd, origin: { file: c.d.file, line: c.d.line } });
  }
}

function canonicalizeHostname(c: OptionLine): void {
  // hush does not look names up in the DNS, but the setting still makes ssh read the
  // files a second time (Match canonical / final), which hush does too.
  const v = multiArg(c.args, CANONICALIZE);
  setOnce(c.pass, c.on, 'canonicalizeHostname', v);
  if (c.on && v !== 'no') c.pass.state.unsupported.push({ keyword: c.d.keyword, file: c.d.file, line: c.d.line });
}
