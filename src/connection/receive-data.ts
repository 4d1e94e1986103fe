/**
 * The peer's data flow on open channels (RFC 4254 §§5.2-5.3): CHANNEL_DATA and
 * CHANNEL_EXTENDED_DATA against the window we granted, WINDOW_ADJUST opening the peer's window
 * (which lets queued data out), EOF and CLOSE. CHANNEL_DATA is the hot path: no allocation here
 * beyond the decoded message and its event.
 */
import { protocolError } from '../errors.js';
import { MAX_U32, type ConnectionState } from './connection-state.js';
import { ChannelWindowAdjust, decodeChannelData, recipientOf } from './messages.js';

export function onChannelData(s: ConnectionState, payload: Uint8Array): void {
  const m = decodeChannelData(payload);
  const what = m.dataType === undefined ? 'SSH_MSG_CHANNEL_DATA' : 'SSH_MSG_CHANNEL_EXTENDED_DATA';
  const ch = s.channelFor(m.recipientChannel, what);
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
  s.events.push(
    m.dataType === undefined ? { type: 'data', id: ch.id, data: m.data } : { type: 'data', id: ch.id, data: m.data, extendedType: m.dataType },
  );
}

export function onWindowAdjust(s: ConnectionState, payload: Uint8Array): void {
  const m = ChannelWindowAdjust.decode(payload);
  const ch = s.channelFor(m.recipientChannel, 'SSH_MSG_CHANNEL_WINDOW_ADJUST');
  // §5.2: the window may not be increased above 2^32 - 1.
  const window = ch.remoteWindow + m.bytesToAdd;
  if (window > MAX_U32) {
    throw protocolError(`peer's WINDOW_ADJUST of ${m.bytesToAdd} on channel ${ch.id} would push the window past 2^32-1 (it is ${ch.remoteWindow})`);
  }
  ch.remoteWindow = window;
  const before = ch.queue.bytes;
  s.flush(ch);
  if (ch.queue.bytes < before) s.events.push({ type: 'writable', id: ch.id, queued: ch.queue.bytes });
}

export function onChannelEof(s: ConnectionState, payload: Uint8Array): void {
  const ch = s.channelFor(recipientOf(payload), 'SSH_MSG_CHANNEL_EOF');
  if (payload.length !== 5) throw protocolError(`malformed SSH_MSG_CHANNEL_EOF (${payload.length} bytes)`);
  if (ch.eofReceived) return; // a repeated EOF says nothing new
  ch.eofReceived = true;
  s.events.push({ type: 'eof', id: ch.id });
}

export function onChannelClose(s: ConnectionState, payload: Uint8Array): void {
  const ch = s.channelFor(recipientOf(payload), 'SSH_MSG_CHANNEL_CLOSE');
  if (payload.length !== 5) throw protocolError(`malformed SSH_MSG_CHANNEL_CLOSE (${payload.length} bytes)`);
  // §5.3: answer CLOSE with CLOSE unless we sent one; the peer reads nothing more, so what is
  // still queued for it is dropped. Both CLOSEs are exchanged: the number is free again.
  ch.sendClose(s.send);
  s.channels.delete(ch.id);
  s.events.push({ type: 'close', id: ch.id });
}
