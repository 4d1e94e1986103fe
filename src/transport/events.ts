/** What the transport tells the layer above it (pollEvent). */
import type { SshError } from '../errors.js';
import type { NegotiatedAlgorithms } from './negotiate.js';
import type { PeerVersion } from './version.js';

export type TransportEvent =
  /** The peer's identification line (and, from a server, any lines before it). */
  | { type: 'version'; version: PeerVersion; preamble: readonly string[] }
  /**
   * Client only: the server proved possession of this host key. The transport waits until the
   * application calls answerHostKey(id, accept): nothing else happens on the connection until then.
   */
  | { type: 'hostKey'; id: number; hostKey: Uint8Array; algorithm: string }
  /** A key exchange finished (both NEWKEYS seen). */
  | {
      type: 'kex';
      initial: boolean;
      /** Who sent the first KEXINIT (for the initial exchange both do at once; it reads 'us'). */
      initiatedBy: 'us' | 'peer';
      algorithms: NegotiatedAlgorithms;
      strict: boolean;
      sessionId: Uint8Array;
    }
  /** RFC 8308 extension negotiation from the peer. */
  | { type: 'extInfo'; extensions: ReadonlyMap<string, Uint8Array> }
  /** Server: a service was accepted. Client: the server accepted our service request. */
  | { type: 'service'; name: string }
  /** A message for the layers above (number 50 or higher), whole. */
  | { type: 'payload'; payload: Uint8Array; seq: number }
  | { type: 'debug'; message: string; alwaysDisplay: boolean }
  | { type: 'unimplemented'; sequenceNumber: number }
  /** Terminal: the connection is over. `error` is absent after a local, orderly disconnect. */
  | { type: 'closed'; error?: SshError };
