/**
 * Remote commands of the Node client: the options of Client.spawn/exec/shell, exec's result,
 * and RemoteProcess, a remote command shaped like a child process.
 */
import { encodeWindowChange, type TerminalMode } from '../connection/session-requests.js';
import { Writer } from '../wire/writer.js';
import type { ChannelStream } from './channel-stream.js';
import type { Client } from './client-connection.js';

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
