/**
 * The whole server side of one SSH connection, sans-I/O: transport, user authentication and the
 * connection protocol behind one surface. Authentication requests are questions for the
 * application ('auth-request' -> answerAuth); channel opens and requests likewise.
 * Connection-protocol messages before authentication end the connection (RFC 4252 §6; the
 * libssh CVE-2018-10933 class).
 */
import { ServerAuth, type Decision, type ServerAuthConfig, type ServerAuthEvent, type ServerAuthRequest } from '../auth/server.js';
import { isConnectionMessage } from '../connection/messages.js';
import { ConnectionProtocol, type ConnectionConfig, type ConnectionEvent } from '../connection/connection.js';
import { DisconnectReason, SshError, protocolError } from '../errors.js';
import type { TransportConfig } from '../transport/config.js';
import type { TransportEvent } from '../transport/events.js';
import { Transport } from '../transport/transport.js';

export interface ServerEngineConfig {
  transport: Omit<TransportConfig, 'role'>;
  auth?: ServerAuthConfig;
  connection?: Omit<ConnectionConfig, 'role'>;
}

export type ServerEngineEvent =
  | Exclude<TransportEvent, { type: 'payload' }>
  | { type: 'auth-request'; request: ServerAuthRequest }
  | { type: 'auth-failure'; user: string; method: string; attempts: number; key?: Uint8Array }
  /** Authentication succeeded; for publickey, `key` is the key whose signature was verified. */
  | { type: 'authenticated'; user: string; method: string; key?: Uint8Array; algorithm?: string }
  | ConnectionEvent;

export class ServerEngine {
  readonly transport: Transport;
  readonly auth: ServerAuth;
  readonly connection: ConnectionProtocol;
  private readonly events: ServerEngineEvent[] = [];

  constructor(config: ServerEngineConfig) {
    this.transport = new Transport({ ...config.transport, role: 'server' });
    const t = this.transport;
    this.auth = new ServerAuth(config.auth ?? {}, () => t.sessionId!);
    this.connection = new ConnectionProtocol({ ...config.connection, role: 'server' });
  }

  get closed(): boolean {
    return this.transport.closed;
  }
  get authenticated(): boolean {
    return this.auth.authenticated;
  }

  receive(data: Uint8Array, owned = false): void {
    this.transport.receive(data, owned);
    this.step();
  }
  receiveEnd(): void {
    this.transport.receiveEnd();
    this.step();
  }
  pollTransmit(): Uint8Array | undefined {
    // What the transport holds goes first; the layers above are only stepped once it is drained.
    if (!this.transport.hasTransmit) this.step();
    return this.transport.pollTransmit();
  }
  /** Every piece transmitTo handed out has been written and dropped (see Transport.releaseTransmitted). */
  releaseTransmitted(): void {
    this.transport.releaseTransmitted();
  }
  /** See Transport.markTransmitted. */
  markTransmitted(): (() => void) | undefined {
    return this.transport.markTransmitted();
  }
  /** The fast form of pollTransmit: every piece of wire bytes ready now, in order (see Transport.transmitTo). */
  transmitTo(write: (piece: Uint8Array) => void): boolean {
    let any = false;
    for (;;) {
      if (!this.transport.hasTransmit) this.step();
      if (!this.transport.transmitTo(write)) return any;
      any = true;
    }
  }
  pollEvent(): ServerEngineEvent | undefined {
    this.step();
    return this.events.shift();
  }
  pollTimeout(): number | undefined {
    return this.transport.pollTimeout();
  }
  handleTimeout(now: number): void {
    this.transport.handleTimeout(now);
    this.step();
  }

  /** The application's decision on an 'auth-request'. */
  answerAuth(id: number, decision: Decision, options?: { methods?: readonly string[] }): void {
    this.guard(() => this.auth.answer(id, decision, options));
  }

  /** The socket's buffer is above (or back below) its limit: see ConnectionProtocol.setCongested. */
  setCongested(on: boolean): void {
    this.connection.setCongested(on);
    this.step();
  }

  disconnect(reason?: number, description?: string): void {
    this.step();
    this.transport.disconnect(reason as never, description);
    this.step();
  }

  private readonly sendPayload = (payload: Uint8Array, tail?: Uint8Array): void => {
    if (!this.transport.closed) this.transport.send(payload, tail);
  };

  private step(): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      let moved = false;
      for (let p = this.auth.pollTransmit(); p; p = this.auth.pollTransmit()) {
        moved = true;
        if (!this.transport.closed) this.transport.send(p);
      }
      if (this.connection.transmitTo(this.sendPayload)) moved = true;
      const ev = this.transport.pollEvent();
      if (ev) {
        moved = true;
        if (ev.type === 'payload') this.onPayload(ev.payload, ev.seq);
        else this.events.push(ev);
      }
      for (let a = this.auth.pollEvent(); a; a = this.auth.pollEvent()) {
        moved = true;
        this.onAuthEvent(a);
      }
      for (let c = this.connection.pollEvent(); c; c = this.connection.pollEvent()) {
        moved = true;
        this.events.push(c);
      }
      if (!moved) return;
    }
  }

  private onAuthEvent(ev: ServerAuthEvent): void {
    switch (ev.type) {
      case 'request':
        this.events.push({ type: 'auth-request', request: ev.request });
        return;
      case 'failure':
        this.events.push({ type: 'auth-failure', user: ev.user, method: ev.method, attempts: ev.attempts, ...(ev.key ? { key: ev.key } : {}) });
        return;
      case 'success':
        this.events.push({
          type: 'authenticated',
          user: ev.user,
          method: ev.method,
          ...(ev.key ? { key: ev.key } : {}),
          ...(ev.algorithm ? { algorithm: ev.algorithm } : {}),
        });
        return;
    }
  }

  private onPayload(payload: Uint8Array, seq: number): void {
    const n = payload[0]!;
    this.guard(() => {
      if (n >= 50 && n <= 79) {
        this.auth.receive(payload);
      } else if (isConnectionMessage(n)) {
        if (!this.auth.authenticated) throw protocolError(`message ${n} before authentication`);
        this.connection.receive(payload);
      } else {
        this.transport.sendUnimplemented(seq);
      }
    });
  }

  private guard(fn: () => void): void {
    if (this.transport.closed) return;
    try {
      fn();
    } catch (e) {
      this.transport.abort(
        e instanceof SshError ? e : new SshError('ERR_PROTOCOL', `internal error: ${String(e)}`, { reason: DisconnectReason.PROTOCOL_ERROR, cause: e }),
      );
    }
    this.step();
  }
}
