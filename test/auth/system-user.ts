// A throwaway local account with a password, for tests that need sshd's PAM stack (pam_unix
// checks /etc/shadow, so keyboard-interactive and password logins need a real account).
// Needs root. The account has a random name, no home directory, and is deleted after the test
// and, failing that, when this process exits.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { binaryPath } from '../harness/availability.js';
import { requireBinaries, runClient } from '../harness/peers.js';

export interface SystemUser {
  readonly name: string;
  readonly password: string;
  remove(): Promise<void>;
}

const live = new Set<string>();
process.on('exit', () => {
  for (const name of live) spawnSync(binaryPath('userdel'), ['-f', name], { stdio: 'ignore' });
});

/** Creates the account, or returns undefined after skipping the test (not root, or tools missing). */
export async function createSystemUser(t: TestContext): Promise<SystemUser | undefined> {
  if (process.getuid?.() !== 0) {
    const reason = 'creating a throwaway account needs root';
    if (process.env.CI) throw new Error(`CI is set: ${reason}`);
    t.skip(reason);
    return undefined;
  }
  const tools = ['useradd', 'chpasswd', 'userdel'].map((binary) => ({ binary, debPackage: 'passwd' }));
  if (!requireBinaries('throwaway account', tools, t)) return undefined;
  const name = `hushtu${randomBytes(5).toString('hex')}`;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  const add = await runClient(binaryPath('useradd'), ['-M', '-s', '/bin/sh', '-c', 'hush test (temporary)', name], { timeoutMs: 15_000 });
  if (add.code !== 0) throw new Error(`useradd ${name} failed: ${add.stderr}`);
  live.add(name);
  let removed = false;
  const user: SystemUser = {
    name,
    password,
    async remove() {
      if (removed) return;
      removed = true;
      const r = await runClient(binaryPath('userdel'), ['-f', name], { timeoutMs: 15_000 });
      if (r.code === 0 || /does not exist/.test(r.stderr)) {
        live.delete(name);
        return;
      }
      throw new Error(`userdel ${name} failed (retried at exit): ${r.stderr}`);
    },
  };
  t.after(() => user.remove());
  const set = await runClient(binaryPath('chpasswd'), [], { input: `${name}:${password}\n`, timeoutMs: 15_000 });
  if (set.code !== 0) throw new Error(`chpasswd failed: ${set.stderr}`);
  return user;
}
