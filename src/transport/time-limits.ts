/**
 * The transport's time limits, on the injected clock: the handshake timeout, the server's
 * LoginGraceTime and the rekey interval (whose deadline KexDriver.rekeyDeadline gives).
 */
import { DisconnectReason, SshError } from '../errors.js';
import type { ResolvedConfig } from './config.js';

export interface TimeLimitState {
  startedAt: number;
  /** The first key exchange finished. */
  keyed: boolean;
  authenticated: boolean;
  /** When the rekey interval runs out, if it applies now. */
  rekeyAt: number | undefined;
}

type Limits = Pick<ResolvedConfig, 'handshakeTimeoutMs' | 'loginGraceTimeMs'>;

/** The earliest deadline that applies, if any. */
export function nextDeadline(c: Limits, s: TimeLimitState): number | undefined {
  const deadlines: number[] = [];
  if (!s.keyed && c.handshakeTimeoutMs > 0) deadlines.push(s.startedAt + c.handshakeTimeoutMs);
  if (!s.authenticated && c.loginGraceTimeMs > 0) deadlines.push(s.startedAt + c.loginGraceTimeMs);
  if (s.rekeyAt !== undefined) deadlines.push(s.rekeyAt);
  return deadlines.length > 0 ? Math.min(...deadlines) : undefined;
}

/** What is due at `now`: the error that ends the connection, a rekey, or nothing. */
export function dueAt(c: Limits, s: TimeLimitState, now: number): SshError | 'rekey' | undefined {
  if (!s.authenticated && c.loginGraceTimeMs > 0 && now >= s.startedAt + c.loginGraceTimeMs) {
    return new SshError('ERR_TIMEOUT', `authentication did not complete within ${c.loginGraceTimeMs / 1000} s (LoginGraceTime)`, {
      reason: DisconnectReason.BY_APPLICATION,
    });
  }
  if (!s.keyed) {
    if (c.handshakeTimeoutMs > 0 && now >= s.startedAt + c.handshakeTimeoutMs) {
      return new SshError('ERR_TIMEOUT', `key exchange did not complete within ${c.handshakeTimeoutMs} ms`, { reason: DisconnectReason.BY_APPLICATION });
    }
    return undefined;
  }
  return s.rekeyAt !== undefined && now >= s.rekeyAt ? 'rekey' : undefined;
}
