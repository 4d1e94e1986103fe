// ssh-keygen and puttygen, run the way the key file tests need them.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { requireBinaries, type BinarySpec } from '../harness/availability.js';
import { runTool } from '../harness/processes.js';
import type { PrivateKey } from '../../src/keys/private-key.js';
import { getSignatureAlgorithm } from '../../src/keys/registry.js';
import { fingerprintSha256 } from '../../src/keys/fingerprint.js';
import { base64Encode } from '../../src/keys/base64.js';

export const SSH_KEYGEN: readonly BinarySpec[] = [{ binary: 'ssh-keygen', debPackage: 'openssh-client' }];
export const PUTTYGEN: readonly BinarySpec[] = [{ binary: 'puttygen', debPackage: 'putty-tools' }];

export function haveSshKeygen(t: TestContext): boolean {
  return requireBinaries('ssh-keygen', SSH_KEYGEN, t);
}
export function havePuttygen(t: TestContext): boolean {
  return requireBinaries('puttygen', PUTTYGEN, t);
}

export async function sshKeygen(args: readonly string[]): Promise<string> {
  return (await runTool('ssh-keygen', args, { timeoutMs: 60_000 })).stdout;
}

/** `ssh-keygen -y`: the public line ("type base64 [comment]"), trimmed. */
export async function keygenPublic(path: string, passphrase = ''): Promise<string> {
  return (await sshKeygen(['-y', '-P', passphrase, '-f', path])).trim();
}

/** The SHA256 fingerprint `ssh-keygen -l` prints for a key file. */
export async function keygenFingerprint(path: string): Promise<string> {
  const out = await sshKeygen(['-l', '-E', 'sha256', '-f', path]);
  const m = /SHA256:[A-Za-z0-9+/]+/.exec(out);
  assert.ok(m, `no fingerprint in ${out}`);
  return m[0];
}

/** puttygen with its random seed file kept in the test directory. */
export async function puttygen(dir: string, args: readonly string[]): Promise<string> {
  return (await runTool('puttygen', args, { env: { PUTTYDIR: join(dir, '.putty') }, timeoutMs: 60_000 })).stdout;
}

/** A file holding a passphrase, for puttygen --new-passphrase / --old-passphrase. */
export async function passphraseFile(dir: string, passphrase: string): Promise<string> {
  const p = join(dir, `pass-${Buffer.from(passphrase).toString('hex') || 'empty'}`);
  await writeFile(p, passphrase);
  return p;
}

export async function writeKeyFile(path: string, contents: string): Promise<void> {
  await writeFile(path, contents, { mode: 0o600 });
}

export async function readKeyFile(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path));
}

/** "type base64" of a public line, dropping any comment. */
export function lineBody(line: string): string {
  return line.trim().split(/\s+/).slice(0, 2).join(' ');
}

export function publicLineBody(blob: Uint8Array): string {
  const type = new TextDecoder().decode(blob.subarray(4, 4 + new DataView(blob.buffer, blob.byteOffset).getUint32(0)));
  return `${type} ${base64Encode(blob)}`;
}

/** The key signs with each of its algorithms and the public blob verifies the signature. */
export function assertSignsAndVerifies(key: PrivateKey): void {
  const data = new TextEncoder().encode(`hush key file test ${key.keyType}`);
  for (const name of key.algorithms) {
    const sig = key.sign(name, data);
    const alg = getSignatureAlgorithm(name)!;
    assert.ok(alg.verify(key.publicKey, data, sig), `${name} signature verifies`);
    assert.ok(!alg.verify(key.publicKey, Uint8Array.of(...data, 1), sig), `${name} signature over other data fails`);
  }
}

export interface KeygenView {
  /** "type base64" from `ssh-keygen -y`. */
  readonly body: string;
  /** The comment `ssh-keygen -y` printed ("" for PEM files). */
  readonly comment: string;
  /** SHA256 fingerprint from `ssh-keygen -l`. */
  readonly fingerprint: string;
}

/** What ssh-keygen says about an unencrypted key file. */
export async function keygenView(path: string): Promise<KeygenView> {
  const line = await keygenPublic(path);
  return { body: lineBody(line), comment: line.split(/\s+/).slice(2).join(' '), fingerprint: await keygenFingerprint(path) };
}

/** The parsed key is the one ssh-keygen sees: same blob as `-y`, same fingerprint as `-l`. */
export function assertSameKey(key: PrivateKey, view: KeygenView): void {
  assert.equal(publicLineBody(key.publicKey), view.body);
  assert.equal(key.fingerprint, view.fingerprint);
  assert.equal(fingerprintSha256(key.publicKey), view.fingerprint);
}
