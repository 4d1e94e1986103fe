/**
 * ssh's command line (ssh.c main()): getopt flags that may be grouped (-vvv, -4t) and take
 * their argument attached or separate (-p22, -p 22); options after the destination are read
 * too, up to the first word that is not one, which starts the command (`--` ends options).
 * Settings that ssh_config also has become `-o` lines (they are read before the files, and the
 * first value wins, so they override the files, exactly as in ssh, and `-G` prints them).
 */
import { statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { parseUserHostPort } from '../../config/index.js';

export class UsageError extends Error {
  constructor(
    message: string,
    /** Print the usage text after the message (not for a bad value, where ssh says only that). */
    readonly showUsage = true,
  ) {
    super(message);
  }
}

export interface HushArgs {
  destination: string;
  /** user from user@host, ssh://user@host or -l (the first one given wins, as in ssh). */
  user?: string;
  port?: number;
  command: string[];
  configFile?: string;
  /** -o lines and the flags that map onto ssh_config keywords. */
  options: string[];
  identityFiles: string[];
  verbose: number;
  quiet: boolean;
  /** -t count (0, 1, 2) or -T (-1). */
  tty: number;
  noSession: boolean;
  stdinNull: boolean;
  logFile?: string;
  printConfig: boolean;
  version: boolean;
  /** Said on stderr before anything else (a -i file that is not there). */
  warnings: string[];
}

/** Flags that take an argument. */
const WITH_ARG = new Set('bBcDeEFiIJlLmoOpPQRSwW'.split(''));
/** Flags without one that hush accepts. */
const FLAGS = new Set('46AaCfGgKkMNnqsTtVvXxYy'.split(''));
/** Accepted by ssh, not (yet) by hush: refused with a clear message. */
const NOT_SUPPORTED: Readonly<Record<string, string>> = {
  L: 'local port forwarding (-L)',
  R: 'remote port forwarding (-R)',
  D: 'dynamic port forwarding (-D)',
  W: 'stdio forwarding (-W)',
  f: 'going to background (-f)',
  M: 'connection sharing (-M)',
  S: 'connection sharing (-S)',
  O: 'multiplexing control (-O)',
  Q: 'queries (-Q)',
  s: 'subsystems (-s)',
  X: 'X11 forwarding (-X)',
  Y: 'X11 forwarding (-Y)',
  w: 'tunnel devices (-w)',
  I: 'PKCS#11 (-I)',
  B: 'binding to an interface (-B)',
  P: 'tags (-P)',
  A: 'agent forwarding (-A)',
};

export const USAGE = `usage: hush [-46CGNnqTtVv] [-c cipher_spec] [-E log_file] [-F configfile]
            [-i identity_file] [-J destination] [-l login_name] [-m mac_spec]
            [-o option] [-p port] [-e escape_char] [-b bind_address]
            destination [command [argument ...]]`;

function port(s: string): number {
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!(n > 0 && n <= 65535)) throw new UsageError(`Bad port '${s}'`, false);
  return n;
}

export function parseHushArgs(argv: readonly string[]): HushArgs {
  const a: HushArgs = {
    destination: '',
    command: [],
    options: [],
    identityFiles: [],
    verbose: 0,
    quiet: false,
    tty: 0,
    noSession: false,
    stdinNull: false,
    printConfig: false,
    version: false,
    warnings: [],
  };
  let destination: string | undefined;
  let i = 0;
  /** Flags ssh assigns directly: they win over -o and the files, so they go first. */
  const overrides: string[] = [];
  const takeDestination = (d: string): void => {
    if (d.startsWith('ssh://')) {
      const hop = parseUserHostPort(d);
      if (hop === undefined) throw new UsageError(`hush: invalid URI: ${d}`, false);
      a.destination = hop.host;
      if (hop.user !== undefined) a.user ??= hop.user;
      if (hop.port !== undefined) a.port ??= hop.port;
      return;
    }
    const at = d.lastIndexOf('@');
    if (at === 0) throw new UsageError('');
    if (at > 0) {
      a.user ??= d.slice(0, at);
      a.destination = d.slice(at + 1);
    } else a.destination = d;
  };
  const option = (flag: string, value: string): void => {
    switch (flag) {
      case 'p':
        a.port = port(value);
        return;
      case 'l':
        a.user ??= value;
        return;
      case 'i': {
        // As ssh: `~` expanded now, and a file that is not there is reported and left out.
        const path = value.startsWith('~/') || value === '~' ? join(userInfo().homedir, value.slice(2)) : value;
        try {
          statSync(path);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          a.warnings.push(`Warning: Identity file ${path} not accessible: ${code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}.`);
          return;
        }
        a.identityFiles.push(path);
        a.options.push(`IdentityFile ${JSON.stringify(path)}`);
        return;
      }
      case 'F':
        a.configFile = value;
        return;
      case 'o':
        a.options.push(value);
        return;
      case 'E':
        a.logFile = value;
        return;
      case 'J':
        overrides.push(`ProxyJump ${value}`);
        return;
      case 'c':
        overrides.push(`Ciphers ${value}`);
        return;
      case 'm':
        overrides.push(`MACs ${value}`);
        return;
      case 'e':
        overrides.push(`EscapeChar ${value}`);
        return;
      case 'b':
        overrides.push(`BindAddress ${value}`);
        return;
      default:
        throw new UsageError(`hush: ${NOT_SUPPORTED[flag] ?? `-${flag}`} is not supported yet`, false);
    }
  };
  const flagOn = (f: string): void => {
    switch (f) {
      case '4':
        overrides.push('AddressFamily inet');
        return;
      case '6':
        overrides.push('AddressFamily inet6');
        return;
      case 'C':
        overrides.push('Compression yes');
        return;
      case 'G':
        a.printConfig = true;
        return;
      case 'N':
        a.noSession = true;
        return;
      case 'n':
        a.stdinNull = true;
        return;
      case 'q':
        a.quiet = true;
        return;
      case 't':
        a.tty = a.tty < 0 ? 1 : a.tty + 1;
        return;
      case 'T':
        a.tty = -1;
        return;
      case 'v':
        a.verbose++;
        return;
      case 'V':
        a.version = true;
        return;
      case 'a':
      case 'x':
      case 'k':
      case 'g':
      case 'K':
        return; // no agent / X11 forwarding, no GSSAPI: what hush does anyway
      default:
        throw new UsageError(`hush: ${NOT_SUPPORTED[f] ?? `-${f}`} is not supported yet`, false);
    }
  };
  for (;;) {
    // One getopt pass.
    while (i < argv.length) {
      const arg = argv[i]!;
      if (arg === '--') {
        i++;
        break;
      }
      if (!arg.startsWith('-') || arg === '-') break;
      i++;
      for (let j = 1; j < arg.length; j++) {
        const f = arg[j]!;
        if (WITH_ARG.has(f)) {
          let value = arg.slice(j + 1);
          if (value === '') {
            if (i >= argv.length) throw new UsageError(`hush: option requires an argument -- ${f}`);
            value = argv[i++]!;
          }
          option(f, value);
          break;
        }
        if (!FLAGS.has(f)) throw new UsageError(`hush: unknown option -- ${f}`);
        flagOn(f);
      }
    }
    if (destination !== undefined || i >= argv.length) break;
    destination = argv[i++]!;
    takeDestination(destination);
    // ssh reads options after the destination too (`ssh host -v`), up to the command.
    if (i < argv.length && argv[i] === '--') {
      i++;
      break;
    }
  }
  a.command = argv.slice(i);
  if (destination === undefined) {
    if (a.version) return a;
    throw new UsageError('');
  }
  if (a.destination === '') throw new UsageError('');
  if (a.verbose > 0) overrides.unshift(`LogLevel ${a.verbose === 1 ? 'DEBUG1' : a.verbose === 2 ? 'DEBUG2' : 'DEBUG3'}`);
  else if (a.quiet) overrides.unshift('LogLevel QUIET');
  if (a.tty !== 0) overrides.unshift(`RequestTTY ${a.tty < 0 ? 'no' : a.tty === 1 ? 'yes' : 'force'}`);
  a.options = [...overrides, ...a.options];
  return a;
}

/**
 * ssh's check (9.6, after CVE-2023-51385) of the names given on the command line, before they
 * can be expanded into a ProxyCommand, LocalCommand or Match exec run by the shell: a host name
 * with shell metacharacters, blanks or control characters, or a user name with most of them,
 * is refused, and so is either starting with '-'. Names from configuration files are the
 * user's own and are not checked.
 */
export function commandLineNameProblem(a: HushArgs): string | undefined {
  if (!validHostname(a.destination)) return 'hostname contains invalid characters';
  const users = [a.user, ...a.options.map((o) => /^\s*user\s*(?:=\s*|\s+)(.*)$/i.exec(o)?.[1])];
  if (users.some((u) => u !== undefined && !validRemoteUser(u))) return 'remote username contains invalid characters';
  return undefined;
}

function validHostname(s: string): boolean {
  return !s.startsWith('-') && !/['`"$\\;&<>|(){}\s\p{Cc}]/u.test(s);
}

function validRemoteUser(s: string): boolean {
  // Blanks are allowed (Windows accounts have them), but not one before a '-' (an option), nor a final backslash.
  return !s.startsWith('-') && !/['`";&<>|(){}\p{Cc}]/u.test(s) && !/\s-/.test(s) && !s.endsWith('\\');
}
