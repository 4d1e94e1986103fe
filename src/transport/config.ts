/** Transport configuration and its defaults (close to OpenSSH 10's). */
import { randomBytes } from 'node:crypto';
import type { SigningKey } from '../algorithms/types.js';
import { HUSH_VERSION } from '../version.js';
import { MAX_PACKET_LENGTH } from './packet-decoder.js';

export type Role = 'client' | 'server';

export interface AlgorithmPreferences {
  kex: readonly string[];
  hostKey: readonly string[];
  cipher: readonly string[];
  mac: readonly string[];
  compression: readonly string[];
}

export interface TransportConfig {
  role: Role;
  /** Software version in the identification line; default `hush_<version>`. */
  softwareVersion?: string;
  /** Algorithm lists in preference order. Names outside the supported sets are refused at construction. */
  algorithms?: Partial<AlgorithmPreferences>;
  /** Allow the weak algorithms (SHA-1 key exchange and signatures, CBC, hmac-sha1) in `algorithms`. */
  allowInsecure?: boolean;
  /** Server: the host keys; the exchange hash is signed with the one matching the negotiated algorithm. */
  hostKeys?: readonly SigningKey[];
  /** Randomness source (injected so a handshake can be replayed byte for byte). */
  random?: (n: number) => Uint8Array;
  /** Clock in milliseconds (injected for tests). */
  now?: () => number;
  /** Rekey after this many bytes in either direction (default 1 GiB, as OpenSSH's RekeyLimit default for modern ciphers). */
  rekeyBytes?: number;
  /** Rekey after this many milliseconds (default 1 hour). 0 disables time-based rekeying. */
  rekeyIntervalMs?: number;
  /** The first key exchange must finish within this many milliseconds (default 120 s). 0 disables. */
  handshakeTimeoutMs?: number;
  /**
   * Server: user authentication must succeed within this many milliseconds of the connection's
   * start, or the connection is dropped (sshd's LoginGraceTime; default 120 s). 0 disables.
   */
  loginGraceTimeMs?: number;
  /** Largest packet_length accepted (default and maximum 256 KiB). */
  maxPacketLength?: number;
  /** Server: services a client may request (default ssh-userauth). */
  services?: readonly string[];
  /** Server: signature algorithms announced in `server-sig-algs` (RFC 8308 §3.1). */
  serverSigAlgs?: readonly string[];
  /** Offer strict key exchange (the Terrapin countermeasure). Default true; turning it off is for tests. */
  strictKex?: boolean;
  /** Bound on payload bytes queued while a key exchange runs (default 64 MiB). */
  maxQueuedBytes?: number;
}

export interface ResolvedConfig {
  role: Role;
  versionLine: string;
  algorithms: AlgorithmPreferences;
  hostKeys: readonly SigningKey[];
  random: (n: number) => Uint8Array;
  now: () => number;
  rekeyBytes: number;
  rekeyIntervalMs: number;
  handshakeTimeoutMs: number;
  loginGraceTimeMs: number;
  maxPacketLength: number;
  services: readonly string[];
  serverSigAlgs: readonly string[];
  strictKex: boolean;
  maxQueuedBytes: number;
}

export const DEFAULTS = {
  softwareVersion: `hush_${HUSH_VERSION}`,
  rekeyBytes: 1024 * 1024 * 1024,
  rekeyIntervalMs: 60 * 60 * 1000,
  handshakeTimeoutMs: 120_000,
  loginGraceTimeMs: 120_000,
  maxQueuedBytes: 64 * 1024 * 1024,
} as const;

export function defaultRandom(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n).buffer, 0, n);
}

export function clampPacketLength(n: number | undefined): number {
  if (n === undefined) return MAX_PACKET_LENGTH;
  return Math.max(32 * 1024, Math.min(MAX_PACKET_LENGTH, n));
}
