/** Fills in a TransportConfig's defaults and checks what a transport cannot start without. */
import * as registry from '../algorithms/registry.js';
import { SshError } from '../errors.js';
import { clampPacketLength, DEFAULTS, defaultRandom, type ResolvedConfig, type TransportConfig } from './config.js';
import { formatVersionLine } from './version.js';

export function resolveConfig(config: TransportConfig): ResolvedConfig {
  const algorithms = registry.resolvePreferences(config.algorithms ?? {}, config.allowInsecure ?? false);
  if (config.role === 'server' && (config.hostKeys?.length ?? 0) === 0) {
    throw new SshError('ERR_STATE', 'a server needs at least one host key');
  }
  return {
    role: config.role,
    versionLine: formatVersionLine(config.softwareVersion ?? DEFAULTS.softwareVersion),
    algorithms,
    hostKeys: config.hostKeys ?? [],
    random: config.random ?? defaultRandom,
    now: config.now ?? Date.now,
    rekeyBytes: config.rekeyBytes ?? DEFAULTS.rekeyBytes,
    rekeyIntervalMs: config.rekeyIntervalMs ?? DEFAULTS.rekeyIntervalMs,
    handshakeTimeoutMs: config.handshakeTimeoutMs ?? DEFAULTS.handshakeTimeoutMs,
    loginGraceTimeMs: config.role === 'server' ? (config.loginGraceTimeMs ?? DEFAULTS.loginGraceTimeMs) : 0,
    maxPacketLength: clampPacketLength(config.maxPacketLength),
    services: config.services ?? ['ssh-userauth'],
    serverSigAlgs: config.serverSigAlgs ?? registry.DEFAULT_SERVER_SIG_ALGS,
    strictKex: config.strictKex ?? true,
    maxQueuedBytes: config.maxQueuedBytes ?? DEFAULTS.maxQueuedBytes,
  };
}
