/**
 * Reading ssh_config files (readconf.c process_config_line(), read_config_file()): the walk
 * over each file's lines, with the Host, Match and Include lines that decide which of them
 * apply. The options themselves are ssh-config-options.ts's; ssh-config.ts turns the state
 * into the resolved configuration.
 */
import { matchPattern } from '../keys/knownhosts/patterns.js';
import { ConfigError, LineError, lineError } from './errors.js';
import { globPaths, isAbsolute } from './include.js';
import { Args, tokenizeFile, type Directive } from './lexer.js';
import type { SshConfigFile } from './ssh-config.js';
import { matchLine } from './ssh-config-match.js';
import { processOption } from './ssh-config-options.js';
import type { ParsedFile, Pass } from './ssh-config-state.js';
import { tildeExpand } from './values.js';

const MAX_INCLUDE_DEPTH = 16;

interface Flags {
  readonly system: boolean;
  readonly neverMatch: boolean;
  readonly cmdline: boolean;
}

function parseFile(path: string, text: string): ParsedFile {
  return { directives: tokenizeFile(path, text) };
}

function readFileFor(pass: Pass, path: string): ParsedFile | undefined {
  const cached = pass.parsed.get(path);
  if (cached !== undefined) return cached;
  const text = pass.opts.fs?.readFile(path);
  if (text === undefined) return undefined;
  const parsed = parseFile(path, text);
  pass.parsed.set(path, parsed);
  return parsed;
}

function runFile(pass: Pass, file: ParsedFile, flags: Flags, active: { v: boolean }, depth: number): void {
  if (depth > MAX_INCLUDE_DEPTH) throw new ConfigError([...pass.problems, { file: file.directives[0]?.file ?? '', line: 0, reason: 'Too many recursive configuration includes' }]);
  for (const d of file.directives) {
    if ('bad' in d) {
      pass.problems.push({ file: d.file, line: d.line, reason: d.bad });
      continue;
    }
    try {
      processDirective(pass, d, flags, active, depth);
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      pass.problems.push({ file: d.file, line: d.line, reason: e.reason });
    }
  }
}

/** Keywords that are other names of one that hush reads. */
function canonicalKey(key: string): string {
  switch (key) {
    case 'identityfile2':
      return 'identityfile';
    case 'challengeresponseauthentication':
    case 'skeyauthentication':
    case 'tisauthentication':
      return 'kbdinteractiveauthentication';
    case 'dsaauthentication':
      return 'pubkeyauthentication';
    default:
      return key;
  }
}

function processDirective(pass: Pass, d: Directive, flags: Flags, active: { v: boolean }, depth: number): void {
  const args = new Args(d.args);
  const key = canonicalKey(d.key);
  switch (key) {
    case 'host':
      if (flags.cmdline) lineError('Host directive not supported as a command-line option');
      hostLine(pass, args, key, flags, active);
      break;
    case 'match': {
      if (flags.cmdline) lineError('Host directive not supported as a command-line option');
      const r = matchLine(pass, d, flags.neverMatch);
      active.v = flags.neverMatch ? false : r.result;
      if (r.rest === null || r.rest === '') args.consumeAll();
      break;
    }
    case 'include':
      if (flags.cmdline) lineError('Include directive not supported as a command-line option');
      include(pass, args, flags, active, depth);
      break;
    default:
      processOption({ pass, d, args, key, on: active.v, system: flags.system });
  }
  if (args.remaining > 0) lineError(`keyword ${key} extra arguments at end of line`);
}

/** Host: the lines up to the next Host or Match apply when a pattern matches and no negated one does. */
function hostLine(pass: Pass, args: Args, key: string, flags: Flags, active: { v: boolean }): void {
  active.v = false;
  for (let arg = args.next(); arg !== undefined; arg = args.next()) {
    if (arg === '') lineError(`keyword ${key} empty argument`);
    if (flags.neverMatch) {
      args.consumeAll();
      break;
    }
    const negated = arg.startsWith('!');
    if (matchPattern(pass.host, negated ? arg.slice(1) : arg)) {
      if (negated) {
        active.v = false;
        args.consumeAll();
        break;
      }
      active.v = true;
    }
  }
}

function include(pass: Pass, args: Args, flags: Flags, active: { v: boolean }, depth: number): void {
  const env = pass.opts.env ?? {};
  for (let arg = args.next(); arg !== undefined; arg = args.next()) {
    if (arg === '') lineError('keyword include empty argument');
    if (arg.startsWith('~') && flags.system) lineError(`bad include path ${arg}.`);
    const anchored = !isAbsolute(arg) && !arg.startsWith('~') ? `${flags.system ? '/etc/ssh' : '~/.ssh'}/${arg}` : arg;
    if (pass.opts.fs === undefined) lineError(`Include ${arg}: no file system access was given to read it`);
    let pattern: string;
    try {
      // glob(3)'s GLOB_TILDE takes ~ from $HOME.
      pattern = tildeExpand(anchored, env['HOME'] ?? pass.opts.home, pass.opts.homeOf);
    } catch (e) {
      lineError(`glob failed for ${anchored}: ${(e as Error).message}.`);
    }
    const files = globPaths(pattern, pass.opts.fs);
    const oactive = active.v;
    for (const path of files) {
      const parsed = readFileFor(pass, path);
      if (parsed === undefined) continue;
      runFile(pass, parsed, { ...flags, neverMatch: flags.neverMatch || !oactive }, active, depth + 1);
      // A Match inside the included file does not change the including file's state.
      active.v = oactive;
    }
  }
}

export function runAll(pass: Pass, files: readonly SshConfigFile[], cmdline: readonly string[]): void {
  if (cmdline.length > 0) {
    const parsed = parseFile('command-line', cmdline.join('\n'));
    runFile(pass, parsed, { system: false, neverMatch: false, cmdline: true }, { v: true }, 0);
  }
  for (const f of files) {
    let parsed = pass.parsed.get(f.path);
    if (parsed === undefined) {
      parsed = parseFile(f.path, f.text);
      pass.parsed.set(f.path, parsed);
    }
    runFile(pass, parsed, { system: f.system === true, neverMatch: false, cmdline: false }, { v: true }, 0);
    if (pass.problems.length > 0) throw new ConfigError(pass.problems);
  }
  if (pass.problems.length > 0) throw new ConfigError(pass.problems);
}
