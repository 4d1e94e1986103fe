// A real OpenSSH sshd and a throwaway HOME for the hush client tests: a user key, an ssh_config
// naming everything explicitly (key, known_hosts, no agent), and helpers to run hush and ssh.
// Nothing here reads or writes the real ~/.ssh.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { findBinary, makeTempDir, publicKeyBody, requirePeer, runClient, sshKeygen, startSshd, type KeyFiles, type RunResult, type SshdPeer } from '../harness/peers.js';

export const HUSH = resolve('dist/src/cli/hush.js');

export interface HushFixture {
  readonly dir: string;
  readonly home: string;
  readonly sshd: SshdPeer;
  readonly key: KeyFiles;
  /** ~/.ssh/known_hosts of the throwaway home (empty at first). */
  readonly knownHosts: string;
  /** -F file with `Host target` set up for sshd. */
  readonly config: string;
  /** Writes another config file and returns its path. */
  writeConfig(name: string, lines: readonly string[]): string;
  /** The sshd's host keys as known_hosts lines for [127.0.0.1]:port. */
  knownHostsLines(): string;
  hush(args: readonly string[], opts?: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  ssh(args: readonly string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
}

export function targetLines(f: { port: number; keyPath: string; knownHosts: string }, extra: readonly string[] = []): string[] {
  return [
    'Host target',
    ...extra.map((l) => `  ${l}`),
    '  HostName 127.0.0.1',
    `  Port ${f.port}`,
    '  User root',
    `  IdentityFile ${f.keyPath}`,
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    `  UserKnownHostsFile ${f.knownHosts}`,
    '  GlobalKnownHostsFile /dev/null',
    '  BatchMode yes',
    '  ConnectTimeout 10',
  ];
}

/** undefined (and the test skipped) when OpenSSH is not installed outside CI. */
export async function hushFixture(t: TestContext, opts: { extraConfig?: readonly string[]; sshdConfig?: readonly string[] } = {}): Promise<HushFixture | undefined> {
  if (!requirePeer('openssh-server', t) || !requirePeer('openssh-client', t)) return undefined;
  const tmp = await makeTempDir(t);
  const dir = tmp.path;
  const home = join(dir, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  const key = await sshKeygen(dir, 'ed25519', 'id_user');
  const sshd = await startSshd({ t, authorizedKeys: [key.publicLine], ...(opts.sshdConfig ? { config: opts.sshdConfig } : {}) });
  const knownHosts = join(home, '.ssh', 'known_hosts');
  const writeConfig = (name: string, lines: readonly string[]): string => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
    return path;
  };
  const config = writeConfig('config', targetLines({ port: sshd.port, keyPath: key.privatePath, knownHosts }, opts.extraConfig));
  const env = { HOME: home, SSH_AUTH_SOCK: '' };
  return {
    dir,
    home,
    sshd,
    key,
    knownHosts,
    config,
    writeConfig,
    knownHostsLines: () => sshd.hostKeys.map((k) => `[127.0.0.1]:${sshd.port} ${publicKeyBody(k.publicLine)}\n`).join(''),
    hush: (args, o = {}) =>
      runClient(process.execPath, [HUSH, ...args], {
        env: { ...env, ...o.env },
        timeoutMs: o.timeoutMs ?? 30_000,
        ...(o.input !== undefined ? { input: o.input } : {}),
      }),
    ssh: (args, o = {}) =>
      runClient(findBinary('ssh')!, args, { env, timeoutMs: o.timeoutMs ?? 30_000, ...(o.input !== undefined ? { input: o.input } : {}) }),
  };
}

/** Every non-empty line of stderr, without sshd's own debug chatter. */
export function stderrLines(r: RunResult): string[] {
  return r.stderr.split('\n').filter((l) => l.trim() !== '');
}
