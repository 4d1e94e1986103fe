/**
 * Runs client user authentication over a TransportSocket: requests ssh-userauth, then feeds the
 * server's authentication messages to ClientAuth until it succeeds or runs out of credentials.
 */
import { authFailedError, ClientAuth, type ClientAuthConfig, type ClientAuthEvent } from '../auth/client.js';
import { SshError } from '../errors.js';
import type { TransportSocket } from './transport-socket.js';

export async function authenticate(
  conn: TransportSocket,
  config: ClientAuthConfig,
  onEvent?: (ev: ClientAuthEvent) => void,
): Promise<{ method: string }> {
  await conn.waitFor('kex');
  const t = conn.transport;
  const auth = new ClientAuth(config, {
    sessionId: () => t.sessionId!,
    serverSigAlgs: () => t.serverSigAlgs,
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const drain = () => {
      for (let ev = auth.pollEvent(); ev; ev = auth.pollEvent()) {
        onEvent?.(ev);
        if (ev.type === 'success' && !settled) {
          settled = true;
          resolve({ method: ev.method });
        }
        if (ev.type === 'exhausted' && !settled) {
          settled = true;
          const err = authFailedError(ev.methods);
          conn.act((tr) => tr.disconnect(err.disconnectReason, err.message));
          reject(err);
        }
      }
    };
    const sendAll = (payloads: Uint8Array[]) => conn.act((tr) => payloads.forEach((p) => tr.send(p)));
    conn.onEvent((ev) => {
      if (settled) return;
      if (ev.type === 'closed') {
        settled = true;
        reject(ev.error ?? new SshError('ERR_CONNECTION_LOST', 'connection closed during authentication'));
        return;
      }
      if (ev.type === 'service') sendAll(auth.start());
      if (ev.type === 'payload' && ev.payload[0]! >= 50 && ev.payload[0]! <= 79) {
        try {
          sendAll(auth.receive(ev.payload));
        } catch (e) {
          settled = true;
          const err = e instanceof SshError ? e : new SshError('ERR_PROTOCOL', String(e));
          conn.act((tr) => tr.disconnect(err.disconnectReason, err.message));
          reject(err);
          return;
        }
      }
      drain();
    });
    conn.act((tr) => tr.requestService('ssh-userauth'));
  });
}
