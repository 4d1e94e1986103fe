/**
 * ssh's log(3) habits for the hush client: a LogLevel threshold (QUIET ... DEBUG3), `debug1: `
 * style prefixes for debug levels, no prefix for VERBOSE/INFO/ERROR, everything on stderr (or
 * appended to the -E file). While the terminal is raw, lines end in CR LF so they start at the
 * left margin. Control characters other than newline and tab are shown escaped (\033), as ssh
 * shows them.
 */
import { appendFileSync } from 'node:fs';
import type { LogLevel } from '../../config/index.js';
import { terminalSafe } from '../safe-text.js';

const ORDER: readonly LogLevel[] = ['QUIET', 'FATAL', 'ERROR', 'INFO', 'VERBOSE', 'DEBUG1', 'DEBUG2', 'DEBUG3'];

export function logLevelRank(l: LogLevel): number {
  return ORDER.indexOf(l);
}

export function logLevelAt(rank: number): LogLevel {
  return ORDER[Math.max(0, Math.min(ORDER.length - 1, rank))]!;
}

export class Logger {
  /** Set while the local terminal is in raw mode. */
  raw = false;

  constructor(
    public level: LogLevel,
    /** -E: append here instead of writing to stderr. */
    private readonly file?: string,
  ) {}

  enabled(l: LogLevel): boolean {
    return logLevelRank(l) <= logLevelRank(this.level);
  }

  private emit(l: LogLevel, prefix: string, msg: string): void {
    if (!this.enabled(l)) return;
    const eol = this.raw ? '\r\n' : '\n';
    // Messages carry text the server chose (banners, prompts' instructions, disconnect
    // reasons): no escape sequence of it reaches the terminal.
    const text = terminalSafe(msg)
      .split('\n')
      .map((line) => `${prefix}${line}${eol}`)
      .join('');
    if (this.file !== undefined) {
      try {
        appendFileSync(this.file, text.replaceAll('\r\n', '\n'));
        return;
      } catch {
        // An unwritable log file must not hide the message.
      }
    }
    process.stderr.write(text);
  }

  fatal(msg: string): void {
    this.emit('FATAL', '', msg);
  }
  error(msg: string): void {
    this.emit('ERROR', '', msg);
  }
  info(msg: string): void {
    this.emit('INFO', '', msg);
  }
  verbose(msg: string): void {
    this.emit('VERBOSE', '', msg);
  }
  debug1(msg: string): void {
    this.emit('DEBUG1', 'debug1: ', msg);
  }
  debug2(msg: string): void {
    this.emit('DEBUG2', 'debug2: ', msg);
  }
  debug3(msg: string): void {
    this.emit('DEBUG3', 'debug3: ', msg);
  }
}
