/**
 * PuTTY private key files (.ppk), versions 2 and 3: PuTTY manual appendix C, "PPK file format".
 *
 *   PuTTY-User-Key-File-3: ssh-ed25519
 *   Encryption: aes256-cbc                 or "none"
 *   Comment: any bytes but CR and LF
 *   Public-Lines: 2                        the public key blob in base64, 64 columns
 *   ...
 *   Key-Derivation: Argon2id               v3 and encrypted only: Argon2d / Argon2i / Argon2id,
 *   Argon2-Memory: 8192                      memory in KiB, passes, lanes, hex salt
 *   Argon2-Passes: 13
 *   Argon2-Parallelism: 1
 *   Argon2-Salt: 0123456789abcdef...
 *   Private-Lines: 1                       the private fields (below), AES-256-CBC encrypted and
 *   ...                                      padded to 16 bytes with random bytes when encrypted
 *   Private-MAC: <hex>                     HMAC over string alg || string encryption ||
 *                                            string comment || string public || string private
 *                                            (plaintext, padding included)
 *
 * v3: Argon2(passphrase, salt; secret and data empty) gives 80 bytes = AES key (32) || IV (16)
 *     || MAC key (32); the MAC is HMAC-SHA-256, with an empty key when the file is not encrypted.
 * v2 (PuTTY 0.52-0.74): AES key = the first 32 bytes of SHA-1(uint32 0 || passphrase) ||
 *     SHA-1(uint32 1 || passphrase), IV all zero; MAC = HMAC-SHA-1 keyed with
 *     SHA-1("putty-private-key-file-mac-key" || passphrase), passphrase "" when not encrypted.
 *
 * Private fields (the public ones come from the public blob):
 *   ssh-rsa: mpint d, mpint p, mpint q, mpint iqmp; ecdsa-sha2-*: mpint d;
 *   ssh-ed25519: the 32-byte seed as an unsigned little-endian integer in a string (the manual
 *   says "mpint", but PuTTY's eddsa_private_blob writes put_mp_le_fixedlen / before 0.77
 *   put_mp_le_unsigned, which may drop high-order zero bytes: the seed's last bytes).
 *
 * Argon2 is not in Node 20's node:crypto (crypto.argon2 arrived in Node 24.7), so it comes
 * from @noble/hashes. It is about ten times slower than PuTTY's C: puttygen's defaults
 * (8 MiB, passes tuned to 100 ms in C) take about a second here.
 */
import { createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { argon2d, argon2i, argon2id } from '@noble/hashes/argon2.js';
import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';
import type { PrivateKey, PrivateKeyOptions } from '../private-key.js';
import { ecdsaCurveByKeyType, parsePublicKey } from '../public-key.js';
import {
  corrupt,
  decodeBase64,
  decodeComment,
  describe,
  fromLatin1,
  guard,
  keyError,
  passphraseBytes,
  passphraseNeeded,
  printable,
  splitLines,
  truncated,
  unsupportedKeyType,
  wrongPassphrase,
  type KeyFileOptions,
} from './common.js';
import { ecdsaPrivateKey, ed25519PrivateKey, rsaPrivateKey, toBigInt } from './private-fields.js';

const MAGIC = /^PuTTY-User-Key-File-(\d+): (.*)$/;
/** Limits on what a file may ask Argon2 for (puttygen's default is 8 MiB). */
const MAX_ARGON2_MEMORY_KIB = 1024 * 1024;
const MAX_ARGON2_PASSES = 1 << 16;
const MAX_ARGON2_PARALLELISM = 255;
/** Limit on Public-Lines / Private-Lines (a 16384-bit RSA key needs about 45). */
const MAX_BASE64_LINES = 1024;

export function isPuttyPrivateKey(text: string): boolean {
  return /^\s*PuTTY-User-Key-File-/.test(text);
}

export interface PuttyPrivateKeyFile {
  readonly key: PrivateKey;
  readonly comment: string;
  readonly version: 2 | 3;
  readonly encrypted: boolean;
  /** The public key blob. */
  readonly publicKey: Uint8Array;
}

interface Argon2Params {
  readonly flavour: 'Argon2d' | 'Argon2i' | 'Argon2id';
  readonly memory: number;
  readonly passes: number;
  readonly parallelism: number;
  readonly salt: Uint8Array;
}

/** Reads the headers in the order PuTTY writes them (sshpubk.c is just as strict). */
class HeaderReader {
  private i = 0;
  constructor(
    private readonly lines: readonly string[],
    private readonly options: KeyFileOptions,
  ) {}

  peekKey(): string | undefined {
    const line = this.lines[this.i];
    if (line === undefined) return undefined;
    const colon = line.indexOf(': ');
    return colon < 0 ? undefined : line.slice(0, colon);
  }

  header(key: string): string {
    const line = this.lines[this.i];
    if (line === undefined || line === '') throw truncated(this.options, `no "${key}" line`);
    if (!line.startsWith(`${key}: `)) throw corrupt(this.options, `expected a "${key}" line, found "${printable(line.slice(0, 40))}"`);
    this.i++;
    return line.slice(key.length + 2);
  }

  integer(key: string, min: number, max: number): number {
    const v = this.header(key);
    if (!/^\d{1,10}$/.test(v) || Number(v) < min || Number(v) > max) {
      throw corrupt(this.options, `${key} must be a number from ${min} to ${max}, not "${printable(v)}"`);
    }
    return Number(v);
  }

  base64Lines(key: string): Uint8Array {
    const n = this.integer(key, 0, MAX_BASE64_LINES);
    const body: string[] = [];
    for (let k = 0; k < n; k++) {
      const line = this.lines[this.i++];
      if (line === undefined) throw truncated(this.options, `${key} says ${n} lines, the file ends after ${k}`);
      body.push(line);
    }
    return decodeBase64(this.options, body.join(''), `the ${key === 'Public-Lines' ? 'public' : 'private'} key`);
  }
}

function hex(options: KeyFileOptions, s: string, what: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw corrupt(options, `${what} is not hexadecimal`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function sha1(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function argon2(params: Argon2Params, pass: Uint8Array, length: number): Uint8Array {
  const f = { Argon2d: argon2d, Argon2i: argon2i, Argon2id: argon2id }[params.flavour];
  return f(pass, params.salt, {
    t: params.passes,
    m: params.memory,
    p: params.parallelism,
    dkLen: length,
    maxmem: (MAX_ARGON2_MEMORY_KIB + 64) * 1024,
  });
}

/**
 * `text` is the file as one char per byte (common.ts latin1), so that the comment's bytes
 * are exactly what the MAC covers.
 */
export function readPuttyPrivateKey(
  text: string,
  passphrase: string | Uint8Array | undefined,
  options: KeyFileOptions & PrivateKeyOptions = {},
): PuttyPrivateKeyFile {
  return guard(options, () => {
    const lines = splitLines(text.replace(/^\s+/, ''));
    const first = MAGIC.exec(lines[0] ?? '');
    if (first === null) throw keyError(`${describe(options)} is not a PuTTY private key`);
    const version = Number(first[1]);
    if (version !== 2 && version !== 3) {
      throw keyError(`PuTTY key file format version ${first[1]} is not supported (hush reads versions 2 and 3)`);
    }
    const algorithm = first[2]!;
    const h = new HeaderReader(lines.slice(1), options);
    const encryption = h.header('Encryption');
    if (encryption !== 'none' && encryption !== 'aes256-cbc') {
      throw keyError(`unsupported PuTTY key encryption "${printable(encryption)}"`);
    }
    const encrypted = encryption !== 'none';
    const commentRaw = h.header('Comment');
    const publicBlob = h.base64Lines('Public-Lines');
    let argon: Argon2Params | undefined;
    if (version === 3 && encrypted) {
      const flavour = h.header('Key-Derivation');
      if (flavour !== 'Argon2d' && flavour !== 'Argon2i' && flavour !== 'Argon2id') {
        throw keyError(`unsupported PuTTY key derivation "${printable(flavour)}"`);
      }
      const memory = h.integer('Argon2-Memory', 8, MAX_ARGON2_MEMORY_KIB);
      const passes = h.integer('Argon2-Passes', 1, MAX_ARGON2_PASSES);
      const parallelism = h.integer('Argon2-Parallelism', 1, MAX_ARGON2_PARALLELISM);
      const salt = hex(options, h.header('Argon2-Salt'), 'Argon2-Salt');
      if (memory < 8 * parallelism) throw corrupt(options, 'Argon2-Memory is below 8 KiB per lane');
      argon = { flavour, memory, passes, parallelism, salt };
    }
    const privateData = h.base64Lines('Private-Lines');
    const mac = hex(options, h.header('Private-MAC'), 'Private-MAC');
    if (mac.length !== (version === 3 ? 32 : 20)) throw corrupt(options, 'Private-MAC has the wrong length');

    // The public key decides the type; an unsupported one fails before the passphrase is used.
    const pub = parsePublicKey(publicBlob);
    if (pub.type !== algorithm) throw corrupt(options, `header says ${printable(algorithm)}, the public key is ${pub.type}`);

    const pass = passphraseBytes(passphrase);
    if (encrypted && pass === undefined) throw passphraseNeeded(options);
    let cipherKey = new Uint8Array(0);
    let iv = new Uint8Array(0);
    let macKey: Uint8Array;
    if (version === 3) {
      if (encrypted) {
        const material = argon2(argon!, pass!, 80);
        cipherKey = material.slice(0, 32);
        iv = material.slice(32, 48);
        macKey = material.slice(48, 80);
        material.fill(0);
      } else {
        macKey = new Uint8Array(0);
      }
    } else {
      const p = encrypted ? pass! : new Uint8Array(0);
      if (encrypted) {
        const k = new Uint8Array(40);
        k.set(sha1(Uint8Array.of(0, 0, 0, 0), p));
        k.set(sha1(Uint8Array.of(0, 0, 0, 1), p), 20);
        cipherKey = k.slice(0, 32);
        iv = new Uint8Array(16);
        k.fill(0);
      }
      macKey = sha1(new TextEncoder().encode('putty-private-key-file-mac-key'), p);
    }

    let plain = privateData;
    if (encrypted) {
      if (privateData.length === 0 || privateData.length % 16 !== 0) {
        throw corrupt(options, 'the encrypted private key is not a whole number of AES blocks');
      }
      const d = createDecipheriv('aes-256-cbc', cipherKey, iv).setAutoPadding(false);
      const head = d.update(privateData);
      const tail = d.final();
      plain = new Uint8Array(head.length + tail.length);
      plain.set(head);
      plain.set(tail, head.length);
      head.fill(0);
      cipherKey.fill(0);
    }
    try {
      const macInput = new Writer(publicBlob.length + plain.length + 256)
        .utf8(algorithm)
        .utf8(encryption)
        .bytesString(fromLatin1(commentRaw))
        .bytesString(publicBlob)
        .bytesString(plain)
        .finish();
      const expected = createHmac(version === 3 ? 'sha256' : 'sha1', macKey).update(macInput).digest();
      macKey.fill(0);
      if (!timingSafeEqual(expected, mac)) {
        throw encrypted ? wrongPassphrase(options) : corrupt(options, 'the MAC does not match (the file was modified)');
      }
      const key = privateKey(pub.type, publicBlob, new Reader(plain), options);
      return { key, comment: decodeComment(fromLatin1(commentRaw)), version, encrypted, publicKey: publicBlob };
    } finally {
      if (encrypted) plain.fill(0);
    }
  });
}

/** The private fields after the MAC has vouched for them; trailing bytes are padding. */
function privateKey(type: string, publicBlob: Uint8Array, r: Reader, options: KeyFileOptions & PrivateKeyOptions): PrivateKey {
  const pub = new Reader(publicBlob);
  pub.bytesString();
  switch (type) {
    case 'ssh-ed25519': {
      // A little-endian integer: zero bytes at the end may have been left out (0.75-0.76).
      const le = r.bytesString();
      if (le.length > 32 && le.subarray(32).some((b) => b !== 0)) throw corrupt(options, 'the Ed25519 private key is longer than 32 bytes');
      const seed = new Uint8Array(32);
      seed.set(le.subarray(0, 32));
      try {
        return ed25519PrivateKey(seed, pub.bytesString());
      } finally {
        seed.fill(0);
      }
    }
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521':
      return ecdsaPrivateKey(ecdsaCurveByKeyType(type)!, r.mpintMagnitude(), publicBlob, options);
    case 'ssh-rsa': {
      const e = toBigInt(pub.mpintMagnitude());
      const n = toBigInt(pub.mpintMagnitude());
      const d = toBigInt(r.mpintMagnitude());
      const p = toBigInt(r.mpintMagnitude());
      const q = toBigInt(r.mpintMagnitude());
      const iqmp = toBigInt(r.mpintMagnitude());
      return rsaPrivateKey({ n, e, d, p, q, iqmp }, options);
    }
    default:
      throw unsupportedKeyType(options, type);
  }
}
