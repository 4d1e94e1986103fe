/**
 * Typed errors with stable codes. Every failure the library reports is an SshError:
 * `code` is stable and meant for programs; `message` is meant for people.
 * Protocol errors carry the SSH_MSG_DISCONNECT reason that RFC 4253 §11.1 prescribes.
 */

/** RFC 4253 §11.1 disconnection reason codes. */
export const DisconnectReason = {
  HOST_NOT_ALLOWED_TO_CONNECT: 1,
  PROTOCOL_ERROR: 2,
  KEY_EXCHANGE_FAILED: 3,
  RESERVED: 4,
  MAC_ERROR: 5,
  COMPRESSION_ERROR: 6,
  SERVICE_NOT_AVAILABLE: 7,
  PROTOCOL_VERSION_NOT_SUPPORTED: 8,
  HOST_KEY_NOT_VERIFIABLE: 9,
  CONNECTION_LOST: 10,
  BY_APPLICATION: 11,
  TOO_MANY_CONNECTIONS: 12,
  AUTH_CANCELLED_BY_USER: 13,
  NO_MORE_AUTH_METHODS_AVAILABLE: 14,
  ILLEGAL_USER_NAME: 15,
} as const;
export type DisconnectReasonCode = (typeof DisconnectReason)[keyof typeof DisconnectReason];

export function disconnectReasonName(code: number): string {
  for (const [name, value] of Object.entries(DisconnectReason)) if (value === code) return name;
  return `UNKNOWN(${code})`;
}

export type SshErrorCode =
  | 'ERR_WIRE' // a message could not be decoded (truncated, trailing bytes, bad encoding)
  | 'ERR_PROTOCOL' // the peer broke a protocol rule
  | 'ERR_VERSION' // identification exchange failed
  | 'ERR_PACKET_LENGTH' // packet length out of bounds or misaligned
  | 'ERR_PADDING' // padding length invalid
  | 'ERR_MAC' // message authentication failed
  | 'ERR_KEX_NEGOTIATION' // no common algorithm
  | 'ERR_KEX' // key exchange failed (bad public value, bad signature, ...)
  | 'ERR_HOST_KEY_REJECTED' // the application refused the server's host key
  | 'ERR_STRICT_KEX' // strict-KEX (Terrapin countermeasure) violation
  | 'ERR_COMPRESSION'
  | 'ERR_SERVICE' // service request refused
  | 'ERR_AUTH_FAILED' // user authentication failed with every method
  | 'ERR_PEER_DISCONNECTED' // the peer sent SSH_MSG_DISCONNECT
  | 'ERR_CONNECTION_LOST' // the byte stream ended
  | 'ERR_TIMEOUT'
  | 'ERR_LIMIT' // a resource limit was reached
  | 'ERR_STATE' // the API was used in a state where that call is not allowed
  | 'ERR_KEY' // a key could not be parsed or used
  | 'ERR_CONFIG' // a configuration file or option is invalid
  | 'ERR_UNSUPPORTED';

export class SshError extends Error {
  readonly code: SshErrorCode;
  /** The SSH_MSG_DISCONNECT reason to send the peer for this error, when one applies. */
  readonly disconnectReason: DisconnectReasonCode | undefined;

  constructor(code: SshErrorCode, message: string, options?: { reason?: DisconnectReasonCode; cause?: unknown }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'SshError';
    this.code = code;
    this.disconnectReason = options?.reason;
  }
}

/** Raised by every decoder on malformed input; never anything else. */
export class WireError extends SshError {
  constructor(message: string) {
    super('ERR_WIRE', message, { reason: DisconnectReason.PROTOCOL_ERROR });
    this.name = 'WireError';
  }
}

/** The peer sent SSH_MSG_DISCONNECT. */
export class PeerDisconnectError extends SshError {
  readonly reasonCode: number;
  readonly description: string;
  constructor(reasonCode: number, description: string) {
    super(
      'ERR_PEER_DISCONNECTED',
      `peer disconnected: ${disconnectReasonName(reasonCode)}${description ? `: ${description}` : ''}`,
    );
    this.name = 'PeerDisconnectError';
    this.reasonCode = reasonCode;
    this.description = description;
  }
}

export function protocolError(message: string): SshError {
  return new SshError('ERR_PROTOCOL', message, { reason: DisconnectReason.PROTOCOL_ERROR });
}

export function assertNever(x: never, what = 'value'): never {
  throw new SshError('ERR_STATE', `unexpected ${what}: ${JSON.stringify(x)}`);
}
