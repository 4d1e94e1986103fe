/**
 * Pieces every key exchange method shares: error constructors, the message-number dispatch rule
 * for the 30-49 range (RFC 4251 §7: their meaning depends on the negotiated method, so each method
 * decodes its own) and the wire field for a non-negative mpint kept as its magnitude bytes.
 */
import { DisconnectReason, SshError, protocolError } from '../errors.js';
import type { Field } from '../messages/codec.js';

/** A key exchange failure: bad public value, bad group, bad length. Sent as KEY_EXCHANGE_FAILED. */
export function kexError(message: string, cause?: unknown): SshError {
  return new SshError('ERR_KEX', message, {
    reason: DisconnectReason.KEY_EXCHANGE_FAILED,
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** The peer sent a message number that the method does not expect in its current state. */
export function unexpectedMessage(method: string, expected: string, payload: Uint8Array): SshError {
  const got = payload.length > 0 ? String(payload[0]) : 'an empty payload';
  return protocolError(`${method}: expected ${expected}, got message ${got}`);
}

/** The session was driven out of order (a transport bug rather than a peer's). */
export function misuse(method: string, what: string): SshError {
  return new SshError('ERR_STATE', `${method}: ${what}`);
}

/** Throws ERR_PROTOCOL unless the payload carries message number `id`. */
export function expectMessage(method: string, payload: Uint8Array, id: number, name: string): void {
  if (payload[0] !== id) throw unexpectedMessage(method, `${name} (${id})`, payload);
}

/**
 * A non-negative `mpint` held as its unsigned big-endian magnitude (no leading zero bytes):
 * DH public values and the shared secret. Negative or non-minimal encodings are WireErrors.
 */
export const mpintMagnitude: Field<Uint8Array> = {
  read: (r) => r.mpintMagnitude(),
  write: (w, v) => void w.mpintMagnitude(v),
};

/** Overwrites secret bytes; best effort, JS offers no stronger guarantee. */
export function wipe(...arrays: Array<Uint8Array | undefined>): void {
  for (const a of arrays) a?.fill(0);
}

export function isAllZero(b: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < b.length; i++) acc |= b[i]!;
  return acc === 0;
}

export const EMPTY = new Uint8Array(0);
