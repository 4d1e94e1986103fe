/**
 * Signature algorithms over host and user keys. A signature blob is `string algorithm ||
 * string signature` (RFC 4253 §6.6), where the inner signature is:
 *
 *   ssh-ed25519           the 64-byte Ed25519 signature                     RFC 8709 §6
 *   ecdsa-sha2-nistpNNN   mpint r || mpint s                                 RFC 5656 §3.1.2
 *   rsa-sha2-256/-512     RSASSA-PKCS1-v1_5 with SHA-256/512, modulus-sized RFC 8332 §3
 *   ssh-rsa               RSASSA-PKCS1-v1_5 with SHA-1 (legacy, opt-in)     RFC 4253 §6.6
 *
 * verify() never throws: a malformed key or signature, or a blob naming another algorithm than
 * the negotiated one (RFC 8332 §3), is simply a signature that does not verify.
 */
import { sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import type { SignatureAlgorithm } from '../algorithms/types.js';
import { SshError } from '../errors.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { ecdsaCurveByKeyType, leftPad, parsePublicKey, type EcdsaCurve, type PublicKeyType } from './public-key.js';

export interface SignatureBlob {
  readonly algorithm: string;
  readonly signature: Uint8Array;
}

/** Splits a signature blob; throws WireError if malformed. */
export function decodeSignatureBlob(blob: Uint8Array): SignatureBlob {
  const r = new Reader(blob);
  const algorithm = r.utf8();
  const signature = r.bytesString();
  r.done('signature blob');
  return { algorithm, signature };
}

export function encodeSignatureBlob(algorithm: string, signature: Uint8Array): Uint8Array {
  return new Writer(8 + algorithm.length + signature.length).utf8(algorithm).bytesString(signature).finish();
}

/** A signature algorithm that can also sign (with a node private KeyObject of the right type). */
export interface SshSignatureAlgorithm extends SignatureAlgorithm {
  readonly keyType: PublicKeyType;
  /** False for algorithms offered only on request (ssh-rsa). */
  readonly secure: boolean;
  /** Returns the signature blob. */
  sign(privateKey: KeyObject, data: Uint8Array): Uint8Array;
  /** Verifies the inner signature (not the blob) with an already-parsed key. */
  verifyRaw(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean;
}

abstract class BaseAlgorithm implements SshSignatureAlgorithm {
  constructor(
    readonly name: string,
    readonly keyType: PublicKeyType,
    readonly secure: boolean,
  ) {}

  abstract signRaw(privateKey: KeyObject, data: Uint8Array): Uint8Array;
  abstract verifyRaw(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean;

  sign(privateKey: KeyObject, data: Uint8Array): Uint8Array {
    return encodeSignatureBlob(this.name, this.signRaw(privateKey, data));
  }

  verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
    try {
      const sig = decodeSignatureBlob(signature);
      if (sig.algorithm !== this.name) return false;
      const key = parsePublicKey(publicKey);
      if (key.type !== this.keyType) return false;
      return this.verifyRaw(key.keyObject, data, sig.signature);
    } catch {
      return false;
    }
  }
}

class Ed25519Algorithm extends BaseAlgorithm {
  constructor() {
    super('ssh-ed25519', 'ssh-ed25519', true);
  }
  signRaw(privateKey: KeyObject, data: Uint8Array): Uint8Array {
    return nodeSign(null, data, privateKey);
  }
  verifyRaw(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
    if (signature.length !== 64) return false;
    return nodeVerify(null, data, publicKey, signature);
  }
}

class EcdsaAlgorithm extends BaseAlgorithm {
  constructor(private readonly curve: EcdsaCurve) {
    super(curve.keyType, curve.keyType, true);
  }

  signRaw(privateKey: KeyObject, data: Uint8Array): Uint8Array {
    const rs = nodeSign(this.curve.hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const n = this.curve.fieldBytes;
    return new Writer(2 * n + 16).mpintMagnitude(rs.subarray(0, n)).mpintMagnitude(rs.subarray(n)).finish();
  }

  verifyRaw(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
    const r = new Reader(signature);
    const sigR = r.mpintMagnitude();
    const sigS = r.mpintMagnitude();
    r.done('ECDSA signature');
    const n = this.curve.fieldBytes;
    if (sigR.length === 0 || sigS.length === 0 || sigR.length > n || sigS.length > n) return false;
    const rs = new Uint8Array(2 * n);
    rs.set(sigR, n - sigR.length);
    rs.set(sigS, 2 * n - sigS.length);
    return nodeVerify(this.curve.hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, rs);
  }
}

class RsaAlgorithm extends BaseAlgorithm {
  constructor(
    name: string,
    private readonly hash: 'sha1' | 'sha256' | 'sha512',
    secure: boolean,
  ) {
    super(name, 'ssh-rsa', secure);
  }

  signRaw(privateKey: KeyObject, data: Uint8Array): Uint8Array {
    return nodeSign(this.hash, data, privateKey);
  }

  verifyRaw(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
    const bits = publicKey.asymmetricKeyDetails?.modulusLength;
    if (bits === undefined) return false;
    const modulusBytes = Math.ceil(bits / 8);
    // RFC 8332 §3 says the signature is exactly modulus-sized; some signers strip leading
    // zeros, so like OpenSSH accept a shorter one, left-padded. Never a longer one.
    if (signature.length === 0 || signature.length > modulusBytes) return false;
    return nodeVerify(this.hash, data, publicKey, leftPad(signature, modulusBytes));
  }
}

export const sshEd25519: SshSignatureAlgorithm = new Ed25519Algorithm();
export const ecdsaSha2Nistp256: SshSignatureAlgorithm = new EcdsaAlgorithm(ecdsaCurveByKeyType('ecdsa-sha2-nistp256')!);
export const ecdsaSha2Nistp384: SshSignatureAlgorithm = new EcdsaAlgorithm(ecdsaCurveByKeyType('ecdsa-sha2-nistp384')!);
export const ecdsaSha2Nistp521: SshSignatureAlgorithm = new EcdsaAlgorithm(ecdsaCurveByKeyType('ecdsa-sha2-nistp521')!);
export const rsaSha2_512: SshSignatureAlgorithm = new RsaAlgorithm('rsa-sha2-512', 'sha512', true);
export const rsaSha2_256: SshSignatureAlgorithm = new RsaAlgorithm('rsa-sha2-256', 'sha256', true);
/** SHA-1: RFC 8332 §3.3 / OpenSSH 8.8 disabled it by default. Opt-in only. */
export const sshRsa: SshSignatureAlgorithm = new RsaAlgorithm('ssh-rsa', 'sha1', false);

export function unsupportedAlgorithm(name: string): SshError {
  return new SshError('ERR_UNSUPPORTED', `unsupported signature algorithm "${name}"`);
}
