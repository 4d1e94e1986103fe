/**
 * A private key that signs: host keys on the server, identities on the client.
 * Wraps a node KeyObject; Ed25519 and RSA signatures are deterministic, ECDSA ones are not
 * (OpenSSL draws a random nonce), so replayable transcripts should use Ed25519 host keys.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { SigningKey } from '../algorithms/types.js';
import { SshError } from '../errors.js';
import { base64UrlEncode } from './base64.js';
import { fingerprintSha256 } from './fingerprint.js';
import { encodePublicKey, keyTypeOf, RSA_MAX_BITS, RSA_MIN_BITS, type PublicKeyType } from './public-key.js';
import { algorithmsForKeyType, getSignatureAlgorithm } from './registry.js';

export type KeyGenerationType = 'ed25519' | 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa';

export interface PrivateKeyOptions {
  /** Also sign with 'ssh-rsa' (RSA with SHA-1) for peers that know nothing else. RSA keys only. */
  readonly sshRsaSha1?: boolean;
}

/** ssh-keygen's default RSA size. */
export const DEFAULT_RSA_BITS = 3072;

// PKCS#8 PrivateKeyInfo prefix for an Ed25519 key (RFC 8410 §7), followed by the 32-byte seed.
const PKCS8_ED25519_PREFIX = Uint8Array.of(
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
);

const EC_CURVES = { 'ecdsa-p256': 'P-256', 'ecdsa-p384': 'P-384', 'ecdsa-p521': 'P-521' } as const;

const PKCS8_DER = { type: 'pkcs8', format: 'der' } as const;
const SPKI_DER = { type: 'spki', format: 'der' } as const;

export class PrivateKey implements SigningKey {
  readonly keyType: PublicKeyType;
  readonly publicKey: Uint8Array;
  readonly algorithms: readonly string[];

  private constructor(
    /** The node private KeyObject (for key-file writers and agents). */
    readonly keyObject: KeyObject,
    options: PrivateKeyOptions,
  ) {
    this.keyType = keyTypeOf(keyObject);
    if (this.keyType === 'ssh-rsa') {
      const bits = keyObject.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
        throw new SshError('ERR_KEY', `RSA key of ${bits} bits is outside ${RSA_MIN_BITS}..${RSA_MAX_BITS}`);
      }
    }
    this.publicKey = encodePublicKey(keyObject);
    this.algorithms = Object.freeze(algorithmsForKeyType(this.keyType, options));
  }

  /** A new random key (synchronous; RSA generation takes a noticeable fraction of a second). */
  static generate(type: KeyGenerationType, bits?: number, options: PrivateKeyOptions = {}): PrivateKey {
    // The key comes out of the generator as PKCS#8 DER and is imported afresh. Node 20 can deadlock
    // when a generated KeyObject is exported (JWK) while the garbage collector finalizes the
    // generator job that shares the key's lock (seen: ~KeyGenJob waiting on the mutex held by
    // ExportJWKEcKey); a freshly imported key shares its lock with no job.
    const fresh = (pkcs8: Buffer) => new PrivateKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }), options);
    switch (type) {
      case 'ed25519':
        return fresh(generateKeyPairSync('ed25519', { privateKeyEncoding: PKCS8_DER, publicKeyEncoding: SPKI_DER }).privateKey);
      case 'ecdsa-p256':
      case 'ecdsa-p384':
      case 'ecdsa-p521':
        return fresh(generateKeyPairSync('ec', { namedCurve: EC_CURVES[type], privateKeyEncoding: PKCS8_DER, publicKeyEncoding: SPKI_DER }).privateKey);
      case 'rsa': {
        const modulusLength = bits ?? DEFAULT_RSA_BITS;
        if (modulusLength < 2048 || modulusLength > RSA_MAX_BITS || modulusLength % 8 !== 0) {
          throw new SshError('ERR_KEY', `RSA keys are generated with 2048..${RSA_MAX_BITS} bits (a multiple of 8), not ${modulusLength}`);
        }
        return fresh(generateKeyPairSync('rsa', { modulusLength, publicExponent: 65537, privateKeyEncoding: PKCS8_DER, publicKeyEncoding: SPKI_DER }).privateKey);
      }
    }
  }

  /** Wraps an existing node private key (ed25519, EC P-256/384/521 or RSA). */
  static fromKeyObject(key: KeyObject, options: PrivateKeyOptions = {}): PrivateKey {
    if (key.type !== 'private') throw new SshError('ERR_KEY', `expected a private key, got a ${key.type} key`);
    return new PrivateKey(key, options);
  }

  /** An Ed25519 key from its 32-byte seed (RFC 8032 §5.1.5 "private key"). */
  static fromEd25519Seed(seed: Uint8Array): PrivateKey {
    if (seed.length !== 32) throw new SshError('ERR_KEY', `an Ed25519 seed is 32 bytes, got ${seed.length}`);
    let key: KeyObject;
    try {
      // Node derives the public half from `d`; `x` is required by the JWK parser but unused
      // (JWK import is much faster than DER in Node 20; the RFC 8032 vectors test this path).
      key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: base64UrlEncode(seed), x: '' }, format: 'jwk' });
    } catch {
      const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
      der.set(PKCS8_ED25519_PREFIX);
      der.set(seed, PKCS8_ED25519_PREFIX.length);
      key = createPrivateKey({ key: der as Buffer, format: 'der', type: 'pkcs8' });
      der.fill(0);
    }
    return new PrivateKey(key, {});
  }

  /** `SHA256:...` as ssh-keygen -l prints it. */
  get fingerprint(): string {
    return fingerprintSha256(this.publicKey);
  }

  /** Returns the signature blob `string algorithm || string signature`. */
  sign(algorithm: string, data: Uint8Array): Uint8Array {
    const alg = getSignatureAlgorithm(algorithm);
    if (alg === undefined || !this.algorithms.includes(algorithm)) {
      throw new SshError(
        'ERR_KEY',
        `a ${this.keyType} key cannot sign with "${algorithm}" (it offers ${this.algorithms.join(', ')})`,
      );
    }
    return alg.sign(this.keyObject, data);
  }
}
