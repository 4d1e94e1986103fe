/**
 * The Node server: `const server = createServer({ hostKeys }); await server.listen(22)`.
 *
 * The Server listens, applies the connection limits (maxConnections, MaxStartups) at accept and
 * serves each accepted socket as a ServerConnection (server-connection.ts), which decides
 * authentication, channels and requests. Its options and event types are in server-options.ts.
 */
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { SshError } from '../errors.js';
import { ServerConnection } from './server-connection.js';
import type { ConnectionInfo, ServerEvents, ServerOptions } from './server-options.js';
import type { SessionChannel } from './session-channel.js';
import { sessionHandler } from './session-handler.js';

export type { ConnectionInfo, ServerAuthPolicy, ServerEvents, ServerOptions } from './server-options.js';

let nextConnectionId = 1;
const plainAddress = (a: string): string => (a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a);

export class Server extends EventEmitter<ServerEvents> {
  private readonly net: NetServer;
  private readonly connections = new Set<ServerConnection>();
  /** @internal connections still in key exchange or authentication (MaxStartups counts them; no scan per accept). */
  readonly unauthenticated = new Set<ServerConnection>();
  private readonly handler: (session: SessionChannel) => void;
  private closing = false;

  /** @internal use createServer() */
  constructor(readonly options: ServerOptions) {
    super();
    if (options.hostKeys.length === 0) throw new SshError('ERR_STATE', 'a server needs at least one host key');
    const s = options.sessions;
    this.handler = typeof s === 'function' ? s : sessionHandler({ ...(options.users ? { users: options.users } : {}), ...s });
    this.net = createNetServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  /** Listens (port 0: any free port); resolves with the address bound. */
  listen(port = 22, host?: string): Promise<{ port: number; address: string }> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.net.once('error', onError);
      const done = (): void => {
        this.net.off('error', onError);
        const a = this.net.address() as AddressInfo;
        resolve({ port: a.port, address: a.address });
      };
      if (host === undefined) this.net.listen(port, done);
      else this.net.listen(port, host, done);
    });
  }

  /** The bound address, once listening. */
  address(): { port: number; address: string } | undefined {
    const a = this.net.address();
    return a && typeof a === 'object' ? { port: a.port, address: a.address } : undefined;
  }

  /** Connections open now (authenticated or not). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops listening, disconnects every client and resolves once their sockets are gone. */
  async close(): Promise<void> {
    this.closing = true;
    const stopped = new Promise<void>((r) => this.net.close(() => r()));
    await Promise.all([...this.connections].map((c) => c.shutdown('server shutting down')));
    await stopped;
  }

  /**
   * Serves a connected socket (for servers that accept sockets themselves, e.g. inetd style or
   * tests). listen() does this for every accepted connection.
   */
  accept(socket: Socket): void {
    const info: ConnectionInfo = {
      id: nextConnectionId++,
      remoteAddress: plainAddress(socket.remoteAddress ?? ''),
      remotePort: socket.remotePort ?? 0,
      localAddress: plainAddress(socket.localAddress ?? ''),
      localPort: socket.localPort ?? 0,
    };
    const o = this.options;
    const unauthenticated = this.unauthenticated.size;
    let refusal: { reason: string; dropped: 'shutdown' | 'maxConnections' | 'MaxStartups' } | undefined;
    if (this.closing) refusal = { reason: 'server shutting down', dropped: 'shutdown' };
    else if (this.connections.size >= (o.maxConnections ?? Infinity)) refusal = { reason: `too many connections (limit ${o.maxConnections})`, dropped: 'maxConnections' };
    else if (pastMaxStartups(unauthenticated, o.maxStartups)) {
      refusal = { reason: `too many unauthenticated connections (MaxStartups ${describeStartups(o.maxStartups)})`, dropped: 'MaxStartups' };
    }
    if (refusal) {
      socket.on('error', () => undefined);
      socket.destroy();
      this.emit('disconnect', { connection: info, ...refusal, unauthenticated });
      return;
    }
    if (o.tcpKeepAlive !== false) socket.setKeepAlive(true);
    const conn = new ServerConnection(this, socket, info, this.handler);
    this.connections.add(conn);
    this.unauthenticated.add(conn);
    conn.done.then(() => {
      this.connections.delete(conn);
      this.unauthenticated.delete(conn);
    });
    this.emit('connection', info);
    conn.start();
  }
}

type Startups = ServerOptions['maxStartups'];

/** sshd's drop_connection(): whether a new connection is dropped with `startups` still authenticating. */
export function pastMaxStartups(startups: number, limit: Startups, random: (n: number) => number = randomInt): boolean {
  const { begin, rate, full } = typeof limit === 'object' ? limit : { begin: limit ?? 100, rate: 100, full: limit ?? 100 };
  if (startups < begin) return false;
  if (startups >= full || rate >= 100) return true;
  const p = rate + Math.floor(((100 - rate) * (startups - begin)) / (full - begin));
  return random(100) < p;
}

function describeStartups(limit: Startups): string {
  return typeof limit === 'object' ? `${limit.begin}:${limit.rate}:${limit.full}` : String(limit ?? 100);
}

/** Creates a server; call listen() to accept connections. */
export function createServer(options: ServerOptions): Server {
  return new Server(options);
}
