// A throwaway home directory for a server's sessions: the server runs in a private mount
// namespace where <dir>/home is bind-mounted over the login user's real home.

import { spawnSync } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { binaryPath, findBinary } from './availability.js';
import { run } from './processes.js';

let isolationProbe: Promise<boolean> | undefined;

/**
 * Whether isolateHome / startDropbear({ authorizedKeys }) can work here: they need root and a
 * private mount namespace (unshare --mount), which unprivileged containers may refuse.
 */
export function canIsolateHome(): Promise<boolean> {
  return (isolationProbe ??= (async () => {
    if (process.getuid?.() !== 0) return false;
    if (findBinary('unshare') === undefined || findBinary('mount') === undefined) return false;
    const r = await run(binaryPath('unshare'), ['--mount', '--propagation', 'private', '--', 'true'], { timeoutMs: 5000 });
    return r.code === 0;
  })());
}

export interface IsolatedHome {
  /** unshare ... sh -c 'mount --bind home target && exec "$@"' */
  readonly prefix: readonly string[];
  readonly home: string;
}

/** A throwaway home (<dir>/home, with .ssh/) and the command prefix that mounts it over the real one. */
export async function isolatedHome(dir: string, loginUser: string | undefined): Promise<IsolatedHome> {
  if (!(await canIsolateHome())) {
    throw new Error('isolating the home directory needs root and unshare --mount; check canIsolateHome() first');
  }
  const home = join(dir, 'home');
  await mkdir(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  await chmod(home, 0o755);
  const target = homeOf(loginUser ?? userInfo().username);
  const prefix = [
    binaryPath('unshare'), '--mount', '--propagation', 'private', '--',
    '/bin/sh', '-c', 'mount --bind "$1" "$2" && shift 2 && exec "$@"', 'sh', home, target,
  ];
  return { prefix, home };
}

function homeOf(user: string): string {
  if (user === userInfo().username) return userInfo().homedir;
  const r = spawnSync('getent', ['passwd', user], { encoding: 'utf8' });
  const home = r.stdout.trim().split(':')[5];
  if (r.status !== 0 || home === undefined) throw new Error(`no passwd entry for ${user}`);
  return home;
}

