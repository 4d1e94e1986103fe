/**
 * PEM private keys, read and written by node:crypto (OpenSSL):
 *
 *   -----BEGIN RSA PRIVATE KEY-----        PKCS#1 RSAPrivateKey (RFC 8017 §A.1.2)   ssh-keygen -m PEM
 *   -----BEGIN EC PRIVATE KEY-----         SEC1 ECPrivateKey (RFC 5915)             ssh-keygen -m PEM
 *   -----BEGIN PRIVATE KEY-----            PKCS#8 PrivateKeyInfo (RFC 5208)         ssh-keygen -m PKCS8
 *   -----BEGIN ENCRYPTED PRIVATE KEY-----  PKCS#8 EncryptedPrivateKeyInfo (PBES2)    ... with -N
 *
 * PKCS#1 and SEC1 files are encrypted the legacy OpenSSL way (RFC 1421 headers
 * "Proc-Type: 4,ENCRYPTED" and "DEK-Info: AES-128-CBC,<IV>", key = EVP_BytesToKey(MD5)),
 * which OpenSSL still reads. Whether a file is encrypted is decided here from its armor, so
 * a missing passphrase is reported as such, and a failure to decrypt as a wrong passphrase.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { PrivateKey, PrivateKeyOptions } from '../private-key.js';
import {
  corrupt,
  describe,
  guard,
  keyError,
  passphraseBytes,
  passphraseNeeded,
  splitLines,
  truncated,
  unsupportedKeyType,
  wrongPassphrase,
  type KeyFileOptions,
} from './common.js';
import { checkedPrivateKey } from './private-fields.js';

export interface PemBlock {
  readonly label: string;
  /** RFC 1421 headers ("Proc-Type", "DEK-Info"), in file order. */
  readonly headers: ReadonlyMap<string, string>;
  /** The base64 body, whitespace removed. */
  readonly base64: string;
  /** The block re-assembled with LF line ends, for node:crypto. */
  readonly text: string;
}

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----$/;

/** The first PEM block in `text`, or undefined when there is no BEGIN line. Throws when it has no END line. */
export function findPemBlock(text: string, options: KeyFileOptions = {}, labels?: readonly string[]): PemBlock | undefined {
  const lines = splitLines(text).map((l) => l.trim());
  for (let i = 0; i < lines.length; i++) {
    const m = BEGIN.exec(lines[i]!);
    if (m === null || (labels !== undefined && !labels.includes(m[1]!))) continue;
    const label = m[1]!;
    const end = `-----END ${label}-----`;
    const j = lines.indexOf(end, i + 1);
    if (j < 0) throw truncated(options, `no "${end}" line`);
    const headers = new Map<string, string>();
    let k = i + 1;
    for (; k < j && /^[A-Za-z0-9-]+:/.test(lines[k]!); k++) {
      const line = lines[k]!;
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon), line.slice(colon + 1).trim());
    }
    const body = lines.slice(k, j).join('');
    const headerText = headers.size > 0 ? [...headers].map(([h, v]) => `${h}: ${v}\n`).join('') + '\n' : '';
    const wrapped = body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
    return { label, headers, base64: body, text: `-----BEGIN ${label}-----\n${headerText}${wrapped}\n${end}\n` };
  }
  return undefined;
}

export type PemPrivateKeyFormat = 'pkcs1' | 'sec1' | 'pkcs8';

const PRIVATE_LABELS: Readonly<Record<string, PemPrivateKeyFormat>> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
  'PRIVATE KEY': 'pkcs8',
  'ENCRYPTED PRIVATE KEY': 'pkcs8',
};

export const PEM_PRIVATE_LABELS: readonly string[] = [...Object.keys(PRIVATE_LABELS), 'DSA PRIVATE KEY'];

export interface PemPrivateKeyFile {
  readonly key: PrivateKey;
  readonly format: PemPrivateKeyFormat;
  readonly encrypted: boolean;
}

export function readPemPrivateKey(
  text: string,
  passphrase: string | Uint8Array | undefined,
  options: KeyFileOptions & PrivateKeyOptions = {},
): PemPrivateKeyFile {
  return guard(options, () => {
    const block = findPemBlock(text, options, PEM_PRIVATE_LABELS);
    if (block === undefined) throw keyError(`${describe(options)} is not a PEM private key`);
    if (block.label === 'DSA PRIVATE KEY') throw unsupportedKeyType(options, 'ssh-dss');
    const format = PRIVATE_LABELS[block.label]!;
    if (block.base64.length === 0) throw truncated(options, 'empty PEM body');
    const procType = block.headers.get('Proc-Type');
    const encrypted = block.label === 'ENCRYPTED PRIVATE KEY' || (procType !== undefined && /ENCRYPTED/i.test(procType));
    const pass = passphraseBytes(passphrase);
    if (encrypted && pass === undefined) throw passphraseNeeded(options);
    let keyObject: KeyObject;
    try {
      keyObject = createPrivateKey({
        key: block.text,
        format: 'pem',
        // node reads a passphrase only when the PEM is encrypted; give it one either way so
        // that it never falls back to prompting.
        passphrase: (pass ?? new Uint8Array(0)) as Buffer,
      });
    } catch (e) {
      // A wrong passphrase usually fails the CBC padding check ("bad decrypt"); once in a
      // while the padding happens to look valid and the decrypted DER fails to parse instead.
      if (encrypted) throw Object.assign(wrongPassphrase(options), { cause: e });
      throw corrupt(options, `OpenSSL could not read the ${block.label}`, e);
    }
    if (keyObject.asymmetricKeyType === 'dsa') throw unsupportedKeyType(options, 'ssh-dss');
    return { key: checkedPrivateKey(keyObject, options), format, encrypted };
  });
}

/**
 * A PEM private key as OpenSSL writes it: 'pkcs8' for any key type, 'pkcs1' for RSA, 'sec1' for
 * ECDSA. With a passphrase, PKCS#8 is encrypted with PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC)
 * and PKCS#1 / SEC1 the legacy way with AES-256-CBC.
 */
export function writePem(key: PrivateKey, format: PemPrivateKeyFormat, passphrase?: string | Uint8Array): string {
  if (format === 'pkcs1' && key.keyType !== 'ssh-rsa') throw keyError(`PKCS#1 holds RSA keys only, not ${key.keyType}`);
  if (format === 'sec1' && !key.keyType.startsWith('ecdsa-')) throw keyError(`SEC1 holds ECDSA keys only, not ${key.keyType}`);
  const pass = passphraseBytes(passphrase);
  const out = key.keyObject.export(
    pass === undefined
      ? { format: 'pem', type: format }
      : { format: 'pem', type: format, cipher: 'aes-256-cbc', passphrase: pass as Buffer },
  );
  return typeof out === 'string' ? out : new TextDecoder().decode(out);
}
