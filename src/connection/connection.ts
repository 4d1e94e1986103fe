/**
 * The SSH connection protocol (RFC 4254), sans-I/O, for both roles: the channel table, both
 * windows of every channel, half-close, channel and global requests. Payloads numbered 80-127
 * come in through receive(); what to send comes out of pollTransmit(), what happened out of
 * pollEvent(). Decisions (accept an open, answer a request) belong to the application, which
 * answers through the methods below; the core never waits.
 *
 * Peer-chosen names (channel types, request types, environment names) are only ever values,
 * compared in switches or stored in Maps, never keys of plain objects.
 */
import { SshError, protocolError } from '../errors.js';
import { MSG } from '../messages/numbers.js';
import { concatBytes } from '../wire/writer.js';
import { Channel, ChannelIds, type SendPayload } from './channel.js';
import { Fifo } from './fifo.js';
import type { ChannelInfo, ConnectionConfig, ConnectionEvent } from './types.js';
import {
  ChannelFailure,
  ChannelOpen,
  ChannelOpenConfirmation,
  ChannelOpenFailure,
  ChannelRequest,
  ChannelSuccess,
  ChannelWindowAdjust,
  decodeChannelData,
  GlobalRequest,
  OpenFailureReason,
  RequestFailure,
  RequestSuccess,
  recipientOf,
} from './messages.js';

export type { ChannelInfo, ConnectionConfig, ConnectionEvent } from './types.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const MAX_U32 = 0xffffffff;
const EMPTY: Uint8Array = new Uint8Array(0);
/** A peer's maximum packet below this would make every CHANNEL_DATA empty: we could never send. */
const MIN_REMOTE_MAX_PACKET = 1;

function checkCount(name: string, v: number, min: number, max = MAX_U32): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${v}`);
  return v;
}

export class ConnectionProtocol {
  readonly role: 'client' | 'server';
  private readonly maxChannels: number;
  private readonly maxPendingOpens: number;
  private readonly defaultWindow: number;
  private readonly defaultMaxPacket: number;
  private readonly maxRequestSize: number;
  private readonly maxQueued: number;
  private readonly maxSendPacket: number;
  private readonly maxUnanswered: number;

  private readonly channels = new Map<number, Channel>();
  private readonly ids = new ChannelIds();
  /** Payloads to send; a channel data message is its header here and its data in `outTails`. */
  private readonly out = new Fifo<Uint8Array>();
  private readonly outTails = new Fifo<Uint8Array | undefined>();
  private readonly events = new Fifo<ConnectionEvent>();
  private readonly send: SendPayload = (payload, tail) => {
    this.out.push(payload);
    this.outTails.push(tail);
  };
  private pendingOpens = 0;
  /** Numbers our requests and the peer's requests are known by (one sequence for all). */
  private nextRequestId = 1;
  /** Our global requests awaiting a reply, in order (§4: replies carry no id). */
  private readonly globalAwaiting = new Fifo<number>();
  /** The peer's want-reply global requests, answered in order. */
  private readonly globalUnanswered = new Fifo<{ requestId: number; ok: boolean | undefined; data: Uint8Array }>();

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

  /** The next payload to send, as one array. */
  pollTransmit(): Uint8Array | undefined {
    const head = this.out.shift();
    if (head === undefined) return undefined;
    const tail = this.outTails.shift();
    return tail === undefined ? head : concatBytes(head, tail);
  }

  /**
   * Hands every payload waiting to be sent to `send`, in order, channel data as header and data
   * (by reference: `send` must copy or send the data before it returns, e.g. Transport.send).
   * Returns whether there was any.
   */
  transmitTo(send: (payload: Uint8Array, tail?: Uint8Array) => void): boolean {
    let any = false;
    for (let head = this.out.shift(); head !== undefined; head = this.out.shift()) {
      any = true;
      const tail = this.outTails.shift();
      if (tail === undefined) send(head);
      else send(head, tail);
    }
    return any;
  }

  pollEvent(): ConnectionEvent | undefined {
    return this.events.shift();
  }

  /** Channels holding an id: opening, awaiting the application, open, or closing. */
  get openChannels(): number {
    return this.channels.size;
  }

  // ---- from the peer ------------------------------------------------------------------------

  /** A payload numbered 80-127. Throws SshError (reason PROTOCOL_ERROR) when the peer breaks RFC 4254. */
  receive(payload: Uint8Array): void {
    const n = payload[0];
    switch (n) {
      case MSG.CHANNEL_DATA:
      case MSG.CHANNEL_EXTENDED_DATA:
        return this.onData(payload);
      case MSG.CHANNEL_WINDOW_ADJUST:
        return this.onWindowAdjust(payload);
      case MSG.CHANNEL_EOF:
        return this.onEof(payload);
      case MSG.CHANNEL_CLOSE:
        return this.onClose(payload);
      case MSG.CHANNEL_REQUEST:
        return this.onRequest(payload);
      case MSG.CHANNEL_SUCCESS:
      case MSG.CHANNEL_FAILURE:
        return this.onRequestReply(payload);
      case MSG.CHANNEL_OPEN:
        return this.onOpen(payload);
      case MSG.CHANNEL_OPEN_CONFIRMATION:
        return this.onOpenConfirmation(payload);
      case MSG.CHANNEL_OPEN_FAILURE:
        return this.onOpenFailure(payload);
      case MSG.GLOBAL_REQUEST:
        return this.onGlobalRequest(payload);
      case MSG.REQUEST_SUCCESS:
      case MSG.REQUEST_FAILURE:
        return this.onGlobalReply(payload);
      default:
        // Unassigned numbers: the engine should answer SSH_MSG_UNIMPLEMENTED (isConnectionMessage).
        throw protocolError(`message ${n ?? '(empty)'} is not a connection protocol message`);
    }
  }

  /** The channel a peer's message is about: it must exist and be confirmed. */
  private channelFor(id: number, what: string): Channel {
    const ch = this.channels.get(id);
    if (!ch) throw protocolError(`${what} for channel ${id}, which does not exist`);
    if (ch.phase !== 'open') {
      throw protocolError(`${what} for channel ${id}, which is not open yet (${ch.phase === 'opening' ? 'unconfirmed' : 'not accepted'})`);
    }
    return ch;
  }

  private onData(payload: Uint8Array): void {
    const m = decodeChannelData(payload);
    const what = m.dataType === undefined ? 'SSH_MSG_CHANNEL_DATA' : 'SSH_MSG_CHANNEL_EXTENDED_DATA';
    const ch = this.channelFor(m.recipientChannel, what);
    // §5.3: after EOF the peer sends no more data on this channel.
    if (ch.eofReceived) throw protocolError(`${what} on channel ${ch.id} after the peer's EOF`);
    const len = m.data.length;
    // §5.2: the peer may send no more than the window we granted. Packets above our maximum
    // packet but inside the window are taken (implementations differ on what the limit counts).
    if (len > ch.localWindow) {
      throw protocolError(`peer sent ${len} bytes on channel ${ch.id} with only ${ch.localWindow} left in the window`);
    }
    ch.localWindow -= len;
    // §5.3: data in flight when we sent CLOSE is dropped (still counted against the window).
    if (ch.closeSent || len === 0) return;
    ch.unconsumed += len;
    this.events.push(
      m.dataType === undefined ? { type: 'data', id: ch.id, data: m.data } : { type: 'data', id: ch.id, data: m.data, extendedType: m.dataType },
    );
  }

  private onWindowAdjust(payload: Uint8Array): void {
    const m = ChannelWindowAdjust.decode(payload);
    const ch = this.channelFor(m.recipientChannel, 'SSH_MSG_CHANNEL_WINDOW_ADJUST');
    // §5.2: the window may not be increased above 2^32 - 1.
    const window = ch.remoteWindow + m.bytesToAdd;
    if (window > MAX_U32) {
      throw protocolError(`peer's WINDOW_ADJUST of ${m.bytesToAdd} on channel ${ch.id} would push the window past 2^32-1 (it is ${ch.remoteWindow})`);
    }
    ch.remoteWindow = window;
    const before = ch.queue.bytes;
    ch.flush(this.send, this.maxSendPacket);
    if (ch.queue.bytes < before) this.events.push({ type: 'writable', id: ch.id, queued: ch.queue.bytes });
  }

  private onEof(payload: Uint8Array): void {
    const ch = this.channelFor(recipientOf(payload), 'SSH_MSG_CHANNEL_EOF');
    if (payload.length !== 5) throw protocolError(`malformed SSH_MSG_CHANNEL_EOF (${payload.length} bytes)`);
    if (ch.eofReceived) return; // a repeated EOF says nothing new
    ch.eofReceived = true;
    this.events.push({ type: 'eof', id: ch.id });
  }

  private onClose(payload: Uint8Array): void {
    const ch = this.channelFor(recipientOf(payload), 'SSH_MSG_CHANNEL_CLOSE');
    if (payload.length !== 5) throw protocolError(`malformed SSH_MSG_CHANNEL_CLOSE (${payload.length} bytes)`);
    // §5.3: answer CLOSE with CLOSE unless we sent one; the peer reads nothing more, so what is
    // still queued for it is dropped. Both CLOSEs are exchanged: the number is free again.
    ch.sendClose(this.send);
    this.channels.delete(ch.id);
    this.events.push({ type: 'close', id: ch.id });
  }

  private onRequest(payload: Uint8Array): void {
    if (payload.length > this.maxRequestSize) {
      throw protocolError(`SSH_MSG_CHANNEL_REQUEST of ${payload.length} bytes exceeds the limit of ${this.maxRequestSize}`);
    }
    const m = ChannelRequest.decode(payload);
    const ch = this.channelFor(m.recipientChannel, 'SSH_MSG_CHANNEL_REQUEST');
    const requestId = this.nextRequestId++;
    // After our CLOSE no reply can be sent (§5.3): the request is shown, its answer ignored.
    if (m.wantReply && !ch.closeSent) {
      if (ch.unanswered.length >= this.maxUnanswered) {
        throw protocolError(`peer has ${ch.unanswered.length} unanswered requests on channel ${ch.id}`);
      }
      ch.unanswered.push({ requestId, ok: undefined });
    }
    this.events.push({ type: 'request', id: ch.id, requestId, requestType: m.requestType, wantReply: m.wantReply, data: m.data });
  }

  private onRequestReply(payload: Uint8Array): void {
    const ok = payload[0] === MSG.CHANNEL_SUCCESS;
    const m = (ok ? ChannelSuccess : ChannelFailure).decode(payload);
    const name = ok ? 'SSH_MSG_CHANNEL_SUCCESS' : 'SSH_MSG_CHANNEL_FAILURE';
    const ch = this.channelFor(m.recipientChannel, name);
    const requestType = ch.awaitingReplies.shift();
    if (requestType === undefined) throw protocolError(`${name} on channel ${ch.id}, which has no request awaiting a reply`);
    this.events.push({ type: 'request-reply', id: ch.id, ok, requestType });
  }

  private onOpen(payload: Uint8Array): void {
    if (payload.length > this.maxRequestSize) {
      throw protocolError(`SSH_MSG_CHANNEL_OPEN of ${payload.length} bytes exceeds the limit of ${this.maxRequestSize}`);
    }
    const m = ChannelOpen.decode(payload);
    const refuse = (reasonCode: number, description: string): void =>
      this.send(ChannelOpenFailure.encode({ recipientChannel: m.senderChannel, reasonCode, description, languageTag: '' }));
    if (m.maximumPacketSize < MIN_REMOTE_MAX_PACKET) {
      return refuse(OpenFailureReason.ADMINISTRATIVELY_PROHIBITED, `maximum packet size ${m.maximumPacketSize} leaves no room for data`);
    }
    // §6.1: a client SHOULD refuse session channels (a server has no business starting a shell here).
    if (this.role === 'client' && m.channelType === 'session') {
      return refuse(OpenFailureReason.ADMINISTRATIVELY_PROHIBITED, 'a client does not accept session channels');
    }
    if (this.channels.size >= this.maxChannels) {
      return refuse(OpenFailureReason.RESOURCE_SHORTAGE, `too many channels (limit ${this.maxChannels})`);
    }
    if (this.pendingOpens >= this.maxPendingOpens) {
      return refuse(OpenFailureReason.RESOURCE_SHORTAGE, `too many channel opens awaiting an answer (limit ${this.maxPendingOpens})`);
    }
    const id = this.ids.allocate((i) => this.channels.has(i));
    // Our window and maximum packet are chosen when the application accepts.
    const ch = new Channel(id, m.channelType, 'pending', 0, this.defaultMaxPacket);
    ch.remoteId = m.senderChannel;
    ch.remoteWindow = m.initialWindowSize;
    ch.remoteMaxPacket = m.maximumPacketSize;
    this.channels.set(id, ch);
    this.pendingOpens++;
    this.events.push({
      type: 'open-request',
      id,
      channelType: m.channelType,
      typeSpecific: m.typeSpecific,
      remoteWindow: m.initialWindowSize,
      remoteMaxPacket: m.maximumPacketSize,
    });
  }

  /** The open this message answers: one we sent and that is still unanswered. */
  private openingChannel(id: number, what: string): Channel {
    const ch = this.channels.get(id);
    if (!ch) throw protocolError(`${what} for channel ${id}, which we never opened`);
    if (ch.phase === 'open') throw protocolError(`${what} for channel ${id}, which is already open (duplicate answer)`);
    if (ch.phase === 'pending') throw protocolError(`${what} for channel ${id}, which the peer itself opened`);
    return ch;
  }

  private onOpenConfirmation(payload: Uint8Array): void {
    const m = ChannelOpenConfirmation.decode(payload);
    const ch = this.openingChannel(m.recipientChannel, 'SSH_MSG_CHANNEL_OPEN_CONFIRMATION');
    if (m.maximumPacketSize < MIN_REMOTE_MAX_PACKET) {
      throw protocolError(`peer confirmed channel ${ch.id} with maximum packet size ${m.maximumPacketSize}: no data could ever be sent`);
    }
    ch.phase = 'open';
    ch.remoteId = m.senderChannel;
    ch.remoteWindow = m.initialWindowSize;
    ch.remoteMaxPacket = m.maximumPacketSize;
    this.events.push({ type: 'open-confirmed', id: ch.id, typeSpecific: m.typeSpecific });
    // Closed by the application while the open was in flight: CLOSE goes out now.
    if (ch.closePending) ch.flush(this.send, this.maxSendPacket);
  }

  private onOpenFailure(payload: Uint8Array): void {
    const m = ChannelOpenFailure.decode(payload);
    const ch = this.openingChannel(m.recipientChannel, 'SSH_MSG_CHANNEL_OPEN_FAILURE');
    this.channels.delete(ch.id);
    this.events.push({ type: 'open-failed', id: ch.id, reason: m.reasonCode, description: m.description });
  }

  private onGlobalRequest(payload: Uint8Array): void {
    if (payload.length > this.maxRequestSize) {
      throw protocolError(`SSH_MSG_GLOBAL_REQUEST of ${payload.length} bytes exceeds the limit of ${this.maxRequestSize}`);
    }
    const m = GlobalRequest.decode(payload);
    const requestId = this.nextRequestId++;
    if (m.wantReply) {
      if (this.globalUnanswered.length >= this.maxUnanswered) {
        throw protocolError(`peer has ${this.globalUnanswered.length} unanswered global requests`);
      }
      this.globalUnanswered.push({ requestId, ok: undefined, data: EMPTY });
    }
    this.events.push({ type: 'global-request', requestId, name: m.name, wantReply: m.wantReply, data: m.data });
  }

  private onGlobalReply(payload: Uint8Array): void {
    const ok = payload[0] === MSG.REQUEST_SUCCESS;
    let data = EMPTY;
    if (ok) data = RequestSuccess.decode(payload).data;
    else RequestFailure.decode(payload);
    const requestId = this.globalAwaiting.shift();
    if (requestId === undefined) {
      throw protocolError(`${ok ? 'SSH_MSG_REQUEST_SUCCESS' : 'SSH_MSG_REQUEST_FAILURE'} without a global request awaiting a reply`);
    }
    this.events.push({ type: 'global-reply', requestId, ok, data });
  }

  // ---- from the application -----------------------------------------------------------------

  private checkWindowOpts(opts: { window?: number; maxPacket?: number } | undefined): { window: number; maxPacket: number } {
    return {
      window: checkCount('window', opts?.window ?? this.defaultWindow, 0),
      maxPacket: checkCount('maxPacket', opts?.maxPacket ?? this.defaultMaxPacket, 1),
    };
  }

  /** Sends CHANNEL_OPEN (§5.1); 'open-confirmed' or 'open-failed' follows. Returns our channel id. */
  openChannel(type: string, typeSpecific: Uint8Array = EMPTY, opts?: { window?: number; maxPacket?: number }): number {
    if (this.channels.size >= this.maxChannels) throw new SshError('ERR_LIMIT', `too many channels (limit ${this.maxChannels})`);
    const { window, maxPacket } = this.checkWindowOpts(opts);
    const id = this.ids.allocate((i) => this.channels.has(i));
    this.channels.set(id, new Channel(id, type, 'opening', window, maxPacket));
    this.send(ChannelOpen.encode({ channelType: type, senderChannel: id, initialWindowSize: window, maximumPacketSize: maxPacket, typeSpecific }));
    return id;
  }

  private pendingOpen(id: number): Channel {
    const ch = this.channels.get(id);
    if (!ch || ch.phase !== 'pending') throw new SshError('ERR_STATE', `channel ${id} is not an open request awaiting an answer`);
    return ch;
  }

  /** Accepts the peer's 'open-request' (CHANNEL_OPEN_CONFIRMATION). */
  acceptChannel(id: number, opts?: { window?: number; maxPacket?: number; typeSpecific?: Uint8Array }): void {
    const ch = this.pendingOpen(id);
    const { window, maxPacket } = this.checkWindowOpts(opts);
    ch.phase = 'open';
    ch.localWindow = ch.localWindowMax = window;
    ch.localMaxPacket = maxPacket;
    this.pendingOpens--;
    this.send(
      ChannelOpenConfirmation.encode({
        recipientChannel: ch.remoteId,
        senderChannel: id,
        initialWindowSize: window,
        maximumPacketSize: maxPacket,
        typeSpecific: opts?.typeSpecific ?? EMPTY,
      }),
    );
  }

  /** Refuses the peer's 'open-request' with a §5.1 reason code (OpenFailureReason); the id is free at once. */
  rejectChannel(id: number, reason: number, description = ''): void {
    const ch = this.pendingOpen(id);
    checkCount('reason', reason, 0);
    this.channels.delete(id);
    this.pendingOpens--;
    this.send(ChannelOpenFailure.encode({ recipientChannel: ch.remoteId, reasonCode: reason, description, languageTag: '' }));
  }

  /**
   * The channel the application acts on. undefined: it is gone (the peer closed it; the 'close'
   * event is queued or was delivered), so the call is a no-op.
   */
  private appChannel(id: number, what: string): Channel | undefined {
    const ch = this.channels.get(id);
    if (ch && ch.phase !== 'open') {
      throw new SshError('ERR_STATE', `${what} on channel ${id}, which is ${ch.phase === 'opening' ? 'not confirmed yet' : 'an unanswered open request'}`);
    }
    return ch;
  }

  /**
   * Queues data for the peer and sends as much as its window and maximum packet allow now, the
   * rest when WINDOW_ADJUST arrives. The data is held by reference until sent: do not modify it.
   * Returns the bytes still queued for this channel (the caller applies backpressure above a
   * threshold). On a channel the peer has closed, the data is dropped and 0 returned.
   */
  write(id: number, data: Uint8Array, extendedType?: number): number {
    const ch = this.appChannel(id, 'write');
    if (!ch) return 0;
    if (ch.eofPending || ch.closePending) {
      throw new SshError('ERR_STATE', `write on channel ${id} after ${ch.closePending ? 'close' : 'sendEof'}`);
    }
    if (extendedType !== undefined) checkCount('extendedType', extendedType, 0);
    if (data.length === 0) return ch.queue.bytes;
    const sendable = ch.queue.bytes === 0 ? Math.min(data.length, ch.remoteWindow) : 0;
    if (ch.queue.bytes + data.length - sendable > this.maxQueued) {
      throw new SshError('ERR_LIMIT', `channel ${id}: more than ${this.maxQueued} bytes queued for a peer that does not open its window`);
    }
    ch.queue.push(data, extendedType);
    ch.flush(this.send, this.maxSendPacket);
    return ch.queue.bytes;
  }

  /**
   * The application consumed n bytes of received data. The window is given back in one
   * WINDOW_ADJUST once at least half of it was consumed (as OpenSSH), never on arrival alone,
   * so a reader that stops stops the peer at the window (§5.2). (Refunding every three packets,
   * as OpenSSH also does, measured no faster here and costs a write per 96 KiB.)
   */
  consume(id: number, n: number): void {
    const ch = this.channels.get(id);
    if (!ch || ch.phase !== 'open') return;
    if (!Number.isInteger(n) || n < 0 || n > ch.unconsumed) {
      throw new RangeError(`consume(${n}) on channel ${id}, which has ${ch.unconsumed} delivered bytes not consumed`);
    }
    ch.unconsumed -= n;
    ch.consumed += n;
    // After the peer's EOF or our CLOSE no more data will come: no point refilling the window.
    if (ch.closeSent || ch.eofReceived) return;
    if (ch.consumed > 0 && ch.consumed * 2 >= ch.localWindowMax) {
      this.send(ChannelWindowAdjust.encode({ recipientChannel: ch.remoteId, bytesToAdd: ch.consumed }));
      ch.localWindow += ch.consumed;
      ch.consumed = 0;
    }
  }

  /** Sends EOF (§5.3) once the queued data is out. Repeated calls and calls after close are no-ops. */
  sendEof(id: number): void {
    const ch = this.appChannel(id, 'sendEof');
    if (!ch || ch.eofPending || ch.closePending) return;
    ch.eofPending = true;
    ch.flush(this.send, this.maxSendPacket);
  }

  /**
   * Sends CLOSE (§5.3) after the queued data (and EOF, if asked for) — or at once, dropping the
   * queue, with { discard: true }. On a channel still opening, CLOSE follows the confirmation.
   * The id stays valid until the peer's CLOSE too has arrived ('close' event).
   */
  close(id: number, opts?: { discard?: boolean }): void {
    const ch = this.channels.get(id);
    if (!ch) return;
    if (ch.phase === 'pending') throw new SshError('ERR_STATE', `channel ${id} is an open request: answer it with acceptChannel or rejectChannel`);
    if (opts?.discard) ch.queue.clear();
    if (ch.closePending) return;
    ch.closePending = true;
    ch.flush(this.send, this.maxSendPacket);
  }

  /** CHANNEL_REQUEST (§5.4). With wantReply, a 'request-reply' event follows; replies are matched in order. */
  sendRequest(id: number, type: string, wantReply: boolean, data: Uint8Array = EMPTY): void {
    const ch = this.appChannel(id, `request ${JSON.stringify(type)}`);
    if (!ch) return;
    if (ch.closePending) throw new SshError('ERR_STATE', `request ${JSON.stringify(type)} on channel ${id} after close`);
    if (wantReply) ch.awaitingReplies.push(type);
    this.send(ChannelRequest.encode({ recipientChannel: ch.remoteId, requestType: type, wantReply, data }));
  }

  /**
   * Answers a 'request' event that wants a reply. §5.4 replies carry no id, so they go out in
   * the order of the requests: an answer waits for the answers to earlier requests. Answers to
   * requests that need none, or on channels that are closing or gone, are ignored.
   */
  answerRequest(id: number, requestId: number, ok: boolean): void {
    const ch = this.channels.get(id);
    if (!ch || ch.closeSent) return;
    for (const entry of ch.unanswered) {
      if (entry.requestId === requestId) {
        if (entry.ok === undefined) entry.ok = ok;
        break;
      }
    }
    for (let head = ch.unanswered.peek(); head && head.ok !== undefined; head = ch.unanswered.peek()) {
      ch.unanswered.shift();
      this.send((head.ok ? ChannelSuccess : ChannelFailure).encode({ recipientChannel: ch.remoteId }));
    }
  }

  /** GLOBAL_REQUEST (§4). Returns the request number; with wantReply, 'global-reply' follows (in order). */
  globalRequest(name: string, wantReply: boolean, data: Uint8Array = EMPTY): number {
    const requestId = this.nextRequestId++;
    if (wantReply) this.globalAwaiting.push(requestId);
    this.send(GlobalRequest.encode({ name, wantReply, data }));
    return requestId;
  }

  /** Answers a 'global-request' that wants a reply; data goes with a success (e.g. the bound port). Replies go out in order. */
  answerGlobalRequest(requestId: number, ok: boolean, data?: Uint8Array): void {
    let found = false;
    for (const entry of this.globalUnanswered) {
      if (entry.requestId === requestId && entry.ok === undefined) {
        entry.ok = ok;
        if (data) entry.data = data;
        found = true;
        break;
      }
    }
    if (!found) throw new SshError('ERR_STATE', `global request ${requestId} is not awaiting an answer`);
    for (let head = this.globalUnanswered.peek(); head && head.ok !== undefined; head = this.globalUnanswered.peek()) {
      this.globalUnanswered.shift();
      this.send(head.ok ? RequestSuccess.encode({ data: head.data }) : RequestFailure.encode({}));
    }
  }

  channelInfo(id: number): ChannelInfo | undefined {
    const ch = this.channels.get(id);
    if (!ch) return undefined;
    return {
      type: ch.type,
      remoteId: ch.remoteId,
      remoteWindow: ch.remoteWindow,
      remoteMaxPacket: ch.remoteMaxPacket,
      localWindow: ch.localWindow,
      queued: ch.queue.bytes,
      eofSent: ch.eofSent,
      eofReceived: ch.eofReceived,
      closeSent: ch.closeSent,
      // A channel whose peer CLOSE arrived has left the table.
      closeReceived: false,
    };
  }
}
