/** Transport layer messages, RFC 4253 §§7, 10, 11 and RFC 8308 §2.3. */
import { WireError } from '../errors.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { bool, bytes, message, nameList, raw, u32, utf8, type MessageCodec } from './codec.js';
import { MSG } from './numbers.js';

export const Disconnect = message(MSG.DISCONNECT, 'SSH_MSG_DISCONNECT', {
  reasonCode: u32,
  description: utf8,
  languageTag: utf8,
});

export const Ignore = message(MSG.IGNORE, 'SSH_MSG_IGNORE', { data: bytes });

export const Unimplemented = message(MSG.UNIMPLEMENTED, 'SSH_MSG_UNIMPLEMENTED', { sequenceNumber: u32 });

export const Debug = message(MSG.DEBUG, 'SSH_MSG_DEBUG', {
  alwaysDisplay: bool,
  message: utf8,
  languageTag: utf8,
});

export const ServiceRequest = message(MSG.SERVICE_REQUEST, 'SSH_MSG_SERVICE_REQUEST', { serviceName: utf8 });
export const ServiceAccept = message(MSG.SERVICE_ACCEPT, 'SSH_MSG_SERVICE_ACCEPT', { serviceName: utf8 });

/** RFC 4253 §7.1. */
export const KexInit = message(MSG.KEXINIT, 'SSH_MSG_KEXINIT', {
  cookie: raw(16),
  kexAlgorithms: nameList,
  serverHostKeyAlgorithms: nameList,
  encryptionClientToServer: nameList,
  encryptionServerToClient: nameList,
  macClientToServer: nameList,
  macServerToClient: nameList,
  compressionClientToServer: nameList,
  compressionServerToClient: nameList,
  languagesClientToServer: nameList,
  languagesServerToClient: nameList,
  firstKexPacketFollows: bool,
  reserved: u32,
});
export type KexInitMessage = ReturnType<typeof KexInit.decode>;

export const NewKeys = message(MSG.NEWKEYS, 'SSH_MSG_NEWKEYS', {});

/** RFC 8308 §2.3: uint32 count, then count (name, value) string pairs. */
export interface ExtInfoMessage {
  extensions: Array<{ name: string; value: Uint8Array }>;
}
const MAX_EXTENSIONS = 64;
export const ExtInfo: MessageCodec<ExtInfoMessage> = {
  id: MSG.EXT_INFO,
  name: 'SSH_MSG_EXT_INFO',
  encode(v) {
    const w = new Writer().u8(MSG.EXT_INFO).u32(v.extensions.length);
    for (const e of v.extensions) w.utf8(e.name).bytesString(e.value);
    return w.finish();
  },
  decode(payload) {
    const r = new Reader(payload);
    if (r.u8() !== MSG.EXT_INFO) throw new WireError('expected SSH_MSG_EXT_INFO');
    const n = r.u32();
    if (n > MAX_EXTENSIONS) throw new WireError(`SSH_MSG_EXT_INFO announces ${n} extensions (limit ${MAX_EXTENSIONS})`);
    const extensions: ExtInfoMessage['extensions'] = [];
    for (let i = 0; i < n; i++) extensions.push({ name: r.utf8(), value: r.bytesString() });
    r.done('SSH_MSG_EXT_INFO');
    return { extensions };
  },
};
