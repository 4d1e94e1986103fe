#!/usr/bin/env node
/**
 * hush-keygen: ssh-keygen's habits for key generation, inspection and conversion.
 *   -t type -b bits -f file -N new_passphrase -P old_passphrase -C comment -q -a rounds -Z cipher
 *   -y (public key from private)   -l [-v] [-E md5|sha256] (fingerprint)   -p (change passphrase)
 *   -c (change comment)   -e / -i [-m PEM|PKCS8|RFC4716] (export / import)
 *   -F host / -R host / -H [-f known_hosts]
 * Files and permissions as ssh-keygen writes them (private 0600, public 0644); exit status 0 or 1.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SshError } from '../errors.js';
import { formatFingerprintLine, keygenKeyInfo, type FingerprintHash } from '../keys/fingerprint.js';
import {
  DEFAULT_KEY_FILE_CIPHER,
  isEncryptedPrivateKey,
  parsePrivateKeyFile,
  parsePublicKeyFile,
  writeOpenSshPrivateKey,
  writePem,
  writePublicKeyLine,
  writePublicKeyPem,
  writeRfc4716,
} from '../keys/formats/index.js';
import { parseAuthorizedKeys } from '../keys/authorized-keys/index.js';
import { parseKnownHosts } from '../keys/knownhosts/index.js';
import { PrivateKey, type KeyGenerationType } from '../keys/private-key.js';
import { randomart } from '../keys/randomart.js';
import { HUSH_VERSION } from '../version.js';
import { findHost, hashFile, removeHost } from './keygen/known-hosts-ops.js';
import { readLine, readPassphrase } from './prompt.js';

const USAGE = `usage: hush-keygen [-q] [-a rounds] [-b bits] [-C comment] [-f output_keyfile] [-m format]
                   [-N new_passphrase] [-t ed25519 | ecdsa | rsa] [-Z cipher]
       hush-keygen -p [-a rounds] [-f keyfile] [-m format] [-N new_passphrase] [-P old_passphrase] [-Z cipher]
       hush-keygen -c [-C comment] [-f keyfile] [-P passphrase]
       hush-keygen -l [-v] [-E fingerprint_hash] [-f input_keyfile]
       hush-keygen -y [-f input_keyfile] [-P passphrase]
       hush-keygen -e [-f input_keyfile] [-m key_format]
       hush-keygen -i [-f input_keyfile] [-m key_format]
       hush-keygen -F hostname [-lv] [-f known_hosts_file]
       hush-keygen -H [-f known_hosts_file]
       hush-keygen -R hostname [-f known_hosts_file]`;

class UsageError extends Error {}

const out = (s: string) => process.stdout.write(`${s}\n`);
const err = (s: string) => process.stderr.write(`${s}\n`);

function defaultComment(): string {
  return `${userInfo().username}@${hostname()}`;
}

function defaultKeyPath(type: string): string {
  return join(homedir(), '.ssh', `id_${type}`);
}

function askFile(prompt: string, fallback: string): string {
  const answer = readLine(`${prompt} (${fallback}): `);
  return answer && answer.trim() !== '' ? answer.trim() : fallback;
}

function newPassphrase(given: string | undefined): string {
  if (given !== undefined) return given;
  const a = readPassphrase('Enter passphrase (empty for no passphrase): ') ?? '';
  const b = readPassphrase('Enter same passphrase again: ') ?? '';
  if (a !== b) throw new Error('Passphrases do not match.  Try again.');
  return a;
}

/** Reads a private key, asking for the passphrase when the file is encrypted and none was given. */
function loadPrivate(path: string, passphrase: string | undefined) {
  const data = readFileSync(path);
  let pass = passphrase;
  if (pass === undefined && isEncryptedPrivateKey(data, { name: path })) pass = readPassphrase(`Enter passphrase for "${path}": `) ?? '';
  return parsePrivateKeyFile(data, pass, { name: path });
}

function writeKeyPair(path: string, key: PrivateKey, o: { passphrase: string; comment: string; rounds?: number; cipher?: string; format?: string }): void {
  let text: string;
  const format = (o.format ?? 'RFC4716').toUpperCase();
  if (format === 'PEM' || format === 'PKCS8') {
    const kind = format === 'PKCS8' ? 'pkcs8' : key.keyType === 'ssh-rsa' ? 'pkcs1' : key.keyType === 'ssh-ed25519' ? 'pkcs8' : 'sec1';
    text = writePem(key, kind, o.passphrase || undefined);
  } else {
    text = writeOpenSshPrivateKey(key, {
      comment: o.comment,
      ...(o.passphrase ? { passphrase: o.passphrase } : {}),
      ...(o.rounds !== undefined ? { rounds: o.rounds } : {}),
      ...(o.cipher !== undefined ? { cipher: o.cipher } : {}),
    });
  }
  writeFileSync(path, text, { mode: 0o600 });
  writeFileSync(`${path}.pub`, writePublicKeyLine(key.publicKey, o.comment), { mode: 0o644 });
}

const TYPES: Record<string, (bits: number | undefined) => { gen: KeyGenerationType; bits?: number }> = {
  ed25519: () => ({ gen: 'ed25519' }),
  rsa: (bits) => ({ gen: 'rsa', bits: bits ?? 3072 }),
  ecdsa: (bits) => {
    const b = bits ?? 256;
    if (b !== 256 && b !== 384 && b !== 521) throw new Error('Invalid ECDSA key length: valid lengths are 256, 384 or 521 bits');
    return { gen: `ecdsa-p${b}` as KeyGenerationType };
  },
};

/** Prints fingerprints of every key in a file: a public key, a private key, authorized_keys or known_hosts. */
function fingerprintFile(path: string, hash: FingerprintHash, visual: boolean): void {
  const text = readFileSync(path, 'utf8');
  const show = (blob: Uint8Array, comment: string) => {
    out(formatFingerprintLine(blob, comment, { hash }));
    if (visual) out(randomart(blob, { hash }));
  };
  try {
    const pub = parsePublicKeyFile(text);
    show(pub.blob, pub.comment);
    return;
  } catch {
    // not a single public key; try the other kinds
  }
  if (text.includes('PRIVATE KEY') || text.includes('PuTTY-User-Key-File')) {
    const f = loadPrivate(path, undefined);
    show(f.key.publicKey, f.comment);
    return;
  }
  const keys = parseAuthorizedKeys(text).entries;
  if (keys.length > 0) {
    for (const k of keys) show(k.blob, k.comment);
    return;
  }
  const hosts = parseKnownHosts(text, path).entries;
  if (hosts.length > 0) {
    for (const h of hosts) show(h.blob, h.hashed ? '' : h.hosts);
    return;
  }
  throw new Error(`${path} is not a public key file.`);
}

function main(argv: string[]): number {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      t: { type: 'string' },
      b: { type: 'string' },
      f: { type: 'string' },
      N: { type: 'string' },
      P: { type: 'string' },
      C: { type: 'string' },
      q: { type: 'boolean' },
      a: { type: 'string' },
      Z: { type: 'string' },
      m: { type: 'string' },
      E: { type: 'string' },
      y: { type: 'boolean' },
      l: { type: 'boolean' },
      v: { type: 'boolean' },
      p: { type: 'boolean' },
      c: { type: 'boolean' },
      e: { type: 'boolean' },
      i: { type: 'boolean' },
      F: { type: 'string' },
      R: { type: 'string' },
      H: { type: 'boolean' },
      V: { type: 'boolean' },
      h: { type: 'boolean' },
    },
  });
  if (v.h) throw new UsageError();
  if (v.V) {
    out(`hush-keygen ${HUSH_VERSION}`);
    return 0;
  }
  const bits = v.b !== undefined ? Number(v.b) : undefined;
  if (bits !== undefined && !Number.isInteger(bits)) throw new Error(`Bits has bad value ${v.b}`);
  const rounds = v.a !== undefined ? Number(v.a) : undefined;
  if (rounds !== undefined && (!Number.isInteger(rounds) || rounds < 1)) throw new Error(`Invalid number: ${v.a}`);
  const hash = (v.E ?? 'sha256').toLowerCase();
  if (!['md5', 'sha1', 'sha256', 'sha384', 'sha512'].includes(hash)) throw new Error(`Invalid hash algorithm "${v.E}"`);
  const knownHostsFile = v.f ?? join(homedir(), '.ssh', 'known_hosts');

  if (v.F !== undefined) return findHost(knownHostsFile, v.F, v.H ?? false, out) ? 0 : 1;
  if (v.R !== undefined) {
    if (!removeHost(knownHostsFile, v.R, out)) err(`Host ${v.R} not found in ${knownHostsFile}`);
    return 0;
  }
  if (v.H) {
    hashFile(knownHostsFile, out, err);
    return 0;
  }
  if (v.l) {
    const path = v.f ?? askFile('Enter file in which the key is', defaultKeyPath('ed25519'));
    fingerprintFile(path, hash as FingerprintHash, v.v ?? false);
    return 0;
  }
  if (v.y) {
    const path = v.f ?? askFile('Enter file in which the key is', defaultKeyPath('ed25519'));
    const f = loadPrivate(path, v.P);
    process.stdout.write(writePublicKeyLine(f.key.publicKey, f.comment));
    return 0;
  }
  if (v.e) {
    const path = v.f ?? askFile('Enter file in which the key is', defaultKeyPath('ed25519'));
    const text = readFileSync(path, 'utf8');
    let blob: Uint8Array;
    try {
      blob = parsePublicKeyFile(text).blob;
    } catch {
      blob = loadPrivate(path, v.P).key.publicKey;
    }
    const format = (v.m ?? 'RFC4716').toUpperCase();
    if (format === 'RFC4716') {
      const info = keygenKeyInfo(blob);
      process.stdout.write(writeRfc4716(blob, `${info.bits}-bit ${info.label}, converted by ${defaultComment()} from OpenSSH`));
    } else if (format === 'PEM' || format === 'PKCS8') {
      process.stdout.write(writePublicKeyPem(blob, format === 'PEM' && info(blob) === 'RSA' ? 'pkcs1' : 'spki'));
    } else throw new Error(`Unsupported conversion format "${v.m}"`);
    return 0;
  }
  if (v.i) {
    const path = v.f ?? askFile('Enter file in which the key is', defaultKeyPath('ed25519'));
    const pub = parsePublicKeyFile(readFileSync(path, 'utf8'));
    process.stdout.write(writePublicKeyLine(pub.blob, ''));
    return 0;
  }
  if (v.p) {
    const path = v.f ?? askFile('Enter file in which the key is', defaultKeyPath('ed25519'));
    const f = loadPrivate(path, v.P);
    const pass = newPassphrase(v.N);
    writeKeyPair(path, f.key, { passphrase: pass, comment: f.comment, ...(rounds !== undefined ? { rounds } : {}), ...(v.Z ? { cipher: v.Z } : {}), ...(v.m ? { format: v.m } : {}) });
    out('Your identification has been saved with the new passphrase.');
    return 0;
  }
  if (v.c) {
    const path = v.f ?? askFile('Enter file in which the key is', defaultKeyPath('ed25519'));
    const f = loadPrivate(path, v.P);
    if (f.format !== 'openssh') throw new Error('Comments are only supported for keys stored in the new format (-o).');
    out(`Old comment: ${f.comment}`);
    const comment = v.C ?? readLine('New comment: ') ?? '';
    writeKeyPair(path, f.key, { passphrase: v.P ?? '', comment, ...(rounds !== undefined ? { rounds } : {}) });
    out(`Comment '${comment}' applied`);
    return 0;
  }

  // Generation.
  const type = (v.t ?? 'ed25519').toLowerCase();
  const spec = TYPES[type];
  if (!spec) throw new Error(`unknown key type ${v.t}`);
  const { gen, bits: genBits } = spec(bits);
  if (v.Z !== undefined && v.Z !== DEFAULT_KEY_FILE_CIPHER && !/^[a-z0-9@.-]+$/.test(v.Z)) throw new Error(`unknown cipher ${v.Z}`);
  if (!v.q) out(`Generating public/private ${type} key pair.`);
  const path = v.f ?? askFile('Enter file in which to save the key', defaultKeyPath(type));
  if (existsSync(path)) {
    out(`${path} already exists.`);
    const answer = readLine('Overwrite (y/n)? ');
    if (!answer || !/^y/i.test(answer)) return 1;
  }
  const key = PrivateKey.generate(gen, genBits);
  const passphrase = newPassphrase(v.N);
  const comment = v.C ?? defaultComment();
  writeKeyPair(path, key, { passphrase, comment, ...(rounds !== undefined ? { rounds } : {}), ...(v.Z ? { cipher: v.Z } : {}), ...(v.m ? { format: v.m } : {}) });
  if (!v.q) {
    out(`Your identification has been saved in ${path}`);
    out(`Your public key has been saved in ${path}.pub`);
    out('The key fingerprint is:');
    out(formatFingerprintLine(key.publicKey, comment, { hash: hash as FingerprintHash }).replace(/^\d+ /, '').replace(/ \([A-Z0-9-]+\)$/, ''));
    out("The key's randomart image is:");
    out(randomart(key.publicKey, { hash: hash as FingerprintHash }));
  }
  return 0;
}

function info(blob: Uint8Array): string {
  return keygenKeyInfo(blob).label;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    if (!(e instanceof UsageError)) err(`hush-keygen: ${(e as Error).message}`);
    err(USAGE);
    process.exitCode = 1;
  } else {
    err(e instanceof SshError ? e.message : (e as Error).message);
    process.exitCode = 1;
  }
}
