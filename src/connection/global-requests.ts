/**
 * Request-specific data of global requests, RFC 4254 §§4, 7.1 and OpenSSH's PROTOCOL
 * (streamlocal forwarding, no-more-sessions, keepalive, hostkeys). Only the data after
 * "want reply" is covered; the name travels in the SSH_MSG_GLOBAL_REQUEST itself.
 */
import { WireError } from '../errors.js';
import { struct, u32, utf8 } from '../messages/codec.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';

/** §7.1 "tcpip-forward" and "cancel-tcpip-forward": string address to bind, uint32 port. */
export const TcpipForwardCodec = struct('tcpip-forward request', { address: utf8, port: u32 });
/** §7.1: the REQUEST_SUCCESS data of a "tcpip-forward" that asked for port 0: the port bound. */
export const TcpipForwardReplyCodec = struct('tcpip-forward reply', { port: u32 });
/** OpenSSH PROTOCOL §2.4 "streamlocal-forward@openssh.com" / "cancel-streamlocal-forward@openssh.com". */
export const StreamlocalForwardCodec = struct('streamlocal-forward request', { socketPath: utf8 });
/** "no-more-sessions@openssh.com", "keepalive@openssh.com": no data. */
export const NoGlobalDataCodec = struct('global request without data', {});

export type TcpipForward = ReturnType<typeof TcpipForwardCodec.decode>;

export const encodeTcpipForward = (address: string, port: number): Uint8Array => TcpipForwardCodec.encode({ address, port });
export const decodeTcpipForward = (data: Uint8Array): TcpipForward => TcpipForwardCodec.decode(data);
export const encodeCancelTcpipForward = encodeTcpipForward;
export const decodeCancelTcpipForward = decodeTcpipForward;
/** The success data: the bound port, sent only when the request asked for port 0 (§7.1). */
export const encodeTcpipForwardReply = (port: number): Uint8Array => TcpipForwardReplyCodec.encode({ port });
/** The bound port from a success reply, or undefined when the reply carries none (a fixed port was asked for). */
export function decodeTcpipForwardReply(data: Uint8Array): number | undefined {
  return data.length === 0 ? undefined : TcpipForwardReplyCodec.decode(data).port;
}

export const encodeStreamlocalForward = (socketPath: string): Uint8Array => StreamlocalForwardCodec.encode({ socketPath });
export const decodeStreamlocalForward = (data: Uint8Array): string => StreamlocalForwardCodec.decode(data).socketPath;

/** At most this many keys are read from a hostkeys(-prove)-00@openssh.com request. */
const MAX_HOSTKEYS = 256;

/** "hostkeys-00@openssh.com" (OpenSSH PROTOCOL §2.5): the server's host keys, one string each. */
export function encodeHostkeys(keys: readonly Uint8Array[]): Uint8Array {
  const w = new Writer();
  for (const k of keys) w.bytesString(k);
  return w.finish();
}
export function decodeHostkeys(data: Uint8Array): Uint8Array[] {
  const r = new Reader(data);
  const keys: Uint8Array[] = [];
  try {
    while (r.remaining > 0) {
      if (keys.length >= MAX_HOSTKEYS) throw new WireError(`more than ${MAX_HOSTKEYS} host keys`);
      keys.push(r.bytesString());
    }
  } catch (e) {
    if (e instanceof WireError) throw new WireError(`malformed hostkeys-00@openssh.com request: ${e.message}`);
    throw e;
  }
  return keys;
}

/** Any known global request, decoded. */
export type KnownGlobalRequest =
  | { name: 'tcpip-forward'; address: string; port: number }
  | { name: 'cancel-tcpip-forward'; address: string; port: number }
  | { name: 'streamlocal-forward@openssh.com'; socketPath: string }
  | { name: 'cancel-streamlocal-forward@openssh.com'; socketPath: string }
  | { name: 'no-more-sessions@openssh.com' }
  | { name: 'keepalive@openssh.com' }
  | { name: 'hostkeys-00@openssh.com'; keys: Uint8Array[] }
  | { name: 'hostkeys-prove-00@openssh.com'; keys: Uint8Array[] };

/** Decodes a global request by name; undefined for names not listed in KnownGlobalRequest. */
export function decodeGlobalRequest(name: string, data: Uint8Array): KnownGlobalRequest | undefined {
  switch (name) {
    case 'tcpip-forward':
    case 'cancel-tcpip-forward':
      return { name, ...TcpipForwardCodec.decode(data) };
    case 'streamlocal-forward@openssh.com':
    case 'cancel-streamlocal-forward@openssh.com':
      return { name, socketPath: decodeStreamlocalForward(data) };
    case 'no-more-sessions@openssh.com':
    case 'keepalive@openssh.com':
      NoGlobalDataCodec.decode(data);
      return { name };
    case 'hostkeys-00@openssh.com':
    case 'hostkeys-prove-00@openssh.com':
      return { name, keys: decodeHostkeys(data) };
    default:
      return undefined;
  }
}

/** The request-specific data for a global request (the name goes in the GLOBAL_REQUEST). */
export function encodeGlobalRequest(req: KnownGlobalRequest): Uint8Array {
  switch (req.name) {
    case 'tcpip-forward':
    case 'cancel-tcpip-forward':
      return TcpipForwardCodec.encode(req);
    case 'streamlocal-forward@openssh.com':
    case 'cancel-streamlocal-forward@openssh.com':
      return StreamlocalForwardCodec.encode(req);
    case 'no-more-sessions@openssh.com':
    case 'keepalive@openssh.com':
      return new Uint8Array(0);
    case 'hostkeys-00@openssh.com':
    case 'hostkeys-prove-00@openssh.com':
      return encodeHostkeys(req.keys);
  }
}
