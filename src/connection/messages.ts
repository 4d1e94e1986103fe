/**
 * Connection protocol messages, RFC 4254 §§4-5 (numbers 80-100). Every message on a channel
 * starts with the recipient channel, so the dispatcher reads that first (`recipientOf`).
 * CHANNEL_DATA and CHANNEL_EXTENDED_DATA are the hot path: encoded with one allocation and
 * decoded to a view, by hand rather than through the generic codec.
 */
import { WireError } from '../errors.js';
import { bool, bytes, message, rest, u32, utf8, type Field } from '../messages/codec.js';
import { MSG } from '../messages/numbers.js';
import { concatBytes } from '../wire/writer.js';

/** RFC 4254 §5.1 SSH_MSG_CHANNEL_OPEN_FAILURE reason codes. */
export const OpenFailureReason = {
  ADMINISTRATIVELY_PROHIBITED: 1,
  CONNECT_FAILED: 2,
  UNKNOWN_CHANNEL_TYPE: 3,
  RESOURCE_SHORTAGE: 4,
} as const;

/** RFC 4254 §5.2 data_type_code for SSH_MSG_CHANNEL_EXTENDED_DATA. */
export const EXTENDED_DATA_STDERR = 1;

/** The message numbers this layer handles; anything else in 80-127 is unassigned (RFC 4250 §4.1.2). */
export function isConnectionMessage(n: number): boolean {
  return (n >= MSG.GLOBAL_REQUEST && n <= MSG.REQUEST_FAILURE) || (n >= MSG.CHANNEL_OPEN && n <= MSG.CHANNEL_FAILURE);
}

const lenientText = new TextDecoder('utf-8', { fatal: false });
/**
 * Human-readable text from the peer that only goes into messages and logs: invalid UTF-8 is
 * replaced rather than fatal (some implementations send Latin-1 descriptions).
 */
const text: Field<string> = {
  read: (r) => lenientText.decode(r.bytesString()),
  write: (w, v) => void w.utf8(v),
};
/** A trailing language tag that old implementations omit (OpenSSH's SSH_BUG_OPENFAILURE). */
const optionalTag: Field<string> = {
  read: (r) => (r.remaining === 0 ? '' : lenientText.decode(r.bytesString())),
  write: (w, v) => void w.utf8(v),
};

export const GlobalRequest = message(MSG.GLOBAL_REQUEST, 'SSH_MSG_GLOBAL_REQUEST', {
  name: utf8,
  wantReply: bool,
  data: rest,
});

/** RFC 4254 §4: request-specific data may follow (e.g. the bound port of tcpip-forward). */
export const RequestSuccess = message(MSG.REQUEST_SUCCESS, 'SSH_MSG_REQUEST_SUCCESS', { data: rest });

export const RequestFailure = message(MSG.REQUEST_FAILURE, 'SSH_MSG_REQUEST_FAILURE', {});

export const ChannelOpen = message(MSG.CHANNEL_OPEN, 'SSH_MSG_CHANNEL_OPEN', {
  channelType: utf8,
  senderChannel: u32,
  initialWindowSize: u32,
  maximumPacketSize: u32,
  typeSpecific: rest,
});

export const ChannelOpenConfirmation = message(MSG.CHANNEL_OPEN_CONFIRMATION, 'SSH_MSG_CHANNEL_OPEN_CONFIRMATION', {
  recipientChannel: u32,
  senderChannel: u32,
  initialWindowSize: u32,
  maximumPacketSize: u32,
  typeSpecific: rest,
});

export const ChannelOpenFailure = message(MSG.CHANNEL_OPEN_FAILURE, 'SSH_MSG_CHANNEL_OPEN_FAILURE', {
  recipientChannel: u32,
  reasonCode: u32,
  description: text,
  languageTag: optionalTag,
});

export const ChannelWindowAdjust = message(MSG.CHANNEL_WINDOW_ADJUST, 'SSH_MSG_CHANNEL_WINDOW_ADJUST', {
  recipientChannel: u32,
  bytesToAdd: u32,
});

export const ChannelEof = message(MSG.CHANNEL_EOF, 'SSH_MSG_CHANNEL_EOF', { recipientChannel: u32 });
export const ChannelClose = message(MSG.CHANNEL_CLOSE, 'SSH_MSG_CHANNEL_CLOSE', { recipientChannel: u32 });

export const ChannelRequest = message(MSG.CHANNEL_REQUEST, 'SSH_MSG_CHANNEL_REQUEST', {
  recipientChannel: u32,
  requestType: utf8,
  wantReply: bool,
  data: rest,
});

export const ChannelSuccess = message(MSG.CHANNEL_SUCCESS, 'SSH_MSG_CHANNEL_SUCCESS', { recipientChannel: u32 });
export const ChannelFailure = message(MSG.CHANNEL_FAILURE, 'SSH_MSG_CHANNEL_FAILURE', { recipientChannel: u32 });

// ---- hot path: CHANNEL_DATA / CHANNEL_EXTENDED_DATA ---------------------------------------------

function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

function getU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** The recipient channel of a message numbered 91-100 (every one starts with it). */
export function recipientOf(payload: Uint8Array): number {
  if (payload.length < 5) throw new WireError(`truncated channel message ${payload[0] ?? '?'}: no recipient channel`);
  return getU32(payload, 1);
}

/**
 * Everything of SSH_MSG_CHANNEL_DATA (byte 94, uint32 recipient, string data) or, with a data
 * type, SSH_MSG_CHANNEL_EXTENDED_DATA (byte 95, uint32 recipient, uint32 data_type_code, string
 * data) that comes before the data bytes. The send path passes the data beside this header, by
 * reference, so the bytes are copied once, into the packet.
 */
export function channelDataHeader(recipient: number, dataLength: number, dataType?: number): Uint8Array {
  if (dataType === undefined) {
    const h = new Uint8Array(9);
    h[0] = MSG.CHANNEL_DATA;
    putU32(h, 1, recipient);
    putU32(h, 5, dataLength);
    return h;
  }
  const h = new Uint8Array(13);
  h[0] = MSG.CHANNEL_EXTENDED_DATA;
  putU32(h, 1, recipient);
  putU32(h, 5, dataType);
  putU32(h, 9, dataLength);
  return h;
}

/** byte 94, uint32 recipient, string data, as one array. */
export function encodeChannelData(recipient: number, data: Uint8Array): Uint8Array {
  return concatBytes(channelDataHeader(recipient, data.length), data);
}

/** byte 95, uint32 recipient, uint32 data_type_code, string data, as one array. */
export function encodeChannelExtendedData(recipient: number, dataType: number, data: Uint8Array): Uint8Array {
  return concatBytes(channelDataHeader(recipient, data.length, dataType), data);
}

export interface ChannelDataMessage {
  recipientChannel: number;
  /** Absent for SSH_MSG_CHANNEL_DATA. */
  dataType: number | undefined;
  /** A view into the payload, not a copy. */
  data: Uint8Array;
}

/** Decodes SSH_MSG_CHANNEL_DATA or SSH_MSG_CHANNEL_EXTENDED_DATA; the data is a view. */
export function decodeChannelData(payload: Uint8Array): ChannelDataMessage {
  const extended = payload[0] === MSG.CHANNEL_EXTENDED_DATA;
  if (!extended && payload[0] !== MSG.CHANNEL_DATA) throw new WireError(`expected channel data, got message ${payload[0] ?? '?'}`);
  const name = extended ? 'SSH_MSG_CHANNEL_EXTENDED_DATA' : 'SSH_MSG_CHANNEL_DATA';
  const header = extended ? 13 : 9;
  if (payload.length < header) throw new WireError(`malformed ${name}: truncated (${payload.length} bytes)`);
  const len = getU32(payload, header - 4);
  if (len !== payload.length - header) {
    throw new WireError(`malformed ${name}: data length ${len} but ${payload.length - header} bytes follow`);
  }
  return {
    recipientChannel: getU32(payload, 1),
    dataType: extended ? getU32(payload, 5) : undefined,
    data: payload.subarray(header),
  };
}

/** The declarative form of SSH_MSG_CHANNEL_DATA (the hand-written codec above is checked against it). */
export const ChannelDataCodec = message(MSG.CHANNEL_DATA, 'SSH_MSG_CHANNEL_DATA', { recipientChannel: u32, data: bytes });
