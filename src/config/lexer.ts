/**
 * Line tokenizer shared by ssh_config(5) and sshd_config(5), with OpenSSH's rules (misc.c
 * strdelim() and argv_split(), readconf.c process_config_line()):
 *
 *   - trailing whitespace (and a form feed) is dropped; a line whose first word starts with
 *     `#` is a comment;
 *   - the keyword ends at whitespace, `"` or `=`; one `=` (with whitespace around it) may
 *     separate it from the arguments: `Port 22`, `Port=22`, `Port = 22`;
 *   - arguments are split at spaces and tabs; `"..."` and `'...'` group, `\"`, `\'`, `\\` and
 *     (outside quotes) `\ ` are escapes; a word starting with `#` ends the line.
 */
import { LineError, lineError } from './errors.js';

const WHITESPACE = ' \t\r\n';

function isWs(c: string | undefined): boolean {
  return c !== undefined && WHITESPACE.includes(c);
}

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s[i])) i++;
  return i;
}

export interface Delimited {
  /** The token, or null when the input was null or a quote was not closed. */
  readonly token: string | null;
  /** What follows, or null at the end. */
  readonly rest: string | null;
}

/**
 * strdelim(): the next token of `s`, splitting at whitespace, `"` and `=` (one `=` is eaten
 * as a separator). Used for keywords and for Match criteria.
 */
export function strdelim(s: string | null): Delimited {
  if (s === null) return { token: null, rest: null };
  let pos = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (isWs(c) || c === '"' || c === '=') {
      pos = i;
      break;
    }
  }
  if (pos < 0) return { token: s, rest: null };
  if (s[pos] === '"') {
    // The opening quote is removed; the token runs to the closing one.
    const close = s.indexOf('"', pos + 1);
    if (close < 0) return { token: null, rest: null };
    const token = s.slice(0, pos) + s.slice(pos + 1, close);
    return { token, rest: s.slice(skipWs(s, close + 1)) };
  }
  const sawEquals = s[pos] === '=';
  let i = skipWs(s, pos + 1);
  if (s[i] === '=' && !sawEquals) i = skipWs(s, i + 1);
  return { token: s.slice(0, pos), rest: s.slice(i) };
}

/**
 * argv_split(s, terminate_on_comment=1): the argument words of a line. Returns undefined when a
 * quote is not closed.
 */
export function argvSplit(s: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break;
    let quote = '';
    let arg = '';
    for (; i < s.length; i++) {
      const ch = s[i]!;
      if (ch === '\\') {
        const next = s[i + 1];
        if (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' ')) {
          i++;
          arg += next;
        } else {
          arg += ch;
        }
      } else if (quote === '' && (ch === ' ' || ch === '\t')) {
        break;
      } else if (quote === '' && (ch === '"' || ch === "'")) {
        quote = ch;
      } else if (quote !== '' && ch === quote) {
        quote = '';
      } else {
        arg += ch;
      }
    }
    if (quote !== '') return undefined;
    out.push(arg);
  }
  return out;
}

/** One configuration directive as written. */
export interface Directive {
  readonly file: string;
  readonly line: number;
  /** The keyword as written. */
  readonly keyword: string;
  /** The keyword in lower case (keywords are case-insensitive). */
  readonly key: string;
  /** Everything after the keyword and its separator, unsplit (ProxyCommand, ForceCommand, Match). */
  readonly rest: string;
  /** The argument words. */
  readonly args: readonly string[];
}

/**
 * Tokenizes one line. Returns undefined for blank and comment lines; throws a LineError for
 * "no argument after keyword" and "invalid quotes" (which OpenSSH reports before it looks the
 * keyword up).
 */
export function parseLine(text: string, file: string, line: number, lowerKeywordInErrors = true): Directive | undefined {
  // Trailing whitespace and form feeds go (the first character is never stripped, as in C).
  let end = text.length;
  while (end > 1 && (isWs(text[end - 1]) || text[end - 1] === '\f')) end--;
  let s: string | null = text.slice(0, end);
  if (s.length === 0) return undefined;
  let d = strdelim(s);
  let keyword = d.token;
  s = d.rest;
  if (keyword === '') {
    d = strdelim(s);
    keyword = d.token;
    s = d.rest;
  }
  if (keyword === null || keyword === '' || keyword.startsWith('\n') || keyword.startsWith('#')) return undefined;
  const rest = s === null ? '' : s.slice(skipWs(s, 0));
  // ssh lower-cases the keyword before it complains; sshd quotes it as written.
  if (rest === '') lineError(`no argument after keyword "${lowerKeywordInErrors ? asciiLowerKeyword(keyword) : keyword}"`);
  const args = argvSplit(rest);
  if (args === undefined) lineError('invalid quotes');
  return { file, line, keyword, key: asciiLowerKeyword(keyword), rest, args };
}

function asciiLowerKeyword(s: string): string {
  return s.replace(/[A-Z]+/g, (c) => c.toLowerCase());
}

/** A line that could not be tokenized; reported when the walk reaches it, in line order. */
export interface BadLine {
  readonly file: string;
  readonly line: number;
  readonly bad: string;
}

/** Tokenizes a whole file: its directives and bad lines in order; blank and comment lines dropped. */
export function tokenizeFile(path: string, text: string, opts: { stripLeadingBlanks?: boolean; lowerKeywordInErrors?: boolean } = {}): (Directive | BadLine)[] {
  const out: (Directive | BadLine)[] = [];
  splitLines(text).forEach((raw, i) => {
    try {
      const d = parseLine(opts.stripLeadingBlanks === true ? raw.replace(/^[ \t\r]+/, '') : raw, path, i + 1, opts.lowerKeywordInErrors ?? true);
      if (d !== undefined) out.push(d);
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      out.push({ file: path, line: i + 1, bad: e.reason });
    }
  });
  return out;
}

/**
 * Splits a file into lines the way both daemons count them (`\n`; a `\r` before it is
 * trailing whitespace).
 */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Argument cursor: keyword handlers take what they need; leftovers are "extra arguments". */
export class Args {
  private i = 0;
  constructor(private readonly list: readonly string[]) {}
  next(): string | undefined {
    return this.list[this.i++];
  }
  peek(): string | undefined {
    return this.list[this.i];
  }
  get remaining(): number {
    return Math.max(0, this.list.length - this.i);
  }
  consumeAll(): void {
    this.i = this.list.length;
  }
}
