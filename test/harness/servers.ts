// sshd and dropbear on a free loopback port: throwaway config and host keys, log capture,
// readiness (an SSH-2.0 banner from a socket the server owns), and stop().

import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { binaryPath } from './availability.js';
import { isolatedHome, type IsolatedHome } from './home.js';
import { dropbearKeygen, sshKeygen, type KeyFiles, type KeyType } from './keys.js';
import { descendants, makeTempDir, sleep, spawnTracked, terminate, type TempDir } from './processes.js';

/** A currently free TCP port on 127.0.0.1 (bind :0, read, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('no port'));
        return;
      }
      srv.close(() => resolve(addr.port));
    });
  });
}

/** Connect once and read the first line; undefined if refused, closed or silent for `ms`. */
export function readBanner(port: number, host = '127.0.0.1', ms = 1000): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    const sock = connect({ port, host });
    const done = (v: string | undefined): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), ms);
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl).replace(/\r$/, ''));
    });
    sock.on('error', () => done(undefined));
    sock.on('close', () => done(undefined));
  });
}

/** true if 127.0.0.1:port accepts a TCP connection right now. */
export function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/**
 * Whether the LISTEN socket on 127.0.0.1:port belongs to `pid` or a descendant, via /proc.
 * undefined when /proc cannot tell (then the banner alone decides). This keeps a port that some
 * other process grabbed in the freePort() race from passing for our server.
 */
function listenerOwnedBy(pid: number, port: number): boolean | undefined {
  let inodes: Set<string>;
  try {
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    inodes = new Set(
      readFileSync('/proc/net/tcp', 'latin1')
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/))
        // local_address 0100007F:PORT (127.0.0.1), st 0A = LISTEN, inode is field 9
        .filter((f) => f[1] === `0100007F:${hexPort}` && f[3] === '0A')
        .map((f) => f[9] ?? ''),
    );
  } catch {
    return undefined;
  }
  for (const p of [pid, ...descendants(pid)]) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${p}/fd/${fd}`));
        if (m?.[1] !== undefined && inodes.has(m[1])) return true;
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return false;
}



export interface Peer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly pid: number;
  /** First line the server sent, e.g. "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10". */
  readonly banner: string;
  readonly hostKeys: readonly KeyFiles[];
  /** Throwaway directory holding config, keys and authorized_keys. */
  readonly dir: string;
  /** Everything the server wrote to stderr/stdout so far. */
  log(): string;
  /** Resolves with the log once it matches `pattern`; rejects (quoting the log) after timeoutMs. */
  waitForLog(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /**
   * With isolateHome (always for Dropbear with authorizedKeys): the throwaway directory that
   * sessions see as the login user's home (e.g. /root); files a session writes to ~ land here.
   */
  readonly home?: string;
  /** SIGTERM, SIGKILL after 2 s, await exit, kill descendants, remove the directory (if ours). Idempotent. */
  stop(): Promise<void>;
}

export interface SshdPeer extends Peer {
  readonly configPath: string;
  readonly authorizedKeysPath: string;
}

export type DropbearPeer = Peer;

interface CommonServerOptions {
  /** Stop the server after this test. */
  readonly t?: TestContext;
  /** Use this directory instead of a fresh temp dir (then stop() leaves it in place). */
  readonly dir?: string;
  /** Host key types to generate, in this order. Default ed25519, ecdsa, rsa. */
  readonly hostKeyTypes?: readonly KeyType[];
  /** Public key lines allowed to log in. */
  readonly authorizedKeys?: readonly string[];
  /** Readiness timeout; default 10 s. */
  readonly readyTimeoutMs?: number;
  /**
   * Run the server in a private mount namespace with a throwaway directory bind-mounted over the
   * login user's home, so sessions (shell rc files, sftp writes, ~/.ssh) never touch the real
   * one. Needs root and unshare: check canIsolateHome(). Default false (sshd), forced on for
   * Dropbear with authorizedKeys.
   */
  readonly isolateHome?: boolean;
  /** Whose home isolateHome replaces; default the current user (root in CI). */
  readonly loginUser?: string;
}

export interface SshdOptions extends CommonServerOptions {
  /**
   * sshd_config lines (e.g. "KexAlgorithms curve25519-sha256", "LogLevel DEBUG3"). They are
   * written before the harness defaults, and sshd keeps the first value it reads for a keyword,
   * so these win. No Match blocks here: use `matchConfig`.
   */
  readonly config?: readonly string[];
  /** Lines appended at the very end (Match blocks). */
  readonly matchConfig?: readonly string[];
  /** "Subsystem sftp" target; default internal-sftp; false for none. */
  readonly sftp?: string | false;
}

export interface DropbearOptions extends CommonServerOptions {
  /** Allow password logins (default false: dropbear -s). */
  readonly passwordAuth?: boolean;
  /** More dropbear flags, e.g. ["-W", "65536"]. */
  readonly extraArgs?: readonly string[];
}

const DEFAULT_HOST_KEYS: readonly KeyType[] = ['ed25519', 'ecdsa', 'rsa'];

interface Launch {
  readonly cmd: string;
  readonly args: readonly string[];
}

interface StartedProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly banner: string;
  readonly log: () => string;
  readonly waitForLog: (pattern: RegExp | string, timeoutMs?: number) => Promise<string>;
}

function withPrefix(prefix: readonly string[] | undefined, cmd: string, args: readonly string[]): Launch {
  const [first, ...rest] = [...(prefix ?? []), cmd, ...args];
  return { cmd: first ?? cmd, args: rest };
}

function homeField(iso: IsolatedHome | undefined): { home?: string } {
  return iso === undefined ? {} : { home: iso.home };
}

const LOG_CAP = 16 * 1024 * 1024;
const ADDR_IN_USE = /Address already in use|Cannot bind any address/;

/**
 * Spawn a server on a free port and wait until it serves an SSH-2.0 banner from a socket it owns.
 * Retries with a new port if the port was taken between freePort() and bind.
 */
async function launchServer(name: string, build: (port: number) => Launch, readyTimeoutMs: number): Promise<StartedProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const { cmd, args } = build(port);
    const child = spawnTracked(cmd, args);
    let logText = '';
    const waiters = new Set<() => void>();
    const append = (d: Buffer): void => {
      logText += d.toString('utf8');
      if (logText.length > LOG_CAP) logText = `[... log truncated ...]\n${logText.slice(-LOG_CAP / 2)}`;
      for (const w of waiters) w();
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    let spawnError: Error | undefined;
    child.once('error', (e) => (spawnError = e));
    const log = (): string => logText;
    const waitForLog = (pattern: RegExp | string, timeoutMs = 5000): Promise<string> =>
      new Promise((resolve, reject) => {
        const test = (): boolean => (typeof pattern === 'string' ? logText.includes(pattern) : pattern.test(logText));
        if (test()) return resolve(logText);
        const check = (): void => {
          if (!test()) return;
          cleanup();
          resolve(logText);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${name}: log did not match ${String(pattern)} within ${timeoutMs} ms. Log:\n${logText}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
      });

    const deadline = Date.now() + readyTimeoutMs;
    let banner: string | undefined;
    let why = '';
    for (;;) {
      if (spawnError !== undefined) {
        why = `could not start ${cmd}: ${spawnError.message}`;
        break;
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        await sleep(20); // let the last stderr chunk arrive
        why = `exited early (code ${child.exitCode}, signal ${child.signalCode})`;
        break;
      }
      if (Date.now() > deadline) {
        why = `no SSH-2.0 banner on 127.0.0.1:${port} within ${readyTimeoutMs} ms`;
        break;
      }
      const line = await readBanner(port, '127.0.0.1', 1000);
      if (line?.startsWith('SSH-2.0-') && child.pid !== undefined && listenerOwnedBy(child.pid, port) !== false) {
        banner = line;
        break;
      }
      await sleep(50);
    }
    if (banner !== undefined) return { child, port, banner, log, waitForLog };
    await terminate(child);
    if (ADDR_IN_USE.test(logText) && attempt < 4) continue;
    throw new Error(`${name} failed to start: ${why}.\nCommand: ${cmd} ${args.join(' ')}\nLog:\n${logText}`);
  }
}

function makePeer<E extends object>(
  started: StartedProcess,
  dir: string,
  ownsDir: TempDir | undefined,
  hostKeys: readonly KeyFiles[],
  extra: E,
  t: TestContext | undefined,
): Peer & E {
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await terminate(started.child);
      await ownsDir?.remove();
    })());
  const pid = started.child.pid;
  if (pid === undefined) throw new Error('server has no pid');
  t?.after(stop);
  return {
    host: '127.0.0.1',
    port: started.port,
    pid,
    banner: started.banner,
    hostKeys,
    dir,
    log: started.log,
    waitForLog: started.waitForLog,
    stop,
    ...extra,
  };
}

async function serverDir(opts: CommonServerOptions): Promise<{ dir: string; owned: TempDir | undefined }> {
  if (opts.dir !== undefined) return { dir: opts.dir, owned: undefined };
  const owned = await makeTempDir(undefined, 'hush-peer-');
  return { dir: owned.path, owned };
}

/**
 * OpenSSH sshd in the foreground (-D), logging to stderr (-e), on a free loopback port, with
 * AuthorizedKeysFile in its own directory. Sessions run as root in root's real home unless
 * isolateHome is set.
 */
export async function startSshd(opts: SshdOptions = {}): Promise<SshdPeer> {
  const { dir, owned } = await serverDir(opts);
  try {
    const hostKeys = await Promise.all(
      (opts.hostKeyTypes ?? DEFAULT_HOST_KEYS).map((type) => sshKeygen(dir, type, `ssh_host_${type}_key`)),
    );
    const authorizedKeysPath = join(dir, 'authorized_keys');
    await writeFile(authorizedKeysPath, (opts.authorizedKeys ?? []).map((l) => `${l}\n`).join(''), { mode: 0o600 });
    await mkdir('/run/sshd', { recursive: true }); // privilege-separation chroot, needed when root
    const configPath = join(dir, 'sshd_config');
    const sshd = binaryPath('/usr/sbin/sshd');
    const iso = opts.isolateHome === true ? await isolatedHome(dir, opts.loginUser) : undefined;
    const started = await launchServer(
      'sshd',
      (port) => {
        const lines = [
          ...(opts.config ?? []),
          `Port ${port}`,
          'ListenAddress 127.0.0.1',
          ...hostKeys.map((k) => `HostKey ${k.privatePath}`),
          'PidFile none',
          'UsePAM no',
          'StrictModes no',
          `AuthorizedKeysFile ${authorizedKeysPath}`,
          'PermitRootLogin prohibit-password',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UseDNS no',
          'PrintMotd no',
          'AcceptEnv LANG LC_*',
          ...(opts.sftp === false ? [] : [`Subsystem sftp ${opts.sftp ?? 'internal-sftp'}`]),
          ...(opts.matchConfig ?? []),
        ];
        // Rewritten on every attempt: the port changes on a retry.
        writeFileSync(configPath, lines.join('\n') + '\n');
        return withPrefix(iso?.prefix, sshd, ['-D', '-e', '-f', configPath]);
      },
      opts.readyTimeoutMs ?? 10_000,
    );
    return makePeer(started, dir, owned, hostKeys, { configPath, authorizedKeysPath, ...homeField(iso) }, opts.t);
  } catch (e) {
    await owned?.remove();
    throw e;
  }
}

/**
 * Dropbear in the foreground (-F) logging to stderr (-E), on a free loopback port.
 *
 * Dropbear 2022.83 has no option for the authorized_keys path: it reads
 * ~user/.ssh/authorized_keys from the passwd entry. When `authorizedKeys` is given, dropbear runs
 * in a private mount namespace where a throwaway home is bind-mounted over the login user's home,
 * so the real home is never touched (needs root; check canIsolateHome() first). Without it, no
 * key can log in: clients get as far as "Permission denied (publickey)".
 */
export async function startDropbear(opts: DropbearOptions = {}): Promise<DropbearPeer> {
  const { dir, owned } = await serverDir(opts);
  try {
    const hostKeys = await Promise.all(
      (opts.hostKeyTypes ?? DEFAULT_HOST_KEYS).map((type) => dropbearKeygen(dir, type)),
    );
    const dropbear = binaryPath('dropbear');
    const iso =
      opts.isolateHome === true || opts.authorizedKeys !== undefined
        ? await isolatedHome(dir, opts.loginUser)
        : undefined;
    if (iso !== undefined && opts.authorizedKeys !== undefined) {
      const path = join(iso.home, '.ssh', 'authorized_keys');
      await writeFile(path, opts.authorizedKeys.map((l) => `${l}\n`).join(''), { mode: 0o600 });
    }
    const started = await launchServer(
      'dropbear',
      (port) => {
        const args = [
          '-F', // foreground
          '-E', // log to stderr
          '-m', // no motd
          '-p', `127.0.0.1:${port}`,
          '-P', join(dir, 'dropbear.pid'),
          ...hostKeys.flatMap((k) => ['-r', k.privatePath]),
          ...(opts.passwordAuth === true ? [] : ['-s']),
          ...(opts.extraArgs ?? []),
        ];
        return withPrefix(iso?.prefix, dropbear, args);
      },
      opts.readyTimeoutMs ?? 10_000,
    );
    return makePeer(started, dir, owned, hostKeys, homeField(iso), opts.t);
  } catch (e) {
    await owned?.remove();
    throw e;
  }
}


