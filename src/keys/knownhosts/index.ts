/**
 * known_hosts: parsing, host key checking and writing, as OpenSSH's ssh(1) does them.
 * Pure functions over file text: reading the files is the caller's job (src/node/).
 *
 *   const kh = new KnownHosts([{ path: userFile, text }, { path: '/etc/ssh/ssh_known_hosts', text: globalText }]);
 *   const r = kh.lookup('example.org', 22, serverHostKeyBlob);
 *   switch (r.status) { case 'known': ...; case 'unknown': ...; case 'changed': r.offending; case 'revoked': ... }
 *   appendFile(userFile, formatKnownHostsLine('example.org', 22, blob, { hash: true }));
 */
export {
  KnownHosts,
  type HostKeyLookup,
  type HostKeyStatus,
  type KnownHostsFile,
} from './known-hosts.js';
export {
  entryMatchesName,
  parseKnownHosts,
  type KnownHostsEntry,
  type KnownHostsError,
  type KnownHostsMarker,
  type ParsedKnownHosts,
} from './parse.js';
export { DEFAULT_SSH_PORT, formatKnownHostsLine, knownHostsName, type FormatKnownHostsOptions } from './format.js';
export { HASH_MAGIC, HOST_HASH_SALT_LENGTH, hashHostName } from './host-hash.js';
export {
  isCertificateAlgorithm,
  plainKeyTypeForAlgorithm,
  preferHostKeyAlgorithms,
  type PreferHostKeyAlgorithmsOptions,
} from './algorithms.js';
export { asciiLower, matchHostname, matchPattern, matchPatternList, type PatternListResult } from './patterns.js';
export { decideHostKey, keyLabel, type HostKeyDecision, type StrictHostKeyChecking } from './policy.js';
