/**
 * The peer's requests and its replies to ours: CHANNEL_REQUEST and CHANNEL_SUCCESS/FAILURE
 * (RFC 4254 §5.4), GLOBAL_REQUEST and REQUEST_SUCCESS/FAILURE (§4). Replies carry no id, so
 * both kinds are matched in order; the peer's unanswered want-reply requests are bounded.
 */
import { protocolError } from '../errors.js';
import { MSG } from '../messages/numbers.js';
import { EMPTY, type ConnectionState } from './connection-state.js';
import { ChannelFailure, ChannelRequest, ChannelSuccess, GlobalRequest, RequestFailure, RequestSuccess } from './messages.js';

export function onChannelRequest(s: ConnectionState, payload: Uint8Array): void {
  if (payload.length > s.maxRequestSize) {
    throw protocolError(`SSH_MSG_CHANNEL_REQUEST of ${payload.length} bytes exceeds the limit of ${s.maxRequestSize}`);
  }
  const m = ChannelRequest.decode(payload);
  const ch = s.channelFor(m.recipientChannel, 'SSH_MSG_CHANNEL_REQUEST');
  const requestId = s.nextRequestId++;
  // After our CLOSE no reply can be sent (§5.3): the request is shown, its answer ignored.
  if (m.wantReply && !ch.closeSent) {
    if (ch.unanswered.length >= s.maxUnanswered) {
      throw protocolError(`peer has ${ch.unanswered.length} unanswered requests on channel ${ch.id}`);
    }
    ch.unanswered.push({ requestId, ok: undefined });
  }
  s.events.push({ type: 'request', id: ch.id, requestId, requestType: m.requestType, wantReply: m.wantReply, data: m.data });
}

export function onChannelRequestReply(s: ConnectionState, payload: Uint8Array): void {
  const ok = payload[0] === MSG.CHANNEL_SUCCESS;
  const m = (ok ? ChannelSuccess : ChannelFailure).decode(payload);
  const name = ok ? 'SSH_MSG_CHANNEL_SUCCESS' : 'SSH_MSG_CHANNEL_FAILURE';
  const ch = s.channelFor(m.recipientChannel, name);
  const requestType = ch.awaitingReplies.shift();
  if (requestType === undefined) throw protocolError(`${name} on channel ${ch.id}, which has no request awaiting a reply`);
  s.events.push({ type: 'request-reply', id: ch.id, ok, requestType });
}

export function onGlobalRequest(s: ConnectionState, payload: Uint8Array): void {
  if (payload.length > s.maxRequestSize) {
    throw protocolError(`SSH_MSG_GLOBAL_REQUEST of ${payload.length} bytes exceeds the limit of ${s.maxRequestSize}`);
  }
  const m = GlobalRequest.decode(payload);
  const requestId = s.nextRequestId++;
  if (m.wantReply) {
    if (s.globalUnanswered.length >= s.maxUnanswered) {
      throw protocolError(`peer has ${s.globalUnanswered.length} unanswered global requests`);
    }
    s.globalUnanswered.push({ requestId, ok: undefined, data: EMPTY });
  }
  s.events.push({ type: 'global-request', requestId, name: m.name, wantReply: m.wantReply, data: m.data });
}

export function onGlobalReply(s: ConnectionState, payload: Uint8Array): void {
  const ok = payload[0] === MSG.REQUEST_SUCCESS;
  let data = EMPTY;
  if (ok) data = RequestSuccess.decode(payload).data;
  else RequestFailure.decode(payload);
  const requestId = s.globalAwaiting.shift();
  if (requestId === undefined) {
    throw protocolError(`${ok ? 'SSH_MSG_REQUEST_SUCCESS' : 'SSH_MSG_REQUEST_FAILURE'} without a global request awaiting a reply`);
  }
  s.events.push({ type: 'global-reply', requestId, ok, data });
}
