/** The connection protocol (RFC 4254): channels, requests, and the codecs of their data. */
export { ConnectionProtocol, type ChannelInfo, type ConnectionConfig, type ConnectionEvent } from './connection.js';
export { EXTENDED_DATA_STDERR, isConnectionMessage, OpenFailureReason } from './messages.js';
export * from './session-requests.js';
export * from './global-requests.js';
export * from './channel-types.js';
