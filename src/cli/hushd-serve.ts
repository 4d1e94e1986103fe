/**
 * One hushd process serving connections: the server built from a configuration, its listeners,
 * reload (new connections get the new configuration, existing ones carry on) and shutdown. The
 * single-process daemon and every worker of a multi-process one run this.
 */
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { SshdConfig } from '../config/index.js';
import type { PrivateKey } from '../keys/private-key.js';
import { createServer, type ConnectionInfo, type Server } from '../node/server.js';
import { PeerDisconnectError } from '../errors.js';
import { lookupUser } from '../node/users.js';
import { serverOptions } from './hushd-config.js';
import type { LogSink } from './hushd-log.js';
import { clip } from './safe-text.js';

export interface ServeLog {
  readonly sink: LogSink;
  /** -q: no informational lines. */
  readonly quiet: boolean;
  /** -d given: debug lines whatever LogLevel says. */
  readonly debug: boolean;
}

export interface Serving {
  /** What each listener bound, in ListenAddress order. */
  readonly addresses: readonly { host: string; port: number }[];
  /** New connections get this configuration and these host keys; existing ones keep theirs. */
  reload(cfg: SshdConfig, keys: PrivateKey[]): void;
  /** Stops listening, disconnects every client and resolves when their sockets are gone. */
  stop(): Promise<void>;
}

const peer = (c: ConnectionInfo) => `${c.remoteAddress} port ${c.remotePort}`;
/** A user name as sshd logs one ("%.100s"). */
const who = (user: string) => clip(user, 100);
const label = (t: string) => (t === 'ssh-ed25519' ? 'ED25519' : t.startsWith('ecdsa-') ? 'ECDSA' : t === 'ssh-rsa' ? 'RSA' : t.toUpperCase());

/**
 * Listens on every ListenAddress x Port of `cfg` (in a cluster worker, on the primary's shared
 * socket) and serves each connection with the current configuration. Rejects with sshd's words
 * when a listener cannot bind.
 */
export async function serve(cfg: SshdConfig, hostKeys: PrivateKey[], log: ServeLog): Promise<Serving> {
  const { sink } = log;
  // LogLevel as sshd: QUIET, FATAL and ERROR leave out the INFO lines (Accepted, Failed, Disconnected).
  const levels = (config: SshdConfig) => {
    const level = config.global.logLevel;
    const verbose = log.debug || level.startsWith('DEBUG') || level === 'VERBOSE';
    const infoOn = !log.quiet && !['QUIET', 'FATAL', 'ERROR'].includes(level);
    return { verbose, info: (m: string) => infoOn && sink.line(m) };
  };
  const build = (config: SshdConfig, keys: PrivateKey[]): Server => {
    const { verbose, info } = levels(config);
    const server = createServer(serverOptions(config, keys, { info, debug: (m) => verbose && sink.line(m) }));
    server.on('connection', (c) => verbose && sink.line(`Connection from ${peer(c)} on ${c.localAddress} port ${c.localPort}`));
    // sshd's wording: "Accepted publickey for USER from ADDR port N ssh2: ED25519 SHA256:..."
    server.on('authenticated', (e) =>
      info(`Accepted ${e.method} for ${who(e.user)} from ${peer(e.connection)} ssh2${e.keyType ? `: ${label(e.keyType)} ${e.fingerprint}` : ''}`),
    );
    // sshd's wording and levels (compared with sshd 9.2 -e): "Failed password for [invalid user ]USER
    // from ADDR port N ssh2" at INFO; "Failed publickey for USER ... ssh2: ED25519 SHA256:..." only
    // at VERBOSE, and not at all for an unknown user.
    server.on('auth-failure', (e) => {
      if (e.method === 'none') return;
      const valid = lookupUser(e.user) !== undefined;
      if (e.method === 'publickey') {
        if (valid && verbose) sink.line(`Failed publickey for ${who(e.user)} from ${peer(e.connection)} ssh2${e.keyType ? `: ${label(e.keyType)} ${e.fingerprint}` : ''}`);
        return;
      }
      info(`Failed ${e.method} for ${valid ? '' : 'invalid user '}${who(e.user)} from ${peer(e.connection)} ssh2`);
    });
    server.on('disconnect', (e) => {
      const addr = peer(e.connection);
      if (e.dropped === 'MaxStartups') {
        // sshd's words, which log watchers know.
        const c = e.connection;
        info(`drop connection #${e.unauthenticated ?? 0} from [${c.remoteAddress}]:${c.remotePort} on [${c.localAddress}]:${c.localPort} past MaxStartups`);
        return;
      }
      const code = (e.error as { code?: string } | undefined)?.code;
      // sshd's lines for a peer that left: before authentication "[preauth]", naming the user tried.
      const preauth = e.user === undefined ? ' [preauth]' : '';
      const user =
        e.user !== undefined
          ? `user ${who(e.user)} `
          : e.attemptedUser !== undefined
            ? `${lookupUser(e.attemptedUser) ? 'authenticating' : 'invalid'} user ${who(e.attemptedUser)} `
            : '';
      if (e.error instanceof PeerDisconnectError) {
        info(`Received disconnect from ${addr}:${e.error.reasonCode}: ${clip(e.error.description, 400)}${preauth}`);
        info(`Disconnected from ${user}${addr}${preauth}`);
      } else if (code === 'ERR_CONNECTION_LOST') {
        info(`Connection closed by ${user}${addr}${preauth}`);
      } else {
        info(`Disconnected from ${user}${addr}${e.reason ? `: ${e.reason}` : ''}${preauth}`);
      }
    });
    return server;
  };
  let current = build(cfg, hostKeys);
  // Servers replaced by a reload, kept while their connections last (pruned at each reload).
  let retired: Server[] = [];

  // One listener per ListenAddress x Port; each connection goes to the current server. (If one
  // fails to bind, those already bound are closed again: the caller exits.)
  const listeners: NetServer[] = [];
  try {
    for (const a of cfg.global.listenAddresses) {
      listeners.push(
        await new Promise<NetServer>((resolve, reject) => {
          const l = createNetServer({ noDelay: true }, (socket) => current.accept(socket));
          l.once('error', (e: NodeJS.ErrnoException) =>
            reject(new Error(e.code === 'EADDRINUSE' ? `Bind to port ${a.port} on ${a.host} failed: Address already in use.` : `${a.host} port ${a.port}: ${e.message}`)),
          );
          l.listen(a.port, a.host, () => resolve(l));
        }),
      );
    }
  } catch (e) {
    for (const l of listeners) l.close();
    throw e;
  }
  const addresses = cfg.global.listenAddresses.map((a, i) => ({ host: a.host, port: (listeners[i]!.address() as { port: number }).port }));

  return {
    addresses,
    reload: (next, keys) => {
      const fresh = build(next, keys);
      retired.push(current);
      current = fresh;
      const [done, live] = [retired.filter((s) => s.connectionCount === 0), retired.filter((s) => s.connectionCount > 0)];
      retired = live;
      for (const s of done) void s.close();
    },
    stop: async () => {
      for (const l of listeners) l.close();
      await Promise.all([current, ...retired].map((s) => s.close()));
    },
  };
}
