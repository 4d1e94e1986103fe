/** OpenSSH-compatible configuration files: ssh_config(5) for the client, sshd_config(5) for hushd. */
export {
  resolveSshConfig,
  formatSshConfigG,
  clientAlgorithmPreferences,
  connectionHash,
  parseUserHostPort,
  type AddressFamily,
  type IdentityFile,
  type ProxyJumpHop,
  type PubkeyAuthentication,
  type RequestTty,
  type ResolveSshConfigOptions,
  type SshClientConfig,
  type SshConfigFile,
  type StrictHostKeyChecking,
} from './ssh-config.js';
export {
  parseSshdConfig,
  matchSshdConfig,
  formatSshdConfigT,
  serverAlgorithmPreferences,
  isUserAllowed,
  authorizedKeysPaths,
  sshdConfigUsesGroups,
  type ListenAddress,
  type ParseSshdConfigOptions,
  type PermitRootLogin,
  type SshdAddressFamily,
  type SshdConfig,
  type SshdConfigFile,
  type SshdConnection,
  type SshdEffectiveConfig,
  type Subsystem,
} from './sshd-config.js';
export { ConfigError, formatProblem, type ConfigProblem } from './errors.js';
export { globPaths, memoryFileSystem, type ConfigFileSystem } from './include.js';
export { parseForward, type Forward } from './forward.js';
export {
  assembleAlgorithms,
  HUSH_ALGORITHM_TABLES,
  OPENSSH_ALGORITHM_NAMES,
  type AlgorithmKind,
  type AlgorithmLists,
  type AlgorithmTables,
} from './algorithms.js';
export type { UnsupportedSetting } from './keywords.js';
export type { LogLevel } from './values.js';

