/**
 * The ready-made session handler: what sshd does with a "session" channel (RFC 4254 §6).
 *
 *   env            accepted when the name matches an AcceptEnv pattern (default LANG, LC_*), at
 *                  most 128, before the program starts; names are never object keys (Map)
 *   pty-req        granted unless PermitTTY is off or the authorized_keys line says no-pty /
 *                  restrict; the terminal is allocated (node-pty) when the program starts. The
 *                  client's terminal modes are applied with stty; a size of 0 means 80x24
 *   shell          the user's shell as a login shell (`shell -l`: argv[0] cannot carry sshd's
 *                  "-bash" through setpriv/env, and every common shell takes -l)
 *   exec           `shell -c command`. The command is bytes on the wire; it is decoded as UTF-8
 *                  (invalid sequences become U+FFFD), since a process argument is a JS string
 *   subsystem      a configured command line (default sftp -> /usr/lib/openssh/sftp-server when
 *                  installed), run like exec; unknown names are refused
 *   window-change  resizes the terminal (pixel sizes are not passed on)
 *   signal         RFC 4254 §6.9 names only, delivered to the program's process group; refused
 *                  for forced commands and subsystems, as sshd does
 *   anything else  refused (x11-req, auth-agent-req@openssh.com, break, ...)
 *
 * authorized_keys options: command= replaces whatever was asked for (the original request in
 * SSH_ORIGINAL_COMMAND), no-pty refuses pty-req, environment= adds variables (with PermitUserEnvironment), restrict implies
 * no-pty unless pty follows. The environment, in sshd's order (later entries win): accepted
 * client variables, USER LOGNAME HOME PATH MAIL SHELL (TZ), TERM, SetEnv, environment=, then
 * SSH_CLIENT SSH_CONNECTION SSH_ORIGINAL_COMMAND (SSH_TTY is exported by the pty preamble).
 * The program runs in the user's home (or "/", with sshd's warning), as the user (see
 * user-process.ts). ~/.ssh/rc, motd and lastlog are not handled.
 */
import { accessSync, constants } from 'node:fs';
import { SIGNAL_NAMES, type PtyRequest } from '../connection/session-requests.js';
import { outputReaders, runOnPty, runWithPipes, type RunningProgram } from './process-session.js';
import { loadNodePty, sttyArguments } from './pty.js';
import type { SessionChannel, SessionRequestEvent, SessionStart } from './session-channel.js';
import { whenStarted } from './native-spawn.js';
import { DEFAULT_PATH, launchProblem, ptyLaunch, sessionDirectory, spawnWithPipes, SUPERUSER_PATH, type LaunchSpec } from './user-process.js';
import { lookupUser, type UserAccount } from './users.js';

export interface SessionHandlerOptions {
  /** sshd's AcceptEnv: patterns (`*`, `?`) of the variable names a client may set. Default LANG, LC_*. */
  acceptEnv?: readonly string[];
  /** sshd's PermitTTY (default true). */
  permitTTY?: boolean;
  /** Subsystem name -> command line, run with the user's shell. Default: sftp -> /usr/lib/openssh/sftp-server when it exists. */
  subsystems?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** sshd's SetEnv: variables for every session. */
  setEnv?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** sshd's ForceCommand: runs instead of whatever was asked (before an authorized_keys command=, as in sshd). */
  forceCommand?: string;
  /**
   * sshd's PermitUserEnvironment: whether authorized_keys `environment=` options are applied
   * (true), not (false, the default, as in OpenSSH), or only for names matching these patterns.
   * Off by default because the file is often the user's own: LD_PRELOAD and the like would undo
   * a ForceCommand or command= restriction.
   */
  permitUserEnvironment?: boolean | readonly string[];
  /**
   * Finds the authenticated user's account when the server has none for it (the server's own
   * `users` lookup comes first; default: the system's, through getent).
   */
  users?: (name: string) => UserAccount | undefined;
}

const MAX_ENV = 128;
/** OpenSSH's SFTP server where distributions install it. */
const SFTP_SERVERS = ['/usr/lib/openssh/sftp-server', '/usr/libexec/openssh/sftp-server', '/usr/libexec/sftp-server', '/usr/lib/ssh/sftp-server'];

/** The installed OpenSSH sftp-server (an executable file), if any. */
export function sftpServerPath(): string | undefined {
  return SFTP_SERVERS.find((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * sshd's `internal-sftp` (in Subsystem or ForceCommand lines) is its built-in SFTP server; here
 * it runs OpenSSH's sftp-server, which takes the same flags (-d, -u, -l, -f, -P, -p, -R).
 * Other commands are returned as they are.
 */
function internalSftp(command: string | undefined): string | undefined {
  if (command === undefined || !/^\s*internal-sftp(\s|$)/.test(command)) return command;
  const server = sftpServerPath();
  return server === undefined ? command : command.replace(/^\s*internal-sftp/, server);
}

function toMap(v: ReadonlyMap<string, string> | Readonly<Record<string, string>> | undefined): Map<string, string> {
  if (v === undefined) return new Map();
  if (v instanceof Map) return new Map(v as ReadonlyMap<string, string>);
  // Own enumerable properties only: nothing from a prototype.
  return new Map(Object.entries(v as Readonly<Record<string, string>>));
}

/** sshd's match_pattern: `*` any run, `?` one character, everything else itself. */
export function compilePattern(pattern: string): RegExp {
  let re = '';
  for (const c of pattern) re += c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  return new RegExp(`^${re}$`, 's');
}

/** A variable name a session may set: not empty, no '=' and no NUL (execve would misread them). */
function validEnvName(name: string): boolean {
  return name.length > 0 && name.length <= 1024 && !name.includes('=') && !name.includes('\0');
}

const RFC_SIGNALS: ReadonlySet<string> = new Set(SIGNAL_NAMES);

interface Config {
  acceptEnv: RegExp[];
  permitTTY: boolean;
  subsystems: Map<string, string>;
  setEnv: Map<string, string>;
  forceCommand: string | undefined;
  /** Whether an authorized_keys environment= name applies (PermitUserEnvironment). */
  userEnvironment: (name: string) => boolean;
  users: (name: string) => UserAccount | undefined;
}

/** Which environment= names apply: none, all, or those matching PermitUserEnvironment's patterns. */
function userEnvironmentFilter(permit: boolean | readonly string[] | undefined): (name: string) => boolean {
  if (permit === true) return () => true;
  if (permit === undefined || permit === false) return () => false;
  const patterns = permit.map(compilePattern);
  return (name) => patterns.some((p) => p.test(name));
}

/** The handler for `createServer({ sessions })`: one call per accepted session channel. */
export function sessionHandler(options: SessionHandlerOptions = {}): (session: SessionChannel) => void {
  const sftp = options.subsystems === undefined ? sftpServerPath() : undefined;
  const subsystems = options.subsystems !== undefined ? toMap(options.subsystems) : new Map(sftp !== undefined ? [['sftp', sftp]] : []);
  const config: Config = {
    acceptEnv: (options.acceptEnv ?? ['LANG', 'LC_*']).map(compilePattern),
    permitTTY: options.permitTTY ?? true,
    subsystems,
    setEnv: toMap(options.setEnv),
    forceCommand: options.forceCommand,
    userEnvironment: userEnvironmentFilter(options.permitUserEnvironment),
    users: options.users ?? lookupUser,
  };
  return (session) => {
    new Session(session, config);
  };
}

class Session {
  private readonly accepted = new Map<string, string>();
  private pty: PtyRequest | undefined;
  private program: RunningProgram | undefined;
  private started = false;
  /** Signals are refused for forced commands and subsystems (sshd's session_signal_req). */
  private signalsAllowed = false;

  constructor(
    private readonly session: SessionChannel,
    private readonly config: Config,
  ) {
    session.on('request', (r) => this.onRequest(r));
  }

  private onRequest(r: SessionRequestEvent): void {
    const req = r.request;
    if (!req) return r.reject();
    switch (req.type) {
      case 'env': {
        const ok =
          !this.started &&
          validEnvName(req.name) &&
          !req.value.includes('\0') &&
          (this.accepted.has(req.name) || this.accepted.size < MAX_ENV) &&
          this.config.acceptEnv.some((p) => p.test(req.name));
        if (ok) this.accepted.set(req.name, req.value);
        return ok ? r.accept() : r.reject();
      }
      case 'pty-req': {
        const ctx = this.session.context;
        if (this.started || this.pty || !this.config.permitTTY || !ctx.keyOptions.pty) return r.reject();
        if (loadNodePty() instanceof Error) return r.reject();
        this.pty = { term: req.term, cols: req.cols, rows: req.rows, widthPx: req.widthPx, heightPx: req.heightPx, modes: req.modes };
        return r.accept();
      }
      case 'window-change': {
        if (!this.pty) return r.reject();
        this.pty = { ...this.pty, cols: req.cols, rows: req.rows, widthPx: req.widthPx, heightPx: req.heightPx };
        this.program?.resize(req.cols, req.rows);
        return r.accept();
      }
      case 'shell':
        return this.start(r, 'shell', undefined);
      case 'exec':
        return this.start(r, 'exec', Buffer.from(req.command).toString('utf8'));
      case 'subsystem': {
        const command = this.config.subsystems.get(req.name);
        if (command === undefined) return r.reject();
        return this.start(r, 'subsystem', command);
      }
      case 'signal': {
        if (!this.program || !this.signalsAllowed || !RFC_SIGNALS.has(req.signal)) return r.reject();
        this.program.signal(`SIG${req.signal}` as NodeJS.Signals);
        return r.accept();
      }
      default:
        return r.reject();
    }
  }

  private environment(account: UserAccount, originalCommand: string | undefined): Map<string, string> {
    const ctx = this.session.context;
    const env = new Map(this.accepted);
    env.set('USER', account.name);
    env.set('LOGNAME', account.name);
    env.set('HOME', account.home);
    env.set('PATH', account.uid === 0 ? SUPERUSER_PATH : DEFAULT_PATH);
    env.set('MAIL', `/var/mail/${account.name}`);
    env.set('SHELL', shellOf(account));
    const tz = process.env['TZ'];
    if (tz !== undefined) env.set('TZ', tz);
    if (this.pty) env.set('TERM', this.pty.term);
    for (const [k, v] of this.config.setEnv) if (validEnvName(k)) env.set(k, v);
    for (const [k, v] of ctx.keyOptions.environment) if (validEnvName(k) && this.config.userEnvironment(k)) env.set(k, v);
    const raddr = plainAddress(ctx.remoteAddress);
    env.set('SSH_CLIENT', `${raddr} ${ctx.remotePort} ${ctx.localPort}`);
    env.set('SSH_CONNECTION', `${raddr} ${ctx.remotePort} ${plainAddress(ctx.localAddress)} ${ctx.localPort}`);
    if (originalCommand !== undefined) env.set('SSH_ORIGINAL_COMMAND', originalCommand);
    return env;
  }

  private start(r: SessionRequestEvent, kind: SessionStart['kind'], requested: string | undefined): void {
    if (this.started) return r.reject();
    const session = this.session;
    const account = session.context.account ?? this.config.users(session.context.user);
    if (!account || launchProblem(account, this.pty !== undefined) !== undefined) return r.reject();
    const forced = this.config.forceCommand ?? session.context.keyOptions.command;
    const command = internalSftp(forced ?? requested);
    const shell = shellOf(account);
    const { cwd, warning } = sessionDirectory(account);
    const spec: LaunchSpec = {
      account,
      file: shell,
      args: command === undefined ? ['-l'] : ['-c', command],
      env: this.environment(account, forced !== undefined ? requested : undefined),
      cwd,
    };
    const info: SessionStart = { kind, forced: forced !== undefined, pty: this.pty !== undefined, ...(command !== undefined ? { command } : {}) };
    try {
      if (this.pty) {
        const nodePty = loadNodePty();
        if (nodePty instanceof Error) return r.reject();
        const launch = ptyLaunch(spec, {
          term: this.pty.term,
          cols: this.pty.cols || 80,
          rows: this.pty.rows || 24,
          stty: sttyArguments(this.pty.modes),
        });
        const p = nodePty.spawn(launch.file, launch.args, {
          name: launch.name,
          cols: launch.cols,
          rows: launch.rows,
          cwd: launch.cwd,
          env: launch.env,
          encoding: null,
        });
        this.started = true;
        r.accept();
        if (warning) session.stderr.write(warning);
        this.program = runOnPty(session, p);
        session.emit('start', { ...info, pid: p.pid });
      } else {
        const readers = outputReaders(session);
        const child = spawnWithPipes(spec, { onread: { stdout: readers.stdout.onread, stderr: readers.stderr.onread } });
        this.started = true;
        r.accept();
        if (warning) session.stderr.write(warning);
        this.program = runWithPipes(session, child, readers);
        // The pid is known once the start (on the thread pool for a native one) is over.
        whenStarted(child, (pid) => session.emit('start', { ...info, ...(pid !== undefined ? { pid } : {}) }));
      }
    } catch {
      // Not startable (a NUL in the command or environment, fork failure): refused, nothing started.
      if (!this.started) return r.reject();
      return;
    }
    this.signalsAllowed = forced === undefined && kind !== 'subsystem';
  }
}

/** The login shell, /bin/sh when the passwd entry has none (as sshd). */
function shellOf(account: UserAccount): string {
  return account.shell || '/bin/sh';
}

/** An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; sshd shows a.b.c.d. */
function plainAddress(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
