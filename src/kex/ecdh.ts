/**
 * ecdh-sha2-nistp256, -nistp384, -nistp521 (RFC 5656 §4, hashes by RFC 5656 §6.2.1).
 *
 * Q_C and Q_S are uncompressed SEC1 points (RFC 5656 §3.1; OpenSSH accepts no other form). K is
 * the x-coordinate of the shared point as an mpint (RFC 5656 §4, SEC1 §3.3.1). The private scalar
 * comes from ctx.random by rejection sampling into [1, n-1], so handshakes replay byte for byte.
 */
import { createECDH } from 'node:crypto';
import type { HashName, KexAlgorithm } from '../algorithms/types.js';
import { Writer } from '../wire/writer.js';
import { kexError, wipe } from './common.js';
import { ephemeralKex, type EphemeralScheme } from './ephemeral.js';

export interface NistCurve {
  /** RFC 5656 §10.1 identifier. */
  readonly sshName: 'nistp256' | 'nistp384' | 'nistp521';
  /** OpenSSL curve name for createECDH. */
  readonly nodeName: string;
  readonly hash: HashName;
  /** Bytes in a field element (and a scalar). */
  readonly fieldBytes: number;
  /** Bits in the group order n. */
  readonly orderBits: number;
  /** The group order n (FIPS 186-4 D.1.2 / SEC 2). */
  readonly order: bigint;
}

export const NIST_CURVES: Readonly<Record<'nistp256' | 'nistp384' | 'nistp521', NistCurve>> = {
  nistp256: {
    sshName: 'nistp256',
    nodeName: 'prime256v1',
    hash: 'sha256',
    fieldBytes: 32,
    orderBits: 256,
    order: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  },
  nistp384: {
    sshName: 'nistp384',
    nodeName: 'secp384r1',
    hash: 'sha384',
    fieldBytes: 48,
    orderBits: 384,
    order:
      0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  },
  nistp521: {
    sshName: 'nistp521',
    nodeName: 'secp521r1',
    hash: 'sha512',
    fieldBytes: 66,
    orderBits: 521,
    order:
      0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
  },
};

function toBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/**
 * A private scalar in [1, n-1] drawn from `random`: orderBits random bits, retried when out of
 * range (FIPS 186-4 B.4.2, "testing candidates"). P-256 retries with probability ~2^-32.
 */
export function nistPrivateScalar(curve: NistCurve, random: (n: number) => Uint8Array): Uint8Array {
  const excessBits = curve.fieldBytes * 8 - curve.orderBits;
  for (let attempt = 0; attempt < 64; attempt++) {
    const candidate = random(curve.fieldBytes).slice();
    if (candidate.length !== curve.fieldBytes) throw kexError('random source returned the wrong number of bytes');
    candidate[0]! &= 0xff >>> excessBits;
    const v = toBigInt(candidate);
    if (v >= 1n && v < curve.order) return candidate;
    wipe(candidate);
  }
  throw kexError(`could not draw a ${curve.sshName} private key: the random source looks broken`);
}

/** Accepts only an uncompressed point of the right length; the curve check is left to OpenSSL. */
function checkPointEncoding(curve: NistCurve, point: Uint8Array, whose: string): void {
  const want = 1 + 2 * curve.fieldBytes;
  if (point.length !== want || point[0] !== 0x04) {
    throw kexError(
      `${whose} ${curve.sshName} public key must be an uncompressed point of ${want} bytes ` +
        `(got ${point.length} bytes${point.length > 0 ? ` starting 0x${point[0]!.toString(16).padStart(2, '0')}` : ''})`,
    );
  }
}

function ecdhScheme(curve: NistCurve): EphemeralScheme {
  const keyPair = (random: (n: number) => Uint8Array) => {
    const ecdh = createECDH(curve.nodeName);
    const scalar = nistPrivateScalar(curve, random);
    ecdh.setPrivateKey(scalar);
    wipe(scalar);
    return { ecdh, publicValue: new Uint8Array(ecdh.getPublicKey()) };
  };
  const agree = (ecdh: ReturnType<typeof createECDH>, peer: Uint8Array, whose: string): Uint8Array => {
    checkPointEncoding(curve, peer, whose);
    let x: Uint8Array;
    try {
      x = ecdh.computeSecret(peer);
    } catch (e) {
      throw kexError(`the ${whose} ${curve.sshName} public key is not a point on the curve`, e);
    }
    const k = new Writer(4 + 1 + curve.fieldBytes).mpintMagnitude(x).finish();
    wipe(x);
    return k;
  };
  return {
    initName: 'SSH_MSG_KEX_ECDH_INIT',
    replyName: 'SSH_MSG_KEX_ECDH_REPLY',
    client(random) {
      const { ecdh, publicValue } = keyPair(random);
      return { publicValue, finish: (serverValue) => agree(ecdh, serverValue, "server's") };
    },
    server(random, clientValue) {
      checkPointEncoding(curve, clientValue, "client's");
      const { ecdh, publicValue } = keyPair(random);
      return { publicValue, sharedSecret: agree(ecdh, clientValue, "client's") };
    },
  };
}

export function ecdhKex(curve: NistCurve): KexAlgorithm {
  return ephemeralKex(`ecdh-sha2-${curve.sshName}`, curve.hash, ecdhScheme(curve));
}

export const ecdhSha2Nistp256: KexAlgorithm = ecdhKex(NIST_CURVES.nistp256);
export const ecdhSha2Nistp384: KexAlgorithm = ecdhKex(NIST_CURVES.nistp384);
export const ecdhSha2Nistp521: KexAlgorithm = ecdhKex(NIST_CURVES.nistp521);
