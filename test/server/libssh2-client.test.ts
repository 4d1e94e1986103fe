/**
 * curl's scp:// and sftp:// (libssh2, a third client implementation besides OpenSSH's and
 * PuTTY's) against the hush server: downloads and uploads arrive byte for byte, the host key is
 * pinned by its SHA256 fingerprint, and a key the server does not know is refused.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { findBinary, requirePeer, sshKeygen } from '../harness/peers.js';
import { sftpServerPath } from '../../src/node/session-handler.js';
import { startFixture, type Fixture } from './fixture.js';

/**
 * curl is there and speaks scp:// and sftp:// (through libssh2), and OpenSSH's sftp-server is
 * there for the server's sftp subsystem; a missing piece fails under CI, as a missing peer does.
 */
function requireCurlSsh(t: TestContext, sftp: boolean): boolean {
  if (!requirePeer('libssh2', t)) return false;
  const version = execFileSync(findBinary('curl')!, ['-V'], { encoding: 'utf8' });
  const missing: string[] = [];
  if (!/libssh2\//.test(version) || !/^Protocols:.*\bscp\b.*\bsftp\b/m.test(version)) missing.push('a curl built with libssh2 (scp, sftp)');
  if (sftp && sftpServerPath() === undefined) missing.push("OpenSSH's sftp-server (Debian package openssh-server)");
  if (missing.length === 0) return true;
  const reason = `libssh2: missing ${missing.join(', ')}`;
  if (process.env.CI) throw new Error(`CI is set, so a missing interop peer is an error. ${reason}`);
  console.log(`skipping: ${reason}`);
  t.skip(reason);
  return false;
}

interface CurlResult {
  code: number;
  stderr: string;
}

/** curl -sS with the user's key, the host key pinned, against the fixture's server. */
function curl(fx: Fixture, args: readonly string[], key = fx.key): Promise<CurlResult> {
  const pin = fx.hostKeyFingerprint.replace(/^SHA256:/, '');
  const argv = ['-sS', '--hostpubsha256', pin, '--key', key.privatePath, '--pubkey', key.publicPath, '-u', 'tester:', ...args];
  return new Promise((resolve) => {
    execFile(findBinary('curl')!, argv, { timeout: 30_000 }, (err, _stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stderr: String(stderr) });
    });
  });
}

test('curl (libssh2) downloads and uploads through scp:// and sftp:// byte for byte', async (t) => {
  if (!requireCurlSsh(t, true)) return;
  const fx = await startFixture(t);
  const base = `127.0.0.1:${fx.port}`;
  // Several SSH packets and window refills' worth, not a multiple of the packet size.
  const data = randomBytes(3 * 1024 * 1024 + 4321);
  const src = join(fx.dir, 'src.bin');
  writeFileSync(src, data);

  for (const [scheme, direction] of [['scp', 'download'], ['sftp', 'upload'], ['sftp', 'download'], ['scp', 'upload']] as const) {
    const out = join(fx.dir, `${scheme}-${direction}.bin`);
    const r =
      direction === 'download'
        ? await curl(fx, ['-o', out, `${scheme}://${base}${src}`])
        : await curl(fx, ['-T', src, `${scheme}://${base}${out}`]);
    assert.equal(r.code, 0, `${scheme}:// ${direction}: ${r.stderr}`);
    assert.ok(readFileSync(out).equals(data), `${scheme}:// ${direction} arrives unchanged`);
  }

  const accepted = fx.events.filter((e) => e.name === 'authenticated').length;
  assert.equal(accepted, 4, 'each transfer logged in with publickey');
});

test('curl (libssh2) with a key the server does not know is refused (curl exit 67)', async (t) => {
  if (!requireCurlSsh(t, false)) return;
  const fx = await startFixture(t);
  const stranger = await sshKeygen(fx.dir, 'ed25519', 'id_stranger');
  const r = await curl(fx, ['-o', join(fx.dir, 'nothing'), `scp://127.0.0.1:${fx.port}/etc/hostname`], stranger);
  assert.equal(r.code, 67, `curl's "login denied": ${r.stderr}`);
  assert.ok(fx.events.some((e) => e.name === 'auth-failure'), 'the server reported the failed attempt');
  assert.equal(fx.events.filter((e) => e.name === 'authenticated').length, 0);
});
