/**
 * From sshd_config to createServer(): the global settings configure the server; Match blocks,
 * AllowUsers/DenyUsers, PermitRootLogin and the per-connection authentication switches are
 * applied for each authentication attempt (as sshd re-parses its config per connection).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ServerAuthRequest } from '../auth/server.js';
import { isUserAllowed, sshdConfigUsesGroups, matchSshdConfig, serverAlgorithmPreferences, type SshdConfig, type SshdEffectiveConfig } from '../config/index.js';
import { findAuthorizedKey, parseAuthorizedKeys, type AuthorizedKeyOptions } from '../keys/authorized-keys/index.js';
import type { SigningKey } from '../algorithms/types.js';
import type { ConnectionInfo, ServerOptions } from '../node/server.js';
import { sessionHandler } from '../node/session-handler.js';
import { lookupUser, userGroups, type UserAccount } from '../node/users.js';
import { authorizedKeysPaths } from '../config/index.js';
import { checkSystemPassword, passwordHelper, type PasswordCheck } from '../node/system-password.js';
import { clip } from './safe-text.js';
import { unsafePathReason } from '../node/secure-path.js';
import { accountState } from '../node/account-expiry.js';

export interface HushdLog {
  info(msg: string): void;
  debug(msg: string): void;
}

const usesGroups = new WeakMap<SshdConfig, boolean>();

/** The settings in effect for this user on this connection (Match User, Group, Address, LocalPort, ...). */
function effective(cfg: SshdConfig, user: string, c: Pick<ConnectionInfo, 'remoteAddress' | 'localAddress' | 'localPort'>): SshdEffectiveConfig {
  let groups = usesGroups.get(cfg);
  if (groups === undefined) usesGroups.set(cfg, (groups = sshdConfigUsesGroups(cfg)));
  return matchSshdConfig(cfg, {
    user,
    ...(groups ? { groups: userGroups(user) } : {}), // looked up only when a Match Group needs them
    address: c.remoteAddress,
    host: c.remoteAddress,
    localAddress: c.localAddress,
    localPort: c.localPort,
  });
}

/** Files whose presence or state decides logins (other paths in tests). */
export interface LoginPaths {
  /** /etc/nologin: while it exists only root may log in. */
  nologin: string;
}

const SYSTEM_PATHS: LoginPaths = { nologin: '/etc/nologin' };

/** sshd's allowed_user(): the account's shell must exist and be an executable file. */
function shellProblem(account: UserAccount): string | undefined {
  const shell = account.shell === '' ? '/bin/sh' : account.shell;
  let st;
  try {
    st = statSync(shell);
  } catch {
    return `User ${clip(account.name, 100)} not allowed because shell ${clip(shell, 100)} does not exist`;
  }
  if (!st.isFile() || (st.mode & 0o111) === 0) return `User ${clip(account.name, 100)} not allowed because shell ${clip(shell, 100)} is not executable`;
  return undefined;
}

/** Why this user may not log in with this method here, or undefined when they may try. */
export function refusal(
  e: SshdEffectiveConfig,
  req: ServerAuthRequest,
  c: ConnectionInfo,
  account: UserAccount | undefined,
  paths: LoginPaths = SYSTEM_PATHS,
): string | undefined {
  if (!account) return `Invalid user ${clip(req.user, 100)} from ${c.remoteAddress} port ${c.remotePort}`;
  const shell = shellProblem(account);
  if (shell) return shell;
  const groupRules = e.allowGroups.length > 0 || e.denyGroups.length > 0;
  const allowed = isUserAllowed(e, { user: req.user, address: c.remoteAddress, ...(groupRules ? { groups: userGroups(req.user) } : {}) });
  if (!allowed.allowed) return `${allowed.reason}`;
  // The administrator closed the system to logins (pam_nologin; sshd's do_nologin): root only.
  if (account.uid !== 0 && existsSync(paths.nologin)) return `User ${clip(req.user, 100)} not allowed because ${paths.nologin} exists`;
  // As pam_unix's account check, for every method (a key too): a disabled account stays out.
  const state = accountState(req.user);
  if (state === 'expired') return `Account ${clip(req.user, 100)} has expired`;
  if (state === 'inactive') return `User ${clip(req.user, 100)} password has expired and the account is inactive`;
  if (account.uid === 0) {
    if (e.permitRootLogin === 'no') return 'ROOT LOGIN REFUSED (PermitRootLogin no)';
    if (e.permitRootLogin !== 'yes' && req.method !== 'publickey' && req.method !== 'none') {
      return `ROOT LOGIN REFUSED (PermitRootLogin ${e.permitRootLogin})`;
    }
  }
  if (req.method === 'publickey' && !e.pubkeyAuthentication) return 'publickey authentication disabled';
  if (req.method === 'password' && !e.passwordAuthentication) return 'password authentication disabled';
  if (req.method === 'keyboard-interactive' && !e.kbdInteractiveAuthentication) return 'keyboard-interactive authentication disabled';
  return undefined;
}

export function serverOptions(cfg: SshdConfig, hostKeys: readonly SigningKey[], log: HushdLog): ServerOptions {
  const g = cfg.global;
  const algs = serverAlgorithmPreferences(g);
  const accounts = (name: string) => lookupUser(name);
  /**
   * The authorized_keys entry for (user, key) on this connection. A login asks up to three times
   * (a query, the signed request, then the session's restrictions): the files are read once per
   * connection, user and key.
   */
  const found = new WeakMap<ConnectionInfo, Map<string, { options: AuthorizedKeyOptions } | undefined>>();
  const findKey = (user: string, key: Uint8Array, c: ConnectionInfo): { options: AuthorizedKeyOptions } | undefined => {
    let seen = found.get(c);
    if (!seen) found.set(c, (seen = new Map()));
    const id = `${user}\0${Buffer.from(key).toString('base64')}`;
    if (seen.has(id)) return seen.get(id);
    const entry = readKey(user, key, c);
    seen.set(id, entry);
    return entry;
  };
  /** The authorized_keys line that let (user, key) in, kept for the session's restrictions. */
  const readKey = (user: string, key: Uint8Array, c: ConnectionInfo): { options: AuthorizedKeyOptions } | undefined => {
    const account = accounts(user);
    if (!account) return undefined;
    const e = effective(cfg, user, c);
    for (const path of authorizedKeysPaths(e, { user, home: account.home, uid: account.uid })) {
      // StrictModes: a file others could have written is not trusted (sshd logs this at INFO).
      const unsafe = g.strictModes ? unsafePathReason(path, account.uid, account.home) : undefined;
      if (unsafe !== undefined) {
        log.info(`Authentication refused: ${unsafe}`);
        continue;
      }
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue;
      }
      const entry = findAuthorizedKey(parseAuthorizedKeys(text).entries, key, { address: c.remoteAddress });
      if (entry) return entry;
    }
    return undefined;
  };
  // Offered methods as sshd: publickey, then password and keyboard-interactive when enabled and a
  // way to check system passwords exists (pam_unix's unix_chkpwd; see src/node/system-password.ts).
  const canCheck = passwordHelper() !== undefined;
  const methods = [
    ...(g.pubkeyAuthentication ? ['publickey'] : []),
    ...(g.passwordAuthentication && canCheck ? ['password'] : []),
    ...(g.kbdInteractiveAuthentication && canCheck ? ['keyboard-interactive'] : []),
  ];
  const banner = g.banner ? readBanner(g.banner, log) : undefined;
  return {
    hostKeys,
    transport: {
      algorithms: algs.algorithms,
      allowInsecure: algs.allowInsecure,
      ...(g.rekeyLimit.bytes > 0n ? { rekeyBytes: Number(g.rekeyLimit.bytes) } : {}),
      ...(g.rekeyLimit.seconds > 0 ? { rekeyIntervalMs: g.rekeyLimit.seconds * 1000 } : {}),
    },
    auth: { methods, maxAuthTries: g.maxAuthTries, ...(banner !== undefined ? { banner } : {}) },
    loginGraceTimeMs: g.loginGraceTime * 1000,
    maxSessions: g.maxSessions,
    clientAliveIntervalMs: g.clientAliveInterval * 1000,
    clientAliveCountMax: g.clientAliveCountMax,
    maxStartups: g.maxStartups,
    tcpKeepAlive: g.tcpKeepAlive,
    users: accounts,
    authPolicy: async (req, c) => {
      const e = effective(cfg, req.user, c);
      const why = refusal(e, req, c, accounts(req.user));
      if (why) {
        if (req.method !== 'none') log.info(why);
        // An unknown user's password still costs a real check's time (no user enumeration).
        if (req.method === 'password' && canCheck) await checkSystemPassword(req.user, req.password);
        return 'reject';
      }
      if (req.method === 'password') return passwordDecision(await checkSystemPassword(req.user, req.password), req.user, log);
      if (req.method === 'keyboard-interactive') {
        // As sshd with PAM: one hidden "Password: " prompt, answered with the account's password.
        if (!req.responses) return { prompts: [{ prompt: 'Password: ', echo: false }] };
        return passwordDecision(await checkSystemPassword(req.user, req.responses[0] ?? ''), req.user, log);
      }
      if (req.method !== 'publickey') return 'reject';
      const entry = findKey(req.user, req.key, c);
      // PermitRootLogin forced-commands-only: root only with a key that forces a command.
      if (entry && e.permitRootLogin === 'forced-commands-only' && accounts(req.user)?.uid === 0 && entry.options.command === undefined) {
        log.info('Root login refused: PermitRootLogin forced-commands-only and the key has no command= option');
        return 'reject';
      }
      return entry ? 'accept' : 'reject';
    },
    keyOptions: (user, key, c) => findKey(user, key, c)?.options,
    // Session settings may differ per connection (Match User/Address blocks): each session is
    // handled with the settings in effect for its user and address.
    sessions: (session) => {
      const c = session.context;
      const e = effective(cfg, c.user, c);
      sessionHandler({
        acceptEnv: e.acceptEnv,
        permitTTY: e.permitTty,
        subsystems: new Map(e.subsystems.map((s) => [s.name, s.command])),
        setEnv: new Map(e.setEnv.map((v) => [v.name, v.value])),
        ...(e.forceCommand !== undefined ? { forceCommand: e.forceCommand } : {}),
        permitUserEnvironment: g.permitUserEnvironment,
      })(session);
    },
  };
}

function passwordDecision(r: PasswordCheck, user: string, log: HushdLog): 'accept' | 'reject' {
  if (r === 'ok') return 'accept';
  if (r === 'expired') log.info(`User ${user} account or password has expired`);
  if (r === 'unavailable') log.info(`password check for ${user} unavailable (unix_chkpwd)`);
  return 'reject';
}

function readBanner(path: string, log: HushdLog): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    log.info(`Banner file ${path}: ${(e as Error).message}`);
    return undefined;
  }
}
