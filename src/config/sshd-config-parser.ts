/**
 * Reading sshd_config files (servconf.c process_server_config_line_depth(),
 * parse_server_config_depth()): the walk over each file's lines, the scope check of every
 * keyword, and the Match and Include lines that decide which lines apply. The options
 * themselves are sshd-config-options.ts's; sshd-config.ts runs the daemon's pass and the
 * per-connection pass and resolves the result.
 */
import { ConfigError, LineError, lineError } from './errors.js';
import { globPaths } from './include.js';
import { SSHD_OBSOLETE_KEYWORDS, SSHD_UNSUPPORTED_KEYWORDS } from './keywords.js';
import { Args, tokenizeFile, type Directive } from './lexer.js';
import { matchLine } from './sshd-config-match.js';
import { processOption, SUPPORTED } from './sshd-config-options.js';
import type { ParsedFile, Pass } from './sshd-config-state.js';

const NEVERMATCH = 4;
export const MATCH_ONLY = 8;
const MAX_DEPTH = 16;

export function parseFile(path: string, text: string): ParsedFile {
  // sshd strips leading blanks from every line when it loads the file.
  return { path, directives: tokenizeFile(path, text, { stripLeadingBlanks: true, lowerKeywordInErrors: false }) };
}

export function runFile(pass: Pass, file: ParsedFile, flags: { v: number }, active: { v: boolean }, depth: number): void {
  if (depth > MAX_DEPTH) throw new ConfigError([{ file: file.path, line: 0, reason: 'Too many recursive configuration includes' }]);
  for (const d of file.directives) {
    if ('bad' in d) throw new ConfigError([{ file: d.file, line: d.line, reason: d.bad }]);
    try {
      processDirective(pass, d, flags, active, depth);
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      throw new ConfigError([{ file: d.file, line: d.line, reason: e.reason }]);
    }
  }
}

function processDirective(pass: Pass, d: Directive, flags: { v: number }, active: { v: boolean }, depth: number): void {
  const args = new Args(d.args);
  const key = d.key;
  const scope = SUPPORTED.get(key) ?? SSHD_UNSUPPORTED_KEYWORDS.get(key) ?? SSHD_OBSOLETE_KEYWORDS.get(key);
  if (scope === undefined) lineError(`Bad configuration option: ${d.keyword}`);
  if (!active.v && scope === 'global') {
    if (pass.ci === null) lineError(`Directive '${d.keyword}' is not allowed within a Match block`);
    return; // the connection's parse skips what the daemon's parse already took
  }
  switch (key) {
    case 'include':
      include(pass, d, args, flags, active, depth);
      break;
    case 'match': {
      const r = matchLine(d, flags.v & NEVERMATCH ? null : pass.ci);
      active.v = flags.v & NEVERMATCH ? false : r.result;
      flags.v &= ~MATCH_ONLY;
      if (r.rest === null || r.rest === '') args.consumeAll();
      break;
    }
    default:
      processOption({ pass, d, args, key, on: active.v });
  }
  if (args.remaining > 0) lineError(`keyword ${d.keyword} extra arguments at end of line`);
}

function include(pass: Pass, d: Directive, args: Args, flags: { v: number }, active: { v: boolean }, depth: number): void {
  let count = 0;
  for (let arg2 = args.next(); arg2 !== undefined; arg2 = args.next()) {
    if (arg2 === '') lineError(`keyword ${d.keyword} empty argument`);
    count++;
    const pattern = !arg2.startsWith('/') && !arg2.startsWith('~') ? `/etc/ssh/${arg2}` : arg2;
    const oactive = active.v;
    let files = pass.includes.get(pattern);
    if (files === undefined) {
      const fs = pass.opts.fs;
      if (fs === undefined) lineError(`Include ${arg2}: no file system access was given to read it`);
      files = [];
      for (const path of globPaths(pattern, fs)) {
        const text = fs.readFile(path);
        if (text === undefined) continue;
        files.push(parseFile(path, text));
      }
      pass.includes.set(pattern, files);
    }
    for (const f of files) {
      const childFlags = { v: flags.v & MATCH_ONLY ? MATCH_ONLY : oactive ? 0 : NEVERMATCH };
      runFile(pass, f, childFlags, active, depth + 1);
      active.v = oactive;
    }
  }
  if (count === 0) lineError(`${d.keyword} missing filename argument`);
}
