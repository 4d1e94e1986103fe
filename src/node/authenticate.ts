/**
 * Runs client user authentication over a TransportSocket: requests ssh-userauth, then feeds the
 * server's authentication messages to ClientAuth until it succeeds or runs out of credentials.
 */
import { authFailedError, ClientAuth, type ClientAuthConfig, type ClientAuthEvent } from '../auth/client.js';
import { ServerAuth, type Decision, type ServerAuthConfig, type ServerAuthEvent, type ServerAuthRequest } from '../auth/server.js';
import { DisconnectReason, SshError } from '../errors.js';
import type { TransportSocket } from './transport-socket.js';

export async function authenticate(
  conn: TransportSocket,
  config: ClientAuthConfig,
  onEvent?: (ev: ClientAuthEvent) => void,
): Promise<{ method: string }> {
  await conn.ready();
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

/** Decides one authentication request on the server; may be async (look up files, PAM, ...). */
export type AuthPolicy = (request: ServerAuthRequest) => Decision | Promise<Decision>;

/**
 * Server side: answers the client's authentication requests with `policy` until one is accepted.
 * Resolves with the success (for publickey, the *verified* key).
 */
export function serveAuthentication(
  conn: TransportSocket,
  config: ServerAuthConfig,
  policy: AuthPolicy,
  onEvent?: (ev: ServerAuthEvent) => void,
): Promise<Extract<ServerAuthEvent, { type: 'success' }>> {
  const t = conn.transport;
  const auth = new ServerAuth(config, () => t.sessionId!);
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      const err = e instanceof SshError ? e : new SshError('ERR_PROTOCOL', String(e));
      conn.act((tr) => tr.disconnect(err.disconnectReason, err.message));
      reject(err);
    };
    const flush = () => {
      conn.act((tr) => {
        for (let p = auth.pollTransmit(); p; p = auth.pollTransmit()) tr.send(p);
      });
      for (let ev = auth.pollEvent(); ev; ev = auth.pollEvent()) {
        onEvent?.(ev);
        if (ev.type === 'success' && !settled) {
          settled = true;
          resolve(ev);
        }
        if (ev.type === 'request') {
          const { id } = ev.request;
          Promise.resolve()
            .then(() => policy(ev.request))
            .then(
              (d) => d,
              () => 'reject' as const,
            )
            .then((d) => {
              if (t.closed) return;
              try {
                auth.answer(id, d);
              } catch (e) {
                fail(e);
              }
              flush();
            });
        }
      }
    };
    conn.onEvent((ev) => {
      if (ev.type === 'closed') {
        if (!settled) {
          settled = true;
          reject(ev.error ?? new SshError('ERR_CONNECTION_LOST', 'connection closed during authentication'));
        }
        return;
      }
      if (ev.type !== 'payload') return;
      const n = ev.payload[0]!;
      if (auth.authenticated && (n < 50 || n > 79)) return; // the connection layer's business
      if (!auth.authenticated && (n < 50 || n > 79)) {
        // Channel or global requests before authentication: never let in (RFC 4252 §6).
        fail(new SshError('ERR_PROTOCOL', `message ${n} before authentication`, { reason: DisconnectReason.PROTOCOL_ERROR }));
        return;
      }
      try {
        auth.receive(ev.payload);
      } catch (e) {
        fail(e);
        return;
      }
      flush();
    });
  });
}
