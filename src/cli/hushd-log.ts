/**
 * hushd's log output, as sshd's: to syslog by default (facility AUTH, tag "hushd[pid]"), to
 * stderr with -e (or -d). Node cannot open the syslog Unix datagram socket itself, so lines go
 * through one long-lived util-linux `logger` process; without it they go to stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface LogSink {
  line(message: string): void;
  close(): void;
}

export function stderrSink(): LogSink {
  return { line: (m) => void process.stderr.write(`${m}\n`), close: () => undefined };
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
      // One message per line: a newline inside a message would split it (and forge a second entry).
      const clean = m.replace(/[\r\n]+/g, ' ');
      if (child?.stdin?.writable) child.stdin.write(`${clean}\n`);
      else process.stderr.write(`${clean}\n`);
    },
    close: () => child?.stdin?.end(),
  };
}
