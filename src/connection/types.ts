/** The configuration, events and channel snapshot of the connection protocol (RFC 4254). */

export interface ConnectionConfig {
  role: 'client' | 'server';
  /** Channels in the table at once, ours and the peer's (default 1024); peer opens beyond: RESOURCE_SHORTAGE. */
  maxChannels?: number;
  /** Peer opens not yet answered by the application (default 256, so that a client opening a hundred channels at once is served); beyond: RESOURCE_SHORTAGE. */
  maxPendingOpens?: number;
  /** Our initial window per channel (default 2 MiB, as OpenSSH). */
  defaultWindow?: number;
  /** Our maximum packet per channel (default 32 KiB, as OpenSSH). */
  defaultMaxPacket?: number;
  /** Bound on a CHANNEL_REQUEST, GLOBAL_REQUEST or CHANNEL_OPEN payload (default 256 KiB). */
  maxRequestSize?: number;
  /** Data queued per channel beyond the peer's window (default 64 MiB); write() past it throws ERR_LIMIT. */
  maxQueued?: number;
  /**
   * Largest data chunk we put in one CHANNEL_DATA, whatever the peer advertises (default 32 KiB,
   * which with headers stays within the 35000-byte packet every implementation must take,
   * RFC 4253 §6.1).
   */
  maxSendPacket?: number;
  /** The peer's want-reply requests the application has not answered yet, per channel and for global requests (default 256). */
  maxUnansweredRequests?: number;
}

export type ConnectionEvent =
  | { type: 'open-request'; id: number; channelType: string; typeSpecific: Uint8Array; remoteWindow: number; remoteMaxPacket: number }
  | { type: 'open-confirmed'; id: number; typeSpecific: Uint8Array }
  | { type: 'open-failed'; id: number; reason: number; description: string }
  /** extendedType 1 = stderr. `data` is a view into the received payload. */
  | { type: 'data'; id: number; data: Uint8Array; extendedType?: number }
  /** The peer's window opened and the data queued for it shrank to `queued`. */
  | { type: 'writable'; id: number; queued: number }
  | { type: 'eof'; id: number }
  /** The channel is gone (both CLOSEs exchanged); its id is no longer valid. */
  | { type: 'close'; id: number }
  | { type: 'request'; id: number; requestId: number; requestType: string; wantReply: boolean; data: Uint8Array }
  /** The reply to our request `requestType` (replies come in the order of the requests, §5.4). */
  | { type: 'request-reply'; id: number; ok: boolean; requestType: string }
  | { type: 'global-request'; requestId: number; name: string; wantReply: boolean; data: Uint8Array }
  | { type: 'global-reply'; requestId: number; ok: boolean; data: Uint8Array };

export interface ChannelInfo {
  type: string;
  remoteId: number;
  remoteWindow: number;
  remoteMaxPacket: number;
  localWindow: number;
  queued: number;
  eofSent: boolean;
  eofReceived: boolean;
  closeSent: boolean;
  closeReceived: boolean;
}
