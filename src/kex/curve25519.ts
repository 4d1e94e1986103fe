/**
 * curve25519-sha256 and curve25519-sha256@libssh.org (RFC 8731).
 *
 * Q_C and Q_S are 32-byte X25519 public keys (RFC 7748 §6.1). The 32 bytes X25519 outputs are read
 * as an unsigned big-endian integer and sent as an mpint (RFC 8731 §3.1: "interpreting the octets
 * as an unsigned fixed-length integer encoded in network byte order"); there is no byte reversal,
 * and leading zero bytes disappear in the mpint. An all-zero output (a low-order peer point) aborts.
 */
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import type { KexAlgorithm } from '../algorithms/types.js';
import { base64Decode, base64UrlEncode } from '../keys/base64.js';
import { Writer } from '../wire/writer.js';
import { isAllZero, kexError, wipe } from './common.js';
import { ephemeralKex, type EphemeralScheme } from './ephemeral.js';

export const X25519_KEY_LENGTH = 32;

// PKCS#8 PrivateKeyInfo prefix for an X25519 key (RFC 8410 §7), followed by the 32 raw bytes.
const PKCS8_X25519_PREFIX = Uint8Array.of(
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
);

/**
 * A node KeyObject for the X25519 private scalar `scalar` (clamped by X25519 itself, RFC 7748 §5).
 * JWK import is ~10x faster than DER in Node 20. Node derives the public half from `d` alone;
 * `x` must be present but is not used, so it is left empty (RFC 7748 vectors in the tests check
 * the derived public key). DER is the fallback should a Node version insist on a real `x`.
 */
export function x25519PrivateKey(scalar: Uint8Array): KeyObject {
  if (scalar.length !== X25519_KEY_LENGTH) throw kexError(`X25519 private key must be 32 bytes, got ${scalar.length}`);
  try {
    return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: base64UrlEncode(scalar), x: '' }, format: 'jwk' });
  } catch {
    const der = new Uint8Array(PKCS8_X25519_PREFIX.length + 32);
    der.set(PKCS8_X25519_PREFIX);
    der.set(scalar, PKCS8_X25519_PREFIX.length);
    try {
      return createPrivateKey({ key: der as Buffer, format: 'der', type: 'pkcs8' });
    } finally {
      wipe(der);
    }
  }
}

/** The 32-byte public key (u-coordinate) of an X25519 private KeyObject. */
export function x25519PublicKey(privateKey: KeyObject): Uint8Array {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw kexError('X25519 public key export failed');
  return base64Decode(jwk.x);
}

/**
 * X25519(privateKey, peerPublic): the raw 32-byte shared secret. Throws ERR_KEX on a wrong length
 * or an all-zero result (RFC 7748 §6.1, RFC 8731 §3).
 */
export function x25519SharedSecret(privateKey: KeyObject, peerPublic: Uint8Array): Uint8Array {
  if (peerPublic.length !== X25519_KEY_LENGTH) {
    throw kexError(`X25519 public key must be ${X25519_KEY_LENGTH} bytes, got ${peerPublic.length}`);
  }
  let secret: Uint8Array;
  try {
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64UrlEncode(peerPublic) }, format: 'jwk' });
    secret = diffieHellman({ privateKey, publicKey });
  } catch (e) {
    // OpenSSL refuses to derive an all-zero secret itself; either way the peer sent a bad point.
    throw kexError('X25519 key agreement failed: the peer sent an invalid (low-order) public key', e);
  }
  if (isAllZero(secret)) throw kexError('X25519 shared secret is all zero: the peer sent a low-order public key');
  return secret;
}

/** K for RFC 8731: the X25519 output as an mpint of its big-endian value. */
function encodeSharedSecret(raw: Uint8Array): Uint8Array {
  const k = new Writer(4 + 33).mpintMagnitude(raw).finish();
  wipe(raw);
  return k;
}

const scheme: EphemeralScheme = {
  initName: 'SSH_MSG_KEX_ECDH_INIT',
  replyName: 'SSH_MSG_KEX_ECDH_REPLY',
  client(random) {
    const scalar = random(X25519_KEY_LENGTH);
    const privateKey = x25519PrivateKey(scalar);
    return {
      publicValue: x25519PublicKey(privateKey),
      finish: (serverPublic) => encodeSharedSecret(x25519SharedSecret(privateKey, serverPublic)),
    };
  },
  server(random, clientPublic) {
    if (clientPublic.length !== X25519_KEY_LENGTH) {
      throw kexError(`X25519 public key must be ${X25519_KEY_LENGTH} bytes, got ${clientPublic.length}`);
    }
    const scalar = random(X25519_KEY_LENGTH);
    const privateKey = x25519PrivateKey(scalar);
    return {
      publicValue: x25519PublicKey(privateKey),
      sharedSecret: encodeSharedSecret(x25519SharedSecret(privateKey, clientPublic)),
    };
  },
};

export const curve25519Sha256: KexAlgorithm = ephemeralKex('curve25519-sha256', 'sha256', scheme);
/** The pre-RFC name libssh and OpenSSH introduced; identical on the wire. */
export const curve25519Sha256Libssh: KexAlgorithm = ephemeralKex('curve25519-sha256@libssh.org', 'sha256', scheme);
