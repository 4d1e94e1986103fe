/**
 * The ciphers that protect the private section of an openssh-key-v1 file: every cipher
 * OpenSSH's cipher_by_name() knows (ssh-keygen -Z accepts each of them), with OpenSSH's key,
 * IV, block and tag sizes (cipher.c). bcrypt_pbkdf derives key || IV in one call.
 *
 * A file is encrypted as one message with sequence number 0 and no additional data
 * (sshkey.c: cipher_crypt(ctx, 0, out, in, len, 0, authlen)); an AEAD tag, when the cipher
 * has one, follows the encrypted string, outside its length.
 *
 *   CBC, CTR   plain OpenSSL modes, IV = block size, no padding added (the plaintext is
 *              already padded to the block size with 1, 2, 3, ...)
 *   GCM        12-byte IV used as is (the first invocation of the RFC 5647 counter), no AAD
 *   chacha20-poly1305@openssh.com   64-byte key, no IV; nonce = sequence number 0; the
 *              Poly1305 key is block 0 of ChaCha20(K_main), the data is encrypted from block 1,
 *              the tag covers the ciphertext (PROTOCOL.chacha20poly1305, with aadlen = 0, so
 *              the second 32 bytes of the key, the length key, are never used)
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Poly1305 } from '../../crypto/poly1305.js';

export interface KeyFileCipher {
  readonly name: string;
  readonly keyLength: number;
  readonly ivLength: number;
  readonly blockSize: number;
  readonly tagLength: number;
  /** Returns ciphertext || tag. */
  encrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** `data` is ciphertext || tag; undefined when the tag does not verify. */
  decrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array | undefined;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function opensslBlock(name: string, openssl: string, keyLength: number, blockSize: number): KeyFileCipher {
  return {
    name,
    keyLength,
    ivLength: blockSize,
    blockSize,
    tagLength: 0,
    encrypt(key, iv, plaintext) {
      const c = createCipheriv(openssl, key, iv).setAutoPadding(false);
      return concat(c.update(plaintext), c.final());
    },
    decrypt(key, iv, data) {
      const d = createDecipheriv(openssl, key, iv).setAutoPadding(false);
      return concat(d.update(data), d.final());
    },
  };
}

function gcm(name: string, openssl: 'aes-128-gcm' | 'aes-256-gcm', keyLength: number): KeyFileCipher {
  return {
    name,
    keyLength,
    ivLength: 12,
    blockSize: 16,
    tagLength: 16,
    encrypt(key, iv, plaintext) {
      const c = createCipheriv(openssl, key, iv);
      const ct = concat(c.update(plaintext), c.final());
      return concat(ct, c.getAuthTag());
    },
    decrypt(key, iv, data) {
      const d = createDecipheriv(openssl, key, iv);
      d.setAuthTag(data.subarray(data.length - 16));
      const pt = d.update(data.subarray(0, data.length - 16));
      try {
        return concat(pt, d.final());
      } catch {
        pt.fill(0);
        return undefined;
      }
    },
  };
}

/** node's "chacha20" takes a 16-byte IV: a 32-bit little-endian block counter, then the nonce. */
function chachaIv(counter: number): Uint8Array {
  const iv = new Uint8Array(16);
  iv[0] = counter;
  return iv;
}

const chacha20Poly1305: KeyFileCipher = {
  name: 'chacha20-poly1305@openssh.com',
  keyLength: 64,
  ivLength: 0,
  blockSize: 8,
  tagLength: 16,
  encrypt(key, _iv, plaintext) {
    const main = key.subarray(0, 32);
    const polyKey = createCipheriv('chacha20', main, chachaIv(0)).update(new Uint8Array(32));
    const out = new Uint8Array(plaintext.length + 16);
    out.set(createCipheriv('chacha20', main, chachaIv(1)).update(plaintext));
    Poly1305.mac(polyKey, out.subarray(0, plaintext.length), out.subarray(plaintext.length));
    polyKey.fill(0);
    return out;
  },
  decrypt(key, _iv, data) {
    const main = key.subarray(0, 32);
    const n = data.length - 16;
    const polyKey = createCipheriv('chacha20', main, chachaIv(0)).update(new Uint8Array(32));
    const ok = Poly1305.verify(polyKey, data.subarray(0, n), data.subarray(n));
    polyKey.fill(0);
    if (!ok) return undefined;
    return new Uint8Array(createCipheriv('chacha20', main, chachaIv(1)).update(data.subarray(0, n)));
  },
};

const none: KeyFileCipher = {
  name: 'none',
  keyLength: 0,
  ivLength: 0,
  blockSize: 8,
  tagLength: 0,
  encrypt: (_key, _iv, plaintext) => plaintext.slice(),
  decrypt: (_key, _iv, data) => data.slice(),
};

const CIPHERS: readonly KeyFileCipher[] = [
  opensslBlock('aes256-ctr', 'aes-256-ctr', 32, 16),
  opensslBlock('aes192-ctr', 'aes-192-ctr', 24, 16),
  opensslBlock('aes128-ctr', 'aes-128-ctr', 16, 16),
  opensslBlock('aes256-cbc', 'aes-256-cbc', 32, 16),
  opensslBlock('aes192-cbc', 'aes-192-cbc', 24, 16),
  opensslBlock('aes128-cbc', 'aes-128-cbc', 16, 16),
  gcm('aes256-gcm@openssh.com', 'aes-256-gcm', 32),
  gcm('aes128-gcm@openssh.com', 'aes-128-gcm', 16),
  chacha20Poly1305,
  // Still accepted by ssh-keygen -Z; read for old files, written only when asked for by name.
  opensslBlock('3des-cbc', 'des-ede3-cbc', 24, 8),
  none,
];

const BY_NAME: ReadonlyMap<string, KeyFileCipher> = new Map(CIPHERS.map((c) => [c.name, c]));

/** ssh-keygen's default: aes256-ctr. */
export const DEFAULT_KEY_FILE_CIPHER = 'aes256-ctr';

/** Names accepted by writeOpenSshPrivateKey's `cipher` option (every cipher ssh-keygen -Z takes). */
export const KEY_FILE_CIPHERS: readonly string[] = Object.freeze(CIPHERS.filter((c) => c !== none).map((c) => c.name));

export function keyFileCipher(name: string): KeyFileCipher | undefined {
  return BY_NAME.get(name);
}
