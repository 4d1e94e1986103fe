/**
 * Key files as OpenSSH's ssh-keygen, PuTTY's puttygen and OpenSSL write them.
 *
 * parsePrivateKey() tells the format from the text:
 *   "-----BEGIN OPENSSH PRIVATE KEY-----"       openssh-key-v1 (openssh.ts)
 *   "PuTTY-User-Key-File-2:" / "-3:"            PuTTY .ppk (ppk.ts)
 *   "-----BEGIN RSA / EC / (ENCRYPTED) PRIVATE KEY-----"   PEM via node:crypto (pem.ts)
 *
 * Every failure is an SshError with code ERR_KEY whose message says what is wrong with the
 * file ("wrong passphrase for key file ~/.ssh/id_ed25519", "truncated key file ...",
 * "unsupported key type ..."); pass `name` to have the file named in it.
 */
import type { PrivateKey, PrivateKeyOptions } from '../private-key.js';
import { describe, fileText, guard, keyError, type KeyFileOptions } from './common.js';
import { isOpenSshPrivateKey, readOpenSshEnvelope, readOpenSshPrivateKey } from './openssh.js';
import { findPemBlock, PEM_PRIVATE_LABELS, readPemPrivateKey } from './pem.js';
import { isPuttyPrivateKey, readPuttyPrivateKey } from './ppk.js';

export type { KeyFileOptions } from './common.js';
export { InvalidKeyError } from './common.js';
export { DEFAULT_KEY_FILE_CIPHER, KEY_FILE_CIPHERS } from './openssh-ciphers.js';
export {
  DEFAULT_BCRYPT_ROUNDS,
  readOpenSshEnvelope,
  writeOpenSshPrivateKey,
  type OpenSshEnvelope,
  type WriteOpenSshOptions,
} from './openssh.js';
export { writePem, type PemPrivateKeyFormat } from './pem.js';
export {
  parsePublicKeyFile,
  writePublicKeyLine,
  writePublicKeyPem,
  writeRfc4716,
  type PublicKeyFile,
  type PublicKeyFileFormat,
} from './public-key-file.js';
export { readPrivateKeyFields, writePrivateKeyFields } from './private-fields.js';

export type PrivateKeyFileFormat = 'openssh' | 'ppk' | 'pkcs1' | 'sec1' | 'pkcs8';

export interface PrivateKeyFile {
  readonly key: PrivateKey;
  readonly format: PrivateKeyFileFormat;
  /** "" for formats without one (PEM). */
  readonly comment: string;
  /** Whether the file needed a passphrase. */
  readonly encrypted: boolean;
}

export type ParsePrivateKeyOptions = KeyFileOptions & PrivateKeyOptions;

type Detected = 'openssh' | 'ppk' | 'pem';

function detect(text: string, options: KeyFileOptions): Detected {
  if (isOpenSshPrivateKey(text)) return 'openssh';
  if (isPuttyPrivateKey(text)) return 'ppk';
  if (findPemBlock(text, options, PEM_PRIVATE_LABELS) !== undefined) return 'pem';
  const what = describe(options);
  if (text.includes('---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----')) {
    throw keyError(`${what} is in the ssh.com (SECSH) format, which hush does not read; convert it with ssh-keygen -i`);
  }
  if (/^\s*(ssh-|ecdsa-|sk-)\S* AAAA/.test(text) || text.includes('---- BEGIN SSH2 PUBLIC KEY ----') || text.includes('PUBLIC KEY-----')) {
    throw keyError(`${what} holds a public key, not a private key`);
  }
  if (/-----BEGIN [A-Z0-9 ]+-----/.test(text) || text.includes('PuTTY-User-Key-File')) {
    const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
    throw keyError(`${what} is not a private key hush can read${label !== undefined ? ` ("${label}")` : ''}`);
  }
  // A PEM or OpenSSH file cut before its BEGIN line is complete looks like this too.
  throw keyError(`${what} is not a recognised private key (OpenSSH, PEM or PuTTY), or it is truncated`);
}

/**
 * Reads a private key file: OpenSSH (any cipher ssh-keygen -Z writes), PEM PKCS#1 / SEC1 /
 * PKCS#8 (also encrypted), or PuTTY .ppk v2 / v3. An empty passphrase counts as none.
 */
export function parsePrivateKeyFile(
  data: string | Uint8Array,
  passphrase?: string | Uint8Array,
  options: ParsePrivateKeyOptions = {},
): PrivateKeyFile {
  return guard(options, () => {
    const text = fileText(data);
    switch (detect(text, options)) {
      case 'openssh': {
        const f = readOpenSshPrivateKey(text, passphrase, options);
        return { key: f.key, format: 'openssh', comment: f.comment, encrypted: f.encrypted };
      }
      case 'ppk': {
        const f = readPuttyPrivateKey(text, passphrase, options);
        return { key: f.key, format: 'ppk', comment: f.comment, encrypted: f.encrypted };
      }
      case 'pem': {
        const f = readPemPrivateKey(text, passphrase, options);
        return { key: f.key, format: f.format, comment: '', encrypted: f.encrypted };
      }
    }
  });
}

/** parsePrivateKeyFile(...).key */
export function parsePrivateKey(data: string | Uint8Array, passphrase?: string | Uint8Array, options: ParsePrivateKeyOptions = {}): PrivateKey {
  return parsePrivateKeyFile(data, passphrase, options).key;
}

/** Whether reading this private key file needs a passphrase (without trying one). */
export function isEncryptedPrivateKey(data: string | Uint8Array, options: KeyFileOptions = {}): boolean {
  return guard(options, () => {
    const text = fileText(data);
    switch (detect(text, options)) {
      case 'openssh':
        return readOpenSshEnvelope(text, options).encrypted;
      case 'ppk':
        return !/^Encryption: none\s*$/m.test(text);
      case 'pem': {
        const block = findPemBlock(text, options, PEM_PRIVATE_LABELS)!;
        return block.label === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/i.test(block.headers.get('Proc-Type') ?? '');
      }
    }
  });
}
