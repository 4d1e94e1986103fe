/**
 * Finite-field Diffie-Hellman over MODP groups: the groups (RFC 2409 §6.2 Oakley group 2,
 * RFC 3526 §§3-7, all with generator 2, as OpenSSL ships them), key generation from injected
 * randomness and the public-value check of RFC 4253 §8 (1 < e < p-1).
 */
import { createDiffieHellman, createPublicKey, getDiffieHellman } from 'node:crypto';
import { kexError, wipe } from './common.js';
import { dhDerive, dhPrivateKey, dhPublicKey, dhPublicValue } from './dh-der.js';

export interface DhGroup {
  /** A label for messages, e.g. 'RFC 3526 group 14 (2048-bit MODP)'. */
  readonly label: string;
  /** The prime p, unsigned big-endian. */
  readonly prime: Uint8Array;
  /** The generator g, unsigned big-endian. */
  readonly generator: Uint8Array;
  readonly bits: number;
  /**
   * One of OpenSSL's built-in named groups (RFC 3526 14-18), which node's DiffieHellman class
   * accepts without a primality test.
   */
  readonly opensslNamed: boolean;
}

type ModpName = 'modp2' | 'modp14' | 'modp15' | 'modp16' | 'modp17' | 'modp18';
const cache = new Map<ModpName, DhGroup>();

function modp(name: ModpName, label: string): DhGroup {
  let g = cache.get(name);
  if (g === undefined) {
    const prime = new Uint8Array(getDiffieHellman(name).getPrime());
    g = { label, prime, generator: Uint8Array.of(2), bits: bitLength(prime), opensslNamed: name !== 'modp2' };
    cache.set(name, g);
  }
  return g;
}

/** RFC 2409 §6.2 (Oakley group 2), 1024-bit: diffie-hellman-group1-sha1 only. */
export const oakleyGroup2 = (): DhGroup => modp('modp2', 'Oakley group 2 (1024-bit MODP)');
/** RFC 3526 §3, 2048-bit. */
export const modpGroup14 = (): DhGroup => modp('modp14', 'RFC 3526 group 14 (2048-bit MODP)');
/** RFC 3526 §4, 3072-bit. */
export const modpGroup15 = (): DhGroup => modp('modp15', 'RFC 3526 group 15 (3072-bit MODP)');
/** RFC 3526 §5, 4096-bit. */
export const modpGroup16 = (): DhGroup => modp('modp16', 'RFC 3526 group 16 (4096-bit MODP)');
/** RFC 3526 §6, 6144-bit. */
export const modpGroup17 = (): DhGroup => modp('modp17', 'RFC 3526 group 17 (6144-bit MODP)');
/** RFC 3526 §7, 8192-bit. */
export const modpGroup18 = (): DhGroup => modp('modp18', 'RFC 3526 group 18 (8192-bit MODP)');

/** The RFC 3526 group with this prime and generator, if it is one (a GEX server's choice). */
export function findKnownGroup(prime: Uint8Array, generator: Uint8Array): DhGroup | undefined {
  if (generator.length !== 1 || generator[0] !== 2) return undefined;
  return gexServerGroups().find((g) => g.prime.length === prime.length && g.prime.every((v, i) => v === prime[i]));
}

/** The safe primes a group-exchange server offers, smallest first. */
export function gexServerGroups(): DhGroup[] {
  return [modpGroup14(), modpGroup15(), modpGroup16(), modpGroup17(), modpGroup18()];
}

export function bitLength(magnitude: Uint8Array): number {
  let i = 0;
  while (i < magnitude.length && magnitude[i] === 0) i++;
  if (i === magnitude.length) return 0;
  return (magnitude.length - i - 1) * 8 + (32 - Math.clz32(magnitude[i]!));
}

export function toBigInt(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let hex = '';
  for (const x of b) hex += x.toString(16).padStart(2, '0');
  return BigInt('0x' + hex);
}

/**
 * RFC 4253 §8: "Values of 'e' or 'f' that are not in the range [1, p-1] MUST NOT be sent or
 * accepted"; like OpenSSH (dh_pub_is_valid) this also refuses 1 and p-1, which would make K
 * trivially predictable.
 */
export function checkPublicValue(value: Uint8Array, prime: Uint8Array, name: 'e' | 'f'): void {
  const y = toBigInt(value);
  const p = toBigInt(prime);
  if (y <= 1n || y >= p - 1n) {
    const what = y === 0n ? '0' : y === 1n ? '1' : y === p - 1n ? 'p-1' : y >= p ? 'not less than p' : 'out of range';
    throw kexError(`invalid Diffie-Hellman public value ${name}: ${what} (must satisfy 1 < ${name} < p-1)`);
  }
}

/**
 * Private exponent size: twice the wanted security level (RFC 8268 §4 / NIST SP 800-56A), as
 * OpenSSH does from the hash size; never more than the group allows.
 */
export function exponentBits(group: DhGroup, hashBits: number): number {
  return Math.min(2 * Math.max(hashBits, 256), group.bits - 2);
}

/**
 * One side's ephemeral Diffie-Hellman key in `group`. Two node:crypto back ends: the
 * DiffieHellman class for OpenSSL's named groups (RFC 3526 14-18: fastest, no checks), and
 * KeyObjects for any other group (dh-der.ts explains why the DiffieHellman class is unusable
 * there; OpenSSL then also checks the peer value's subgroup, which costs a full-size exponentiation).
 */
export class DhKeyPair {
  /** Our public value g^x mod p, unsigned big-endian without leading zeros. */
  readonly publicValue: Uint8Array;
  private readonly derive: (peer: Uint8Array) => Uint8Array;

  private constructor(
    private readonly group: DhGroup,
    x: Uint8Array,
  ) {
    if (group.opensslNamed) {
      const dh = createDiffieHellman(group.prime, group.generator);
      dh.setPrivateKey(x);
      this.publicValue = stripLeadingZeros(new Uint8Array(dh.generateKeys()));
      this.derive = (peer) => {
        try {
          return dh.computeSecret(peer);
        } catch (e) {
          throw kexError('Diffie-Hellman key agreement failed', e);
        }
      };
    } else {
      const privateKey = dhPrivateKey(group.prime, group.generator, x);
      this.publicValue = dhPublicValue(createPublicKey(privateKey));
      this.derive = (peer) => dhDerive(privateKey, dhPublicKey(group.prime, group.generator, peer));
    }
  }

  /** x: `bits` random bits from `random`, retried in the (negligible) case x < 2. */
  static generate(group: DhGroup, random: (n: number) => Uint8Array, bits: number): DhKeyPair {
    const nbytes = Math.ceil(bits / 8);
    for (let attempt = 0; attempt < 64; attempt++) {
      const x = random(nbytes).slice();
      if (x.length !== nbytes) throw kexError('random source returned the wrong number of bytes');
      x[0]! &= 0xff >>> (nbytes * 8 - bits);
      if (bitLength(x) >= 2) {
        const pair = new DhKeyPair(group, x);
        wipe(x);
        return pair;
      }
    }
    throw kexError('could not draw a Diffie-Hellman private exponent: the random source looks broken');
  }

  /** K = peer^x mod p (unsigned big-endian, leading zeros stripped) after checking the peer's value. */
  computeSharedSecret(peer: Uint8Array, peerName: 'e' | 'f'): Uint8Array {
    checkPublicValue(peer, this.group.prime, peerName);
    return stripLeadingZeros(this.derive(peer));
  }
}

function stripLeadingZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
}
