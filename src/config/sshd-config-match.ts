/**
 * sshd's `Match` criteria (servconf.c match_cfg_line()): User, Group, Host, Address,
 * LocalAddress, LocalPort, RDomain and All; and the syntax checks of the user and address
 * patterns that AllowUsers / DenyUsers share with them.
 */
import { matchAddressList } from '../keys/authorized-keys/address-match.js';
import { matchHostname, matchPatternList } from '../keys/knownhosts/patterns.js';
import type { Directive } from './lexer.js';
import { badMatch, MatchWords, type MatchResult } from './match-words.js';
import type { SshdConnection } from './sshd-config.js';
import { a2port } from './values.js';

/** match_user() in syntax-check mode: a `user@host` pattern's host part must be a valid address list. */
export function validUserPattern(p: string): boolean {
  if (p === '') return false;
  const at = p.indexOf('@');
  return at < 0 || addressListValid(p.slice(at + 1));
}

/** addr_match_list(NULL, list) !== -2: no empty entry and no network with host bits set. */
function addressListValid(list: string): boolean {
  return list.split(',').every((e) => {
    const entry = e.startsWith('!') ? e.slice(1) : e;
    return entry !== '' && matchAddressList('0.0.0.0', entry) !== 'invalid';
  });
}

/** match_cfg_line(): `ci` null checks the syntax only (and then only `All` matches). */
export function matchLine(d: Directive, ci: SshdConnection | null): MatchResult {
  const words = new MatchWords(d.rest);
  let result = true;
  let attributes = 0;
  for (let attrib = words.attribute(); attrib !== undefined; attrib = words.attribute()) {
    attributes++;
    const a = attrib.toLowerCase();
    if (a === 'all') {
      words.all(attributes, 'all');
      return { result: true, rest: words.rest };
    }
    const criteria = words.criteria(attrib);
    if (!matchCriterion(ci, a, attrib, criteria)) result = false;
  }
  if (attributes === 0) badMatch('One or more attributes required for Match');
  return { result, rest: words.rest };
}

/** One criterion; `a` is the attribute in lower case, `attrib` as written. */
function matchCriterion(ci: SshdConnection | null, a: string, attrib: string, criteria: string): boolean {
  switch (a) {
    case 'user':
      return ci?.user !== undefined && matchPatternList(ci.user, criteria) === 'match';
    case 'group':
      return ci?.user !== undefined && matchGroup(ci.groups ?? [], criteria);
    case 'host':
      return ci?.host !== undefined && matchHostname(ci.host, criteria) === 'match';
    case 'address':
    case 'localaddress': {
      const addr = a === 'address' ? ci?.address : ci?.localAddress;
      if (addr === undefined) {
        if (!addressListValid(criteria)) badMatch(`Invalid Match ${a} argument '${criteria}'`);
        return false;
      }
      const r = matchAddressList(addr, criteria);
      if (r === 'invalid') badMatch(`Invalid Match ${a} argument '${criteria}'`);
      return r === 'match';
    }
    case 'localport': {
      const port = a2port(criteria);
      if (port === -1) badMatch(`Invalid LocalPort '${criteria}' on Match line`);
      return ci?.localPort !== undefined && port === ci.localPort;
    }
    case 'rdomain':
      return ci?.rdomain !== undefined && matchPatternList(ci.rdomain, criteria) === 'match';
    default:
      return badMatch(`Unsupported Match attribute ${attrib}`);
  }
}

/** Group: one of the user's groups matches and none is negated. */
function matchGroup(groups: readonly string[], criteria: string): boolean {
  let found = false;
  for (const g of groups) {
    const r = matchPatternList(g, criteria);
    if (r === 'negated') {
      found = false;
      break;
    }
    if (r === 'match') found = true;
  }
  return found;
}
