/**
 * Algorithm negotiation, RFC 4253 §7.1: for each category the chosen algorithm is the first on
 * the client's list that is also on the server's list.
 */
import { DisconnectReason, SshError } from '../errors.js';
import type { KexInitMessage } from '../messages/transport.js';

export const EXT_INFO_C = 'ext-info-c';
export const EXT_INFO_S = 'ext-info-s';
/** OpenSSH PROTOCOL §1.10: strict key exchange, the Terrapin countermeasure. */
export const KEX_STRICT_C = 'kex-strict-c-v00@openssh.com';
export const KEX_STRICT_S = 'kex-strict-s-v00@openssh.com';
const PSEUDO_KEX = new Set([EXT_INFO_C, EXT_INFO_S, KEX_STRICT_C, KEX_STRICT_S]);

export interface NegotiatedAlgorithms {
  kex: string;
  hostKey: string;
  cipherClientToServer: string;
  cipherServerToClient: string;
  /** null when the cipher is an AEAD and carries its own tag. */
  macClientToServer: string | null;
  macServerToClient: string | null;
  compressionClientToServer: string;
  compressionServerToClient: string;
}

function pick(what: string, client: readonly string[], server: readonly string[], skip?: Set<string>): string {
  const serverSet = new Set(server);
  for (const name of client) {
    if (skip?.has(name)) continue;
    if (serverSet.has(name)) return name;
  }
  const show = (l: readonly string[]) => (l.filter((n) => !skip?.has(n)).join(',') || '(none)');
  throw new SshError(
    'ERR_KEX_NEGOTIATION',
    `no matching ${what} found: client offers ${show(client)}; server offers ${show(server)}`,
    { reason: DisconnectReason.KEY_EXCHANGE_FAILED },
  );
}

export function negotiate(
  client: KexInitMessage,
  server: KexInitMessage,
  isAead: (cipher: string) => boolean,
): NegotiatedAlgorithms {
  const kex = pick('key exchange method', client.kexAlgorithms, server.kexAlgorithms, PSEUDO_KEX);
  const hostKey = pick('host key type', client.serverHostKeyAlgorithms, server.serverHostKeyAlgorithms);
  const cipherClientToServer = pick('cipher (client to server)', client.encryptionClientToServer, server.encryptionClientToServer);
  const cipherServerToClient = pick('cipher (server to client)', client.encryptionServerToClient, server.encryptionServerToClient);
  const macClientToServer = isAead(cipherClientToServer)
    ? null
    : pick('MAC (client to server)', client.macClientToServer, server.macClientToServer);
  const macServerToClient = isAead(cipherServerToClient)
    ? null
    : pick('MAC (server to client)', client.macServerToClient, server.macServerToClient);
  const compressionClientToServer = pick('compression (client to server)', client.compressionClientToServer, server.compressionClientToServer);
  const compressionServerToClient = pick('compression (server to client)', client.compressionServerToClient, server.compressionServerToClient);
  return {
    kex,
    hostKey,
    cipherClientToServer,
    cipherServerToClient,
    macClientToServer,
    macServerToClient,
    compressionClientToServer,
    compressionServerToClient,
  };
}

/**
 * RFC 4253 §7: when the peer set first_kex_packet_follows, its guessed packet is ignored if the
 * guess was wrong: "the kex algorithm and/or the host key algorithm is guessed wrong (server and
 * client have different preferred algorithm)". As OpenSSH's proposals_match: compare both
 * sides' first entries.
 */
export function peerGuessWasWrong(peer: KexInitMessage, ours: KexInitMessage): boolean {
  const first = (l: readonly string[]) => l.find((n) => !PSEUDO_KEX.has(n));
  return (
    first(peer.kexAlgorithms) !== first(ours.kexAlgorithms) ||
    peer.serverHostKeyAlgorithms[0] !== ours.serverHostKeyAlgorithms[0]
  );
}
