/**
 * The SSH connection protocol (RFC 4254), sans-I/O, for both roles: the channel table, both
 * windows of every channel, half-close, channel and global requests. Payloads numbered 80-127
 * come in through receive(); what to send comes out of pollTransmit(), what happened out of
 * pollEvent(). Decisions (accept an open, answer a request) belong to the application, which
 * answers through the methods below; the core never waits.
 *
 * Peer-chosen names (channel types, request types, environment names) are only ever values,
 * compared in switches or stored in Maps, never keys of plain objects.
 *
 * This class is the application's side; the peer's messages are handled in receive-open.ts,
 * receive-data.ts and receive-requests.ts, on the state in connection-state.ts.
 */
import { SshError, protocolError } from '../errors.js';
import { MSG } from '../messages/numbers.js';
import { concatBytes } from '../wire/writer.js';
import { Channel } from './channel.js';
import { checkCount, ConnectionState, EMPTY } from './connection-state.js';
import type { ChannelInfo, ConnectionConfig, ConnectionEvent } from './types.js';
import {
  ChannelFailure,
  ChannelOpen,
  ChannelOpenConfirmation,
  ChannelOpenFailure,
  ChannelRequest,
  ChannelSuccess,
  ChannelWindowAdjust,
  GlobalRequest,
  RequestFailure,
  RequestSuccess,
} from './messages.js';
import { onChannelClose, onChannelData, onChannelEof, onWindowAdjust } from './receive-data.js';
import { onChannelOpen, onOpenConfirmation, onOpenFailure } from './receive-open.js';
import { onChannelRequest, onChannelRequestReply, onGlobalReply, onGlobalRequest } from './receive-requests.js';

export type { ChannelInfo, ConnectionConfig, ConnectionEvent } from './types.js';

export class ConnectionProtocol {
  readonly role: 'client' | 'server';
  /** Limits, channel table, output and event queues; shared with the handlers of the peer's messages. */
  private readonly state: ConnectionState;

  constructor(config: ConnectionConfig) {
    this.role = config.role;
    this.state = new ConnectionState(config);
  }

  /** The next payload to send, as one array. */
  pollTransmit(): Uint8Array | undefined {
    const head = this.state.out.shift();
    if (head === undefined) return undefined;
    const tail = this.state.outTails.shift();
    return tail === undefined ? head : concatBytes(head, tail);
  }

  /**
   * Hands every payload waiting to be sent to `send`, in order, channel data as header and data
   * (by reference: `send` must copy or send the data before it returns, e.g. Transport.send).
   * Returns whether there was any.
   */
  transmitTo(send: (payload: Uint8Array, tail?: Uint8Array) => void): boolean {
    let any = false;
    for (let head = this.state.out.shift(); head !== undefined; head = this.state.out.shift()) {
      any = true;
      const tail = this.state.outTails.shift();
      if (tail === undefined) send(head);
      else send(head, tail);
    }
    return any;
  }

  pollEvent(): ConnectionEvent | undefined {
    return this.state.events.shift();
  }

  /** Channels holding an id: opening, awaiting the application, open, or closing. */
  get openChannels(): number {
    return this.state.channels.size;
  }

  // ---- from the peer ------------------------------------------------------------------------

  /** A payload numbered 80-127. Throws SshError (reason PROTOCOL_ERROR) when the peer breaks RFC 4254. */
  receive(payload: Uint8Array): void {
    const n = payload[0];
    switch (n) {
      case MSG.CHANNEL_DATA:
      case MSG.CHANNEL_EXTENDED_DATA:
        return onChannelData(this.state, payload);
      case MSG.CHANNEL_WINDOW_ADJUST:
        return onWindowAdjust(this.state, payload);
      case MSG.CHANNEL_EOF:
        return onChannelEof(this.state, payload);
      case MSG.CHANNEL_CLOSE:
        return onChannelClose(this.state, payload);
      case MSG.CHANNEL_REQUEST:
        return onChannelRequest(this.state, payload);
      case MSG.CHANNEL_SUCCESS:
      case MSG.CHANNEL_FAILURE:
        return onChannelRequestReply(this.state, payload);
      case MSG.CHANNEL_OPEN:
        return onChannelOpen(this.state, payload);
      case MSG.CHANNEL_OPEN_CONFIRMATION:
        return onOpenConfirmation(this.state, payload);
      case MSG.CHANNEL_OPEN_FAILURE:
        return onOpenFailure(this.state, payload);
      case MSG.GLOBAL_REQUEST:
        return onGlobalRequest(this.state, payload);
      case MSG.REQUEST_SUCCESS:
      case MSG.REQUEST_FAILURE:
        return onGlobalReply(this.state, payload);
      default:
        // Unassigned numbers: the engine should answer SSH_MSG_UNIMPLEMENTED (isConnectionMessage).
        throw protocolError(`message ${n ?? '(empty)'} is not a connection protocol message`);
    }
  }

  // ---- from the application -----------------------------------------------------------------

  private checkWindowOpts(opts: { window?: number; maxPacket?: number } | undefined): { window: number; maxPacket: number } {
    return {
      window: checkCount('window', opts?.window ?? this.state.defaultWindow, 0),
      maxPacket: checkCount('maxPacket', opts?.maxPacket ?? this.state.defaultMaxPacket, 1),
    };
  }

  /** Sends CHANNEL_OPEN (§5.1); 'open-confirmed' or 'open-failed' follows. Returns our channel id. */
  openChannel(type: string, typeSpecific: Uint8Array = EMPTY, opts?: { window?: number; maxPacket?: number }): number {
    const s = this.state;
    if (s.channels.size >= s.maxChannels) throw new SshError('ERR_LIMIT', `too many channels (limit ${s.maxChannels})`);
    const { window, maxPacket } = this.checkWindowOpts(opts);
    const id = s.ids.allocate((i) => s.channels.has(i));
    s.channels.set(id, new Channel(id, type, 'opening', window, maxPacket));
    s.send(ChannelOpen.encode({ channelType: type, senderChannel: id, initialWindowSize: window, maximumPacketSize: maxPacket, typeSpecific }));
    return id;
  }

  private pendingOpen(id: number): Channel {
    const ch = this.state.channels.get(id);
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
    this.state.pendingOpens--;
    this.state.send(
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
    this.state.channels.delete(id);
    this.state.pendingOpens--;
    this.state.send(ChannelOpenFailure.encode({ recipientChannel: ch.remoteId, reasonCode: reason, description, languageTag: '' }));
  }

  /**
   * The channel the application acts on. undefined: it is gone (the peer closed it; the 'close'
   * event is queued or was delivered), so the call is a no-op.
   */
  private appChannel(id: number, what: string): Channel | undefined {
    const ch = this.state.channels.get(id);
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
    const sendable = ch.queue.bytes === 0 && !this.state.congested ? Math.min(data.length, ch.remoteWindow) : 0;
    if (ch.queue.bytes + data.length - sendable > this.state.maxQueued) {
      throw new SshError('ERR_LIMIT', `channel ${id}: more than ${this.state.maxQueued} bytes queued for a peer that does not open its window`);
    }
    ch.queue.push(data, extendedType);
    this.state.flush(ch);
    return ch.queue.bytes;
  }

  /**
   * Whether the bytes already sent are waiting to be taken by the peer (the driver's socket
   * buffer is above its limit). While congested, channel data stays queued in its channel, so
   * the application sees its writes queue up (and the session handler pauses its program), as it
   * would at a closed window: a peer that advertises a large window and stops reading cannot make
   * us buffer that window. OpenSSH likewise reads channels only while little is left to write
   * (packet_not_very_much_data_to_write). When it clears, queued data goes out and 'writable'
   * events follow.
   */
  setCongested(on: boolean): void {
    if (this.state.congested === on) return;
    this.state.congested = on;
    if (on) return;
    for (const ch of this.state.channels.values()) {
      const before = ch.queue.bytes;
      if (before === 0) continue;
      this.state.flush(ch);
      if (ch.queue.bytes < before) this.state.events.push({ type: 'writable', id: ch.id, queued: ch.queue.bytes });
    }
  }

  /**
   * The application consumed n bytes of received data. The window is given back in one
   * WINDOW_ADJUST once at least half of it was consumed (as OpenSSH), never on arrival alone,
   * so a reader that stops stops the peer at the window (§5.2). (Refunding every three packets,
   * as OpenSSH also does, measured no faster here and costs a write per 96 KiB.)
   */
  consume(id: number, n: number): void {
    const ch = this.state.channels.get(id);
    if (!ch || ch.phase !== 'open') return;
    if (!Number.isInteger(n) || n < 0 || n > ch.unconsumed) {
      throw new RangeError(`consume(${n}) on channel ${id}, which has ${ch.unconsumed} delivered bytes not consumed`);
    }
    ch.unconsumed -= n;
    ch.consumed += n;
    // After the peer's EOF or our CLOSE no more data will come: no point refilling the window.
    if (ch.closeSent || ch.eofReceived) return;
    if (ch.consumed > 0 && ch.consumed * 2 >= ch.localWindowMax) {
      this.state.send(ChannelWindowAdjust.encode({ recipientChannel: ch.remoteId, bytesToAdd: ch.consumed }));
      ch.localWindow += ch.consumed;
      ch.consumed = 0;
    }
  }

  /** Sends EOF (§5.3) once the queued data is out. Repeated calls and calls after close are no-ops. */
  sendEof(id: number): void {
    const ch = this.appChannel(id, 'sendEof');
    if (!ch || ch.eofPending || ch.closePending) return;
    ch.eofPending = true;
    this.state.flush(ch);
  }

  /**
   * Sends CLOSE (§5.3) after the queued data (and EOF, if asked for) — or at once, dropping the
   * queue, with { discard: true }. On a channel still opening, CLOSE follows the confirmation.
   * The id stays valid until the peer's CLOSE too has arrived ('close' event).
   */
  close(id: number, opts?: { discard?: boolean }): void {
    const ch = this.state.channels.get(id);
    if (!ch) return;
    if (ch.phase === 'pending') throw new SshError('ERR_STATE', `channel ${id} is an open request: answer it with acceptChannel or rejectChannel`);
    if (opts?.discard) ch.queue.clear();
    if (ch.closePending) return;
    ch.closePending = true;
    this.state.flush(ch);
  }

  /** CHANNEL_REQUEST (§5.4). With wantReply, a 'request-reply' event follows; replies are matched in order. */
  sendRequest(id: number, type: string, wantReply: boolean, data: Uint8Array = EMPTY): void {
    const ch = this.appChannel(id, `request ${JSON.stringify(type)}`);
    if (!ch) return;
    if (ch.closePending) throw new SshError('ERR_STATE', `request ${JSON.stringify(type)} on channel ${id} after close`);
    if (wantReply) ch.awaitingReplies.push(type);
    this.state.send(ChannelRequest.encode({ recipientChannel: ch.remoteId, requestType: type, wantReply, data }));
  }

  /**
   * Answers a 'request' event that wants a reply. §5.4 replies carry no id, so they go out in
   * the order of the requests: an answer waits for the answers to earlier requests. Answers to
   * requests that need none, or on channels that are closing or gone, are ignored.
   */
  answerRequest(id: number, requestId: number, ok: boolean): void {
    const ch = this.state.channels.get(id);
    if (!ch || ch.closeSent) return;
    for (const entry of ch.unanswered) {
      if (entry.requestId === requestId) {
        if (entry.ok === undefined) entry.ok = ok;
        break;
      }
    }
    for (let head = ch.unanswered.peek(); head && head.ok !== undefined; head = ch.unanswered.peek()) {
      ch.unanswered.shift();
      this.state.send((head.ok ? ChannelSuccess : ChannelFailure).encode({ recipientChannel: ch.remoteId }));
    }
  }

  /** GLOBAL_REQUEST (§4). Returns the request number; with wantReply, 'global-reply' follows (in order). */
  globalRequest(name: string, wantReply: boolean, data: Uint8Array = EMPTY): number {
    const requestId = this.state.nextRequestId++;
    if (wantReply) this.state.globalAwaiting.push(requestId);
    this.state.send(GlobalRequest.encode({ name, wantReply, data }));
    return requestId;
  }

  /** Answers a 'global-request' that wants a reply; data goes with a success (e.g. the bound port). Replies go out in order. */
  answerGlobalRequest(requestId: number, ok: boolean, data?: Uint8Array): void {
    let found = false;
    for (const entry of this.state.globalUnanswered) {
      if (entry.requestId === requestId && entry.ok === undefined) {
        entry.ok = ok;
        if (data) entry.data = data;
        found = true;
        break;
      }
    }
    if (!found) throw new SshError('ERR_STATE', `global request ${requestId} is not awaiting an answer`);
    for (let head = this.state.globalUnanswered.peek(); head && head.ok !== undefined; head = this.state.globalUnanswered.peek()) {
      this.state.globalUnanswered.shift();
      this.state.send(head.ok ? RequestSuccess.encode({ data: head.data }) : RequestFailure.encode({}));
    }
  }

  channelInfo(id: number): ChannelInfo | undefined {
    const ch = this.state.channels.get(id);
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
