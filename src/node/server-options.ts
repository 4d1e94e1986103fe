/**
 * The Node server's public types: its options, who is on the other end of a connection, the
 * authentication policy's signature and the events a Server emits.
 */
import type { SigningKey } from '../algorithms/types.js';
import type { Decision, ServerAuthConfig, ServerAuthRequest } from '../auth/server.js';
import type { ConnectionConfig } from '../connection/connection.js';
import type { AuthorizedKeyOptions } from '../keys/authorized-keys/index.js';
import type { TransportConfig } from '../transport/config.js';
import type { ExitResult, SessionChannel, SessionStart } from './session-channel.js';
import type { SessionHandlerOptions } from './session-handler.js';
import type { UserAccount } from './users.js';

/** Who is on the other end of a connection. */
export interface ConnectionInfo {
  /** A number for this connection, unique within the server (for logs). */
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
}

/**
 * Decides one authentication request; may be async. `AuthPolicy` from authenticate.ts (one
 * argument) fits; the second argument says who asks.
 */
export type ServerAuthPolicy = (request: ServerAuthRequest, connection: ConnectionInfo) => Decision | Promise<Decision>;

export interface ServerOptions {
  hostKeys: readonly SigningKey[];
  /** Transport options (algorithms, rekey limits, ...). */
  transport?: Omit<TransportConfig, 'role' | 'hostKeys'>;
  /** Authentication options (methods offered, MaxAuthTries, banner). Default methods: publickey with the default policy. */
  auth?: ServerAuthConfig;
  /** Connection protocol limits (window, maximum packet, channels). */
  connection?: Omit<ConnectionConfig, 'role'>;
  /**
   * Decides authentication requests. Default: publickey against the user's authorized_keys files
   * (`authorizedKeysFiles`), for accounts found by `users`; when the server does not run as root,
   * only its own user (by uid) can log in.
   */
  authPolicy?: ServerAuthPolicy;
  /** With a custom authPolicy: the restrictions for a session authenticated with this key (default none). */
  keyOptions?: (user: string, key: Uint8Array, connection: ConnectionInfo) => AuthorizedKeyOptions | undefined;
  /** Finds accounts, for the default policy and for sessions (default: the system's, through getent). */
  users?: (name: string) => UserAccount | undefined;
  /** sshd's AuthorizedKeysFile for the default policy (default .ssh/authorized_keys). */
  authorizedKeysFiles?: readonly string[];
  /**
   * sshd's StrictModes for the default policy (default true): an authorized_keys file that
   * others could have written (its own modes and owner, and those of the directories above it
   * up to the user's home) is not read.
   */
  strictModes?: boolean;
  /** The session handler's options, or a handler of your own (called for each accepted session channel). */
  sessions?: SessionHandlerOptions | ((session: SessionChannel) => void);
  /** sshd's MaxSessions: open session channels per connection (default 10). */
  maxSessions?: number;
  /**
   * sshd's ClientAliveInterval / ClientAliveCountMax: after this many ms without hearing from an
   * authenticated client, send keepalive@openssh.com (want-reply); after countMax unanswered in a
   * row, disconnect. 0 (default) disables.
   */
  clientAliveIntervalMs?: number;
  clientAliveCountMax?: number;
  /** Connections at once; more are dropped at accept (default unlimited). */
  maxConnections?: number;
  /**
   * sshd's MaxStartups: connections not yet authenticated at once. A number is a hard limit
   * (default 100); `{ begin, rate, full }` is sshd's random early drop (its default 10:30:100):
   * from `begin` on, a new connection is dropped with probability `rate`%, rising linearly to
   * 100% at `full`.
   */
  maxStartups?: number | { readonly begin: number; readonly rate: number; readonly full: number };
  /**
   * sshd's TCPKeepAlive: SO_KEEPALIVE on every accepted connection (default true), so that a
   * client that vanished without closing (a cut network, a suspended laptop) is dropped by the
   * kernel instead of holding its session for ever.
   */
  tcpKeepAlive?: boolean;
  /** sshd's LoginGraceTime in milliseconds (default 120 s; 0 = none). */
  loginGraceTimeMs?: number;
  /** Bytes queued for a slow client above which a session's program is paused (default 1 MiB). */
  sessionHighWater?: number;
}

export interface ServerEvents {
  connection: [connection: ConnectionInfo];
  authenticated: [event: { connection: ConnectionInfo; user: string; method: string; keyType?: string; fingerprint?: string }];
  /** A refused attempt; for publickey, the offered key's type and SHA256 fingerprint (as sshd logs them). */
  'auth-failure': [event: { connection: ConnectionInfo; user: string; method: string; attempts: number; keyType?: string; fingerprint?: string }];
  session: [event: { connection: ConnectionInfo; user: string; channel: number } & SessionStart];
  'session-exit': [event: { connection: ConnectionInfo; user: string; channel: number; result: ExitResult }];
  /**
   * The connection is over. `error` is absent after an orderly close; `reason` says what happened.
   * `user` is set once authenticated; before that, `attemptedUser` is the last user name tried.
   */
  /**
   * A connection ended. `dropped`: refused at accept, by which limit (with the number of
   * connections then still authenticating).
   */
  disconnect: [
    event: {
      connection: ConnectionInfo;
      user?: string;
      attemptedUser?: string;
      reason: string;
      error?: Error;
      dropped?: 'shutdown' | 'maxConnections' | 'MaxStartups';
      unauthenticated?: number;
    },
  ];
}
