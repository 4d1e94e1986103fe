/**
 * The Node client: `const client = await connect({ host, username, privateKey })`, then
 * `await client.exec('uname -a')`, `client.spawn(cmd)`, `client.shell({ pty })`, `client.close()`.
 * Everything protocol-shaped happens in ClientEngine (sans-I/O); this file only does sockets,
 * timers, files and promises. It connects, checks the host key and authenticates; the Client
 * it resolves with is in client-connection.ts, remote commands in remote-process.ts.
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SigningKey } from '../algorithms/types.js';
import { DEFAULT_ALGORITHMS } from '../algorithms/registry.js';
import type { Credential } from '../auth/client.js';
import type { ConnectionConfig } from '../connection/connection.js';
import { ClientEngine, type ClientEngineEvent } from '../engine/client.js';
import { SshError } from '../errors.js';
import { parsePrivateKey } from '../keys/formats/index.js';
import type { TransportConfig } from '../transport/config.js';
import { AgentClient } from './agent-client.js';
import { promptAnswer, signature, type AuthCredential, type KeyboardInteractiveQuestions } from './authenticate.js';
import { Client } from './client-connection.js';
import { SocketDriver } from './driver.js';
import { SocketReader } from './socket-reader.js';
import { knownHostsPolicy, type HostKeyPolicyOptions } from './host-key-policy.js';
import type { HostKeyVerifier } from './transport-socket.js';

export { Client } from './client-connection.js';
export { RemoteProcess, type ExecResult, type PtyOptions, type SpawnOptions } from './remote-process.js';

export interface ConnectOptions {
  host: string;
  port?: number;
  username: string;
  password?: string;
  /** A private key: file contents (OpenSSH, PEM, PPK), or a parsed key. */
  privateKey?: string | Uint8Array | SigningKey;
  passphrase?: string;
  /** An ssh-agent socket path (e.g. process.env.SSH_AUTH_SOCK). */
  agent?: string;
  /** Answers keyboard-interactive prompts. */
  keyboardInteractive?: (q: KeyboardInteractiveQuestions) => readonly string[] | undefined | Promise<readonly string[] | undefined>;
  /** Credentials tried in this order instead of the ones derived from the options above. */
  credentials?: readonly AuthCredential[];
  /**
   * How the server's host key is checked: a verifier, or known_hosts options (default: the user's
   * and global known_hosts with StrictHostKeyChecking=yes; the library never trusts silently).
   */
  hostKey?: HostKeyVerifier | Omit<HostKeyPolicyOptions, 'host' | 'port'>;
  /** Transport options: algorithms, allowInsecure, rekey limits, ... */
  transport?: Omit<TransportConfig, 'role'>;
  /** Connection-protocol options: our channels' window and packet sizes, channel limits, ... */
  connection?: Omit<ConnectionConfig, 'role'>;
  /** Give up if the connection is not authenticated within this many milliseconds (default 20 s). */
  readyTimeoutMs?: number;
  /** keepalive@openssh.com every this many ms when the server is silent (as ServerAliveInterval). 0 = off. */
  keepaliveIntervalMs?: number;
  /** Disconnect after this many unanswered keepalives (ServerAliveCountMax, default 3). */
  keepaliveCountMax?: number;
  /** SO_KEEPALIVE on the TCP connection, as ssh's TCPKeepAlive (default true; not for `sock`). */
  tcpKeepAlive?: boolean;
  signal?: AbortSignal;
  /**
   * An already connected byte stream to use instead of dialling host:port (a ProxyCommand's
   * stdio, a direct-tcpip channel through a jump host). host and port then only name the server.
   */
  sock?: Duplex;
  /**
   * Sees every engine event (version, kex, hostKey, auth attempts and refusals, banners, debug
   * messages, ...) before the client acts on it, for the life of the connection: for verbose logs.
   */
  onEvent?: (ev: ClientEngineEvent) => void;
}

function buildCredentials(o: ConnectOptions): AuthCredential[] {
  if (o.credentials) return [...o.credentials];
  const out: AuthCredential[] = [];
  if (o.privateKey !== undefined) {
    const key =
      typeof o.privateKey === 'string' || o.privateKey instanceof Uint8Array ? parsePrivateKey(o.privateKey, o.passphrase) : o.privateKey;
    out.push({ method: 'publickey', key });
  }
  if (o.password !== undefined) out.push({ method: 'password', password: o.password });
  if (o.keyboardInteractive) out.push({ method: 'keyboard-interactive', respond: o.keyboardInteractive });
  else if (o.password !== undefined) {
    // As ssh: keyboard-interactive with the password for servers that only offer that.
    const pw = o.password;
    out.push({ method: 'keyboard-interactive', respond: (q) => q.prompts.map(() => pw) });
  }
  return out;
}

/**
 * How the server's host key is checked: the caller's verifier, or known_hosts; then the
 * transport options, with the host key algorithms known_hosts has for this host preferred
 * (unless the caller chose host key algorithms).
 */
function hostKeyCheck(o: ConnectOptions, port: number): { verify: HostKeyVerifier; transport: Omit<TransportConfig, 'role'> } {
  let verify: HostKeyVerifier;
  let hostKeyAlgorithms: string[] | undefined;
  if (typeof o.hostKey === 'function') verify = o.hostKey;
  else {
    const policy = knownHostsPolicy({ strictHostKeyChecking: 'yes', ...o.hostKey, host: o.host, port });
    verify = policy.verifyHostKey;
    hostKeyAlgorithms = o.transport?.algorithms?.hostKey ? undefined : policy.hostKeyAlgorithms(DEFAULT_ALGORITHMS.hostKey);
  }
  const transport = { ...o.transport, ...(hostKeyAlgorithms ? { algorithms: { ...o.transport?.algorithms, hostKey: hostKeyAlgorithms } } : {}) };
  return { verify, transport };
}

/** Opens the TCP connection to host:port, read through `reader`; o.signal aborts it. */
function dial(o: ConnectOptions, port: number, reader: SocketReader): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: o.host, port, onread: reader.onread });
    const onAbort = () => s.destroy(new SshError('ERR_STATE', 'connect aborted'));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    s.once('error', (e) => {
      o.signal?.removeEventListener('abort', onAbort);
      reject(e instanceof SshError ? e : new SshError('ERR_CONNECTION_LOST', `connect to ${o.host} port ${port}: ${e.message}`, { cause: e }));
    });
    s.once('connect', () => {
      o.signal?.removeEventListener('abort', onAbort);
      if (o.tcpKeepAlive !== false) s.setKeepAlive(true);
      resolve(s);
    });
  });
}

/** Connects, checks the host key, authenticates; resolves with a ready Client. */
export async function connect(o: ConnectOptions): Promise<Client> {
  const port = o.port ?? 22;
  if (o.signal?.aborted) throw new SshError('ERR_STATE', 'connect aborted');
  let credentials = buildCredentials(o);
  let agent: AgentClient | undefined;
  if (o.agent) {
    agent = await AgentClient.connect(o.agent);
    credentials = [...(await agent.keys()).map((key): AuthCredential => ({ method: 'publickey', key })), ...credentials];
  }
  const { verify, transport } = hostKeyCheck(o, port);
  const coreCredentials: Credential[] = credentials.map((c) => c as Credential);
  const engine = new ClientEngine({ transport, auth: { user: o.username, credentials: coreCredentials }, ...(o.connection ? { connection: o.connection } : {}) });
  const reader = new SocketReader();
  const socket: Socket = o.sock ? streamAsSocket(o.sock) : await dial(o, port, reader);
  if (!o.sock) reader.bindSocket(socket);
  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    let client: Client | undefined = undefined;
    const settle = (e?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (e) {
        socket.destroy();
        agent?.close();
        reject(e);
      } else resolve(client!);
    };
    const later = (fn: () => void) => {
      if (engine.closed) return;
      fn();
      driver.pump();
    };
    const driver = new SocketDriver<ClientEngineEvent>(socket, engine, {
      ...(o.sock ? {} : { reader }),
      onEvent: (ev) => {
        o.onEvent?.(ev);
        switch (ev.type) {
          case 'hostKey':
            Promise.resolve()
              .then(() => verify(ev.hostKey, ev.algorithm))
              .then(
                (ok) => later(() => engine.answerHostKey(ev.id, ok === true)),
                (e: unknown) => later(() => engine.answerHostKey(ev.id, false, e instanceof SshError ? e : undefined)),
              );
            return;
          case 'prompt':
            promptAnswer(credentials[ev.credential], ev).then(
              (r) => later(() => engine.answerPrompt(ev.id, r)),
              () => later(() => engine.answerPrompt(ev.id, undefined)),
            );
            return;
          case 'sign':
            signature(credentials[ev.credential], ev).then(
              (s) => later(() => engine.answerSignature(ev.id, s)),
              () => later(() => engine.answerSignature(ev.id, undefined)),
            );
            return;
          case 'authenticated':
            client!.startKeepalive(o.keepaliveIntervalMs ?? 0, o.keepaliveCountMax ?? 3);
            settle();
            return;
          case 'closed':
            client!.handle(ev);
            agent?.close();
            settle(ev.error ?? new SshError('ERR_CONNECTION_LOST', 'the connection closed during setup'));
            return;
          default:
            client!.handle(ev);
        }
      },
    });
    client = new Client(engine, driver);
    const onAbort = () => {
      engine.disconnect();
      driver.pump();
      settle(new SshError('ERR_STATE', 'connect aborted'));
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      engine.transport.abort(new SshError('ERR_TIMEOUT', `not authenticated within ${o.readyTimeoutMs ?? 20_000} ms`));
      driver.pump();
    }, o.readyTimeoutMs ?? 20_000);
    timer.unref();
  });
}

/** The driver wants a socket; a plain Duplex (a channel, a child's stdio) lacks only setNoDelay. */
function streamAsSocket(d: Duplex): Socket {
  const s = d as Duplex & { setNoDelay?: unknown };
  if (typeof s.setNoDelay !== 'function') s.setNoDelay = () => d;
  return d as Socket;
}

/** Reads a private key file (convenience for `connect({ privateKey: readKey(path) })`). */
export function readKey(path: string): Buffer {
  return readFileSync(path);
}
