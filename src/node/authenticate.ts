/**
 * Runs client user authentication over a TransportSocket: requests ssh-userauth, then feeds the
 * server's authentication messages to ClientAuth until it succeeds or runs out of credentials.
 * The core's questions ('prompt', 'sign') are put to the credential's own async callbacks.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { SigningKey } from '../algorithms/types.js';
import {
  authFailedError,
  ClientAuth,
  type ClientAuthConfig,
  type ClientAuthEvent,
  type ExternalKey,
  type PromptEvent,
  type SignEvent,
} from '../auth/client.js';
import type { KeyboardInteractivePrompt } from '../auth/keyboard-interactive.js';
import { ServerAuth, type Decision, type ServerAuthConfig, type ServerAuthEvent, type ServerAuthRequest } from '../auth/server.js';
import { DisconnectReason, SshError } from '../errors.js';
import type { TransportSocket } from './transport-socket.js';

/** A key that signs asynchronously, e.g. one held by ssh-agent (see AgentKey). */
export interface AsyncSigningKey extends ExternalKey {
  /** Resolves with the signature blob (string algorithm || string signature). */
  signAsync(algorithm: string, data: Uint8Array): Promise<Uint8Array>;
}

/** One keyboard-interactive round (RFC 4256 §3.2), as shown to the user. */
export interface KeyboardInteractiveQuestions {
  name: string;
  instruction: string;
  prompts: readonly KeyboardInteractivePrompt[];
}

type Answer<T> = T | undefined | Promise<T | undefined>;

/** The core's credentials, plus the callbacks that answer its questions. */
export type AuthCredential =
  | { method: 'none' }
  | {
      method: 'password';
      password: string;
      /** Called when the server says the password expired (RFC 4252 §8); undefined gives up. */
      newPassword?: (prompt: string) => Answer<string>;
    }
  | { method: 'publickey'; key: SigningKey | AsyncSigningKey | ExternalKey }
  | {
      method: 'keyboard-interactive';
      submethods?: string;
      /** One answer per prompt; undefined gives up this method. Without it every prompt goes unanswered. */
      respond?: (questions: KeyboardInteractiveQuestions) => Answer<readonly string[]>;
    };

export interface AuthenticateConfig extends Omit<ClientAuthConfig, 'credentials'> {
  credentials: readonly AuthCredential[];
}

function isAsyncSigningKey(key: SigningKey | AsyncSigningKey | ExternalKey): key is AsyncSigningKey {
  return typeof (key as Partial<AsyncSigningKey>).signAsync === 'function';
}

/** The credential's own callback, if any, for a 'prompt' event. */
export function promptAnswer(c: AuthCredential | undefined, ev: PromptEvent): Promise<readonly string[] | undefined> {
  return Promise.resolve().then(async () => {
    if (ev.kind === 'keyboard-interactive' && c?.method === 'keyboard-interactive' && c.respond) {
      return await c.respond({ name: ev.name, instruction: ev.instruction, prompts: ev.prompts });
    }
    if (ev.kind === 'password-change' && c?.method === 'password' && c.newPassword) {
      const p = await c.newPassword(ev.instruction);
      return p === undefined ? undefined : [p];
    }
    return undefined;
  });
}

export function signature(c: AuthCredential | undefined, ev: SignEvent): Promise<Uint8Array | undefined> {
  return Promise.resolve().then(() => (c?.method === 'publickey' && isAsyncSigningKey(c.key) ? c.key.signAsync(ev.algorithm, ev.data) : undefined));
}

export async function authenticate(
  conn: TransportSocket,
  config: AuthenticateConfig,
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
    const sendAll = (payloads: Uint8Array[]) => conn.act((tr) => payloads.forEach((p) => tr.send(p)));
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      const err = e instanceof SshError ? e : new SshError('ERR_PROTOCOL', String(e));
      conn.act((tr) => tr.disconnect(err.disconnectReason, err.message));
      reject(err);
    };
    /** Runs a core call made after an await: the connection may have ended meanwhile. */
    const later = (call: () => Uint8Array[]) => {
      if (settled || t.closed) return;
      try {
        sendAll(call());
      } catch (e) {
        fail(e);
        return;
      }
      drain();
    };
    const drain = () => {
      for (let ev = auth.pollEvent(); ev; ev = auth.pollEvent()) {
        onEvent?.(ev);
        if (ev.type === 'prompt') {
          const { id } = ev;
          promptAnswer(config.credentials[ev.credential], ev).then(
            (r) => later(() => auth.answerPrompt(id, r)),
            () => later(() => auth.answerPrompt(id, undefined)),
          );
        }
        if (ev.type === 'sign') {
          const { id } = ev;
          signature(config.credentials[ev.credential], ev).then(
            (sig) => later(() => auth.answerSignature(id, sig)),
            () => later(() => auth.answerSignature(id, undefined)),
          );
        }
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
          fail(e);
          return;
        }
      }
      drain();
    });
    conn.act((tr) => tr.requestService('ssh-userauth'));
  });
}

const delaySecret = randomBytes(32);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * How much longer to wait before answering a refusal: a per-user target of 5-9 ms (keyed by a
 * per-process secret, so it does not reveal whether the user exists), doubled while the work
 * already took longer than that.
 */
export function failureDelay(user: string, elapsedMs: number): number {
  const h = createHmac('sha256', delaySecret).update(user).digest();
  let target = 5 + (h.readUInt32BE(0) / 0xffffffff) * 4;
  while (target < elapsedMs) target *= 2;
  return target - elapsedMs;
}

/**
 * How long to hold back the answer to `request` decided `decision` after `elapsedMs`: refusals
 * take the same time whether the user exists or not (sshd's ensure_minimum_time_since). As in
 * sshd (auth2.c), not for "none": it only asks which methods can continue, every client sends
 * it first, and delaying it slowed every login by 5-9 ms.
 */
export function refusalDelay(request: { method: string; user: string }, decision: Decision, elapsedMs: number): number {
  if (request.method === 'none' || (decision !== 'reject' && decision !== 'partial')) return 0;
  return failureDelay(request.user, elapsedMs);
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
          const started = performance.now();
          Promise.resolve()
            .then(() => policy(ev.request))
            .then(
              (d) => d,
              () => 'reject' as const,
            )
            .then(async (d) => {
              const wait = refusalDelay(ev.request, d, performance.now() - started);
              if (wait > 0) await sleep(wait);
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
