/**
 * The session channel as ssh runs it (clientloop.c): the command (or a shell), with a PTY when
 * asked for; local stdin/stdout/stderr streamed both ways with EOF passed on; the terminal raw
 * while a PTY is in use, window size changes forwarded, and the escape sequences (~. ~? ~# ~B
 * ~R ~v ~V ~^Z ~~) read from the keyboard. Resolves with the exit status ssh would exit with:
 * the remote command's, or 255 when there is none (killed by a signal, ~., connection lost).
 */
import { encodeBreak, encodeEnv, encodeExec, encodePtyRequest, encodeWindowChange } from '../../connection/session-requests.js';
import { decodeExitSignal, decodeExitStatus } from '../../connection/session-requests.js';
import type { SshError } from '../../errors.js';
import type { ChannelStream } from '../../node/channel-stream.js';
import type { Established } from './connect.js';
import { EscapeFilter, escapeHelp, type EscapeCommand } from './escape.js';
import { logLevelAt, logLevelRank, type Logger } from './log.js';
import type { RawMode } from './tty.js';

export interface SessionOptions {
  readonly conn: Established;
  readonly log: Logger;
  /** undefined: a login shell. */
  readonly command: string | undefined;
  readonly pty: boolean;
  /** -n: stdin from /dev/null. */
  readonly stdinNull: boolean;
  readonly env: ReadonlyArray<readonly [string, string]>;
  /** undefined: EscapeChar none. */
  readonly escapeChar: string | undefined;
  readonly raw: RawMode;
  /** The name in "Connection to HOST closed.". */
  readonly host: string;
}

function windowSize(): { cols: number; rows: number } {
  for (const s of [process.stdout, process.stderr]) {
    if (s.isTTY) {
      const [cols, rows] = s.getWindowSize();
      if (cols > 0 && rows > 0) return { cols, rows };
    }
  }
  return { cols: 80, rows: 24 };
}

/** Writes what `from` delivers to `to`, pausing `from` while `to` is above its high-water mark. */
function forward(from: NodeJS.ReadableStream, to: NodeJS.WriteStream): void {
  from.on('data', (d: Buffer) => {
    if (to.write(d)) return;
    from.pause();
    to.once('drain', () => from.resume());
  });
}

export async function runSession(o: SessionOptions): Promise<number> {
  const { conn, log } = o;
  const client = conn.client;
  let exitStatus: number | null = null;
  let exitSignal: string | null = null;
  let connectionError: SshError | undefined;
  let connectionGone = false;
  void client.closed.then((e) => {
    connectionGone = true;
    connectionError = e;
  });

  const channel: ChannelStream = await client.openChannel('session');
  const id = channel.id;
  log.debug1(`channel ${id}: new session [client-session]`);
  conn.onEvent((ev) => {
    if (ev.type !== 'request' || ev.id !== id) return;
    try {
      if (ev.requestType === 'exit-status') exitStatus = decodeExitStatus(ev.data);
      else if (ev.requestType === 'exit-signal') exitSignal = decodeExitSignal(ev.data).signal;
    } catch {
      // malformed: as if it had not been sent
    }
    log.debug1(`client_input_channel_req: channel ${id} rtype ${ev.requestType} reply ${ev.wantReply ? 1 : 0}`);
  });
  // Listeners first: output can arrive in the same read as the reply to our exec request.
  // Local output that cannot keep up pauses the channel (its window is then not refilled, so
  // the server waits), as ssh stops reading the channel while its stdout buffer is full.
  forward(channel, process.stdout);
  forward(channel.stderr, process.stderr);
  channel.on('error', () => {}); // writes after the peer closed: the close itself is what counts
  const channelClosed = new Promise<void>((r) => channel.once('close', () => r()));
  const stderrEnded = new Promise<void>((r) => channel.stderr.once('end', () => r()));

  let havePty = false;
  if (o.pty) {
    const { cols, rows } = windowSize();
    const ok = await client.channelRequest(
      id,
      'pty-req',
      true,
      encodePtyRequest({ term: process.env['TERM'] ?? 'vt100', cols, rows, widthPx: 0, heightPx: 0, modes: [] }),
    );
    if (ok) havePty = true;
    else log.error(`PTY allocation request failed on channel ${id}`);
  }
  if (o.env.length > 0) log.debug1('Sending environment.');
  for (const [name, value] of o.env) {
    log.debug1(`channel ${id}: setting env ${name} = "${value}"`);
    // As ssh: no reply asked for; a server that refuses the name (AcceptEnv) just ignores it.
    void client.channelRequest(id, 'env', false, encodeEnv(name, value));
  }
  let started: boolean;
  if (o.command !== undefined) {
    log.debug1(`Sending command: ${o.command}`);
    started = await client.channelRequest(id, 'exec', true, encodeExec(o.command));
  } else {
    log.debug1('Requesting shell.');
    started = await client.channelRequest(id, 'shell', true);
  }
  if (!started) {
    if (!connectionGone) log.error(`${o.command !== undefined ? 'exec' : 'shell'} request failed on channel ${id}`);
    channel.destroy();
    await channelClosed;
    return 255;
  }

  if (havePty) {
    o.raw.enter();
    log.raw = o.raw.isRaw;
  }
  const onResize = () => {
    const { cols, rows } = windowSize();
    void client.channelRequest(id, 'window-change', false, encodeWindowChange({ cols, rows, widthPx: 0, heightPx: 0 }));
  };
  if (havePty) process.on('SIGWINCH', onResize);

  let disconnected = false;
  const esc = o.escapeChar;
  const filter = havePty && esc !== undefined ? new EscapeFilter(esc.charCodeAt(0)) : undefined;
  const send = (data: Uint8Array) => {
    if (channel.writableEnded || channel.destroyed) return;
    if (!channel.write(data)) {
      process.stdin.pause();
      channel.once('drain', () => process.stdin.resume());
    }
  };
  const onContinue = () => {
    o.raw.enter();
    log.raw = o.raw.isRaw;
    onResize();
  };
  const command = (c: EscapeCommand) => {
    const e = esc!;
    const say = (s: string) => process.stderr.write(s);
    switch (c) {
      case 'disconnect':
        say(`${e}.\r\n`);
        disconnected = true;
        process.stdin.off('data', onStdin);
        void conn.close();
        return;
      case 'help':
        say(escapeHelp(e));
        return;
      case 'list':
        say(`${e}#\r\nThe following connections are open:\r\n  #${id} client-session (open)\r\n`);
        return;
      case 'break':
        say(`${e}B\r\n`);
        void client.channelRequest(id, 'break', false, encodeBreak(1000));
        return;
      case 'rekey':
        say(`${e}R\r\n`);
        client.engine.transport.rekey();
        client.driver.pump();
        return;
      case 'more-verbose':
      case 'less-verbose': {
        const r = logLevelRank(log.level) + (c === 'more-verbose' ? 1 : -1);
        log.level = logLevelAt(Math.max(logLevelRank('INFO'), Math.min(logLevelRank('DEBUG3'), r)));
        say(`${e}${c === 'more-verbose' ? 'v' : 'V'} [LogLevel ${log.level}]\r\n`);
        return;
      }
      case 'suspend':
        say(`${e}^Z [suspend hush]\r\n`);
        o.raw.leave();
        log.raw = false;
        process.once('SIGCONT', onContinue);
        process.kill(process.pid, 'SIGTSTP');
        return;
      case 'background':
        say(`${e}&\r\nbackgrounding is not supported by hush\r\n`);
        return;
      case 'command-line':
        say(`${e}C\r\ncommand line not supported\r\n`);
        return;
    }
  };
  function onStdin(chunk: Buffer): void {
    if (filter === undefined) {
      send(chunk);
      return;
    }
    for (const a of filter.process(chunk)) {
      if (a.kind === 'data') send(a.data);
      else command(a.command);
      if (disconnected) return;
    }
  }
  const onStdinEnd = () => {
    if (!channel.writableEnded && !channel.destroyed) channel.end();
  };
  if (o.stdinNull) channel.end();
  else {
    process.stdin.on('data', onStdin);
    process.stdin.once('end', onStdinEnd);
    process.stdin.on('error', () => onStdinEnd());
  }

  await channelClosed;
  // Whatever stderr still holds comes out before we go.
  await Promise.race([stderrEnded, new Promise((r) => setTimeout(r, 500).unref())]);
  process.stdin.off('data', onStdin);
  process.stdin.off('end', onStdinEnd);
  process.stdin.pause();
  process.off('SIGWINCH', onResize);
  o.raw.leave();
  log.raw = false;

  if (!disconnected && connectionGone && exitStatus === null && connectionError !== undefined) {
    if (connectionError.code === 'ERR_TIMEOUT') log.error(`Timeout, server ${o.host} not responding.`);
    else log.error(`Connection to ${o.host} closed by remote host.`);
  } else if (havePty) log.info(`Connection to ${o.host} closed.`);
  const counters = conn.counters?.();
  if (counters !== undefined) log.verbose(`Transferred: sent ${counters.sent}, received ${counters.received} bytes`);
  if (exitStatus !== null) log.debug1(`Exit status ${exitStatus}`);
  else if (exitSignal !== null) log.debug1(`Killed by remote signal ${exitSignal}`);
  return disconnected ? 255 : (exitStatus ?? 255);
}
