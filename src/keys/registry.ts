/**
 * Host key / signature algorithm registry. ssh-rsa (SHA-1) is kept apart: it is never offered
 * unless the application names it.
 */
import {
  ecdsaSha2Nistp256,
  ecdsaSha2Nistp384,
  ecdsaSha2Nistp521,
  rsaSha2_256,
  rsaSha2_512,
  sshEd25519,
  sshRsa,
  type SshSignatureAlgorithm,
} from './signature.js';

const SECURE: readonly SshSignatureAlgorithm[] = [
  sshEd25519,
  ecdsaSha2Nistp256,
  ecdsaSha2Nistp384,
  ecdsaSha2Nistp521,
  rsaSha2_512,
  rsaSha2_256,
];

/** OpenSSH 10's HostKeyAlgorithms order for plain (non-certificate) keys. */
export const DEFAULT_HOST_KEY_ALGORITHMS: readonly string[] = Object.freeze(SECURE.map((a) => a.name));

export const SUPPORTED_HOST_KEY_ALGORITHMS: readonly string[] = DEFAULT_HOST_KEY_ALGORITHMS;

/** RSA with SHA-1: only for old peers, only when asked for by name. */
export const INSECURE_HOST_KEY_ALGORITHMS: readonly string[] = Object.freeze([sshRsa.name]);

const BY_NAME: ReadonlyMap<string, SshSignatureAlgorithm> = new Map(
  [...SECURE, sshRsa].map((a) => [a.name, a] as const),
);

export function getSignatureAlgorithm(name: string): SshSignatureAlgorithm | undefined {
  return BY_NAME.get(name);
}

/** The key type a signature algorithm needs, e.g. 'rsa-sha2-512' -> 'ssh-rsa'. */
export function keyTypeForAlgorithm(name: string): string | undefined {
  return BY_NAME.get(name)?.keyType;
}

/** Signature algorithm names a key type can produce, best first (the insecure one last, if asked). */
export function algorithmsForKeyType(keyType: string, options: { sshRsaSha1?: boolean } = {}): string[] {
  const names = SECURE.filter((a) => a.keyType === keyType).map((a) => a.name);
  if (keyType === 'ssh-rsa' && options.sshRsaSha1 === true) names.push(sshRsa.name);
  return names;
}
