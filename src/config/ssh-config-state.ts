/**
 * What reading ssh_config files builds up (readconf.c's struct Options): the words the
 * multistate keywords accept, the option state, one pass over the files, and the
 * first-obtained-value-wins rule that every keyword follows.
 */
import type { AlgorithmKind } from './algorithms.js';
import type { ConfigProblem } from './errors.js';
import type { Forward } from './forward.js';
import type { AlgoSetting } from './keyword-args.js';
import type { UnsupportedSetting } from './keywords.js';
import type { BadLine, Directive } from './lexer.js';
import type { JumpSetting } from './proxy-jump.js';
import type { ResolveSshConfigOptions } from './ssh-config.js';
import type { LogLevel } from './values.js';

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
export const CANONICALIZE: readonly (readonly [string, 'yes' | 'no' | 'always'])[] = [
  ['true', 'yes'],
  ['false', 'no'],
  ['yes', 'yes'],
  ['no', 'no'],
  ['always', 'always'],
];
export const COMPRESSION: readonly (readonly [string, boolean])[] = [
  ['yes', true],
  ['no', false],
];

// ---------------------------------------------------------------------------------------------
// Mutable state while reading (undefined: not set yet, so the next line may set it)

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
  tcpKeepAlive?: boolean;
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

export interface ParsedFile {
  readonly directives: readonly (Directive | BadLine)[];
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

export function setOnce<K extends keyof State>(pass: Pass, active: boolean, key: K, value: State[K], at?: Directive): void {
  if (active && pass.state[key] === undefined && value !== undefined) {
    pass.state[key] = value;
    if (at !== undefined) pass.state.origins[key as keyof State['origins']] = { file: at.file, line: at.line };
  }
}
