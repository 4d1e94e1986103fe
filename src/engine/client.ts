/**
 * The whole client side of an SSH connection, sans-I/O: transport (RFC 4253), user
 * authentication (RFC 4252) and the connection protocol (RFC 4254) behind one surface
 * (receive / pollTransmit / pollEvent / pollTimeout / handleTimeout). Each layer hands the next
 * whole payloads; rekeys are invisible above the transport.
 */
import { authFailedError, ClientAuth, type ClientAuthConfig, type ClientAuthEvent } from '../auth/client.js';
import { isConnectionMessage } from '../connection/messages.js';
import { ConnectionProtocol, type ConnectionConfig, type ConnectionEvent } from '../connection/connection.js';
import { DisconnectReason, SshError, protocolError } from '../errors.js';
import type { TransportConfig } from '../transport/config.js';
import type { TransportEvent } from '../transport/events.js';
import { Transport } from '../transport/transport.js';

export interface ClientEngineConfig {
  transport?: Omit<TransportConfig, 'role'>;
  auth: ClientAuthConfig;
  connection?: Omit<ConnectionConfig, 'role'>;
}

export type ClientEngineEvent =
  | Exclude<TransportEvent, { type: 'payload' } | { type: 'service' }>
  | Exclude<ClientAuthEvent, { type: 'success' } | { type: 'exhausted' }>
  /** User authentication succeeded: channels may be opened now. */
  | { type: 'authenticated'; method: string }
  | ConnectionEvent;

export class ClientEngine {
  readonly transport: Transport;
  readonly auth: ClientAuth;
  readonly connection: ConnectionProtocol;
  private readonly events: ClientEngineEvent[] = [];

  constructor(config: ClientEngineConfig) {
    this.transport = new Transport({ ...config.transport, role: 'client' });
    const t = this.transport;
    this.auth = new ClientAuth(config.auth, { sessionId: () => t.sessionId!, serverSigAlgs: () => t.serverSigAlgs });
    this.connection = new ConnectionProtocol({ ...config.connection, role: 'client' });
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
  pollEvent(): ClientEngineEvent | undefined {
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

  answerHostKey(id: number, accept: boolean, error?: SshError): void {
    this.transport.answerHostKey(id, accept, error);
    this.step();
  }
  answerPrompt(id: number, responses: readonly string[] | undefined): void {
    this.guard(() => this.sendAll(this.auth.answerPrompt(id, responses)));
  }
  answerSignature(id: number, signature: Uint8Array | undefined): void {
    this.guard(() => this.sendAll(this.auth.answerSignature(id, signature)));
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

  /** Moves everything between the layers until nothing is left to move. */
  private step(): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      let moved = false;
      if (this.connection.transmitTo(this.sendPayload)) moved = true;
      const ev = this.transport.pollEvent();
      if (ev) {
        moved = true;
        this.onTransportEvent(ev);
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

  private onTransportEvent(ev: TransportEvent): void {
    switch (ev.type) {
      case 'kex':
        if (ev.initial) this.transport.requestService('ssh-userauth');
        this.events.push(ev);
        return;
      case 'service':
        this.guard(() => this.sendAll(this.auth.start()));
        return;
      case 'payload':
        this.onPayload(ev.payload, ev.seq);
        return;
      default:
        this.events.push(ev);
    }
  }

  private onPayload(payload: Uint8Array, seq: number): void {
    const n = payload[0]!;
    this.guard(() => {
      if (n >= 50 && n <= 79) {
        // RFC 4252 §5.1: after success the server sends no more authentication messages.
        if (this.auth.authenticated) throw protocolError(`user authentication message ${n} after authentication`);
        this.sendAll(this.auth.receive(payload));
      } else if (isConnectionMessage(n)) {
        if (!this.auth.authenticated) throw protocolError(`connection protocol message ${n} before authentication`);
        this.connection.receive(payload);
      } else {
        this.transport.sendUnimplemented(seq);
      }
    });
  }

  private onAuthEvent(ev: ClientAuthEvent): void {
    if (ev.type === 'success') {
      this.events.push({ type: 'authenticated', method: ev.method });
      return;
    }
    if (ev.type === 'exhausted') {
      const err = authFailedError(ev.methods);
      this.failWith(err);
      return;
    }
    this.events.push(ev);
  }

  private sendAll(payloads: Uint8Array[]): void {
    for (const p of payloads) this.transport.send(p);
  }

  private guard(fn: () => void): void {
    if (this.transport.closed) return;
    try {
      fn();
    } catch (e) {
      this.failWith(
        e instanceof SshError ? e : new SshError('ERR_PROTOCOL', `internal error: ${String(e)}`, { reason: DisconnectReason.PROTOCOL_ERROR, cause: e }),
      );
    }
    this.step();
  }

  private failWith(err: SshError): void {
    this.transport.abort(err);
  }
}
