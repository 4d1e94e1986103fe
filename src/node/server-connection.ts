/**
 * One client connection of the Node server: a ServerEngine (transport, authentication and
 * connection protocol, sans-I/O) on a SocketDriver. This file decides: authentication requests
 * go to the policy (default: the user's authorized_keys, as sshd), refusals wait the equal-time
 * delay; after authentication "session" channels are accepted up to MaxSessions and handed to
 * the session handler; other channel types are refused for now (forwarding comes later); global
 * requests are refused except no-more-sessions@openssh.com, which is honoured.
 *
 * A connection's failure stays that connection's: every event is handled under a guard, and an
 * exception ends only the connection it happened on.
 */
import type { Socket } from 'node:net';
import type { Decision, ServerAuthRequest } from '../auth/server.js';
import { OpenFailureReason } from '../connection/messages.js';
import { ServerEngine, type ServerEngineEvent } from '../engine/server.js';
import { DisconnectReason, SshError } from '../errors.js';
import { DEFAULT_AUTHORIZED_KEY_OPTIONS, type AuthorizedKey, type AuthorizedKeyOptions } from '../keys/authorized-keys/index.js';
import { fingerprintSha256 } from '../keys/fingerprint.js';
import { publicKeyType } from '../keys/public-key.js';
import { refusalDelay } from './authenticate.js';
import { authorizedKeysPolicy } from './authorized-keys-policy.js';
import { SocketDriver } from './driver.js';
import { SocketReader } from './socket-reader.js';
import type { Server } from './server.js';
import type { ConnectionInfo, ServerAuthPolicy } from './server-options.js';
import { DEFAULT_SESSION_HIGH_WATER, SessionChannel, type SessionContext } from './session-channel.js';
import { lookupUser, type UserAccount } from './users.js';
import { accountState } from './account-expiry.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One client connection: its engine, driver, authentication state and sessions. */
export class ServerConnection {
  private readonly engine: ServerEngine;
  private driver!: SocketDriver<ServerEngineEvent>;
  private readonly sessions = new Map<number, SessionChannel>();
  private noMoreSessions = false;
  private user: string | undefined;
  /** The last user name a request named, for the log line of a connection that ends before authentication. */
  private attemptedUser: string | undefined;
  private context: SessionContext | undefined;
  private finished = false;
  private failure: Error | undefined;
  /** Accounts looked up during this connection (getent is a process per call). */
  private readonly accounts = new Map<string, UserAccount | undefined>();
  /** authorized_keys lines of keys whose signature was verified, by user and key. */
  private readonly verifiedEntries = new Map<string, AuthorizedKey>();
  private readonly policy: ServerAuthPolicy;
  private readonly entryFor: ((user: string, key: Uint8Array) => AuthorizedKey | undefined) | undefined;
  private resolveDone!: () => void;
  readonly done: Promise<void> = new Promise((r) => (this.resolveDone = r));

  constructor(
    private readonly server: Server,
    private readonly socket: Socket,
    readonly info: ConnectionInfo,
    private readonly handler: (session: SessionChannel) => void,
  ) {
    const o = server.options;
    const custom = o.authPolicy;
    if (custom) {
      this.policy = custom;
      this.entryFor = undefined;
    } else {
      const ak = authorizedKeysPolicy({
        users: (name) => this.account(name),
        address: info.remoteAddress,
        ...(o.authorizedKeysFiles ? { authorizedKeysFiles: o.authorizedKeysFiles } : {}),
        ...(o.strictModes !== undefined ? { strictModes: o.strictModes } : {}),
      });
      this.entryFor = ak.entryFor;
      this.policy = (req) => this.defaultPolicy(req);
    }
    this.engine = new ServerEngine({
      transport: {
        ...o.transport,
        hostKeys: o.hostKeys,
        ...(o.loginGraceTimeMs !== undefined ? { loginGraceTimeMs: o.loginGraceTimeMs } : {}),
      },
      auth: { ...(custom ? {} : { methods: ['publickey'] }), ...o.auth },
      ...(o.connection ? { connection: o.connection } : {}),
    });
  }

  get authenticated(): boolean {
    return this.engine.authenticated;
  }

  private lastHeard = Date.now();
  private unanswered = 0;
  private aliveTimer: NodeJS.Timeout | undefined;

  /** Reads the socket into recycled buffers (undefined: this Node's sockets could not be adopted). */
  private reader: SocketReader | undefined;

  start(): void {
    const reader = new SocketReader();
    this.reader = reader.adopt(this.socket) ? reader : undefined;
    this.driver = new SocketDriver<ServerEngineEvent>(this.socket, this.engine, {
      ...(this.reader ? { reader: this.reader, viewOf: (ev: ServerEngineEvent) => (ev.type === 'data' ? ev.data : undefined) } : {}),
      onReceive: () => {
        this.lastHeard = Date.now();
        this.unanswered = 0;
      },
      onEvent: (ev) => this.guard(() => this.onEvent(ev)),
      onSocketClose: (err) => this.finish(err ? new SshError('ERR_CONNECTION_LOST', err.message, { cause: err }) : undefined),
    });
  }

  /** Disconnects politely; resolves when the socket is gone. */
  shutdown(description: string): Promise<void> {
    if (!this.engine.closed) {
      this.engine.disconnect(DisconnectReason.BY_APPLICATION, description);
      this.driver.pump();
    }
    return this.done;
  }

  /** Runs fn; an exception ends this connection only. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    this.failure ??= e instanceof Error ? e : new Error(String(e));
    if (this.engine.closed) return;
    try {
      this.engine.disconnect(DisconnectReason.BY_APPLICATION, 'internal server error');
      this.driver.pump();
    } catch {
      this.socket.destroy();
    }
  }

  private account(name: string): UserAccount | undefined {
    if (this.accounts.has(name)) return this.accounts.get(name);
    const a = (this.server.options.users ?? lookupUser)(name);
    // A client spraying names gets no cache beyond a few (MaxAuthTries bounds the lookups anyway).
    if (this.accounts.size < 16) this.accounts.set(name, a);
    return a;
  }

  private defaultPolicy(req: ServerAuthRequest): Decision {
    if (req.method !== 'publickey') return 'reject';
    const account = this.account(req.user);
    if (!account) return 'reject';
    // System accounts: an expired or inactive one cannot log in (pam_unix's account check).
    if (this.server.options.users === undefined && accountState(req.user) !== undefined) return 'reject';
    const uid = process.getuid?.();
    if (uid !== undefined && uid !== 0 && account.uid !== uid) return 'reject';
    const entry = this.entryFor!(req.user, req.key);
    if (!entry) return 'reject';
    if (req.verified) this.verifiedEntries.set(`${req.user}\0${Buffer.from(req.key).toString('base64')}`, entry);
    return 'accept';
  }

  private onEvent(ev: ServerEngineEvent): void {
    const c = this.engine.connection;
    switch (ev.type) {
      case 'auth-request':
        return this.decide(ev.request);
      case 'auth-failure':
        this.server.emit('auth-failure', { connection: this.info, user: ev.user, method: ev.method, attempts: ev.attempts, ...keyLabel(ev.key) });
        return;
      case 'authenticated':
        return this.onAuthenticated(ev.user, ev.method, ev.key);
      case 'open-request': {
        if (ev.channelType !== 'session') {
          c.rejectChannel(ev.id, OpenFailureReason.ADMINISTRATIVELY_PROHIBITED, `channel type ${JSON.stringify(ev.channelType)} is not allowed`);
          return;
        }
        if (this.noMoreSessions) {
          c.rejectChannel(ev.id, OpenFailureReason.ADMINISTRATIVELY_PROHIBITED, 'no more sessions (no-more-sessions@openssh.com)');
          return;
        }
        const max = this.server.options.maxSessions ?? 10;
        if (this.sessions.size >= max) {
          c.rejectChannel(ev.id, OpenFailureReason.ADMINISTRATIVELY_PROHIBITED, `too many sessions (MaxSessions ${max})`);
          return;
        }
        c.acceptChannel(ev.id);
        this.openSession(ev.id);
        return;
      }
      case 'data': {
        const s = this.sessions.get(ev.id);
        if (s) s.onData(ev.data, ev.extendedType);
        else c.consume(ev.id, ev.data.length);
        return;
      }
      case 'eof':
        this.sessions.get(ev.id)?.onEof();
        return;
      case 'writable':
        this.sessions.get(ev.id)?.onWritable(ev.queued);
        return;
      case 'request': {
        const s = this.sessions.get(ev.id);
        if (s) s.onRequest(ev.requestId, ev.requestType, ev.wantReply, ev.data);
        else if (ev.wantReply) c.answerRequest(ev.id, ev.requestId, false);
        return;
      }
      case 'close': {
        const s = this.sessions.get(ev.id);
        this.sessions.delete(ev.id);
        s?.onClose();
        return;
      }
      case 'global-request':
        // keepalive@openssh.com is answered with failure, as sshd does: any answer proves we live.
        if (ev.name === 'no-more-sessions@openssh.com') this.noMoreSessions = true;
        if (ev.wantReply) c.answerGlobalRequest(ev.requestId, ev.name === 'no-more-sessions@openssh.com');
        return;
      case 'closed':
        this.finish(ev.error);
        return;
      default:
        // version, kex, extInfo, debug, unimplemented; replies to requests we never make.
        return;
    }
  }

  private decide(req: ServerAuthRequest): void {
    this.attemptedUser = req.user;
    const started = performance.now();
    Promise.resolve()
      .then(() => this.policy(req, this.info))
      .then(
        (d) => d,
        () => 'reject' as const,
      )
      .then(async (d) => {
        const wait = refusalDelay(req, d, performance.now() - started);
        if (wait > 0) await sleep(wait);
        if (this.engine.closed) return;
        this.guard(() => {
          this.engine.answerAuth(req.id, d);
          this.driver.pump();
        });
      })
      .catch((e: unknown) => this.fail(e));
  }

  private onAuthenticated(user: string, method: string, key: Uint8Array | undefined): void {
    this.user = user;
    const o = this.server.options;
    let keyOptions: AuthorizedKeyOptions | undefined;
    if (key) {
      keyOptions = o.authPolicy
        ? o.keyOptions?.(user, key, this.info)
        : this.verifiedEntries.get(`${user}\0${Buffer.from(key).toString('base64')}`)?.options;
    }
    this.verifiedEntries.clear();
    const account = this.account(user);
    this.context = {
      user,
      method,
      ...(key ? { key } : {}),
      ...(account ? { account } : {}),
      keyOptions: keyOptions ?? DEFAULT_AUTHORIZED_KEY_OPTIONS,
      remoteAddress: this.info.remoteAddress,
      remotePort: this.info.remotePort,
      localAddress: this.info.localAddress,
      localPort: this.info.localPort,
    };
    this.server.unauthenticated.delete(this);
    this.server.emit('authenticated', { connection: this.info, user, method, ...keyLabel(key) });
    this.startClientAlive();
  }

  private openSession(id: number): void {
    const c = this.engine.connection;
    const owner = {
      write: (ch: number, data: Uint8Array, ext?: number): number => {
        try {
          return c.write(ch, data, ext);
        } catch (e) {
          this.fail(e);
          return 0;
        }
      },
      consume: (ch: number, n: number) => this.guard(() => c.consume(ch, n)),
      sendEof: (ch: number) => this.guard(() => c.sendEof(ch)),
      close: (ch: number) => this.guard(() => c.close(ch)),
      sendRequest: (ch: number, type: string, wantReply: boolean, data?: Uint8Array) => this.guard(() => c.sendRequest(ch, type, wantReply, data)),
      answerRequest: (ch: number, requestId: number, ok: boolean) => this.guard(() => c.answerRequest(ch, requestId, ok)),
      flush: () => this.guard(() => this.driver.pump()),
      claim: (data: Uint8Array) => this.reader?.claim(data),
    };
    const session = new SessionChannel(id, this.context!, owner, this.server.options.sessionHighWater ?? DEFAULT_SESSION_HIGH_WATER);
    this.sessions.set(id, session);
    const user = this.user!;
    session.on('start', (info) => this.server.emit('session', { connection: this.info, user, channel: id, ...info }));
    session.on('exit', (result) => this.server.emit('session-exit', { connection: this.info, user, channel: id, result }));
    this.handler(session);
  }

  /** ClientAliveInterval: probe a silent client; give up after ClientAliveCountMax (as sshd). */
  private startClientAlive(): void {
    const o = this.server.options;
    const interval = o.clientAliveIntervalMs ?? 0;
    if (interval <= 0) return;
    const countMax = o.clientAliveCountMax ?? 3;
    this.aliveTimer = setInterval(() => {
      if (this.engine.closed || Date.now() - this.lastHeard < interval) return;
      if (this.unanswered >= countMax) {
        const msg = `Timeout, client not responding from user ${this.user ?? '?'} ${this.info.remoteAddress} port ${this.info.remotePort}`;
        this.engine.transport.abort(new SshError('ERR_TIMEOUT', msg, { reason: DisconnectReason.BY_APPLICATION }));
        this.driver.pump();
        return;
      }
      this.unanswered++;
      this.engine.connection.globalRequest('keepalive@openssh.com', true);
      this.driver.pump();
    }, Math.min(interval, 1000));
    this.aliveTimer.unref();
  }

  private finish(error: Error | undefined): void {
    if (this.finished) return;
    this.finished = true;
    if (this.aliveTimer) clearInterval(this.aliveTimer);
    for (const s of this.sessions.values()) {
      try {
        s.onClose();
      } catch {
        // a handler's close listener failed: the connection is over anyway
      }
    }
    this.sessions.clear();
    const err = this.failure ?? error;
    const reason = this.failure
      ? `internal error: ${this.failure.message}`
      : error
        ? error.message
        : 'closed';
    const who = this.user ? { user: this.user } : this.attemptedUser !== undefined ? { attemptedUser: this.attemptedUser } : {};
    this.server.emit('disconnect', { connection: this.info, ...who, reason, ...(err ? { error: err } : {}) });
    // The socket closes after the DISCONNECT is written (the driver ends it).
    if (this.socket.destroyed) this.resolveDone();
    else this.socket.once('close', () => this.resolveDone());
  }
}

/** A key's type and SHA256 fingerprint, for the 'authenticated' and 'auth-failure' events (empty without a readable key). */
function keyLabel(key: Uint8Array | undefined): { keyType?: string; fingerprint?: string } {
  if (!key) return {};
  try {
    return { keyType: publicKeyType(key), fingerprint: fingerprintSha256(key) };
  } catch {
    return {};
  }
}
