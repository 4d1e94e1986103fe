/**
 * Public key blobs (RFC 4253 §6.6) to and from node KeyObjects:
 *
 *   ssh-ed25519            string "ssh-ed25519", string key (32 bytes)          RFC 8709 §4
 *   ecdsa-sha2-nistpNNN    string name, string "nistpNNN", string Q (SEC1)     RFC 5656 §3.1
 *   ssh-rsa                string "ssh-rsa", mpint e, mpint n                  RFC 4253 §6.6
 *
 * Malformed encodings raise WireError; an unknown type SshError('ERR_UNSUPPORTED'); a key that
 * decodes but is unusable (point off the curve, RSA modulus too small) SshError('ERR_KEY').
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SshError, WireError } from '../errors.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { base64Decode, base64UrlEncode } from './base64.js';

export type PublicKeyType = 'ssh-ed25519' | 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521' | 'ssh-rsa';

export interface EcdsaCurve {
  readonly keyType: 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521';
  /** RFC 5656 §10.1 curve identifier, repeated inside the blob. */
  readonly identifier: 'nistp256' | 'nistp384' | 'nistp521';
  readonly jwkCurve: 'P-256' | 'P-384' | 'P-521';
  readonly nodeCurve: 'prime256v1' | 'secp384r1' | 'secp521r1';
  /** RFC 5656 §6.2.1: the hash goes with the curve size. */
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  readonly fieldBytes: number;
}

export const ECDSA_CURVES: readonly EcdsaCurve[] = [
  { keyType: 'ecdsa-sha2-nistp256', identifier: 'nistp256', jwkCurve: 'P-256', nodeCurve: 'prime256v1', hash: 'sha256', fieldBytes: 32 },
  { keyType: 'ecdsa-sha2-nistp384', identifier: 'nistp384', jwkCurve: 'P-384', nodeCurve: 'secp384r1', hash: 'sha384', fieldBytes: 48 },
  { keyType: 'ecdsa-sha2-nistp521', identifier: 'nistp521', jwkCurve: 'P-521', nodeCurve: 'secp521r1', hash: 'sha512', fieldBytes: 66 },
];

export function ecdsaCurveByKeyType(keyType: string): EcdsaCurve | undefined {
  return ECDSA_CURVES.find((c) => c.keyType === keyType);
}

/** OpenSSH refuses RSA keys under 1024 bits (SSH_RSA_MINIMUM_MODULUS_SIZE) and over 16384. */
export const RSA_MIN_BITS = 1024;
export const RSA_MAX_BITS = 16384;
export const ED25519_KEY_LENGTH = 32;

export interface ParsedPublicKey {
  readonly type: PublicKeyType;
  readonly keyObject: KeyObject;
  /** The blob it was parsed from (or encoded to). */
  readonly blob: Uint8Array;
  /** Key size: 256 for ed25519, the curve size for ECDSA, the modulus size for RSA. */
  readonly bits: number;
}

/** The key type name at the start of a blob, without validating the rest. */
export function publicKeyType(blob: Uint8Array): string {
  return new Reader(blob).utf8();
}

function keyError(message: string, cause?: unknown): SshError {
  return new SshError('ERR_KEY', message, cause !== undefined ? { cause } : undefined);
}

function importJwk(jwk: JsonWebKey, what: string): KeyObject {
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch (e) {
    throw keyError(`invalid ${what} public key`, e);
  }
}

function bitLength(magnitude: Uint8Array): number {
  if (magnitude.length === 0) return 0;
  return (magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0]!));
}

/**
 * Parsed keys by blob. Importing a key into node:crypto (a JWK, for every type) is most of the
 * cost of checking a signature; a server sees the same user keys and a client the same host keys
 * again and again. Profiled on hushd under a connect + auth + `exec true` load, the import was
 * ~2% of the server's time. Bounded (least recently used first out); entries keep a copy of the
 * blob, never the caller's (which may be a view into a packet buffer).
 */
const PARSED_MAX = 256;
const parsed = new Map<string, ParsedPublicKey>();

export function parsePublicKey(blob: Uint8Array): ParsedPublicKey {
  const id = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('latin1');
  const hit = parsed.get(id);
  if (hit) {
    parsed.delete(id);
    parsed.set(id, hit);
    return hit;
  }
  const key = Object.freeze(parseUncached(blob.slice()));
  if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value!);
  parsed.set(id, key);
  return key;
}

function parseUncached(blob: Uint8Array): ParsedPublicKey {
  const r = new Reader(blob);
  const type = r.utf8();
  switch (type) {
    case 'ssh-ed25519': {
      const key = r.bytesString();
      r.done('ssh-ed25519 public key');
      if (key.length !== ED25519_KEY_LENGTH) throw new WireError(`ssh-ed25519 public key must be 32 bytes, got ${key.length}`);
      return { type, blob, bits: 256, keyObject: importJwk({ kty: 'OKP', crv: 'Ed25519', x: base64UrlEncode(key) }, type) };
    }
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521': {
      const curve = ecdsaCurveByKeyType(type)!;
      const identifier = r.utf8();
      const q = r.bytesString();
      r.done(`${type} public key`);
      if (identifier !== curve.identifier) {
        throw new WireError(`${type} public key names curve "${identifier}" instead of "${curve.identifier}"`);
      }
      if (q.length !== 1 + 2 * curve.fieldBytes || q[0] !== 0x04) {
        throw new WireError(`${type} public key must be an uncompressed point of ${1 + 2 * curve.fieldBytes} bytes`);
      }
      const x = q.subarray(1, 1 + curve.fieldBytes);
      const y = q.subarray(1 + curve.fieldBytes);
      const keyObject = importJwk({ kty: 'EC', crv: curve.jwkCurve, x: base64UrlEncode(x), y: base64UrlEncode(y) }, type);
      return { type, blob, bits: curve.fieldBytes === 66 ? 521 : curve.fieldBytes * 8, keyObject };
    }
    case 'ssh-rsa': {
      const e = r.mpintMagnitude();
      const n = r.mpintMagnitude();
      r.done('ssh-rsa public key');
      const bits = bitLength(n);
      if (bits < RSA_MIN_BITS) throw keyError(`RSA key of ${bits} bits is too small (minimum ${RSA_MIN_BITS})`);
      if (bits > RSA_MAX_BITS) throw keyError(`RSA key of ${bits} bits is too large (maximum ${RSA_MAX_BITS})`);
      if (e.length === 0 || (e[e.length - 1]! & 1) === 0 || (e.length === 1 && e[0]! < 3)) {
        throw keyError('RSA public exponent must be odd and at least 3');
      }
      if ((n[n.length - 1]! & 1) === 0) throw keyError('RSA modulus must be odd');
      return { type, blob, bits, keyObject: importJwk({ kty: 'RSA', n: base64UrlEncode(n), e: base64UrlEncode(e) }, type) };
    }
    default:
      throw new SshError('ERR_UNSUPPORTED', `unsupported public key type "${type}"`);
  }
}

/** The public key blob of a node KeyObject (public or private): ed25519, EC P-256/384/521 or RSA. */
export function encodePublicKey(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' });
  const w = new Writer(64);
  switch (pub.asymmetricKeyType) {
    case 'ed25519':
      return w.utf8('ssh-ed25519').bytesString(base64Decode(jwk.x!)).finish();
    case 'ec': {
      const curve = ECDSA_CURVES.find((c) => c.jwkCurve === jwk.crv);
      if (curve === undefined) throw new SshError('ERR_UNSUPPORTED', `unsupported ECDSA curve ${String(jwk.crv)}`);
      const q = new Uint8Array(1 + 2 * curve.fieldBytes);
      q[0] = 0x04;
      q.set(leftPad(base64Decode(jwk.x!), curve.fieldBytes), 1);
      q.set(leftPad(base64Decode(jwk.y!), curve.fieldBytes), 1 + curve.fieldBytes);
      return w.utf8(curve.keyType).utf8(curve.identifier).bytesString(q).finish();
    }
    case 'rsa':
      return w.utf8('ssh-rsa').mpintMagnitude(base64Decode(jwk.e!)).mpintMagnitude(base64Decode(jwk.n!)).finish();
    default:
      throw new SshError('ERR_UNSUPPORTED', `unsupported key type ${String(pub.asymmetricKeyType)}`);
  }
}

/** The SSH key type name of a node KeyObject. */
export function keyTypeOf(key: KeyObject): PublicKeyType {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'ssh-ed25519';
    case 'rsa':
      return 'ssh-rsa';
    case 'ec': {
      const named = key.asymmetricKeyDetails?.namedCurve;
      const curve = ECDSA_CURVES.find((c) => c.nodeCurve === named);
      if (curve !== undefined) return curve.keyType;
      throw new SshError('ERR_UNSUPPORTED', `unsupported ECDSA curve ${String(named)}`);
    }
    default:
      throw new SshError('ERR_UNSUPPORTED', `unsupported key type ${String(key.asymmetricKeyType)}`);
  }
}

export function leftPad(b: Uint8Array, length: number): Uint8Array {
  if (b.length === length) return b;
  if (b.length > length) throw keyError(`value of ${b.length} bytes does not fit in ${length}`);
  const out = new Uint8Array(length);
  out.set(b, length - b.length);
  return out;
}
