/**
 * The ssh-agent protocol, client side (draft-miller-ssh-agent), sans-I/O: message codecs and
 * the length framing. Every message is `uint32 length || byte type || contents`; requests are
 * answered strictly in order, one reply per request (§3).
 *
 * Decoders never read past the end and reject trailing bytes; a malformed reply raises WireError.
 * Sizes are bounded as OpenSSH bounds them: 256 KiB per message, 2048 identities per answer.
 */
import { SshError, WireError } from '../errors.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';

/** Message numbers used by this client (draft-miller-ssh-agent §6.1). */
export const AGENT_MSG = {
  FAILURE: 5,
  SUCCESS: 6,
  REQUEST_IDENTITIES: 11,
  IDENTITIES_ANSWER: 12,
  SIGN_REQUEST: 13,
  SIGN_RESPONSE: 14,
  /** §3.8: a failure reply to an extension request; a failure like any other here. */
  EXTENSION_FAILURE: 28,
} as const;

/**
 * Replies that mean "failure". Besides SSH_AGENT_FAILURE, OpenSSH's client also takes
 * SSH2_AGENT_FAILURE (30) and SSH_COM_AGENT2_FAILURE (102) from old agents as failure.
 */
const FAILURE_TYPES: ReadonlySet<number> = new Set([AGENT_MSG.FAILURE, AGENT_MSG.EXTENSION_FAILURE, 30, 102]);

/** SSH_AGENTC_SIGN_REQUEST flags (§3.6.1). */
export const SSH_AGENT_RSA_SHA2_256 = 2;
export const SSH_AGENT_RSA_SHA2_512 = 4;

/** OpenSSH's AGENT_MAX_LEN: longer messages are refused before they are buffered. */
export const MAX_AGENT_MESSAGE = 256 * 1024;
/** OpenSSH's MAX_AGENT_IDENTITIES. */
export const MAX_AGENT_IDENTITIES = 2048;

export interface AgentIdentity {
  /** The public key blob (RFC 4253 §6.6), possibly a certificate. */
  readonly publicKey: Uint8Array;
  /** Free text chosen by whoever added the key, usually a file name or user@host. */
  readonly comment: string;
}

/** The agent refused a request (SSH_AGENT_FAILURE or an equivalent). */
export interface AgentFailure {
  readonly failure: true;
}

/** The flags asking an agent for a given signature algorithm (0 for all but the RSA SHA-2 ones). */
export function signFlagsFor(algorithm: string): number {
  if (algorithm === 'rsa-sha2-256') return SSH_AGENT_RSA_SHA2_256;
  if (algorithm === 'rsa-sha2-512') return SSH_AGENT_RSA_SHA2_512;
  return 0;
}

/** `uint32 length || payload`: a message ready for the socket. */
export function frameAgentMessage(payload: Uint8Array): Uint8Array {
  if (payload.length === 0 || payload.length > MAX_AGENT_MESSAGE) {
    throw new SshError('ERR_LIMIT', `agent message of ${payload.length} bytes (1 to ${MAX_AGENT_MESSAGE} allowed)`);
  }
  return new Writer(4 + payload.length).u32(payload.length).raw(payload).finish();
}

/** §3.4: SSH_AGENTC_REQUEST_IDENTITIES (unframed). */
export function encodeRequestIdentities(): Uint8Array {
  return Uint8Array.of(AGENT_MSG.REQUEST_IDENTITIES);
}

/** §3.6: SSH_AGENTC_SIGN_REQUEST: byte 13, string key blob, string data, uint32 flags (unframed). */
export function encodeSignRequest(publicKey: Uint8Array, data: Uint8Array, flags: number): Uint8Array {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffffffff) throw new SshError('ERR_STATE', `bad agent sign flags ${flags}`);
  return new Writer(13 + publicKey.length + data.length)
    .u8(AGENT_MSG.SIGN_REQUEST)
    .bytesString(publicKey)
    .bytesString(data)
    .u32(flags)
    .finish();
}

/** §3.4: the reply to REQUEST_IDENTITIES: SSH_AGENT_IDENTITIES_ANSWER, or a failure. */
export function decodeIdentitiesReply(payload: Uint8Array): AgentIdentity[] | AgentFailure {
  if (isFailure(payload)) return { failure: true };
  return wrap('SSH_AGENT_IDENTITIES_ANSWER', () => {
    const r = new Reader(payload);
    expectType(r, AGENT_MSG.IDENTITIES_ANSWER);
    const count = r.u32();
    // Each identity takes at least 8 bytes (two empty strings): a count that cannot fit is refused
    // before anything is allocated for it.
    if (count > MAX_AGENT_IDENTITIES) throw new WireError(`${count} identities (at most ${MAX_AGENT_IDENTITIES})`);
    if (count * 8 > r.remaining) throw new WireError(`${count} identities in ${r.remaining} bytes`);
    const out: AgentIdentity[] = [];
    for (let i = 0; i < count; i++) {
      const publicKey = r.bytesString().slice();
      // Comments are whatever ssh-add was given; not necessarily UTF-8, so decoded leniently.
      const comment = lenient.decode(r.bytesString());
      out.push({ publicKey, comment });
    }
    r.done('SSH_AGENT_IDENTITIES_ANSWER');
    return out;
  });
}

/** §3.6: the reply to SIGN_REQUEST: the signature blob (string algorithm || string signature), or a failure. */
export function decodeSignReply(payload: Uint8Array): Uint8Array | AgentFailure {
  if (isFailure(payload)) return { failure: true };
  return wrap('SSH_AGENT_SIGN_RESPONSE', () => {
    const r = new Reader(payload);
    expectType(r, AGENT_MSG.SIGN_RESPONSE);
    const signature = r.bytesString().slice();
    r.done('SSH_AGENT_SIGN_RESPONSE');
    return signature;
  });
}

export function isAgentFailure(v: unknown): v is AgentFailure {
  return typeof v === 'object' && v !== null && (v as Partial<AgentFailure>).failure === true;
}

function isFailure(payload: Uint8Array): boolean {
  // A failure message has no contents; extension failures may carry some (§3.8).
  const type = payload[0];
  if (type === undefined || !FAILURE_TYPES.has(type)) return false;
  if (type !== AGENT_MSG.EXTENSION_FAILURE && payload.length !== 1) throw new WireError(`malformed agent failure message ${type}`);
  return true;
}

/**
 * Splits the agent's byte stream into message payloads (any chunking). A length of zero or over
 * MAX_AGENT_MESSAGE is refused as soon as the 4 length bytes are in, without buffering the rest.
 */
export class AgentFramer {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Length of the message at the head of the buffer, once its 4 bytes are in. */
  private length: number | undefined;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.buffered += bytes.length;
    this.readLength();
  }

  /** The next complete message payload, or undefined. */
  next(): Uint8Array | undefined {
    const len = this.length;
    if (len === undefined || this.buffered < 4 + len) return undefined;
    const all = this.flatten();
    const payload = all.slice(4, 4 + len);
    const restBytes = all.subarray(4 + len);
    this.chunks = restBytes.length > 0 ? [restBytes] : [];
    this.buffered = restBytes.length;
    this.length = undefined;
    this.readLength();
    return payload;
  }

  /** Bytes received but not yet returned as a message. */
  get pending(): number {
    return this.buffered;
  }

  private readLength(): void {
    if (this.length !== undefined || this.buffered < 4) return;
    let len = 0;
    let n = 0;
    for (const c of this.chunks) {
      for (let i = 0; i < c.length && n < 4; i++, n++) len = len * 256 + c[i]!;
      if (n === 4) break;
    }
    if (len === 0 || len > MAX_AGENT_MESSAGE) {
      throw new SshError('ERR_LIMIT', `agent sent a message of ${len} bytes (1 to ${MAX_AGENT_MESSAGE} allowed)`);
    }
    this.length = len;
  }

  private flatten(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const all = new Uint8Array(this.buffered);
    let off = 0;
    for (const c of this.chunks) {
      all.set(c, off);
      off += c.length;
    }
    this.chunks = [all];
    return all;
  }
}

const lenient = new TextDecoder('utf-8');

function expectType(r: Reader, id: number): void {
  const got = r.u8();
  if (got !== id) throw new WireError(`unexpected agent reply type ${got}`);
}

function wrap<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof WireError) throw new WireError(`malformed ${name}: ${e.message}`);
    throw e;
  }
}
