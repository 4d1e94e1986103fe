/**
 * ssh's `Match` criteria (readconf.c match_cfg_line()): host, originalhost, user, localuser,
 * all, canonical, final and exec, each negatable with `!`; and the `%` tokens Match exec and
 * the resolved configuration expand.
 */
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { matchHostname, matchPatternList } from '../keys/knownhosts/patterns.js';
import { lineError } from './errors.js';
import type { Directive } from './lexer.js';
import { badMatch, MatchWords, type MatchResult } from './match-words.js';
import type { ResolveSshConfigOptions } from './ssh-config.js';
import type { Pass } from './ssh-config-state.js';
import { percentExpand } from './values.js';

export function localHostname(opts: ResolveSshConfigOptions): string {
  return opts.hostname ?? 'localhost';
}

/** ssh_connection_hash(): %C, SHA-1 over local host name, remote host, port and user. */
export function connectionHash(thisHost: string, host: string, port: string, user: string): string {
  return bytesToHex(sha1(utf8ToBytes(thisHost + host + port + user)));
}

/** What the criteria of one Match line are matched against. */
interface Target {
  readonly opts: ResolveSshConfigOptions;
  readonly host: string;
  readonly ruser: string;
  readonly port: number;
  readonly hostKeyAlias: string | undefined;
}

export function matchLine(pass: Pass, d: Directive, neverMatch: boolean): MatchResult {
  const st = pass.state;
  const opts = pass.opts;
  let host: string;
  try {
    host = pass.final ? st.hostName! : st.hostName !== undefined ? percentExpand(st.hostName, { h: pass.host }) : pass.host;
  } catch (e) {
    lineError(`HostName: ${(e as Error).message}`);
  }
  const target: Target = { opts, host, ruser: st.user ?? opts.localUser, port: st.port ?? 22, hostKeyAlias: st.hostKeyAlias };
  const words = new MatchWords(d.rest);
  let result = true;
  let attributes = 0;
  for (let oattrib = words.attribute(); oattrib !== undefined; oattrib = words.attribute()) {
    const negate = oattrib.startsWith('!');
    const attrib = (negate ? oattrib.slice(1) : oattrib).toLowerCase();
    if (attrib === 'all') {
      words.all(attributes, oattrib);
      if (result) result = !negate;
      return { result, rest: words.rest };
    }
    attributes++;
    if (attrib === 'canonical' || attrib === 'final') {
      if (attrib === 'final') pass.wantFinal = true;
      if (pass.final === negate) result = false;
      continue;
    }
    const criteria = words.criteria(attrib);
    if (attrib === 'exec' && (!result || neverMatch)) continue; // a failed earlier criterion skips the command
    if (matchCriterion(target, attrib, criteria) === negate) result = false;
  }
  if (attributes === 0) badMatch('One or more attributes required for Match');
  return { result, rest: words.rest };
}

function matchCriterion(t: Target, attrib: string, criteria: string): boolean {
  switch (attrib) {
    case 'host':
      return matchHostname(t.host, criteria) === 'match';
    case 'originalhost':
      return matchHostname(t.opts.host, criteria) === 'match';
    case 'user':
      return matchPatternList(t.ruser, criteria) === 'match';
    case 'localuser':
      return matchPatternList(t.opts.localUser, criteria) === 'match';
    case 'exec':
      return matchExec(t, criteria);
    default:
      return badMatch(`Unsupported Match attribute ${attrib}`);
  }
}

function matchExec(t: Target, criteria: string): boolean {
  const opts = t.opts;
  const thisHost = localHostname(opts);
  const portStr = String(t.port);
  let cmd: string;
  try {
    cmd = percentExpand(criteria, {
      C: connectionHash(thisHost, t.host, portStr, t.ruser),
      L: thisHost.split('.')[0]!,
      d: opts.home,
      h: t.host,
      k: t.hostKeyAlias ?? t.host,
      l: thisHost,
      n: opts.host,
      p: portStr,
      r: t.ruser,
      u: opts.localUser,
      i: String(opts.uid ?? 0),
    });
  } catch (e) {
    lineError(`match exec '${criteria}': ${(e as Error).message}`);
  }
  if (opts.exec === undefined) lineError(`Match exec is not supported here (no exec callback): "${criteria}"`);
  return opts.exec(cmd);
}
