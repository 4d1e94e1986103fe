/**
 * Configuration errors. Every problem names the file and line, in the words OpenSSH uses
 * ("/etc/ssh/sshd_config line 12: Bad configuration option: Foo"), so a person can go
 * straight to the line.
 */
import { SshError } from '../errors.js';

export interface ConfigProblem {
  readonly file: string;
  readonly line: number;
  /** What is wrong, without the location ("Bad configuration option: Foo"). */
  readonly reason: string;
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file} line ${p.line}: ${p.reason}`;
}

/**
 * A configuration file could not be used. `problems` lists every bad line found (ssh keeps
 * reading a file after a bad line and reports them all; sshd stops at the first).
 */
export class ConfigError extends SshError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const first = problems[0];
    const head = first === undefined ? 'bad configuration' : formatProblem(first);
    const more = problems.length > 1 ? `\n${problems.slice(1).map(formatProblem).join('\n')}` : '';
    super('ERR_CONFIG', head + more);
    this.name = 'ConfigError';
    this.problems = problems;
  }

  get file(): string {
    return this.problems[0]?.file ?? '';
  }
  get line(): number {
    return this.problems[0]?.line ?? 0;
  }
  get reason(): string {
    return this.problems[0]?.reason ?? '';
  }
}

/** Thrown while processing one line; caught by the file walker, which adds it to the list. */
export class LineError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export function lineError(reason: string): never {
  throw new LineError(reason);
}
