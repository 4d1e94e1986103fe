/**
 * Host key algorithm order from what known_hosts already holds (OpenSSH sshconnect2.c
 * order_hostkeyalgs()): when a host is known by some key types, ask for those first, so the
 * server presents a key we can check instead of one that would look new (or changed).
 */

const CERT_SUFFIX = '-cert-v01@openssh.com';

/**
 * The key type a host key algorithm name needs: rsa-sha2-512 / rsa-sha2-256 / ssh-rsa ->
 * ssh-rsa, each ECDSA curve to itself, a certificate algorithm to its plain key type
 * (ssh-ed25519-cert-v01@openssh.com -> ssh-ed25519, sk-ssh-ed25519-cert-v01@openssh.com ->
 * sk-ssh-ed25519@openssh.com).
 */
export function plainKeyTypeForAlgorithm(algorithm: string): string {
  let base = algorithm;
  if (base.endsWith(CERT_SUFFIX)) {
    base = base.slice(0, -CERT_SUFFIX.length);
    if (base.startsWith('sk-')) base += '@openssh.com';
  }
  if (base === 'rsa-sha2-256' || base === 'rsa-sha2-512') return 'ssh-rsa';
  return base;
}

export function isCertificateAlgorithm(algorithm: string): boolean {
  return algorithm.endsWith(CERT_SUFFIX);
}

export interface PreferHostKeyAlgorithmsOptions {
  /** known_hosts holds an @cert-authority line for the host: certificate algorithms go first too. */
  readonly certAuthority?: boolean;
}

/**
 * `defaultList` reordered for a host whose known key types are `knownTypes` (key types, e.g.
 * "ssh-rsa", "ecdsa-sha2-nistp256"). If the first algorithm already fits a known key, the list
 * is kept as it is; otherwise the algorithms that fit a known key (or are certificates, with
 * `certAuthority`) move to the front, each group keeping its order.
 */
export function preferHostKeyAlgorithms(
  defaultList: readonly string[],
  knownTypes: Iterable<string>,
  options: PreferHostKeyAlgorithmsOptions = {},
): string[] {
  const known = new Set(knownTypes);
  const best = defaultList[0];
  if (best === undefined || known.has(plainKeyTypeForAlgorithm(best))) return [...defaultList];
  const first: string[] = [];
  const last: string[] = [];
  for (const alg of defaultList) {
    const preferred =
      (options.certAuthority === true && isCertificateAlgorithm(alg)) || known.has(plainKeyTypeForAlgorithm(alg));
    (preferred ? first : last).push(alg);
  }
  return [...first, ...last];
}
