/**
 * Private keys from their numbers, and their numbers from node KeyObjects.
 *
 * The encoding read and written here is OpenSSH's private key serialisation
 * (sshkey_private_serialize), the one the agent protocol uses to add identities
 * (draft-miller-ssh-agent §3.2) and openssh-key-v1 files use for their private section:
 *
 *   ssh-ed25519          string pk (32) || string sk (64: seed || pk)
 *   ecdsa-sha2-nistpNNN  string curve identifier || string Q || mpint d
 *   ssh-rsa              mpint n || mpint e || mpint d || mpint iqmp || mpint p || mpint q
 *
 * Every key built here is checked against its public half before use, because a key file's
 * private numbers are only as good as its integrity check (none at all for an unencrypted
 * PEM file): RSA n = pq and ed = 1 mod lcm(p-1, q-1); ECDSA and Ed25519 public keys are
 * recomputed from the private scalar or seed and compared.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';
import { base64Decode, base64UrlEncode } from '../base64.js';
import { PrivateKey, type PrivateKeyOptions } from '../private-key.js';
import { ecdsaCurveByKeyType, encodePublicKey, leftPad, type EcdsaCurve } from '../public-key.js';
import { SshError } from '../../errors.js';
import { bytesEqual, invalidKey as keyError } from './common.js';

export function toBigInt(magnitude: Uint8Array): bigint {
  let v = 0n;
  for (const b of magnitude) v = (v << 8n) | BigInt(b);
  return v;
}

export function fromBigInt(v: bigint): Uint8Array {
  if (v < 0n) throw keyError('negative integer in a private key');
  let hex = v.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function b64u(v: bigint): string {
  return base64UrlEncode(fromBigInt(v));
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export interface RsaNumbers {
  readonly n: bigint;
  readonly e: bigint;
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  /** q^-1 mod p; computed when absent, checked when given. */
  readonly iqmp?: bigint;
}

/** Inverse of a mod m (m > 1), or undefined. */
function modInverse(a: bigint, m: bigint): bigint | undefined {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const t = r0 / r1;
    [r0, r1] = [r1, r0 - t * r1];
    [s0, s1] = [s1, s0 - t * s1];
  }
  return r0 === 1n ? ((s0 % m) + m) % m : undefined;
}

/** Throws unless the numbers make one consistent two-prime RSA key. */
export function checkRsaNumbers(k: RsaNumbers): bigint {
  const { n, e, d, p, q } = k;
  if (p <= 1n || q <= 1n || p * q !== n) throw keyError('RSA private key does not match its modulus (n != p * q)');
  const lcm = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
  if (e <= 1n || d <= 1n || (e * d) % lcm !== 1n) throw keyError('RSA private exponent does not match the public exponent');
  const iqmp = modInverse(q, p);
  if (iqmp === undefined || (k.iqmp !== undefined && k.iqmp !== iqmp)) {
    throw keyError('RSA private key has an invalid CRT coefficient (iqmp)');
  }
  return iqmp;
}

/** An RSA key from n, e, d, p, q (and iqmp); the CRT exponents are computed, as OpenSSH does. */
export function rsaPrivateKey(k: RsaNumbers, options: PrivateKeyOptions = {}): PrivateKey {
  const iqmp = checkRsaNumbers(k);
  const jwk = {
    kty: 'RSA',
    n: b64u(k.n),
    e: b64u(k.e),
    d: b64u(k.d),
    p: b64u(k.p),
    q: b64u(k.q),
    dp: b64u(k.d % (k.p - 1n)),
    dq: b64u(k.d % (k.q - 1n)),
    qi: b64u(iqmp),
  };
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: jwk, format: 'jwk' });
  } catch (e) {
    throw keyError('invalid RSA private key', e);
  }
  return PrivateKey.fromKeyObject(key, options);
}

// RFC 5480 §2.1.1.1 named curve OIDs, DER-encoded (tag, length, value).
const CURVE_OID: Readonly<Record<EcdsaCurve['identifier'], readonly number[]>> = {
  nistp256: [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
  nistp384: [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22],
  nistp521: [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23],
};

/**
 * An RFC 5915 ECPrivateKey without its optional public key, so that OpenSSL computes the
 * public point from d itself (every part is shorter than 128 bytes: short-form lengths).
 */
function sec1WithoutPublicKey(curve: EcdsaCurve, d: Uint8Array): Uint8Array {
  const oid = CURVE_OID[curve.identifier];
  const body = [0x02, 0x01, 0x01, 0x04, d.length, ...d, 0xa0, oid.length, ...oid];
  return Uint8Array.from([0x30, body.length, ...body]);
}

/**
 * An ECDSA key from its private scalar. The public point is derived from d; when the file
 * also stores one (`publicBlob`), the two must agree.
 */
export function ecdsaPrivateKey(curve: EcdsaCurve, d: Uint8Array, publicBlob: Uint8Array | undefined, options: PrivateKeyOptions = {}): PrivateKey {
  let i = 0;
  while (i < d.length && d[i] === 0) i++;
  if (i === d.length) throw keyError(`${curve.keyType} private key is zero`);
  if (d.length - i > curve.fieldBytes) throw keyError(`${curve.keyType} private key is longer than ${curve.fieldBytes} bytes`);
  const der = sec1WithoutPublicKey(curve, leftPad(d.subarray(i), curve.fieldBytes));
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: der as Buffer, format: 'der', type: 'sec1' });
  } catch (e) {
    throw keyError(`invalid ${curve.keyType} private key`, e);
  } finally {
    der.fill(0);
  }
  const k = PrivateKey.fromKeyObject(key, options);
  if (publicBlob !== undefined && !bytesEqual(k.publicKey, publicBlob)) {
    throw keyError(`${curve.keyType} private key does not match its public key`);
  }
  return k;
}

/** An Ed25519 key from its seed; `publicKey` (32 bytes), when the file stores it, must match. */
export function ed25519PrivateKey(seed: Uint8Array, publicKey: Uint8Array | undefined): PrivateKey {
  const k = PrivateKey.fromEd25519Seed(seed);
  if (publicKey !== undefined && !bytesEqual(k.publicKey.subarray(k.publicKey.length - 32), publicKey)) {
    throw keyError('ssh-ed25519 private key does not match its public key');
  }
  return k;
}

/** Reads one private key in OpenSSH's serialisation (see the top of this file). */
export function readPrivateKeyFields(r: Reader, options: PrivateKeyOptions = {}): PrivateKey {
  const type = r.utf8();
  switch (type) {
    case 'ssh-ed25519': {
      const pk = r.bytesString();
      const sk = r.bytesString();
      if (pk.length !== 32 || sk.length !== 64) throw keyError('ssh-ed25519 private key has the wrong length');
      if (!bytesEqual(sk.subarray(32), pk)) throw keyError('ssh-ed25519 private key does not match its public key');
      return ed25519PrivateKey(sk.subarray(0, 32), pk);
    }
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521': {
      const curve = ecdsaCurveByKeyType(type)!;
      const identifier = r.utf8();
      const q = r.bytesString();
      const d = r.mpintMagnitude();
      if (identifier !== curve.identifier) throw keyError(`${type} private key names curve "${identifier}"`);
      const blob = ecdsaBlob(curve, q);
      return ecdsaPrivateKey(curve, d, blob, options);
    }
    case 'ssh-rsa': {
      const n = toBigInt(r.mpintMagnitude());
      const e = toBigInt(r.mpintMagnitude());
      const d = toBigInt(r.mpintMagnitude());
      const iqmp = toBigInt(r.mpintMagnitude());
      const p = toBigInt(r.mpintMagnitude());
      const q = toBigInt(r.mpintMagnitude());
      return rsaPrivateKey({ n, e, d, p, q, iqmp }, options);
    }
    default:
      // The file readers turn this into "unsupported key type ... in key file ...".
      throw new SshError('ERR_UNSUPPORTED', `unsupported key type "${type}"`);
  }
}

function ecdsaBlob(curve: EcdsaCurve, q: Uint8Array): Uint8Array {
  const enc = new TextEncoder();
  const t = enc.encode(curve.keyType);
  const c = enc.encode(curve.identifier);
  const out = new Uint8Array(12 + t.length + c.length + q.length);
  const v = new DataView(out.buffer);
  let o = 0;
  for (const part of [t, c, q]) {
    v.setUint32(o, part.length);
    out.set(part, o + 4);
    o += 4 + part.length;
  }
  return out;
}

/** Writes a key in OpenSSH's serialisation (the inverse of readPrivateKeyFields). */
export function writePrivateKeyFields(w: Writer, key: PrivateKey): void {
  const jwk = key.keyObject.export({ format: 'jwk' });
  w.utf8(key.keyType);
  switch (key.keyType) {
    case 'ssh-ed25519': {
      const seed = base64Decode(jwk.d!);
      const pk = base64Decode(jwk.x!);
      const sk = new Uint8Array(64);
      sk.set(seed);
      sk.set(pk, 32);
      w.bytesString(pk).bytesString(sk);
      sk.fill(0);
      seed.fill(0);
      return;
    }
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521': {
      const curve = ecdsaCurveByKeyType(key.keyType)!;
      const x = leftPad(base64Decode(jwk.x!), curve.fieldBytes);
      const y = leftPad(base64Decode(jwk.y!), curve.fieldBytes);
      const q = new Uint8Array(1 + 2 * curve.fieldBytes);
      q[0] = 0x04;
      q.set(x, 1);
      q.set(y, 1 + curve.fieldBytes);
      const d = base64Decode(jwk.d!);
      w.utf8(curve.identifier).bytesString(q).mpintMagnitude(d);
      d.fill(0);
      return;
    }
    case 'ssh-rsa': {
      for (const f of [jwk.n, jwk.e, jwk.d, jwk.qi, jwk.p, jwk.q]) {
        if (f === undefined) throw keyError('RSA key without its private numbers (a multi-prime or public-only key?)');
        w.mpintMagnitude(base64Decode(f));
      }
      return;
    }
  }
}

/**
 * Checks a key imported by node:crypto (PEM, PKCS#8) the way the readers above check theirs:
 * node accepts an RSA key whose numbers do not fit together, and an EC key whose stored
 * public point is not d * G. Returns the PrivateKey.
 */
export function checkedPrivateKey(keyObject: KeyObject, options: PrivateKeyOptions = {}): PrivateKey {
  const key = PrivateKey.fromKeyObject(keyObject, options);
  const jwk = keyObject.export({ format: 'jwk' });
  switch (key.keyType) {
    case 'ssh-ed25519': {
      ed25519PrivateKey(base64Decode(jwk.d!), base64Decode(jwk.x!));
      return key;
    }
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521': {
      ecdsaPrivateKey(ecdsaCurveByKeyType(key.keyType)!, base64Decode(jwk.d!), encodePublicKey(keyObject));
      return key;
    }
    case 'ssh-rsa': {
      const get = (f: string | undefined): bigint => {
        if (f === undefined) throw keyError('RSA key without its private numbers (a multi-prime key?)');
        return toBigInt(base64Decode(f));
      };
      const k = { n: get(jwk.n), e: get(jwk.e), d: get(jwk.d), p: get(jwk.p), q: get(jwk.q), iqmp: get(jwk.qi) };
      checkRsaNumbers(k);
      if (get(jwk.dp) !== k.d % (k.p - 1n) || get(jwk.dq) !== k.d % (k.q - 1n)) {
        throw keyError('RSA private key has invalid CRT exponents');
      }
      return key;
    }
  }
}
