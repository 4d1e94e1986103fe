/**
 * The Node client: `const client = await connect({ host, username, privateKey })`, then
 * `await client.exec('uname -a')`, `client.spawn(cmd)`, `client.shell({ pty })`, `client.close()`.
 * Everything protocol-shaped happens in ClientEngine (sans-I/O); this file only does sockets,
 * timers, files and promises.
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SigningKey } from '../algorithms/types.js';
import { DEFAULT_ALGORITHMS } from '../algorithms/registry.js';
import type { Credential } from '../auth/client.js';
import { decodeExitSignal, decodeExitStatus, encodePtyRequest, encodeWindowChange, type TerminalMode } from '../connection/session-requests.js';
import { ClientEngine, type ClientEngineEvent } from '../engine/client.js';
import { SshError } from '../errors.js';
import { parsePrivateKey } from '../keys/formats/index.js';
import type { TransportConfig } from '../transport/config.js';
import { Writer } from '../wire/writer.js';
import { AgentClient } from './agent-client.js';
import { promptAnswer, signature, type AuthCredential, type KeyboardInteractiveQuestions } from './authenticate.js';
import { ChannelStream } from './channel-stream.js';
import { SocketDriver, SocketReader } from './driver.js';
import { knownHostsPolicy, type HostKeyPolicyOptions } from './host-key-policy.js';
import type { HostKeyVerifier } from './transport-socket.js';

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
  /** Give up if the connection is not authenticated within this many milliseconds (default 20 s). */
  readyTimeoutMs?: number;
  /** keepalive@openssh.com every this many ms when the server is silent (as ServerAliveInterval). 0 = off. */
  keepaliveIntervalMs?: number;
  /** Disconnect after this many unanswered keepalives (ServerAliveCountMax, default 3). */
  keepaliveCountMax?: number;
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

export interface ExecResult {
  stdout: Buffer;
  stderr: Buffer;
  /** Exit status, or null when the command was killed by a signal (or the server sent none). */
  code: number | null;
  /** The signal's name without "SIG", when the command was killed by one. */
  signal: string | null;
}

export interface PtyOptions {
  term?: string;
  cols?: number;
  rows?: number;
  widthPx?: number;
  heightPx?: number;
  modes?: readonly TerminalMode[];
}

export interface SpawnOptions {
  env?: Record<string, string>;
  pty?: boolean | PtyOptions;
}

/** A remote command, like a child process: stdin/stdout/stderr streams and wait(). */
export class RemoteProcess {
  readonly stdin: ChannelStream;
  readonly stdout: ChannelStream;
  readonly stderr: NodeJS.ReadableStream;
  code: number | null = null;
  signal: string | null = null;
  private readonly done: Promise<{ code: number | null; signal: string | null }>;

  constructor(
    readonly channel: ChannelStream,
    private readonly client: Client,
  ) {
    this.stdin = channel;
    this.stdout = channel;
    this.stderr = channel.stderr;
    this.done = new Promise((resolve) => channel.once('channel-close', () => resolve({ code: this.code, signal: this.signal })));
  }

  /**
   * Resolves when the channel closed, with the exit status or signal the server reported (like a
   * child process's 'exit': output not yet read stays readable on stdout/stderr).
   */
  wait(): Promise<{ code: number | null; signal: string | null }> {
    return this.done;
  }

  /** Sends a signal (RFC 4254 §6.9), e.g. 'TERM', 'INT', 'KILL'. */
  kill(signal = 'TERM'): void {
    this.client.channelRequest(this.channel.id, 'signal', false, new Writer().utf8(signal).finish());
  }

  /** Tells the server the terminal size changed (RFC 4254 §6.7). */
  resize(cols: number, rows: number, widthPx = 0, heightPx = 0): void {
    this.client.channelRequest(this.channel.id, 'window-change', false, encodeWindowChange({ cols, rows, widthPx, heightPx }));
  }
}

interface Pending<T> {
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

export class Client {
  private readonly streams = new Map<number, ChannelStream>();
  private readonly processes = new Map<number, RemoteProcess>();
  private readonly opens = new Map<number, Pending<ChannelStream>>();
  private readonly replies = new Map<number, Array<Pending<boolean>>>();
  private readonly globalReplies = new Map<number, Pending<boolean>>();
  private closedError: SshError | undefined;
  private isClosed = false;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private lastHeard = Date.now();
  private unanswered = 0;
  /** Resolves when the connection is gone (with the error, if it failed). */
  readonly closed: Promise<SshError | undefined>;
  private resolveClosed!: (e: SshError | undefined) => void;

  /** @internal use connect() */
  constructor(
    readonly engine: ClientEngine,
    readonly driver: SocketDriver<ClientEngineEvent>,
  ) {
    this.closed = new Promise((r) => (this.resolveClosed = r));
  }

  /** @internal */
  handle(ev: ClientEngineEvent): void {
    this.lastHeard = Date.now();
    this.unanswered = 0;
    switch (ev.type) {
      case 'open-confirmed': {
        const p = this.opens.get(ev.id);
        this.opens.delete(ev.id);
        const s = new ChannelStream(ev.id, this.owner);
        this.streams.set(ev.id, s);
        p?.resolve(s);
        return;
      }
      case 'open-failed': {
        const p = this.opens.get(ev.id);
        this.opens.delete(ev.id);
        p?.reject(new SshError('ERR_PROTOCOL', `the server refused to open the channel: ${ev.description || `reason ${ev.reason}`}`));
        return;
      }
      case 'data':
        this.streams.get(ev.id)?.onData(ev.data, ev.extendedType);
        return;
      case 'writable':
        this.streams.get(ev.id)?.onWritable(ev.queued);
        return;
      case 'eof':
        this.streams.get(ev.id)?.onEof();
        return;
      case 'close': {
        const s = this.streams.get(ev.id);
        this.streams.delete(ev.id);
        this.processes.delete(ev.id);
        for (const r of this.replies.get(ev.id) ?? []) r.resolve(false);
        this.replies.delete(ev.id);
        s?.onClose();
        return;
      }
      case 'request': {
        const proc = this.processes.get(ev.id);
        if (proc && ev.requestType === 'exit-status') proc.code = decodeExitStatus(ev.data);
        else if (proc && ev.requestType === 'exit-signal') proc.signal = decodeExitSignal(ev.data).signal;
        // Servers send nothing else we act on; unknown requests are answered with failure (RFC 4254 §5.4).
        if (ev.wantReply) this.engine.connection.answerRequest(ev.id, ev.requestId, false);
        return;
      }
      case 'request-reply': {
        const q = this.replies.get(ev.id);
        q?.shift()?.resolve(ev.ok);
        return;
      }
      case 'global-request':
        // A client offers no global requests (forwardings come later): refuse.
        if (ev.wantReply) this.engine.connection.answerGlobalRequest(ev.requestId, false);
        return;
      case 'global-reply':
        this.globalReplies.get(ev.requestId)?.resolve(ev.ok);
        this.globalReplies.delete(ev.requestId);
        return;
      case 'open-request':
        this.engine.connection.rejectChannel(ev.id, 1, 'not allowed');
        return;
      case 'closed':
        this.finish(ev.error);
        return;
      default:
        return;
    }
  }

  private finish(error: SshError | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closedError = error;
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    const err = error ?? new SshError('ERR_CONNECTION_LOST', 'the connection closed');
    for (const p of this.opens.values()) p.reject(err);
    this.opens.clear();
    for (const q of this.replies.values()) for (const r of q) r.resolve(false);
    for (const p of this.globalReplies.values()) p.resolve(false);
    for (const s of this.streams.values()) s.onClose();
    this.streams.clear();
    this.resolveClosed(error);
  }

  private readonly owner = {
    write: (id: number, data: Uint8Array, ext?: number) => this.engine.connection.write(id, data, ext),
    consume: (id: number, n: number) => this.engine.connection.consume(id, n),
    sendEof: (id: number) => this.engine.connection.sendEof(id),
    close: (id: number) => this.engine.connection.close(id),
    flush: () => this.driver.pump(),
  };

  private assertOpen(): void {
    if (this.isClosed) throw this.closedError ?? new SshError('ERR_STATE', 'the client is closed');
  }

  /** Opens a channel of any type (RFC 4254 §5.1). */
  openChannel(type: string, typeSpecific?: Uint8Array): Promise<ChannelStream> {
    this.assertOpen();
    return new Promise((resolve, reject) => {
      const id = this.engine.connection.openChannel(type, typeSpecific);
      this.opens.set(id, { resolve, reject });
      this.driver.pump();
    });
  }

  /** Sends a channel request; resolves with the reply (true when none was asked for). */
  channelRequest(id: number, type: string, wantReply: boolean, data?: Uint8Array): Promise<boolean> {
    if (this.isClosed || !this.streams.has(id)) return Promise.resolve(false);
    return new Promise((resolve, reject) => {
      this.engine.connection.sendRequest(id, type, wantReply, data);
      if (wantReply) {
        const q = this.replies.get(id) ?? [];
        q.push({ resolve, reject });
        this.replies.set(id, q);
      } else resolve(true);
      this.driver.pump();
    });
  }

  /** Starts a command (or, with command undefined, a shell) and returns it as a process. */
  async spawn(command: string | undefined, options: SpawnOptions = {}): Promise<RemoteProcess> {
    const channel = await this.openChannel('session');
    const proc = new RemoteProcess(channel, this);
    this.processes.set(channel.id, proc);
    for (const [name, value] of Object.entries(options.env ?? {})) {
      // sshd refuses names outside AcceptEnv; like ssh, that is not an error.
      await this.channelRequest(channel.id, 'env', true, new Writer().utf8(name).utf8(value).finish());
    }
    if (options.pty) {
      const p = options.pty === true ? {} : options.pty;
      const ok = await this.channelRequest(
        channel.id,
        'pty-req',
        true,
        encodePtyRequest({
          term: p.term ?? process.env['TERM'] ?? 'xterm-256color',
          cols: p.cols ?? 80,
          rows: p.rows ?? 24,
          widthPx: p.widthPx ?? 0,
          heightPx: p.heightPx ?? 0,
          modes: p.modes ?? [],
        }),
      );
      if (!ok) {
        channel.destroy();
        throw new SshError('ERR_PROTOCOL', 'the server refused to allocate a pseudo-terminal');
      }
    }
    const ok =
      command === undefined
        ? await this.channelRequest(channel.id, 'shell', true)
        : await this.channelRequest(channel.id, 'exec', true, new Writer().utf8(command).finish());
    if (!ok) {
      channel.destroy();
      throw new SshError('ERR_PROTOCOL', `the server refused to start ${command === undefined ? 'a shell' : JSON.stringify(command)}`);
    }
    return proc;
  }

  /** Runs a command to completion and collects its output. */
  async exec(command: string, options: SpawnOptions & { stdin?: string | Uint8Array; signal?: AbortSignal } = {}): Promise<ExecResult> {
    const proc = await this.spawn(command, options);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    proc.stdout.on('data', (b: Buffer) => out.push(b));
    proc.stderr.on('data', (b: Buffer) => err.push(b));
    const onAbort = () => proc.kill('KILL');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.stdin !== undefined) proc.stdin.end(options.stdin);
    else proc.stdin.end();
    try {
      // The channel may close before buffered output was emitted: wait for both streams to end too.
      const ended = (s: NodeJS.ReadableStream) => new Promise<void>((r) => (s as NodeJS.ReadableStream & { readableEnded?: boolean }).readableEnded ? r() : s.once('end', () => r()));
      const [{ code, signal }] = await Promise.all([proc.wait(), ended(proc.stdout), ended(proc.stderr)]);
      return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), code, signal };
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** An interactive shell (with a PTY unless pty is false). */
  shell(options: SpawnOptions = {}): Promise<RemoteProcess> {
    return this.spawn(undefined, { ...options, pty: options.pty ?? true });
  }

  /** Sends keepalive@openssh.com; resolves when the server answered (success or failure). */
  ping(): Promise<boolean> {
    if (this.isClosed) return Promise.resolve(false);
    return new Promise((resolve, reject) => {
      const id = this.engine.connection.globalRequest('keepalive@openssh.com', true);
      this.globalReplies.set(id, { resolve: () => resolve(true), reject });
      this.driver.pump();
    });
  }

  /** @internal */
  startKeepalive(intervalMs: number, countMax: number): void {
    if (intervalMs <= 0) return;
    this.keepaliveTimer = setInterval(() => {
      if (Date.now() - this.lastHeard < intervalMs) return;
      if (++this.unanswered > countMax) {
        this.engine.transport.abort(new SshError('ERR_TIMEOUT', `Timeout, server not responding (${countMax} keepalives unanswered)`));
        this.driver.pump();
        return;
      }
      void this.ping();
    }, intervalMs);
    this.keepaliveTimer.unref();
  }

  /** Disconnects politely. */
  close(): Promise<void> {
    if (!this.isClosed) {
      this.engine.disconnect();
      this.driver.pump();
    }
    return this.closed.then(() => undefined);
  }
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
  let verify: HostKeyVerifier;
  let hostKeyAlgorithms: string[] | undefined;
  if (typeof o.hostKey === 'function') verify = o.hostKey;
  else {
    const policy = knownHostsPolicy({ strictHostKeyChecking: 'yes', ...o.hostKey, host: o.host, port });
    verify = policy.verifyHostKey;
    hostKeyAlgorithms = o.transport?.algorithms?.hostKey ? undefined : policy.hostKeyAlgorithms(DEFAULT_ALGORITHMS.hostKey);
  }
  const transport = { ...o.transport, ...(hostKeyAlgorithms ? { algorithms: { ...o.transport?.algorithms, hostKey: hostKeyAlgorithms } } : {}) };
  const coreCredentials: Credential[] = credentials.map((c) => c as Credential);
  const engine = new ClientEngine({ transport, auth: { user: o.username, credentials: coreCredentials } });
  const reader = new SocketReader();
  const socket: Socket = o.sock ? streamAsSocket(o.sock) : await new Promise((resolve, reject) => {
    const s = netConnect({ host: o.host, port, onread: reader.onread });
    const onAbort = () => s.destroy(new SshError('ERR_STATE', 'connect aborted'));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    s.once('error', (e) => {
      o.signal?.removeEventListener('abort', onAbort);
      reject(e instanceof SshError ? e : new SshError('ERR_CONNECTION_LOST', `connect to ${o.host} port ${port}: ${e.message}`, { cause: e }));
    });
    s.once('connect', () => {
      o.signal?.removeEventListener('abort', onAbort);
      resolve(s);
    });
  });
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

