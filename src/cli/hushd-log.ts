/**
 * hushd's log output, as sshd's: to syslog by default (facility AUTH, tag "hushd[pid]"), to
 * stderr with -e (or -d). Node cannot open the syslog Unix datagram socket itself, so lines go
 * through one long-lived util-linux `logger` process; without it they go to stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { clip, logSafe } from './safe-text.js';

export interface LogSink {
  line(message: string): void;
  close(): void;
}

/**
 * One message as one line: at most 1024 characters (sshd's message buffer), encoded as sshd
 * encodes its log lines, so that a name or message chosen by a client can neither forge a line
 * nor put escape sequences into a terminal or a log viewer.
 */
function logLine(message: string): string {
  return `${logSafe(clip(message, MAX_MESSAGE))}\n`;
}

const MAX_MESSAGE = 1024;

export function stderrSink(): LogSink {
  return { line: (m) => void process.stderr.write(logLine(m)), close: () => undefined };
}

const LOGGERS = ['/usr/bin/logger', '/bin/logger'];

/** Syslog through `logger -t hushd --id=PID -p auth.info [-u socket]`. */
export function syslogSink(socket = '/dev/log'): LogSink {
  const logger = LOGGERS.find((p) => existsSync(p));
  if (!logger) {
    process.stderr.write('hushd: logger(1) not found; logging to stderr\n');
    return stderrSink();
  }
  let child: ChildProcess | undefined = spawn(logger, ['-t', 'hushd', `--id=${process.pid}`, '-p', 'auth.info', '-u', socket], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  child.on('error', () => (child = undefined));
  child.on('exit', () => (child = undefined));
  return {
    line: (m) => {
      const line = logLine(m);
      if (child?.stdin?.writable) child.stdin.write(line);
      else process.stderr.write(line);
    },
    close: () => child?.stdin?.end(),
  };
}
