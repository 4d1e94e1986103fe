/**
 * Key exchange method registry (Go's kexAlgoMap). Default, supported and insecure lists are kept
 * apart: insecure methods are never offered unless the application names them.
 */
import type { KexAlgorithm } from '../algorithms/types.js';
import { curve25519Sha256, curve25519Sha256Libssh } from './curve25519.js';
import {
  diffieHellmanGroup14Sha1,
  diffieHellmanGroup14Sha256,
  diffieHellmanGroup16Sha512,
  diffieHellmanGroup18Sha512,
  diffieHellmanGroup1Sha1,
} from './dh.js';
import { diffieHellmanGroupExchangeSha1, diffieHellmanGroupExchangeSha256 } from './dh-gex.js';
import { ecdhSha2Nistp256, ecdhSha2Nistp384, ecdhSha2Nistp521 } from './ecdh.js';
import { mlkem768x25519Sha256 } from './mlkem.js';

const SECURE: readonly KexAlgorithm[] = [
  mlkem768x25519Sha256,
  curve25519Sha256,
  curve25519Sha256Libssh,
  ecdhSha2Nistp256,
  ecdhSha2Nistp384,
  ecdhSha2Nistp521,
  diffieHellmanGroupExchangeSha256,
  diffieHellmanGroup16Sha512,
  diffieHellmanGroup18Sha512,
  diffieHellmanGroup14Sha256,
];

const LEGACY: readonly KexAlgorithm[] = [
  diffieHellmanGroup14Sha1,
  diffieHellmanGroup1Sha1,
  diffieHellmanGroupExchangeSha1,
];

/** OpenSSH 10's default KexAlgorithms order (minus sntrup761x25519-sha512, not implemented). */
export const DEFAULT_KEX: readonly string[] = Object.freeze(SECURE.map((k) => k.name));

/** Every method implemented that is fit to offer. */
export const SUPPORTED_KEX: readonly string[] = DEFAULT_KEX;

/** SHA-1 and 1024-bit methods: only for talking to old peers, only when asked for by name. */
export const INSECURE_KEX: readonly string[] = Object.freeze(LEGACY.map((k) => k.name));

const BY_NAME: ReadonlyMap<string, KexAlgorithm> = new Map([...SECURE, ...LEGACY].map((k) => [k.name, k]));

export function getKex(name: string): KexAlgorithm | undefined {
  return BY_NAME.get(name);
}
