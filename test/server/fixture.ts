// A hush server on 127.0.0.1:0 for the server tests, with a throwaway user "tester" mapped to the
// uid/gid of this process and a home in a temp directory (so nothing depends on /root), an
// authorized_keys file there, and helpers to run OpenSSH ssh, plink, dbclient and the hush
// client against it.

import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fingerprintSha256 } from '../../src/keys/fingerprint.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { connect, type Client } from '../../src/node/client.js';
import { createServer, type Server, type ServerOptions } from '../../src/node/server.js';
import type { UserAccount } from '../../src/node/users.js';
import { makeTempDir, opensshClientArgs, runClient, sshKeygen, type KeyFiles, type RunResult } from '../harness/peers.js';

export interface Fixture {
  readonly server: Server;
  readonly port: number;
  readonly dir: string;
  readonly home: string;
  readonly account: UserAccount;
  readonly hostKey: PrivateKey;
  /** "ssh-ed25519 AAAA..." of the host key, for known_hosts. */
  readonly hostKeyLine: string;
  /** SHA256:... of the host key (plink -hostkey). */
  readonly hostKeyFingerprint: string;
  /** The user's key (in authorized_keys without options). */
  readonly key: KeyFiles;
  /** Adds a key line (with options) to the user's authorized_keys. */
  authorize(line: string): void;
  /** ssh -p port [extra] tester@127.0.0.1 command... with the user's key. */
  ssh(command: readonly string[], opts?: { extra?: readonly string[]; input?: string | Uint8Array; timeoutMs?: number; identity?: string; configLines?: readonly string[] }): Promise<RunResult>;
  /** The hush client, logged in as tester. */
  client(): Promise<Client>;
  events: Array<{ name: string; event: unknown }>;
}

export async function startFixture(t: TestContext, options: Partial<ServerOptions> = {}): Promise<Fixture> {
  const tmp = await makeTempDir(t, 'hush-server-');
  const dir = tmp.path;
  const home = join(dir, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  const key = await sshKeygen(dir, 'ed25519', 'id_tester');
  const akPath = join(home, '.ssh', 'authorized_keys');
  writeFileSync(akPath, `${key.publicLine}\n`);
  const account: UserAccount = { name: 'tester', uid: process.getuid!(), gid: process.getgid!(), home, shell: '/bin/sh' };
  const hostKey = PrivateKey.generate('ed25519');
  const hostKeyLine = `${hostKey.keyType} ${Buffer.from(hostKey.publicKey).toString('base64')}`;
  const server = createServer({
    hostKeys: [hostKey],
    users: (name) => (name === 'tester' ? account : undefined),
    ...options,
  });
  const events: Array<{ name: string; event: unknown }> = [];
  for (const name of ['connection', 'authenticated', 'auth-failure', 'session', 'session-exit', 'disconnect'] as const) {
    server.on(name, (event: unknown) => events.push({ name, event }));
  }
  const { port } = await server.listen(0, '127.0.0.1');
  t.after(() => server.close());
  const fx: Fixture = {
    server,
    port,
    dir,
    home,
    account,
    hostKey,
    hostKeyLine,
    hostKeyFingerprint: fingerprintSha256(hostKey.publicKey),
    key,
    events,
    authorize(line) {
      writeFileSync(akPath, readFileSync(akPath, 'utf8') + line + '\n');
    },
    ssh(command, opts = {}) {
      return runClient(
        opensshClientArgs({
          dir,
          port,
          user: 'tester',
          identityFiles: [opts.identity ?? key.privatePath],
          knownHostKeys: [hostKeyLine],
          configLines: ['LogLevel ERROR', ...(opts.configLines ?? [])],
          ...(opts.extra ? { extra: opts.extra } : {}),
          command,
        }),
        { timeoutMs: opts.timeoutMs ?? 20_000, ...(opts.input !== undefined ? { input: opts.input } : {}) },
      );
    },
    client() {
      return connect({
        host: '127.0.0.1',
        port,
        username: 'tester',
        privateKey: readFileSync(key.privatePath),
        hostKey: (blob) => Buffer.from(blob).equals(Buffer.from(hostKey.publicKey)),
      });
    },
  };
  return fx;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves when cond() holds, polling; rejects after timeoutMs. */
export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
