/**
 * Type-specific data of SSH_MSG_CHANNEL_OPEN, RFC 4254 §§6.1, 6.3.2, 7.2 and OpenSSH's PROTOCOL
 * §2.4 (Unix-domain socket forwarding). The channel type itself travels in the CHANNEL_OPEN.
 */
import { struct, u32, utf8 } from '../messages/codec.js';

/** §6.1 "session": no type-specific data. */
export const SessionOpenCodec = struct('session channel open', {});
/** §7.2 "direct-tcpip": host and port to connect to, originator address and port. */
export const DirectTcpipCodec = struct('direct-tcpip channel open', {
  host: utf8,
  port: u32,
  originatorAddress: utf8,
  originatorPort: u32,
});
/** §7.2 "forwarded-tcpip": the address and port that were connected, originator address and port. */
export const ForwardedTcpipCodec = struct('forwarded-tcpip channel open', {
  address: utf8,
  port: u32,
  originatorAddress: utf8,
  originatorPort: u32,
});
/** §6.3.2 "x11": originator address and port. */
export const X11OpenCodec = struct('x11 channel open', { originatorAddress: utf8, originatorPort: u32 });
/** OpenSSH PROTOCOL §2.4 "direct-streamlocal@openssh.com": socket path, reserved string, reserved uint32. */
export const DirectStreamlocalCodec = struct('direct-streamlocal@openssh.com channel open', {
  socketPath: utf8,
  reserved: utf8,
  reservedPort: u32,
});
/** OpenSSH PROTOCOL §2.4 "forwarded-streamlocal@openssh.com": socket path, reserved string. */
export const ForwardedStreamlocalCodec = struct('forwarded-streamlocal@openssh.com channel open', {
  socketPath: utf8,
  reserved: utf8,
});

export type DirectTcpip = ReturnType<typeof DirectTcpipCodec.decode>;
export type ForwardedTcpip = ReturnType<typeof ForwardedTcpipCodec.decode>;
export type X11Open = ReturnType<typeof X11OpenCodec.decode>;
export type DirectStreamlocal = ReturnType<typeof DirectStreamlocalCodec.decode>;
export type ForwardedStreamlocal = ReturnType<typeof ForwardedStreamlocalCodec.decode>;

export const encodeDirectTcpip = (v: DirectTcpip): Uint8Array => DirectTcpipCodec.encode(v);
export const decodeDirectTcpip = (data: Uint8Array): DirectTcpip => DirectTcpipCodec.decode(data);
export const encodeForwardedTcpip = (v: ForwardedTcpip): Uint8Array => ForwardedTcpipCodec.encode(v);
export const decodeForwardedTcpip = (data: Uint8Array): ForwardedTcpip => ForwardedTcpipCodec.decode(data);
export const encodeX11Open = (v: X11Open): Uint8Array => X11OpenCodec.encode(v);
export const decodeX11Open = (data: Uint8Array): X11Open => X11OpenCodec.decode(data);
export const encodeDirectStreamlocal = (socketPath: string): Uint8Array =>
  DirectStreamlocalCodec.encode({ socketPath, reserved: '', reservedPort: 0 });
export const decodeDirectStreamlocal = (data: Uint8Array): DirectStreamlocal => DirectStreamlocalCodec.decode(data);
export const encodeForwardedStreamlocal = (socketPath: string): Uint8Array => ForwardedStreamlocalCodec.encode({ socketPath, reserved: '' });
export const decodeForwardedStreamlocal = (data: Uint8Array): ForwardedStreamlocal => ForwardedStreamlocalCodec.decode(data);

/** Any known channel type's open data, decoded. */
export type ChannelOpenData =
  | { channelType: 'session' }
  | ({ channelType: 'direct-tcpip' } & DirectTcpip)
  | ({ channelType: 'forwarded-tcpip' } & ForwardedTcpip)
  | ({ channelType: 'x11' } & X11Open)
  | ({ channelType: 'direct-streamlocal@openssh.com' } & DirectStreamlocal)
  | ({ channelType: 'forwarded-streamlocal@openssh.com' } & ForwardedStreamlocal);

/** Decodes an open's type-specific data by channel type; undefined for other types. */
export function decodeChannelOpenData(channelType: string, data: Uint8Array): ChannelOpenData | undefined {
  switch (channelType) {
    case 'session':
      SessionOpenCodec.decode(data);
      return { channelType };
    case 'direct-tcpip':
      return { channelType, ...DirectTcpipCodec.decode(data) };
    case 'forwarded-tcpip':
      return { channelType, ...ForwardedTcpipCodec.decode(data) };
    case 'x11':
      return { channelType, ...X11OpenCodec.decode(data) };
    case 'direct-streamlocal@openssh.com':
      return { channelType, ...DirectStreamlocalCodec.decode(data) };
    case 'forwarded-streamlocal@openssh.com':
      return { channelType, ...ForwardedStreamlocalCodec.decode(data) };
    default:
      return undefined;
  }
}

export function encodeChannelOpenData(v: ChannelOpenData): Uint8Array {
  switch (v.channelType) {
    case 'session':
      return new Uint8Array(0);
    case 'direct-tcpip':
      return DirectTcpipCodec.encode(v);
    case 'forwarded-tcpip':
      return ForwardedTcpipCodec.encode(v);
    case 'x11':
      return X11OpenCodec.encode(v);
    case 'direct-streamlocal@openssh.com':
      return DirectStreamlocalCodec.encode(v);
    case 'forwarded-streamlocal@openssh.com':
      return ForwardedStreamlocalCodec.encode(v);
  }
}
