/**
 * Reading a keyword's arguments where ssh_config (readconf.c) and sshd_config (servconf.c) read
 * them the same way. Where the two programs word an error differently, `keyword` is the keyword
 * as written for sshd's messages (which name it) and undefined for ssh's (which do not).
 */
import type { AlgorithmKind } from './algorithms.js';
import { lineError } from './errors.js';
import type { Args, Directive } from './lexer.js';
import { atoiErr, convtime, multistate, parseLogLevel, scanScaled, type LogLevel } from './values.js';

/** One option line as a keyword's handler sees it; `P` is the program's pass over the files. */
export interface KeywordLine<P> {
  readonly pass: P;
  readonly d: Directive;
  readonly args: Args;
  /** The keyword in lower case (for ssh, aliases resolved: IdentityFile2 is identityfile, ...). */
  readonly key: string;
  /** The line applies: it is in no Host or Match block, or in one that matched. */
  readonly on: boolean;
}

/** An algorithm list as written, with where (checked when read, assembled when resolved). */
export interface AlgoSetting {
  readonly spec: string;
  readonly file: string;
  readonly line: number;
}

/** The algorithm list keywords: KexAlgorithms, Ciphers, MACs, HostKeyAlgorithms. */
export const ALGORITHM_KEYWORDS: ReadonlyMap<string, AlgorithmKind> = new Map<string, AlgorithmKind>([
  ['kexalgorithms', 'kex'],
  ['ciphers', 'cipher'],
  ['macs', 'mac'],
  ['hostkeyalgorithms', 'hostKey'],
]);

/** A word that must be there. */
export function stringArg(args: Args, keyword?: string): string {
  const arg = args.next();
  if (arg === undefined || arg === '') lineError(keyword === undefined ? 'Missing argument.' : `${keyword} missing argument.`);
  return arg;
}

/** A multistate value (yes/no and the keyword's other words). */
export function multiArg<T>(args: Args, table: readonly (readonly [string, T])[]): T {
  const arg = args.next();
  if (arg === undefined || arg === '') lineError('missing argument.');
  const v = multistate(arg, table);
  if (v === undefined) lineError(`unsupported option "${arg}".`);
  return v;
}

/** A convtime() value in seconds. */
export function timeArg(args: Args): number {
  const arg = args.next();
  if (arg === undefined || arg === '') lineError('missing time value.');
  const v = convtime(arg);
  if (v < 0) lineError('invalid time value.');
  return v;
}

/** An atoi_err() integer. */
export function intArg(args: Args, keyword?: string): number {
  const v = atoiErr(args.next());
  if (typeof v !== 'number') lineError(`${keyword === undefined ? '' : `${keyword} `}integer value ${v}.`);
  return v;
}

export function logLevelArg(args: Args): LogLevel {
  const arg = args.next();
  const level = parseLogLevel(arg);
  if (level === undefined) lineError(`unsupported log level '${arg ?? '<NONE>'}'`);
  return level;
}

/** RekeyLimit's amount: scan_scaled() bytes, at least 16; `default` (0) leaves it to the cipher. */
export function rekeyBytesArg(args: Args, keyword?: string): bigint {
  const arg = stringArg(args, keyword);
  if (arg === 'default') return 0n;
  const v = scanScaled(arg);
  if (v === undefined) lineError(`Bad ${keyword === undefined ? '' : `${keyword} `}number '${arg}': Invalid argument`);
  if (v !== 0n && v < 16n) lineError(`${keyword ?? 'RekeyLimit'} too small`);
  return v;
}

/** ssh's parse_time: seconds, or undefined for `none` (which leaves the option unset). */
export function timeOrNoneArg(args: Args): number | undefined {
  if (args.peek() === 'none') {
    args.next();
    return undefined;
  }
  return timeArg(args);
}

/** RekeyLimit's optional interval: undefined when it is absent or `none`. */
export function rekeyIntervalArg(args: Args): number | undefined {
  return args.remaining === 0 ? undefined : timeOrNoneArg(args);
}

/**
 * SetEnv NAME=VALUE ...: only the first line that sets any takes effect, and on it the first
 * value given for a name wins.
 */
export function setEnvArgs(args: Args, list: string[], on: boolean, invalid: string): void {
  const wasEmpty = list.length === 0;
  for (let arg = args.next(); arg !== undefined; arg = args.next()) {
    if (!arg.includes('=')) lineError(invalid);
    if (!on || !wasEmpty) continue;
    const name = arg.slice(0, arg.indexOf('='));
    if (list.some((e) => e.startsWith(`${name}=`))) continue;
    list.push(arg);
  }
}
