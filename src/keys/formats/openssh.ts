/**
 * OpenSSH's own private key format, "openssh-key-v1" (openssh-portable PROTOCOL.key, sshkey.c
 * sshkey_private_to_blob2 / private2_decrypt), what ssh-keygen writes by default since 7.8:
 *
 *   -----BEGIN OPENSSH PRIVATE KEY-----      base64 lines of 70 characters
 *   byte[15]  "openssh-key-v1\0"
 *   string    ciphername                     "none", or a cipher from openssh-ciphers.ts
 *   string    kdfname                        "none" or "bcrypt"
 *   string    kdfoptions                     bcrypt: string salt (16 bytes) || uint32 rounds
 *   uint32    number of keys                 always 1
 *   string    public key blob
 *   string    private section, encrypted     then the cipher's tag, if it has one
 *   -----END OPENSSH PRIVATE KEY-----
 *
 * The private section, padded with 1, 2, 3, ... to the cipher's block size:
 *   uint32 checkint || uint32 checkint || private key (private-fields.ts) || string comment
 * Both checkints hold the same random value, so a wrong passphrase (which decrypts to noise)
 * is detected before the key is parsed; AEAD ciphers detect it by their tag first.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';
import { base64Encode } from '../base64.js';
import { bcryptPbkdf } from '../bcrypt-pbkdf.js';
import type { PrivateKey, PrivateKeyOptions } from '../private-key.js';
import { parsePublicKey } from '../public-key.js';
import {
  bytesEqual,
  checkComment,
  corrupt,
  decodeBase64,
  decodeComment,
  describe,
  encodeUtf8,
  fileText,
  guard,
  keyError,
  passphraseBytes,
  passphraseNeeded,
  printable,
  splitLines,
  truncated,
  wrapLines,
  wrongPassphrase,
  type KeyFileOptions,
} from './common.js';
import { DEFAULT_KEY_FILE_CIPHER, keyFileCipher } from './openssh-ciphers.js';
import { readPrivateKeyFields, writePrivateKeyFields } from './private-fields.js';

export const OPENSSH_BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
export const OPENSSH_END = '-----END OPENSSH PRIVATE KEY-----';
const AUTH_MAGIC = encodeUtf8('openssh-key-v1\0');
/** ssh-keygen's salt length (sshkey.c SALT_LEN). */
const SALT_LENGTH = 16;
/** ssh-keygen's default number of bcrypt_pbkdf rounds before OpenSSH 9.4 (24 since). */
export const DEFAULT_BCRYPT_ROUNDS = 24; // ssh-keygen's default since OpenSSH 9.4
/** ssh-keygen wraps the base64 at 70 columns. */
const LINE_WIDTH = 70;

/** What the unencrypted envelope of an openssh-key-v1 file says. */
export interface OpenSshEnvelope {
  readonly cipher: string;
  readonly kdf: string;
  /** bcrypt_pbkdf rounds, for kdf "bcrypt". */
  readonly rounds: number | undefined;
  /** The public key blob, readable without the passphrase. */
  readonly publicKey: Uint8Array;
  /** True when a passphrase is needed to read the private key. */
  readonly encrypted: boolean;
}

export interface OpenSshPrivateKeyFile extends OpenSshEnvelope {
  readonly key: PrivateKey;
  readonly comment: string;
}

interface Decoded extends OpenSshEnvelope {
  readonly salt: Uint8Array;
  readonly section: Uint8Array;
  readonly tag: Uint8Array;
}

export function isOpenSshPrivateKey(text: string): boolean {
  return text.includes(OPENSSH_BEGIN);
}

/** The binary content between the armor lines (as private2_uudecode in sshkey.c). */
function unarmor(text: string, options: KeyFileOptions): Uint8Array {
  const lines = splitLines(text).map((l) => l.trim());
  const begin = lines.indexOf(OPENSSH_BEGIN);
  if (begin < 0) throw keyError(`${describe(options)} is not an OpenSSH private key`);
  const end = lines.indexOf(OPENSSH_END, begin + 1);
  if (end < 0) throw truncated(options, `no "${OPENSSH_END}" line`);
  return decodeBase64(options, lines.slice(begin + 1, end).join(''), 'the key');
}

function decode(text: string, options: KeyFileOptions): Decoded {
  const bytes = unarmor(text, options);
  if (bytes.length < AUTH_MAGIC.length) throw truncated(options);
  if (!bytesEqual(bytes.subarray(0, AUTH_MAGIC.length), AUTH_MAGIC)) {
    throw corrupt(options, 'it does not start with "openssh-key-v1"');
  }
  const r = new Reader(bytes, AUTH_MAGIC.length);
  const cipherName = r.utf8();
  const kdf = r.utf8();
  const kdfOptions = r.bytesString();
  const count = r.u32();
  if (count !== 1) throw corrupt(options, `it holds ${count} keys (OpenSSH writes exactly one)`);
  const publicKey = r.bytesString();
  // Unsupported key types (ssh-dss, security keys, certificates) fail here, before a passphrase is asked for.
  parsePublicKey(publicKey);
  const cipher = keyFileCipher(cipherName);
  if (cipher === undefined) throw keyError(`unsupported cipher "${printable(cipherName)}" in ${describe(options)}`);
  let salt: Uint8Array = new Uint8Array(0);
  let rounds: number | undefined;
  if (kdf === 'bcrypt') {
    const k = new Reader(kdfOptions);
    salt = k.bytesString();
    rounds = k.u32();
    k.done('bcrypt KDF options');
  } else if (kdf === 'none') {
    if (cipherName !== 'none') throw corrupt(options, `cipher ${cipherName} without a key derivation function`);
    if (kdfOptions.length !== 0) throw corrupt(options, 'KDF "none" with options');
  } else {
    throw keyError(`unsupported key derivation function "${printable(kdf)}" in ${describe(options)}`);
  }
  const length = r.u32();
  if (length < cipher.blockSize || length % cipher.blockSize !== 0) {
    throw corrupt(options, `private section of ${length} bytes is not a whole number of ${cipher.blockSize}-byte blocks`);
  }
  const section = r.raw(length);
  const tag = r.raw(cipher.tagLength);
  r.done('openssh-key-v1 file');
  // A "bcrypt" KDF with cipher "none" (ssh-keygen -Z none) stores the key in the clear.
  return { cipher: cipherName, kdf, rounds, publicKey, encrypted: cipherName !== 'none', salt, section, tag };
}

/** The envelope of an openssh-key-v1 file: its public key and how it is protected, without a passphrase. */
export function readOpenSshEnvelope(data: string | Uint8Array, options: KeyFileOptions = {}): OpenSshEnvelope {
  return guard(options, () => {
    const { cipher, kdf, rounds, publicKey, encrypted } = decode(fileText(data), options);
    return { cipher, kdf, rounds, publicKey, encrypted };
  });
}

export function readOpenSshPrivateKey(
  text: string,
  passphrase: string | Uint8Array | undefined,
  options: KeyFileOptions & PrivateKeyOptions = {},
): OpenSshPrivateKeyFile {
  return guard(options, () => {
    const d = decode(text, options);
    const cipher = keyFileCipher(d.cipher)!;
    let plain: Uint8Array;
    if (!d.encrypted) {
      plain = d.section;
    } else {
      const pass = passphraseBytes(passphrase);
      if (pass === undefined) throw passphraseNeeded(options);
      if (d.salt.length === 0) throw corrupt(options, 'empty bcrypt salt');
      if (d.rounds === 0) throw corrupt(options, 'zero bcrypt rounds');
      const keyIv = bcryptPbkdf(pass, d.salt, cipher.keyLength + cipher.ivLength, d.rounds!);
      const data = new Uint8Array(d.section.length + d.tag.length);
      data.set(d.section);
      data.set(d.tag, d.section.length);
      const out = cipher.decrypt(keyIv.subarray(0, cipher.keyLength), keyIv.subarray(cipher.keyLength), data);
      keyIv.fill(0);
      if (out === undefined) throw wrongPassphrase(options);
      plain = out;
    }
    try {
      const r = new Reader(plain);
      const check1 = r.u32();
      const check2 = r.u32();
      if (check1 !== check2) throw d.encrypted ? wrongPassphrase(options) : corrupt(options, 'the check integers differ');
      const key = readPrivateKeyFields(r, options);
      const comment = decodeComment(r.bytesString());
      for (let i = 1; r.remaining > 0; i++) {
        if (r.u8() !== (i & 0xff)) throw corrupt(options, 'bad padding after the private key');
      }
      if (!bytesEqual(key.publicKey, d.publicKey)) throw corrupt(options, 'the private key does not match the public key');
      return { key, comment, cipher: d.cipher, kdf: d.kdf, rounds: d.rounds, publicKey: d.publicKey, encrypted: d.encrypted };
    } finally {
      if (d.encrypted) plain.fill(0);
    }
  });
}

export interface WriteOpenSshOptions {
  /** Encrypts the key when given and not empty. */
  readonly passphrase?: string | Uint8Array;
  /** bcrypt_pbkdf rounds (default 16, as ssh-keygen before OpenSSH 9.4; ssh-keygen -a). */
  readonly rounds?: number;
  readonly comment?: string;
  /** Cipher when a passphrase is given (default aes256-ctr; ssh-keygen -Z). */
  readonly cipher?: string;
  /** Randomness for the salt and check integers (default node:crypto randomBytes). */
  readonly randomBytes?: (n: number) => Uint8Array;
}

/** The file ssh-keygen would write for this key: "-----BEGIN OPENSSH PRIVATE KEY-----\n...". */
export function writeOpenSshPrivateKey(key: PrivateKey, options: WriteOpenSshOptions = {}): string {
  const random = options.randomBytes ?? ((n: number) => new Uint8Array(nodeRandomBytes(n)));
  const comment = options.comment ?? '';
  checkComment(comment);
  const pass = passphraseBytes(options.passphrase);
  const cipherName = pass === undefined ? 'none' : (options.cipher ?? DEFAULT_KEY_FILE_CIPHER);
  const cipher = keyFileCipher(cipherName);
  if (cipher === undefined || (pass !== undefined && cipherName === 'none')) {
    throw keyError(`unsupported key file cipher "${cipherName}"`);
  }
  const rounds = options.rounds ?? DEFAULT_BCRYPT_ROUNDS;
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 0xffffffff) throw keyError(`bcrypt rounds must be a positive integer, not ${rounds}`);

  const kdfOptions = new Writer(32);
  let keyIv: Uint8Array = new Uint8Array(0);
  if (pass !== undefined) {
    const salt = random(SALT_LENGTH);
    kdfOptions.bytesString(salt).u32(rounds);
    keyIv = bcryptPbkdf(pass, salt, cipher.keyLength + cipher.ivLength, rounds);
  }

  const section = new Writer(256);
  const c = random(4);
  const check = ((c[0]! << 24) | (c[1]! << 16) | (c[2]! << 8) | c[3]!) >>> 0;
  section.u32(check).u32(check);
  writePrivateKeyFields(section, key);
  section.utf8(comment);
  for (let i = 1; section.length % cipher.blockSize !== 0; i++) section.u8(i & 0xff);
  const plain = section.finish();
  const encrypted = cipher.encrypt(keyIv.subarray(0, cipher.keyLength), keyIv.subarray(cipher.keyLength), plain);
  plain.fill(0);
  keyIv.fill(0);

  const w = new Writer(encrypted.length + key.publicKey.length + 128)
    .raw(AUTH_MAGIC)
    .utf8(cipherName)
    .utf8(pass === undefined ? 'none' : 'bcrypt')
    .bytesString(kdfOptions.finish())
    .u32(1)
    .bytesString(key.publicKey)
    .u32(encrypted.length - cipher.tagLength)
    .raw(encrypted);
  return `${OPENSSH_BEGIN}\n${wrapLines(base64Encode(w.finish()), LINE_WIDTH)}${OPENSSH_END}\n`;
}
