/**
 * Starting a session's program as the authenticated user, with pipes or on a pseudo-terminal.
 *
 * Running as root, the program must run as the user: uid, gid *and* supplementary groups, as
 * sshd does (initgroups, setgid, setuid). Node's spawn() and node-pty take a uid and gid only
 * (libuv drops the supplementary groups, node-pty keeps root's!), so the switch is made by
 * util-linux `setpriv --reuid=U --regid=G --init-groups`, which sets real, effective and saved
 * ids and clears the capabilities, then execs. runuser was the other candidate; it goes through
 * PAM and su's environment rules, while setpriv does exactly the three calls and nothing else.
 *
 * Nothing the user controls reaches a process that still runs as root: variables like
 * LD_PRELOAD, LOCPATH or LANG (from environment= lines or the client's env requests) would be
 * honoured by the dynamic linker and libc of setpriv itself. The root stage runs with a fixed
 * PATH only; the user's environment is applied after the switch by `env -i -- NAME=value ...`
 * (pty sessions go through env(1) when not root too, since their preamble runs in bash).
 * (Its arguments are visible in /proc/<pid>/cmdline for the moment env(1) runs.)
 *
 * File descriptors: node-pty 1.1.0 leaves each pseudo-terminal's master without FD_CLOEXEC, so
 * every later child of this process would inherit the terminals of other sessions (and other
 * users). Pipe children started natively (native-spawn.ts) have every descriptor above 2 closed;
 * started by child_process (no addon), they get /dev/null dup'ed over every descriptor above 2
 * that is not close-on-exec (found in /proc/self/fdinfo). Pty children start in a bash preamble
 * that closes every descriptor above 2 (bash because dash cannot name descriptors above 9).
 */
import { spawn, type StdioOptions } from 'node:child_process';
import { accessSync, constants, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { NativeChild, nativeSpawnAvailable, type NativeSpawnOptions, type ProgramProcess } from './native-spawn.js';
import type { UserAccount } from './users.js';

/** sshd's _PATH_STDPATH and SUPERUSER_PATH (Debian). */
export const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/games';
export const SUPERUSER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The only environment of the stages that run as root before the switch. */
const ROOT_STAGE_ENV = Object.freeze({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin' });

export interface LaunchSpec {
  account: UserAccount;
  /** The program (the user's shell) and its arguments. */
  file: string;
  args: readonly string[];
  /** The complete environment of the program. */
  env: ReadonlyMap<string, string>;
  cwd: string;
}

export interface PtySpec {
  term: string;
  cols: number;
  rows: number;
  /** stty(1) arguments for the terminal modes the client asked for (see sttyArguments). */
  stty: readonly string[];
}

function findExecutable(candidates: readonly string[]): string | undefined {
  for (const p of candidates) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

let tools: { setpriv: string | undefined; env: string | undefined; bash: string | undefined } | undefined;
function systemTools(): { setpriv: string | undefined; env: string | undefined; bash: string | undefined } {
  tools ??= {
    setpriv: findExecutable(['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv']),
    env: findExecutable(['/usr/bin/env', '/bin/env']),
    bash: findExecutable(['/bin/bash', '/usr/bin/bash']),
  };
  return tools;
}

export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * The groups initgroups(3) would give the account from /etc/group: its primary group and every
 * group that lists it as a member. (Groups from other NSS sources are not seen: the result can
 * only be too small, which makes needsUserSwitch say yes, the safe answer.)
 */
function localInitGroups(account: UserAccount): Set<number> {
  const groups = new Set<number>([account.gid]);
  let text: string;
  try {
    text = readFileSync('/etc/group', 'utf8');
  } catch {
    return groups;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || !f[3]) continue;
    const gid = Number(f[2]);
    if (Number.isInteger(gid) && f[3].split(',').includes(account.name)) groups.add(gid);
  }
  return groups;
}

/**
 * Whether the program must be started through setpriv: the server runs as root and the account
 * is someone else, or root with other groups than this process has. A root login to a root
 * server whose ids and groups already are the ones initgroups/setgid/setuid would set (sshd's
 * do_setusercontext) starts the shell directly: two programs fewer per session.
 */
export function needsUserSwitch(account: UserAccount): boolean {
  if (!runningAsRoot()) return false;
  if (account.uid !== 0 || account.gid !== process.getgid?.()) return true;
  const have = new Set(process.getgroups?.() ?? []);
  have.add(account.gid);
  const want = localInitGroups(account);
  if (have.size !== want.size) return true;
  for (const g of want) if (!have.has(g)) return true;
  return false;
}

/** Why sessions cannot run for this account here, or undefined when they can. */
export function launchProblem(account: UserAccount, pty: boolean): string | undefined {
  const t = systemTools();
  if (runningAsRoot()) {
    if (!t.setpriv) return 'setpriv (util-linux) is needed to start sessions as the user';
    if (!t.env) return 'env (coreutils) is needed to start sessions as the user';
  } else if (account.uid !== process.getuid?.()) {
    return `the server runs as uid ${process.getuid?.()} and cannot start sessions for uid ${account.uid}`;
  }
  if (pty && !t.bash) return 'bash is needed to start a session on a pseudo-terminal';
  if (pty && !t.env) return 'env (coreutils) is needed to start a session on a pseudo-terminal';
  return undefined;
}

function checkValue(what: string, v: string): void {
  if (v.includes('\0')) throw new Error(`${what} contains a NUL byte`);
}

/** `NAME=value` words; names are checked by the caller (no '=', no NUL). */
function envWords(env: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of env) {
    checkValue(`environment variable ${k}`, v);
    out.push(`${k}=${v}`);
  }
  return out;
}

function envObject(env: ReadonlyMap<string, string>): Record<string, string> {
  // A prototype-less object: a variable called __proto__ stays a variable.
  const o = Object.create(null) as Record<string, string>;
  for (const [k, v] of env) {
    checkValue(`environment variable ${k}`, v);
    o[k] = v;
  }
  return o;
}

/**
 * The argv that runs spec.file with spec.args as the user. With `switchUser` (see needsUserSwitch)
 * it starts with `setpriv ...`; with `viaEnv` (always with switchUser) the user's environment is applied by
 * `env [-i] -- NAME=value ...` after everything before it ran with a fixed one. `keepEnv` leaves
 * the inherited environment under the user's (the pty preamble exports SSH_TTY into it).
 */
function userArgv(spec: LaunchSpec, opts: { switchUser: boolean; viaEnv: boolean; keepEnv: boolean }): string[] {
  if (spec.file.includes('=')) throw new Error(`shell ${spec.file} contains '='`);
  checkValue('command', spec.file);
  for (const a of spec.args) checkValue('command', a);
  const root = opts.switchUser;
  if (!root && !opts.viaEnv) return [spec.file, ...spec.args];
  const t = systemTools();
  if (!t.env) throw new Error('env (coreutils) is needed to start a session');
  const a = spec.account;
  return [
    ...(root ? [t.setpriv!, `--reuid=${a.uid}`, `--regid=${a.gid}`, '--init-groups', '--'] : []),
    t.env,
    ...(opts.keepEnv ? [] : ['-i']),
    '--',
    ...envWords(spec.env),
    spec.file,
    ...spec.args,
  ];
}

let devNull: number | undefined;

/**
 * stdio for spawn(): pipes for 0-2, and /dev/null over every inheritable descriptor above 2
 * (libuv creates its own close-on-exec, so these are the ones others leaked, such as node-pty's
 * masters, or ones this process inherited).
 */
export function hygienicStdio(): StdioOptions {
  const stdio: Array<'pipe' | 'ignore' | number> = ['pipe', 'pipe', 'pipe'];
  let names: string[];
  try {
    names = readdirSync('/proc/self/fdinfo');
  } catch {
    return stdio; // no /proc: nothing we can do
  }
  devNull ??= openSync('/dev/null', 'r+');
  for (const name of names) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd <= 2 || fd === devNull) continue;
    let info: string;
    try {
      info = readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1');
    } catch {
      continue; // closed meanwhile (the directory listing's own descriptor, for one)
    }
    const m = /^flags:\s*([0-7]+)/m.exec(info);
    if (!m) continue;
    const O_CLOEXEC = 0o2000000;
    if ((parseInt(m[1]!, 8) & O_CLOEXEC) !== 0) continue;
    while (stdio.length < fd) stdio.push('ignore');
    stdio[fd] = devNull;
  }
  return stdio;
}

/**
 * The program with pipes for stdin/stdout/stderr, in a new session (setsid) and process group.
 * Started by the native addon's posix_spawn when it can be (see native-spawn.ts: no fork of the
 * server, and every inherited descriptor closed in the child), else by child_process.spawn with
 * /dev/null over the leaked descriptors. A program that cannot start (a missing program, ...)
 * is reported by the child's 'error' event either way; a native start that cannot even be tried
 * (out of descriptors, say) is left to child_process.
 */
export function spawnWithPipes(spec: LaunchSpec, how: { native?: boolean; onread?: NativeSpawnOptions['onread'] } = {}): ProgramProcess {
  const switchUser = needsUserSwitch(spec.account);
  const argv = userArgv(spec, { switchUser, viaEnv: false, keepEnv: false });
  const env = switchUser ? { ...ROOT_STAGE_ENV } : envObject(spec.env);
  const file = argv[0]!;
  if ((how.native ?? true) && file.startsWith('/') && nativeSpawnAvailable()) {
    try {
      return new NativeChild(file, argv.slice(1), { env, cwd: spec.cwd, detached: true, ...(how.onread ? { onread: how.onread } : {}) });
    } catch {
      // fall through to child_process, which reports a failure as an 'error' event
    }
  }
  return spawn(file, argv.slice(1), {
    cwd: spec.cwd,
    env,
    // detached: setsid(), so the program leads its own process group and "signal" requests reach its children.
    detached: true,
    stdio: hygienicStdio(),
    windowsHide: true,
  });
}

/**
 * The preamble of a pty session (bash, run as whoever the server is, with a fixed environment:
 * nothing like BASH_ENV or exported functions from the client's env requests can run in it, which
 * would also get around a forced command): closes inherited
 * descriptors, gives the terminal to the user (sshd's pty_setowner), applies the client's
 * terminal modes, exports SSH_TTY, then execs the rest.
 *   $1 owner for chown ("" = leave), $2 mode for chmod, $3 stty arguments (space-separated, from
 *   a fixed vocabulary), $4... the command.
 */
const PTY_PREAMBLE = [
  'for f in /proc/self/fd/*; do f=${f##*/}; case $f in 0|1|2) ;; *) eval "exec $f>&-" 2>/dev/null;; esac; done',
  't=$(PATH=/usr/bin:/bin tty 2>/dev/null) || t=',
  'if [ -n "$t" ]; then',
  '  if [ -n "$1" ]; then PATH=/usr/bin:/bin chown "$1" "$t" 2>/dev/null; PATH=/usr/bin:/bin chmod "$2" "$t" 2>/dev/null; fi',
  '  if [ -n "$3" ]; then PATH=/usr/bin:/bin stty $3 2>/dev/null; fi',
  '  export SSH_TTY="$t"',
  'fi',
  'shift 3',
  'exec "$@"',
].join('\n');

let ttyGroup: number | null | undefined;
/** The gid of group "tty", which owns terminals (sshd gives them mode 0620 and that group). */
function ttyGid(): number | undefined {
  if (ttyGroup === undefined) {
    ttyGroup = null;
    try {
      const line = readFileSync('/etc/group', 'utf8')
        .split('\n')
        .find((l) => l.startsWith('tty:'));
      const gid = Number(line?.split(':')[2]);
      if (line && Number.isInteger(gid)) ttyGroup = gid;
    } catch {
      // no /etc/group
    }
  }
  return ttyGroup ?? undefined;
}

/** The file, args and options for node-pty's spawn(). */
export function ptyLaunch(
  spec: LaunchSpec,
  pty: PtySpec,
): { file: string; args: string[]; env: Record<string, string>; cwd: string; name: string; cols: number; rows: number } {
  const bash = systemTools().bash;
  if (!bash) throw new Error('bash is needed to start a session on a pseudo-terminal');
  const root = runningAsRoot();
  const tty = ttyGid();
  const owner = root ? `${spec.account.uid}:${tty ?? spec.account.gid}` : '';
  const mode = tty !== undefined ? '620' : '600';
  for (const s of pty.stty) if (!/^-?[a-z0-9]+$/.test(s)) throw new Error(`bad stty argument ${s}`);
  return {
    file: bash,
    args: ['-c', PTY_PREAMBLE, 'hush-session', owner, mode, pty.stty.join(' '), ...userArgv(spec, { switchUser: needsUserSwitch(spec.account), viaEnv: true, keepEnv: true })],
    env: { ...ROOT_STAGE_ENV },
    cwd: spec.cwd,
    // TERM of the preamble; the user's own TERM comes with the user's environment.
    name: 'dumb',
    cols: pty.cols,
    rows: pty.rows,
  };
}

/** The user's home if it is a directory we can enter, else "/" (sshd: "Could not chdir to home directory"). */
export function sessionDirectory(account: UserAccount): { cwd: string; warning?: string } {
  try {
    if (statSync(account.home).isDirectory()) return { cwd: account.home };
  } catch {
    // fall through
  }
  return { cwd: '/', warning: `Could not chdir to home directory ${account.home}: No such file or directory\n` };
}
