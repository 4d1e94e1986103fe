/**
 * One place that knows every algorithm family: defaults, supported and insecure (opt-in) lists,
 * and lookup by name. Default, supported and insecure lists are kept apart (Go's kexAlgoMap,
 * rustls' CryptoProvider); a weak name in a configuration is refused unless the user opts in.
 */
import {
  cipherAlgorithm,
  createOpener,
  createSealer,
  DEFAULT_CIPHERS,
  DEFAULT_MACS,
  INSECURE_CIPHERS,
  INSECURE_MACS,
  macAlgorithm,
  plainOpener,
  plainSealer,
  SUPPORTED_CIPHERS,
  SUPPORTED_MACS,
} from '../crypto/cipher-registry.js';
import { SshError } from '../errors.js';
import { DEFAULT_KEX, getKex as kexByName, INSECURE_KEX, SUPPORTED_KEX } from '../kex/registry.js';
import {
  DEFAULT_HOST_KEY_ALGORITHMS,
  getSignatureAlgorithm,
  INSECURE_HOST_KEY_ALGORITHMS,
  SUPPORTED_HOST_KEY_ALGORITHMS,
} from '../keys/registry.js';
import { SUPPORTED_COMPRESSION } from '../transport/compression.js';
import type { AlgorithmPreferences } from '../transport/config.js';
import type { CipherAlgorithm, KexAlgorithm, MacAlgorithm, SignatureAlgorithm } from './types.js';

export { createOpener, createSealer, plainOpener, plainSealer };

export type AlgorithmKind = keyof AlgorithmPreferences;

export const DEFAULT_ALGORITHMS: AlgorithmPreferences = Object.freeze({
  kex: DEFAULT_KEX,
  hostKey: DEFAULT_HOST_KEY_ALGORITHMS,
  cipher: DEFAULT_CIPHERS,
  mac: DEFAULT_MACS,
  // Like sshd: delayed compression only by default; plain 'zlib' (compression before auth) on request.
  compression: ['none', 'zlib@openssh.com'],
});

export const SUPPORTED_ALGORITHMS: AlgorithmPreferences = Object.freeze({
  kex: SUPPORTED_KEX,
  hostKey: SUPPORTED_HOST_KEY_ALGORITHMS,
  cipher: SUPPORTED_CIPHERS,
  mac: SUPPORTED_MACS,
  compression: SUPPORTED_COMPRESSION,
});

export const INSECURE_ALGORITHMS: AlgorithmPreferences = Object.freeze({
  kex: INSECURE_KEX,
  hostKey: INSECURE_HOST_KEY_ALGORITHMS,
  cipher: INSECURE_CIPHERS,
  mac: INSECURE_MACS,
  compression: [],
});

/** What the server announces in server-sig-algs (RFC 8308 §3.1): the safe signature algorithms. */
export const DEFAULT_SERVER_SIG_ALGS: readonly string[] = SUPPORTED_HOST_KEY_ALGORITHMS;

const KIND_NAMES: Record<AlgorithmKind, string> = {
  kex: 'key exchange method',
  hostKey: 'host key algorithm',
  cipher: 'cipher',
  mac: 'MAC',
  compression: 'compression method',
};

/**
 * Checks a user's algorithm lists: every name must be implemented, and weak ones need
 * `allowInsecure`. Missing kinds get the defaults.
 */
export function resolvePreferences(prefs: Partial<AlgorithmPreferences>, allowInsecure: boolean): AlgorithmPreferences {
  const out = { ...DEFAULT_ALGORITHMS };
  for (const kind of Object.keys(KIND_NAMES) as AlgorithmKind[]) {
    const list = prefs[kind];
    if (list === undefined) continue;
    if (list.length === 0) throw new SshError('ERR_UNSUPPORTED', `the ${KIND_NAMES[kind]} list is empty`);
    for (const name of list) {
      if (SUPPORTED_ALGORITHMS[kind].includes(name)) continue;
      if (INSECURE_ALGORITHMS[kind].includes(name)) {
        if (allowInsecure) continue;
        throw new SshError(
          'ERR_UNSUPPORTED',
          `${KIND_NAMES[kind]} ${name} is weak and disabled by default; enable it explicitly with allowInsecure`,
        );
      }
      throw new SshError(
        'ERR_UNSUPPORTED',
        `unknown ${KIND_NAMES[kind]} ${name} (supported: ${SUPPORTED_ALGORITHMS[kind].join(', ')})`,
      );
    }
    out[kind] = [...list];
  }
  return out;
}

export function getKex(name: string): KexAlgorithm | undefined {
  return kexByName(name);
}
export function getCipher(name: string): CipherAlgorithm | undefined {
  return cipherAlgorithm(name);
}
export function getMac(name: string): MacAlgorithm | undefined {
  return macAlgorithm(name);
}
export function getSignature(name: string): SignatureAlgorithm | undefined {
  return getSignatureAlgorithm(name);
}
