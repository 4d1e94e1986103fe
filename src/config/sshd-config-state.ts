/**
 * What reading sshd_config files builds up (servconf.c's ServerOptions): the words the
 * multistate keywords accept, the option state, one pass over the files, and the
 * first-value-wins rule.
 */
import type { AlgorithmKind } from './algorithms.js';
import type { AlgoSetting } from './keyword-args.js';
import type { UnsupportedSetting } from './keywords.js';
import type { BadLine, Directive } from './lexer.js';
import type { ParseSshdConfigOptions, SshdConnection, Subsystem } from './sshd-config.js';
import type { LogLevel } from './values.js';

export type PermitRootLogin = 'yes' | 'no' | 'prohibit-password' | 'forced-commands-only';
export type SshdAddressFamily = 'any' | 'inet' | 'inet6';

export const PERMIT_ROOT_LOGIN: readonly (readonly [string, PermitRootLogin])[] = [
  ['without-password', 'prohibit-password'],
  ['prohibit-password', 'prohibit-password'],
  ['forced-commands-only', 'forced-commands-only'],
  ['yes', 'yes'],
  ['no', 'no'],
];
export const SSHD_FLAG: readonly (readonly [string, boolean])[] = [
  ['yes', true],
  ['no', false],
];
export const ADDRESS_FAMILY: readonly (readonly [string, SshdAddressFamily])[] = [
  ['inet', 'inet'],
  ['inet6', 'inet6'],
  ['any', 'any'],
];

// ---------------------------------------------------------------------------------------------

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
  allowGroups: string[];
  denyGroups: string[];
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
  strictModes?: boolean;
  permitUserEnvironment?: boolean | string[];
  tcpKeepAlive?: boolean;
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
    allowGroups: [],
    denyGroups: [],
    maxStartups: {},
    acceptEnv: [],
    setEnv: [],
    algorithms: {},
    subsystems: [],
    unsupported: [],
  };
}

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

export function set<K extends keyof State>(st: State, on: boolean, key: K, value: State[K]): void {
  if (on && st[key] === undefined) st[key] = value;
}
