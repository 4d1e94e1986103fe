/**
 * The peer's side of opening channels (RFC 4254 §5.1): its CHANNEL_OPEN, checked against our
 * limits before the application sees it, and its answers to the opens we sent.
 */
import { protocolError } from '../errors.js';
import { Channel } from './channel.js';
import { MIN_REMOTE_MAX_PACKET, type ConnectionState } from './connection-state.js';
import { ChannelOpen, ChannelOpenConfirmation, ChannelOpenFailure, OpenFailureReason } from './messages.js';

/** Answers the peer's CHANNEL_OPEN with CHANNEL_OPEN_FAILURE before it reaches the application. */
function refuseOpen(s: ConnectionState, recipientChannel: number, reasonCode: number, description: string): void {
  s.send(ChannelOpenFailure.encode({ recipientChannel, reasonCode, description, languageTag: '' }));
}

export function onChannelOpen(s: ConnectionState, payload: Uint8Array): void {
  if (payload.length > s.maxRequestSize) {
    throw protocolError(`SSH_MSG_CHANNEL_OPEN of ${payload.length} bytes exceeds the limit of ${s.maxRequestSize}`);
  }
  const m = ChannelOpen.decode(payload);
  if (m.maximumPacketSize < MIN_REMOTE_MAX_PACKET) {
    return refuseOpen(s, m.senderChannel, OpenFailureReason.ADMINISTRATIVELY_PROHIBITED, `maximum packet size ${m.maximumPacketSize} leaves no room for data`);
  }
  // §6.1: a client SHOULD refuse session channels (a server has no business starting a shell here).
  if (s.role === 'client' && m.channelType === 'session') {
    return refuseOpen(s, m.senderChannel, OpenFailureReason.ADMINISTRATIVELY_PROHIBITED, 'a client does not accept session channels');
  }
  if (s.channels.size >= s.maxChannels) {
    return refuseOpen(s, m.senderChannel, OpenFailureReason.RESOURCE_SHORTAGE, `too many channels (limit ${s.maxChannels})`);
  }
  if (s.pendingOpens >= s.maxPendingOpens) {
    return refuseOpen(s, m.senderChannel, OpenFailureReason.RESOURCE_SHORTAGE, `too many channel opens awaiting an answer (limit ${s.maxPendingOpens})`);
  }
  const id = s.ids.allocate((i) => s.channels.has(i));
  // Our window and maximum packet are chosen when the application accepts.
  const ch = new Channel(id, m.channelType, 'pending', 0, s.defaultMaxPacket);
  ch.remoteId = m.senderChannel;
  ch.remoteWindow = m.initialWindowSize;
  ch.remoteMaxPacket = m.maximumPacketSize;
  s.channels.set(id, ch);
  s.pendingOpens++;
  s.events.push({
    type: 'open-request',
    id,
    channelType: m.channelType,
    typeSpecific: m.typeSpecific,
    remoteWindow: m.initialWindowSize,
    remoteMaxPacket: m.maximumPacketSize,
  });
}

/** The open this message answers: one we sent and that is still unanswered. */
function openingChannel(s: ConnectionState, id: number, what: string): Channel {
  const ch = s.channels.get(id);
  if (!ch) throw protocolError(`${what} for channel ${id}, which we never opened`);
  if (ch.phase === 'open') throw protocolError(`${what} for channel ${id}, which is already open (duplicate answer)`);
  if (ch.phase === 'pending') throw protocolError(`${what} for channel ${id}, which the peer itself opened`);
  return ch;
}

export function onOpenConfirmation(s: ConnectionState, payload: Uint8Array): void {
  const m = ChannelOpenConfirmation.decode(payload);
  const ch = openingChannel(s, m.recipientChannel, 'SSH_MSG_CHANNEL_OPEN_CONFIRMATION');
  if (m.maximumPacketSize < MIN_REMOTE_MAX_PACKET) {
    throw protocolError(`peer confirmed channel ${ch.id} with maximum packet size ${m.maximumPacketSize}: no data could ever be sent`);
  }
  ch.phase = 'open';
  ch.remoteId = m.senderChannel;
  ch.remoteWindow = m.initialWindowSize;
  ch.remoteMaxPacket = m.maximumPacketSize;
  s.events.push({ type: 'open-confirmed', id: ch.id, typeSpecific: m.typeSpecific });
  // Closed by the application while the open was in flight: CLOSE goes out now.
  if (ch.closePending) s.flush(ch);
}

export function onOpenFailure(s: ConnectionState, payload: Uint8Array): void {
  const m = ChannelOpenFailure.decode(payload);
  const ch = openingChannel(s, m.recipientChannel, 'SSH_MSG_CHANNEL_OPEN_FAILURE');
  s.channels.delete(ch.id);
  s.events.push({ type: 'open-failed', id: ch.id, reason: m.reasonCode, description: m.description });
}
