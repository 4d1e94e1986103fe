/**
 * The reading of a `Match` line that ssh (readconf.c) and sshd (servconf.c) match_cfg_line()
 * share: words come from strdelim(), a word starting with `#` ends the line, `All` stands
 * alone, and every other attribute is followed by one criteria word. What an attribute
 * means is for each program's own matcher.
 */
import { lineError } from './errors.js';
import { strdelim } from './lexer.js';

export interface MatchResult {
  readonly result: boolean;
  /** What is left of the line after the criteria (null or '': nothing, so no extra arguments). */
  readonly rest: string | null;
}

export function badMatch(why: string): never {
  lineError(`Bad Match condition: ${why}`);
}

/** Cursor over a Match line's words. */
export class MatchWords {
  rest: string | null;

  constructor(line: string) {
    this.rest = line;
  }

  /** The next attribute as written, or undefined at the end of the line (or a comment). */
  attribute(): string | undefined {
    const t = strdelim(this.rest);
    this.rest = t.rest;
    if (t.token === null || t.token === '') return undefined;
    if (t.token.startsWith('#')) {
      this.rest = null;
      return undefined;
    }
    return t.token;
  }

  /**
   * After `All`: an error when more than one attribute came before it (as each program counts
   * them) or anything but a comment follows; `shown` is the word the message quotes.
   */
  all(attributes: number, shown: string): void {
    const n = strdelim(this.rest);
    if (attributes > 1 || (n.token !== null && n.token !== '' && !n.token.startsWith('#'))) {
      badMatch(`'${shown}' cannot be combined with other Match attributes`);
    }
    this.rest = n.token !== null && n.token.startsWith('#') ? null : n.rest;
  }

  /** The criteria word of `attrib` (named so in the error when it is missing). */
  criteria(attrib: string): string {
    const a = strdelim(this.rest);
    this.rest = a.rest;
    const arg = a.token;
    if (arg === null || arg === '' || arg.startsWith('#')) badMatch(`Missing Match criteria for ${attrib}`);
    return arg;
  }
}
