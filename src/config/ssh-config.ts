/**
 * OpenSSH client configuration (ssh_config(5)) with OpenSSH 9.x semantics (readconf.c, ssh.c):
 *
 *   - the first obtained value of a keyword wins; IdentityFile, LocalForward, RemoteForward,
 *     DynamicForward and SendEnv accumulate; list keywords (UserKnownHostsFile, SetEnv, ...)
 *     take the first line that sets them;
 *   - `Host` patterns (whitespace-separated, `*`, `?`, `!` negation) match the host name as
 *     typed, case-sensitively; `Match` criteria host, originalhost, user, localuser, all,
 *     canonical, final and exec (exec through the `exec` callback, otherwise an error naming
 *     the line);
 *   - `Include` globs, relative to ~/.ssh for user files and /etc/ssh for system files;
 *   - `%` tokens and `${VAR}` in IdentityFile, UserKnownHostsFile, IdentityAgent, ...;
 *   - an unknown keyword is an error ("Bad configuration option") unless IgnoreUnknown lists it.
 *
 * Pure: file text, the local user, home, host name and environment come in as arguments;
 * Include reads through a ConfigFileSystem callback (src/node/config-loader.ts passes node:fs).
 */
import { parseIpAddress } from '../keys/authorized-keys/address-match.js';
import { asciiLower } from '../keys/knownhosts/patterns.js';
import { assembleAlgorithms, HUSH_ALGORITHM_TABLES, type AlgorithmKind, type AlgorithmTables } from './algorithms.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import type { Forward } from './forward.js';
import type { ConfigFileSystem } from './include.js';
import type { UnsupportedSetting } from './keywords.js';
import type { ProxyJumpHop } from './proxy-jump.js';
import { connectionHash, localHostname } from './ssh-config-match.js';
import { runAll } from './ssh-config-parser.js';
import {
  emptyState,
  ESCAPE_NONE,
  type AddressFamily,
  type Origin,
  type ParsedFile,
  type Pass,
  type PubkeyAuthentication,
  type RequestTty,
  type State,
  type StrictHostKeyChecking,
} from './ssh-config-state.js';
import { percentDollarExpand, percentExpand, tildeExpand, type LogLevel } from './values.js';

export type { Forward } from './forward.js';
export type { LogLevel } from './values.js';
export type { ProxyJumpHop } from './proxy-jump.js';
export { parseUserHostPort } from './proxy-jump.js';
export { connectionHash } from './ssh-config-match.js';
export type { AddressFamily, PubkeyAuthentication, RequestTty, StrictHostKeyChecking } from './ssh-config-state.js';
export { formatSshConfigG, clientAlgorithmPreferences } from './ssh-config-format.js';

export interface SshConfigFile {
  readonly path: string;
  readonly text: string;
  /** A system-wide file (/etc/ssh/ssh_config): relative Includes are under /etc/ssh and `~` is refused. */
  readonly system?: boolean;
}

export interface ResolveSshConfigOptions {
  /** The destination as typed (`ssh HOST`); `user@` and `ssh://` forms are for the caller to split. */
  readonly host: string;
  /** The remote user from the command line (`-l`, `user@host`); wins over the files. */
  readonly user?: string;
  /** The port from the command line (`-p`); wins over the files. */
  readonly port?: number;
  /** Files in the order ssh reads them: the user's ~/.ssh/config (or -F), then /etc/ssh/ssh_config. */
  readonly files: readonly SshConfigFile[];
  /** `-o` lines, processed before the files. */
  readonly commandLineOptions?: readonly string[];
  /** The local user name (%u, Match localuser, the default User). */
  readonly localUser: string;
  /** The local user's home directory (%d, `~`). */
  readonly home: string;
  /** The local user id (%i). Default 0. */
  readonly uid?: number;
  /** This machine's host name (%l, %L, %C). Default `localhost`. */
  readonly hostname?: string;
  /** Environment for `${VAR}` expansion; `HOME` here is what Include's `~` uses (as glob(3) does). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** File access for Include. Without it, an Include line is an error. */
  readonly fs?: ConfigFileSystem;
  /** `~user/` expansion; without it such paths are an error. */
  readonly homeOf?: (user: string) => string | undefined;
  /** Runs a `Match exec` command and says whether it exited 0. Without it, Match exec is an error. */
  readonly exec?: (command: string) => boolean;
  /** Algorithm lists the configuration is resolved against. Default: hush's. */
  readonly algorithms?: AlgorithmTables;
}

export interface IdentityFile {
  /** The path to load: `~`, `%` tokens and `${VAR}` expanded. */
  readonly path: string;
  /** As written in the configuration (what `ssh -G` prints). */
  readonly configured: string;
  /** false for the built-in defaults (~/.ssh/id_rsa, ...), whose absence is not worth a warning. */
  readonly userProvided: boolean;
}

/** The configuration in effect for one destination. */
export interface SshClientConfig {
  /** The destination as typed. */
  readonly host: string;
  /** The host to connect to: HostName with %h expanded, lower-cased unless it is an address. */
  readonly hostName: string;
  readonly user: string;
  readonly port: number;
  readonly addressFamily: AddressFamily;
  readonly batchMode: boolean;
  /** TCPKeepAlive: SO_KEEPALIVE on the connection (default yes). */
  readonly tcpKeepAlive: boolean;
  readonly checkHostIp: boolean;
  readonly compression: boolean;
  readonly hashKnownHosts: boolean;
  readonly identitiesOnly: boolean;
  readonly kbdInteractiveAuthentication: boolean;
  readonly passwordAuthentication: boolean;
  readonly pubkeyAuthentication: PubkeyAuthentication;
  readonly requestTty: RequestTty;
  readonly strictHostKeyChecking: StrictHostKeyChecking;
  readonly connectionAttempts: number;
  readonly numberOfPasswordPrompts: number;
  readonly serverAliveCountMax: number;
  /** Seconds; 0 disables. */
  readonly serverAliveInterval: number;
  readonly bindAddress?: string;
  readonly kexAlgorithms: readonly string[];
  readonly ciphers: readonly string[];
  readonly macs: readonly string[];
  readonly hostKeyAlgorithms: readonly string[];
  readonly hostKeyAlias?: string;
  /** Expanded; `none` disables the agent, `SSH_AUTH_SOCK` means the environment variable. */
  readonly identityAgent?: string;
  readonly ignoreUnknown?: string;
  readonly logLevel: LogLevel;
  readonly preferredAuthentications?: readonly string[];
  /** LocalForward and DynamicForward (connectHost `socks`, no connect port) entries. */
  readonly localForwards: readonly Forward[];
  readonly remoteForwards: readonly Forward[];
  readonly identityFiles: readonly IdentityFile[];
  /** Expanded; empty for `none`. */
  readonly userKnownHostsFiles: readonly string[];
  /** `~` expanded; empty for `none`. */
  readonly globalKnownHostsFiles: readonly string[];
  readonly sendEnv: readonly string[];
  readonly setEnv: readonly { readonly name: string; readonly value: string }[];
  readonly forwardAgent: boolean;
  /** ForwardAgent given a socket path (expanded) instead of yes/no. */
  readonly forwardAgentPath?: string;
  /** Seconds; undefined means the system's TCP timeout. */
  readonly connectTimeout?: number;
  /** undefined for `EscapeChar none`. */
  readonly escapeChar?: string;
  /** RekeyLimit: bytes (0: the cipher's default) and seconds (0: none). */
  readonly rekeyLimit: { readonly bytes: bigint; readonly seconds: number };
  readonly proxyCommand?: string;
  /** Jump hosts in the order they are connected to. */
  readonly proxyJump?: readonly ProxyJumpHop[];
  /** Keywords OpenSSH knows that hush ignored, where they applied to this host. */
  readonly unsupported: readonly UnsupportedSetting[];
  /** Things worth telling the user (algorithm names hush does not implement, ...). */
  readonly warnings: readonly string[];
  /** Values as `ssh -G` prints them where they differ from the typed ones above. */
  readonly printed: {
    readonly globalKnownHostsFiles: readonly string[];
    readonly proxyJump?: string;
  };
}

function isAddress(host: string): boolean {
  return host.includes('%') || parseIpAddress(host) !== undefined;
}

/**
 * Resolves the configuration for one destination, as `ssh` does before it connects (and as
 * `ssh -G` prints). Throws a ConfigError listing every bad line (file and line number).
 */
export function resolveSshConfig(opts: ResolveSshConfigOptions): SshClientConfig {
  const state = emptyState(opts);
  const parsed = new Map<string, ParsedFile>();
  const first: Pass = { opts, host: opts.host, final: false, wantFinal: false, state, problems: [], parsed };
  runAll(first, opts.files, opts.commandLineOptions ?? []);

  let host = opts.host;
  if (state.hostName !== undefined) {
    try {
      host = percentExpand(state.hostName, { h: opts.host });
    } catch (e) {
      const at = state.origins.hostName;
      throw new ConfigError([{ file: at?.file ?? '', line: at?.line ?? 0, reason: `HostName ${state.hostName}: ${(e as Error).message}` }]);
    }
    state.hostName = host;
  }
  if (!isAddress(host)) host = asciiLower(host);
  if (first.wantFinal || (state.canonicalizeHostname ?? 'no') !== 'no') {
    // Match final (or CanonicalizeHostname): read everything again with the final host name
    // (ssh.c main()); `Host` lines now match that name, `Match canonical/final` match.
    state.hostName = host;
    const second: Pass = { opts, host, final: true, wantFinal: false, state, problems: [], parsed };
    runAll(second, opts.files, []); // -o lines are read once
  }
  return finish(opts, state, host);
}

function finish(opts: ResolveSshConfigOptions, st: State, host: string): SshClientConfig {
  const env = opts.env ?? {};
  const tables = opts.algorithms ?? HUSH_ALGORITHM_TABLES;
  const warnings: string[] = [];
  const problems: ConfigProblem[] = [];
  const algo = (kind: AlgorithmKind): readonly string[] => {
    const setting = st.algorithms[kind];
    const r = assembleAlgorithms(kind, setting?.spec, tables);
    if (typeof r === 'string') {
      problems.push({ file: setting?.file ?? '', line: setting?.line ?? 0, reason: r });
      return [];
    }
    for (const n of r.dropped) warnings.push(`${setting?.file} line ${setting?.line}: ${n} is not implemented by hush; ignored`);
    return r.names;
  };
  const kexAlgorithms = algo('kex');
  const ciphers = algo('cipher');
  const macs = algo('mac');
  const hostKeyAlgorithms = algo('hostKey');
  if (problems.length > 0) throw new ConfigError(problems);

  const user = st.user ?? opts.localUser;
  const port = st.port ?? 22;
  const thisHost = localHostname(opts);
  const portStr = String(port);
  const tokens: Record<string, string> = {
    C: connectionHash(thisHost, host, portStr, user),
    L: thisHost.split('.')[0]!,
    i: String(opts.uid ?? 0),
    k: st.hostKeyAlias !== undefined ? asciiLower(st.hostKeyAlias) : opts.host,
    l: thisHost,
    n: opts.host,
    p: portStr,
    d: opts.home,
    h: host,
    r: user,
    u: opts.localUser,
  };
  const fail = (what: string, s: string, origin: Origin | undefined, e: unknown): never => {
    throw new ConfigError([{ file: origin?.file ?? '(default)', line: origin?.line ?? 0, reason: `${what} ${s}: ${(e as Error).message}` }]);
  };
  const expand = (what: string, s: string, origin: Origin | undefined, dollar: boolean, tilde: boolean): string => {
    try {
      const t = tilde ? tildeExpand(s, opts.home, opts.homeOf) : s;
      return dollar ? percentDollarExpand(t, tokens, env) : percentExpand(t, tokens);
    } catch (e) {
      return fail(what, s, origin, e);
    }
  };
  const tilde = (what: string, s: string, origin: Origin | undefined): string => {
    try {
      return tildeExpand(s, opts.home, opts.homeOf);
    } catch (e) {
      return fail(what, s, origin, e);
    }
  };
  const identityFiles: { path: string; userProvided: boolean; origin?: Origin }[] =
    st.identityFiles.length > 0
      ? st.identityFiles
      : ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'].map((n) => ({
          path: `~/.ssh/${n}`,
          userProvided: false,
        }));
  const userKnown = st.userKnownHostsFiles.length > 0 ? st.userKnownHostsFiles : ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];
  const globalKnown =
    st.globalKnownHostsFiles.length > 0 ? st.globalKnownHostsFiles : ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
  const isNone = (l: readonly string[]): boolean => l[0]?.toLowerCase() === 'none';

  const forwardPaths =
    (what: string) =>
    ({ fwd: f, origin }: { fwd: Forward; origin: Origin }): Forward => ({
      ...f,
      ...(f.listenPath !== undefined ? { listenPath: expand(what, f.listenPath, origin, false, false) } : {}),
      ...(f.connectPath !== undefined ? { connectPath: expand(what, f.connectPath, origin, false, false) } : {}),
    });

  const jump = st.jump !== undefined && !(st.jump.host === 'none' && st.jump.port === 0 && st.jump.user === undefined) ? st.jump : undefined;
  const proxyCommand = st.proxyCommand === undefined || st.proxyCommand.toLowerCase() === 'none' ? undefined : st.proxyCommand;

  let printedJump: string | undefined;
  if (jump !== undefined) {
    const numeric = jump.host.includes(':') || /^[0-9.]+$/.test(jump.host);
    printedJump =
      (jump.extra !== undefined ? `${jump.extra},` : '') +
      (jump.user !== undefined ? `${jump.user}@` : '') +
      (numeric ? `[${jump.host}]` : jump.host) +
      (jump.port > 0 ? `:${jump.port}` : '');
  }

  const out: SshClientConfig = {
    host: opts.host,
    hostName: host,
    user,
    port,
    addressFamily: st.addressFamily ?? 'any',
    batchMode: st.batchMode ?? false,
    tcpKeepAlive: st.tcpKeepAlive ?? true,
    checkHostIp: st.checkHostIp ?? false,
    compression: st.compression ?? false,
    hashKnownHosts: st.hashKnownHosts ?? false,
    identitiesOnly: st.identitiesOnly ?? false,
    kbdInteractiveAuthentication: st.kbdInteractiveAuthentication ?? true,
    passwordAuthentication: st.passwordAuthentication ?? true,
    pubkeyAuthentication: st.pubkeyAuthentication ?? 'yes',
    requestTty: st.requestTty ?? 'auto',
    strictHostKeyChecking: st.strictHostKeyChecking ?? 'ask',
    connectionAttempts: st.connectionAttempts ?? 1,
    numberOfPasswordPrompts: st.numberOfPasswordPrompts ?? 3,
    serverAliveCountMax: st.serverAliveCountMax ?? 3,
    serverAliveInterval: st.serverAliveInterval ?? 0,
    ...(st.bindAddress !== undefined ? { bindAddress: st.bindAddress } : {}),
    kexAlgorithms,
    ciphers,
    macs,
    hostKeyAlgorithms,
    ...(st.hostKeyAlias !== undefined ? { hostKeyAlias: asciiLower(st.hostKeyAlias) } : {}),
    ...(st.identityAgent !== undefined ? { identityAgent: expand('IdentityAgent', st.identityAgent, st.origins.identityAgent, true, true) } : {}),
    ...(st.ignoreUnknown !== undefined ? { ignoreUnknown: st.ignoreUnknown } : {}),
    logLevel: st.logLevel ?? 'INFO',
    ...(st.preferredAuthentications !== undefined ? { preferredAuthentications: st.preferredAuthentications.split(',') } : {}),
    localForwards: st.localForwards.map(forwardPaths('LocalForward')),
    remoteForwards: st.remoteForwards.map(forwardPaths('RemoteForward')),
    identityFiles: identityFiles.map((f) => ({
      path: expand('IdentityFile', f.path, f.origin, true, true),
      configured: f.path,
      userProvided: f.userProvided,
    })),
    userKnownHostsFiles: isNone(userKnown) ? [] : userKnown.map((f) => expand('UserKnownHostsFile', f, st.origins.userKnownHostsFiles, true, true)),
    globalKnownHostsFiles: isNone(globalKnown) ? [] : globalKnown.map((f) => tilde('GlobalKnownHostsFile', f, st.origins.globalKnownHostsFiles)),
    sendEnv: [...st.sendEnv],
    setEnv: st.setEnv.map((e) => ({ name: e.slice(0, e.indexOf('=')), value: e.slice(e.indexOf('=') + 1) })),
    forwardAgent: st.forwardAgent ?? false,
    ...(st.forwardAgentPath !== undefined ? { forwardAgentPath: expand('ForwardAgent', st.forwardAgentPath, st.origins.forwardAgentPath, true, true) } : {}),
    ...(st.connectTimeout !== undefined ? { connectTimeout: st.connectTimeout } : {}),
    ...(st.escapeChar === ESCAPE_NONE ? {} : { escapeChar: String.fromCharCode(st.escapeChar ?? 0x7e) }),
    rekeyLimit: { bytes: st.rekeyLimit ?? 0n, seconds: st.rekeyInterval ?? 0 },
    ...(jump === undefined && proxyCommand !== undefined ? { proxyCommand } : {}),
    ...(jump !== undefined ? { proxyJump: jump.hops } : {}),
    // The final pass reads the same lines again; report each once.
    unsupported: st.unsupported.filter((u, i, all) => all.findIndex((x) => x.file === u.file && x.line === u.line) === i),
    warnings,
    printed: {
      globalKnownHostsFiles: isNone(globalKnown) ? [] : [...globalKnown],
      ...(printedJump !== undefined ? { proxyJump: printedJump } : {}),
    },
  };
  return out;
}
