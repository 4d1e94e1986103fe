// Key generation and conversion with the peers' own tools, and OpenSSH-style fingerprints.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runTool } from './processes.js';

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa';

export interface KeyFiles {
  readonly type: KeyType;
  /** Private key: OpenSSH format from ssh-keygen, Dropbear format from dropbearkey. */
  readonly privatePath: string;
  /** OpenSSH one-line public key file. */
  readonly publicPath: string;
  /** "ssh-ed25519 AAAA... comment" */
  readonly publicLine: string;
  /** "SHA256:<unpadded base64>", as printed by ssh-keygen -l and accepted by plink -hostkey. */
  readonly fingerprint: string;
}

/** OpenSSH-style SHA256 fingerprint of a public key line ("type base64 [comment]"). */
export function sha256Fingerprint(publicLine: string): string {
  const b64 = publicLine.trim().split(/\s+/)[1];
  if (b64 === undefined) throw new Error(`not a public key line: ${publicLine}`);
  const digest = createHash('sha256').update(Buffer.from(b64, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** The "type base64" part of a public key line, without the comment. */
export function publicKeyBody(publicLine: string): string {
  return publicLine.trim().split(/\s+/).slice(0, 2).join(' ');
}

/** ssh-keygen -t type -N '' -f <dir>/<name>. */
export async function sshKeygen(dir: string, type: KeyType, name = `id_${type}`): Promise<KeyFiles> {
  const privatePath = join(dir, name);
  await runTool('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `hush-test-${type}`, '-f', privatePath]);
  const publicPath = `${privatePath}.pub`;
  const publicLine = readFileSync(publicPath, 'utf8').trim();
  return { type, privatePath, publicPath, publicLine, fingerprint: sha256Fingerprint(publicLine) };
}

/** dropbearkey -t type -f <dir>/<name>; the public line comes from dropbearkey -y. */
export async function dropbearKeygen(dir: string, type: KeyType, name = `dropbear_${type}`): Promise<KeyFiles> {
  const privatePath = join(dir, name);
  await runTool('dropbearkey', ['-t', type, '-f', privatePath]);
  const y = await runTool('dropbearkey', ['-y', '-f', privatePath]);
  // Output: "Public key portion is:\n<type> <base64> <user@host>\nFingerprint: SHA256:...\n"
  const publicLine = y.stdout.split('\n').find((l) => /^(ssh-|ecdsa-)/.test(l));
  if (publicLine === undefined) throw new Error(`dropbearkey -y printed no public key:\n${y.stdout}`);
  const publicPath = `${privatePath}.pub`;
  await writeFile(publicPath, `${publicLine}\n`);
  return { type, privatePath, publicPath, publicLine, fingerprint: sha256Fingerprint(publicLine) };
}

/** OpenSSH private key -> PuTTY .ppk (puttygen), for plink -i. */
export async function toPuttyKey(opensshPrivatePath: string): Promise<string> {
  const out = `${opensshPrivatePath}.ppk`;
  // puttygen saves a random seed to ~/.putty (even the passwd home's); keep it beside the key.
  const puttyDir = join(dirname(opensshPrivatePath), '.putty');
  await mkdir(puttyDir, { recursive: true, mode: 0o700 });
  await runTool('puttygen', [opensshPrivatePath, '-O', 'private', '-o', out], { env: { PUTTYDIR: puttyDir } });
  return out;
}

/** OpenSSH private key -> Dropbear format (dropbearconvert), for dbclient -i: 2022.83 cannot read OpenSSH keys. */
export async function toDropbearKey(opensshPrivatePath: string): Promise<string> {
  const out = `${opensshPrivatePath}.dropbear`;
  await runTool('dropbearconvert', ['openssh', 'dropbear', opensshPrivatePath, out]);
  return out;
}

