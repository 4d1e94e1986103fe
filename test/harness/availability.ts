// Which interop peers are installed, and what to do when one is not.

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';

export type PeerName = 'openssh-server' | 'openssh-client' | 'dropbear' | 'dropbear-client' | 'putty' | 'libssh2';

export interface BinarySpec {
  /** Program name (looked up in PATH, /usr/sbin and /sbin) or absolute path. */
  readonly binary: string;
  /** Debian package that installs it. */
  readonly debPackage: string;
}

/** The binaries each peer needs, including the key tools the harness runs for it. */
export const PEERS: Readonly<Record<PeerName, readonly BinarySpec[]>> = {
  'openssh-server': [
    { binary: '/usr/sbin/sshd', debPackage: 'openssh-server' },
    { binary: 'ssh-keygen', debPackage: 'openssh-client' },
  ],
  'openssh-client': [
    { binary: 'ssh', debPackage: 'openssh-client' },
    { binary: 'ssh-keygen', debPackage: 'openssh-client' },
  ],
  dropbear: [
    { binary: 'dropbear', debPackage: 'dropbear-bin' },
    { binary: 'dropbearkey', debPackage: 'dropbear-bin' },
  ],
  'dropbear-client': [
    { binary: 'dbclient', debPackage: 'dropbear-bin' },
    { binary: 'dropbearconvert', debPackage: 'dropbear-bin' },
  ],
  putty: [
    { binary: 'plink', debPackage: 'putty-tools' },
    { binary: 'puttygen', debPackage: 'putty-tools' },
  ],
  // curl's scp:// and sftp:// are libssh2 (Debian's curl is built with it; checked by the tests).
  libssh2: [{ binary: 'curl', debPackage: 'curl' }],
};

/** Absolute path of an executable, or undefined. Also searches the sbin dirs a non-root PATH lacks. */
export function findBinary(binary: string): string | undefined {
  const candidates = binary.includes('/')
    ? [binary]
    : [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/sbin'].map((d) => join(d, binary));
  for (const p of candidates) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function binaryPath(binary: string): string {
  const p = findBinary(binary);
  if (p === undefined) throw new Error(`${binary} not found; run requirePeer() first`);
  return p;
}

/**
 * true when every binary in `specs` is installed. Otherwise: with CI set (non-empty) throws an
 * Error naming the missing binary and its Debian package; without CI logs the reason, calls
 * t.skip(reason) if a TestContext is given, and returns false.
 */
export function requireBinaries(label: string, specs: readonly BinarySpec[], t?: TestContext): boolean {
  const missing = specs.filter((s) => findBinary(s.binary) === undefined);
  if (missing.length === 0) return true;
  const pkgs = [...new Set(missing.map((s) => s.debPackage))];
  const reason =
    `${label}: missing ${missing.map((s) => `${s.binary} (Debian package ${s.debPackage})`).join(', ')}; ` +
    `install with: apt-get install -y ${pkgs.join(' ')}`;
  if (process.env.CI) throw new Error(`CI is set, so a missing interop peer is an error. ${reason}`);
  console.log(`skipping: ${reason}`);
  t?.skip(reason);
  return false;
}

/** `if (!requirePeer('dropbear', t)) return;` at the top of a test. */
export function requirePeer(name: PeerName, t?: TestContext): boolean {
  return requireBinaries(name, PEERS[name], t);
}


/**
 * Whether the native addon is in use. In CI it must be (CI builds it): a missing addon fails the
 * test there; elsewhere the test is skipped with the reason printed. HUSH_NATIVE=0 skips anywhere.
 */
export async function requireNativeAddon(t: TestContext): Promise<boolean> {
  const { nativeStatus } = await import('../../src/crypto/native.js');
  const status = nativeStatus();
  if (status.loaded) return true;
  if (process.env['CI'] && process.env['HUSH_NATIVE'] !== '0') throw new Error(`CI is set, so the native addon must be loaded: ${status.reason}`);
  console.log(`skipping: native addon not in use (${status.reason})`);
  t.skip(status.reason);
  return false;
}
