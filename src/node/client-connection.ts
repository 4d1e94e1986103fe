/**
 * The Client that connect() resolves with: one authenticated connection. It routes the
 * engine's connection events to channel streams, remote processes and pending promises, opens
 * channels, runs commands and sends keepalives. Everything protocol-shaped happens in
 * ClientEngine (sans-I/O); this file only does timers and promises.
 */
import { decodeExitSignal, decodeExitStatus, encodePtyRequest } from '../connection/session-requests.js';
import type { ClientEngine, ClientEngineEvent } from '../engine/client.js';
import { SshError } from '../errors.js';
import { Writer } from '../wire/writer.js';
import { ChannelStream } from './channel-stream.js';
import type { SocketDriver } from './driver.js';
import { RemoteProcess, type ExecResult, type SpawnOptions } from './remote-process.js';

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
