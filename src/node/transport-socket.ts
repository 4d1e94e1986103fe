/**
 * A Transport on a TCP socket, with promise helpers. The building block for the Client and
 * Server classes; useful on its own to check that a server speaks SSH (as `ssh-keyscan` does).
 */
import { connect as netConnect, createServer as createNetServer, type Socket } from 'node:net';
import { SshError } from '../errors.js';
import type { TransportConfig } from '../transport/config.js';
import type { TransportEvent } from '../transport/events.js';
import { Transport } from '../transport/transport.js';
import { SocketDriver } from './driver.js';

export type HostKeyVerifier = (hostKey: Uint8Array, algorithm: string) => boolean | Promise<boolean>;

export interface TransportSocketOptions {
  /** Client: decides whether the server's host key is trusted. Without one, every key is refused. */
  verifyHostKey?: HostKeyVerifier;
  /** Sees every event (after the built-in handling). */
  onEvent?: (event: TransportEvent) => void;
}

type EventOf<T extends TransportEvent['type']> = Extract<TransportEvent, { type: T }>;

export class TransportSocket {
  readonly transport: Transport;
  readonly driver: SocketDriver<TransportEvent>;
  /** Resolves when the transport closes: with the error, or undefined after an orderly local close. */
  readonly closed: Promise<SshError | undefined>;
  private readonly seen: TransportEvent[] = [];
  private readonly claimed = new WeakSet<TransportEvent>();
  private waiters: Array<{ type: string; resolve: (e: TransportEvent) => void; reject: (e: unknown) => void }> = [];
  private closeError: SshError | undefined;
  private readonly listeners: Array<(ev: TransportEvent) => void> = [];
  private isClosed = false;

  constructor(socket: Socket, config: TransportConfig | Transport, options: TransportSocketOptions = {}) {
    this.transport = config instanceof Transport ? config : new Transport(config);
    let resolveClosed!: (e: SshError | undefined) => void;
    this.closed = new Promise((r) => (resolveClosed = r));
    this.driver = new SocketDriver<TransportEvent>(socket, this.transport, {
      onEvent: (ev) => {
        if (ev.type === 'hostKey') this.decideHostKey(ev, options.verifyHostKey);
        if (ev.type === 'closed') {
          this.isClosed = true;
          this.closeError = ev.error;
          resolveClosed(ev.error);
          for (const w of this.waiters.splice(0)) {
            w.reject(ev.error ?? new SshError('ERR_CONNECTION_LOST', `connection closed while waiting for ${w.type}`));
          }
        }
        this.seen.push(ev);
        const i = this.waiters.findIndex((w) => w.type === ev.type);
        if (i >= 0) {
          this.claimed.add(ev);
          this.waiters.splice(i, 1)[0]!.resolve(ev);
        }
        options.onEvent?.(ev);
        for (const l of this.listeners) l(ev);
      },
      onSocketClose: (err) => {
        if (!this.isClosed && err) resolveClosed(new SshError('ERR_CONNECTION_LOST', err.message, { cause: err }));
      },
    });
  }

  private decideHostKey(ev: EventOf<'hostKey'>, verify: HostKeyVerifier | undefined): void {
    if (!verify) {
      this.transport.answerHostKey(ev.id, false);
      return;
    }
    Promise.resolve()
      .then(() => verify(ev.hostKey, ev.algorithm))
      .then(
        (ok) => this.transport.answerHostKey(ev.id, ok === true),
        (e: unknown) => this.transport.answerHostKey(ev.id, false, e instanceof SshError ? e : undefined),
      )
      .finally(() => this.driver.pump());
  }

  /** Calls `fn` for every later event. */
  onEvent(fn: (ev: TransportEvent) => void): void {
    this.listeners.push(fn);
  }

  /** Events seen so far (for logs and tests). */
  get events(): readonly TransportEvent[] {
    return this.seen;
  }

  /** Resolves with the next event of this type (or one already seen and not yet claimed). */
  waitFor<T extends TransportEvent['type']>(type: T): Promise<EventOf<T>> {
    const have = this.seen.find((e) => e.type === type && !this.claimed.has(e));
    if (have) {
      this.claimed.add(have);
      return Promise.resolve(have as EventOf<T>);
    }
    if (this.isClosed) {
      return Promise.reject(this.closeError ?? new SshError('ERR_CONNECTION_LOST', `connection closed while waiting for ${type}`));
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ type, resolve: resolve as (e: TransportEvent) => void, reject });
    });
  }

  /** Resolves once the first key exchange is complete (without claiming the 'kex' event). */
  ready(): Promise<void> {
    if (this.transport.sessionId !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.onEvent((ev) => {
        if (ev.type === 'kex') resolve();
        if (ev.type === 'closed') reject(ev.error ?? new SshError('ERR_CONNECTION_LOST', 'connection closed before the key exchange finished'));
      });
    });
  }

  /** Runs a call on the transport and then lets the driver write what it produced. */
  act(fn: (t: Transport) => void): void {
    fn(this.transport);
    this.driver.pump();
  }

  close(): void {
    this.act((t) => t.disconnect());
  }
}

/** Opens a TCP connection and starts the client transport on it. */
export function dialTransport(
  host: string,
  port: number,
  config: Omit<TransportConfig, 'role'>,
  options: TransportSocketOptions = {},
): Promise<TransportSocket> {
  let transport: Transport;
  try {
    transport = new Transport({ ...config, role: 'client' }); // a bad configuration fails before any connection
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(new TransportSocket(socket, transport, options));
    });
  });
}

export interface TransportListener {
  readonly port: number;
  readonly connections: ReadonlySet<TransportSocket>;
  close(): Promise<void>;
}

/**
 * Listens for TCP connections and runs a server transport on each. `onConnection` is called for
 * every new connection; one connection's failure never affects another.
 */
export function listenTransport(
  options: { host?: string; port?: number },
  config: Omit<TransportConfig, 'role'>,
  onConnection: (conn: TransportSocket) => void,
): Promise<TransportListener> {
  return new Promise((resolve, reject) => {
    const connections = new Set<TransportSocket>();
    const server = createNetServer((socket) => {
      const conn = new TransportSocket(socket, { ...config, role: 'server' });
      connections.add(conn);
      void conn.closed.then(() => connections.delete(conn));
      socket.on('close', () => connections.delete(conn));
      onConnection(conn);
    });
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({
        port,
        connections,
        close: () =>
          new Promise<void>((r) => {
            for (const c of connections) c.driver.socket.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
