/**
 * mlkem768x25519-sha256 (draft-ietf-sshm-mlkem-hybrid-kex; OpenSSH 9.9+, its default since 10.0).
 *
 *   C_INIT  = ML-KEM-768 encapsulation key (1184 bytes) || X25519 public key (32)
 *   S_REPLY = ML-KEM-768 ciphertext (1088 bytes)        || X25519 public key (32)
 *   K       = SHA-256(ML-KEM shared secret (32) || raw X25519 shared secret (32))
 *
 * sent in SSH_MSG_KEX_HYBRID_INIT (30) / SSH_MSG_KEX_HYBRID_REPLY (31) like the ECDH methods.
 * Unlike them, K enters the exchange hash and the key derivation as a `string`, not an mpint,
 * and the X25519 part is its raw 32 bytes. Any length other than the exact ones aborts, as does
 * an encapsulation key failing the FIPS 203 §7.2 modulus check, or an all-zero X25519 output.
 */
import { createHash } from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import type { KexAlgorithm } from '../algorithms/types.js';
import { Writer } from '../wire/writer.js';
import { kexError, wipe } from './common.js';
import { x25519PrivateKey, x25519PublicKey, x25519SharedSecret, X25519_KEY_LENGTH } from './curve25519.js';
import { ephemeralKex, type EphemeralScheme } from './ephemeral.js';

export const MLKEM768_ENCAPSULATION_KEY_LENGTH = 1184;
export const MLKEM768_CIPHERTEXT_LENGTH = 1088;
export const MLKEM768_SEED_LENGTH = 64;
export const MLKEM768_MESSAGE_LENGTH = 32;
export const MLKEM768X25519_INIT_LENGTH = MLKEM768_ENCAPSULATION_KEY_LENGTH + X25519_KEY_LENGTH; // 1216
export const MLKEM768X25519_REPLY_LENGTH = MLKEM768_CIPHERTEXT_LENGTH + X25519_KEY_LENGTH; // 1120

/** K = string SHA-256(kem || ecdh). */
function combine(kemSecret: Uint8Array, ecdhSecret: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(kemSecret).update(ecdhSecret).digest();
  const k = new Writer(4 + digest.length).bytesString(digest).finish();
  wipe(kemSecret, ecdhSecret, digest);
  return k;
}

const scheme: EphemeralScheme = {
  initName: 'SSH_MSG_KEX_HYBRID_INIT',
  replyName: 'SSH_MSG_KEX_HYBRID_REPLY',
  client(random) {
    // FIPS 203 ML-KEM.KeyGen_internal(d, z): the 64-byte seed is d || z.
    const { publicKey: encapsulationKey, secretKey: decapsulationKey } = ml_kem768.keygen(random(MLKEM768_SEED_LENGTH));
    const x25519 = x25519PrivateKey(random(X25519_KEY_LENGTH));
    const publicValue = new Uint8Array(MLKEM768X25519_INIT_LENGTH);
    publicValue.set(encapsulationKey);
    publicValue.set(x25519PublicKey(x25519), MLKEM768_ENCAPSULATION_KEY_LENGTH);
    return {
      publicValue,
      finish(reply) {
        if (reply.length !== MLKEM768X25519_REPLY_LENGTH) {
          throw kexError(
            `mlkem768x25519-sha256 server reply must be ${MLKEM768X25519_REPLY_LENGTH} bytes ` +
              `(ML-KEM-768 ciphertext ${MLKEM768_CIPHERTEXT_LENGTH} + X25519 key ${X25519_KEY_LENGTH}), got ${reply.length}`,
          );
        }
        let kemSecret: Uint8Array;
        try {
          kemSecret = ml_kem768.decapsulate(reply.subarray(0, MLKEM768_CIPHERTEXT_LENGTH), decapsulationKey);
        } catch (e) {
          throw kexError('ML-KEM-768 decapsulation failed', e);
        } finally {
          wipe(decapsulationKey);
        }
        const ecdhSecret = x25519SharedSecret(x25519, reply.subarray(MLKEM768_CIPHERTEXT_LENGTH));
        return combine(kemSecret, ecdhSecret);
      },
    };
  },
  server(random, init) {
    if (init.length !== MLKEM768X25519_INIT_LENGTH) {
      throw kexError(
        `mlkem768x25519-sha256 client init must be ${MLKEM768X25519_INIT_LENGTH} bytes ` +
          `(ML-KEM-768 encapsulation key ${MLKEM768_ENCAPSULATION_KEY_LENGTH} + X25519 key ${X25519_KEY_LENGTH}), got ${init.length}`,
      );
    }
    let encapsulated: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      encapsulated = ml_kem768.encapsulate(init.subarray(0, MLKEM768_ENCAPSULATION_KEY_LENGTH), random(MLKEM768_MESSAGE_LENGTH));
    } catch (e) {
      throw kexError('the client ML-KEM-768 encapsulation key is invalid (FIPS 203 modulus check failed)', e);
    }
    const x25519 = x25519PrivateKey(random(X25519_KEY_LENGTH));
    const ecdhSecret = x25519SharedSecret(x25519, init.subarray(MLKEM768_ENCAPSULATION_KEY_LENGTH));
    const publicValue = new Uint8Array(MLKEM768X25519_REPLY_LENGTH);
    publicValue.set(encapsulated.cipherText);
    publicValue.set(x25519PublicKey(x25519), MLKEM768_CIPHERTEXT_LENGTH);
    return { publicValue, sharedSecret: combine(encapsulated.sharedSecret, ecdhSecret) };
  },
};

export const mlkem768x25519Sha256: KexAlgorithm = ephemeralKex('mlkem768x25519-sha256', 'sha256', scheme);
