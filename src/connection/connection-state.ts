/**
 * The state of one connection protocol instance (RFC 4254): its checked limits, the channel
 * table, the output and event queues and the request numbering. ConnectionProtocol owns one and
 * the handlers of the peer's messages (receive-*.ts) take it as their first argument, so the
 * class keeps its fields private to the application while the handlers live in their own files.
 */
import { protocolError } from '../errors.js';
import { Channel, ChannelIds, type SendPayload } from './channel.js';
import { Fifo } from './fifo.js';
import type { ConnectionConfig, ConnectionEvent } from './types.js';

const KiB = 1024;
const MiB = 1024 * KiB;
export const MAX_U32 = 0xffffffff;
export const EMPTY: Uint8Array = new Uint8Array(0);
/** A peer's maximum packet below this would make every CHANNEL_DATA empty: we could never send. */
export const MIN_REMOTE_MAX_PACKET = 1;

export function checkCount(name: string, v: number, min: number, max = MAX_U32): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${v}`);
  return v;
}

export class ConnectionState {
  readonly role: 'client' | 'server';
  readonly maxChannels: number;
  readonly maxPendingOpens: number;
  readonly defaultWindow: number;
  readonly defaultMaxPacket: number;
  readonly maxRequestSize: number;
  readonly maxQueued: number;
  readonly maxSendPacket: number;
  readonly maxUnanswered: number;

  readonly channels = new Map<number, Channel>();
  readonly ids = new ChannelIds();
  /** Payloads to send; a channel data message is its header here and its data in `outTails`. */
  readonly out = new Fifo<Uint8Array>();
  readonly outTails = new Fifo<Uint8Array | undefined>();
  readonly events = new Fifo<ConnectionEvent>();
  readonly send: SendPayload = (payload, tail) => {
    this.out.push(payload);
    this.outTails.push(tail);
  };
  pendingOpens = 0;
  /**
   * The bytes already sent are not being taken by the peer fast enough (the socket's buffer is
   * full; see ConnectionProtocol.setCongested): channel data waits in the channels' queues.
   */
  congested = false;
  /** Numbers our requests and the peer's requests are known by (one sequence for all). */
  nextRequestId = 1;
  /** Our global requests awaiting a reply, in order (§4: replies carry no id). */
  readonly globalAwaiting = new Fifo<number>();
  /** The peer's want-reply global requests, answered in order. */
  readonly globalUnanswered = new Fifo<{ requestId: number; ok: boolean | undefined; data: Uint8Array }>();

  constructor(config: ConnectionConfig) {
    this.role = config.role;
    this.maxChannels = checkCount('maxChannels', config.maxChannels ?? 1024, 1);
    this.maxPendingOpens = checkCount('maxPendingOpens', config.maxPendingOpens ?? 256, 0);
    this.defaultWindow = checkCount('defaultWindow', config.defaultWindow ?? 2 * MiB, 0);
    this.defaultMaxPacket = checkCount('defaultMaxPacket', config.defaultMaxPacket ?? 32 * KiB, 1);
    this.maxRequestSize = checkCount('maxRequestSize', config.maxRequestSize ?? 256 * KiB, 16);
    this.maxQueued = checkCount('maxQueued', config.maxQueued ?? 64 * MiB, 0, Number.MAX_SAFE_INTEGER);
    this.maxSendPacket = checkCount('maxSendPacket', config.maxSendPacket ?? 32 * KiB, 1);
    this.maxUnanswered = checkCount('maxUnansweredRequests', config.maxUnansweredRequests ?? 256, 1);
  }

  /** Sends what the channel may send now (nothing of its data while congested). */
  flush(ch: Channel): void {
    ch.flush(this.send, this.maxSendPacket, this.congested);
  }

  /** The channel a peer's message is about: it must exist and be confirmed. */
  channelFor(id: number, what: string): Channel {
    const ch = this.channels.get(id);
    if (!ch) throw protocolError(`${what} for channel ${id}, which does not exist`);
    if (ch.phase !== 'open') {
      throw protocolError(`${what} for channel ${id}, which is not open yet (${ch.phase === 'opening' ? 'unconfirmed' : 'not accepted'})`);
    }
    return ch;
  }
}
