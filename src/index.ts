/**
 * hush: SSH-2 for Node.js. The public API.
 *
 *   import { connect } from 'hush';
 *   const client = await connect({ host, username, privateKey: readFileSync(keyPath) });
 *   const { stdout, code } = await client.exec('uname -a');
 */
export { connect, Client, RemoteProcess, type ConnectOptions, type ExecResult, type PtyOptions, type SpawnOptions } from './node/client.js';
export { ChannelStream } from './node/channel-stream.js';
export { createServer, Server } from './node/server.js';
export { SessionChannel } from './node/session-channel.js';
export { sessionHandler } from './node/session-handler.js';
export { knownHostsPolicy, type HostKeyPolicyOptions, type HostKeyQuestion } from './node/host-key-policy.js';
export { authorizedKeysPolicy, type AuthorizedKeysPolicyOptions } from './node/authorized-keys-policy.js';
export { AgentClient } from './node/agent-client.js';
export type { AuthCredential, AuthPolicy, KeyboardInteractiveQuestions } from './node/authenticate.js';
export { dialTransport, listenTransport, TransportSocket } from './node/transport-socket.js';

export { SshError, WireError, PeerDisconnectError, DisconnectReason, type SshErrorCode } from './errors.js';
export { PrivateKey } from './keys/private-key.js';
export {
  parsePrivateKey,
  parsePublicKeyFile,
  writeOpenSshPrivateKey,
  writePublicKeyLine,
  writePem,
  writeRfc4716,
} from './keys/formats/index.js';
export { fingerprintSha256, fingerprintMd5, formatFingerprintLine } from './keys/fingerprint.js';
export { randomart } from './keys/randomart.js';
export { KnownHosts, formatKnownHostsLine } from './keys/knownhosts/index.js';
export { parseAuthorizedKeys, findAuthorizedKey } from './keys/authorized-keys/index.js';
export { DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS, INSECURE_ALGORITHMS } from './algorithms/registry.js';

// The sans-I/O protocol core, for other runtimes and for testing.
export { Transport } from './transport/transport.js';
export type { TransportConfig } from './transport/config.js';
export type { TransportEvent } from './transport/events.js';
export { ClientEngine, type ClientEngineEvent } from './engine/client.js';
export { ServerEngine, type ServerEngineEvent } from './engine/server.js';
export { ConnectionProtocol } from './connection/connection.js';
export { HUSH_VERSION } from './version.js';
