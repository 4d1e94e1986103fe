/**
 * authorized_keys options (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"), read as OpenSSH's
 * auth-options.c sshauthopt_parse() reads them:
 *
 *   - comma-separated, no spaces except inside double quotes; names case-insensitive;
 *   - values are double-quoted; inside them \" stands for " and every other byte (a lone
 *     backslash too) is itself;
 *   - flags: restrict, cert-authority, and [no-]agent-forwarding, [no-]port-forwarding,
 *     [no-]pty, [no-]user-rc, [no-]X11-forwarding, [no-]touch-required, [no-]verify-required;
 *   - values: command, environment (first of a name wins), from, permitopen, permitlisten,
 *     principals, expiry-time (the earliest wins), tunnel;
 *   - anything else, a repeated command/from/principals, or a bad value makes the line invalid.
 *
 * Everything is allowed unless an option restricts it; `restrict` turns off forwarding of
 * ports, agent and X11, the pty and ~/.ssh/rc, and later flags turn single ones back on.
 */

export interface PermitTarget {
  /** Host as written, without [ ] around an IPv6 address; "*" for any (permitlisten with a bare port). */
  readonly host: string;
  /** Port number, or "*" for any. */
  readonly port: number | '*';
  /** The option value as written (after "*:" is added to a bare permitlisten port). */
  readonly text: string;
}

export interface AuthorizedKeyOptions {
  /** `restrict` was given. */
  readonly restrict: boolean;
  /** cert-authority: the key is a CA for user certificates, not a login key. */
  readonly certAuthority: boolean;
  /** command="...": forced command. */
  readonly command?: string;
  /** environment="NAME=value" pairs, in file order; the first of a name wins, later ones are dropped. */
  readonly environment: readonly (readonly [name: string, value: string])[];
  /** from="pattern-list": hosts and addresses allowed to use the key (see matchFrom). */
  readonly from?: string;
  /** permitopen="host:port": allowed `ssh -L` / direct-tcpip targets. Empty = no restriction from this line. */
  readonly permitOpen: readonly PermitTarget[];
  /** permitlisten="[host:]port": allowed `ssh -R` listeners. Empty = no restriction from this line. */
  readonly permitListen: readonly PermitTarget[];
  /** principals="a,b": certificate principals accepted (with cert-authority only). */
  readonly principals?: readonly string[];
  /** expiry-time="...": the key stops working after this instant (the earliest if repeated). */
  readonly expiryTime?: Date;
  /** tunnel="n": forced tun device number, or "any". */
  readonly tunnel?: number | 'any';
  readonly agentForwarding: boolean;
  readonly portForwarding: boolean;
  readonly x11Forwarding: boolean;
  readonly pty: boolean;
  readonly userRc: boolean;
  /** FIDO keys must prove user presence; no-touch-required turns it off. */
  readonly touchRequired: boolean;
  /** verify-required: FIDO signatures must show user verification (PIN or biometric). */
  readonly verifyRequired: boolean;
}

/** sshd's defaults: no options at all. */
export const DEFAULT_AUTHORIZED_KEY_OPTIONS: AuthorizedKeyOptions = Object.freeze({
  restrict: false,
  certAuthority: false,
  environment: Object.freeze([]) as readonly (readonly [string, string])[],
  permitOpen: Object.freeze([]) as readonly PermitTarget[],
  permitListen: Object.freeze([]) as readonly PermitTarget[],
  agentForwarding: true,
  portForwarding: true,
  x11Forwarding: true,
  pty: true,
  userRc: true,
  touchRequired: true,
  verifyRequired: false,
});

/** SSH_AUTHOPT_PERMIT_MAX / SSH_AUTHOPT_ENV_MAX. */
const PERMIT_MAX = 4096;
const ENV_MAX = 1024;
/** SSH_TUNID_MAX = 0x7fffffff - 2. */
const TUNNEL_MAX = 0x7ffffffd;
/** NI_MAXHOST. */
const MAX_HOST = 1025;

export class OptionError extends Error {
  override readonly name = 'OptionError';
}

function fail(reason: string): never {
  throw new OptionError(reason);
}

type FlagName = 'agentForwarding' | 'portForwarding' | 'x11Forwarding' | 'pty' | 'userRc' | 'touchRequired' | 'verifyRequired';

/** Negatable flags, in the order sshauthopt_parse() tries them (matching is by prefix). */
const FLAGS: readonly (readonly [string, FlagName])[] = [
  ['port-forwarding', 'portForwarding'],
  ['agent-forwarding', 'agentForwarding'],
  ['x11-forwarding', 'x11Forwarding'],
  ['touch-required', 'touchRequired'],
  ['verify-required', 'verifyRequired'],
  ['pty', 'pty'],
  ['user-rc', 'userRc'],
];

const VALUE_OPTIONS = ['command', 'principals', 'from', 'expiry-time', 'environment', 'permitopen', 'permitlisten', 'tunnel'] as const;

const startsWithCi = (s: string, at: number, word: string): boolean =>
  s.slice(at, at + word.length).toLowerCase() === word;

/** opt_dequote(): a double-quoted value at `at`; returns it and the index after the closing quote. */
function dequote(s: string, at: number): [string, number] {
  if (s[at] !== '"') fail('missing start quote');
  let out = '';
  let i = at + 1;
  while (i < s.length && s[i] !== '"') {
    if (s[i] === '\\' && s[i + 1] === '"') i++;
    out += s[i++]!;
  }
  if (i >= s.length) fail('missing end quote');
  return [out, i + 1];
}

/** strtonum(s, min, max) for plain decimal digits. */
function decimal(s: string, max: number): number | undefined {
  if (!/^[0-9]{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= max ? n : undefined;
}

/**
 * parse_absolute_time(): YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, in local time unless it
 * ends in Z or UTC. Out-of-range days roll over as mktime() does (20230230 is 2 March).
 */
export function parseExpiryTime(text: string): Date | undefined {
  let s = text;
  let utc = false;
  if (s.length > 1 && /z$/i.test(s)) {
    utc = true;
    s = s.slice(0, -1);
  } else if (s.length > 3 && /utc$/i.test(s)) {
    utc = true;
    s = s.slice(0, -3);
  }
  if (!/^[0-9]+$/.test(s) || (s.length !== 8 && s.length !== 12 && s.length !== 14)) return undefined;
  const f = (from: number, len: number): number => (s.length >= from + len ? Number(s.slice(from, from + len)) : 0);
  const [year, month, day, hour, minute, second] = [f(0, 4), f(4, 2), f(6, 2), f(8, 2), f(10, 2), f(12, 2)];
  // strptime() ranges: %m 1-12, %d 1-31, %H 0-23, %M 0-59, %S 0-61 (glibc).
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 61) return undefined;
  // Before 1970 (and Date's 19xx reading of years below 100) is refused below anyway.
  if (year < 1970) return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (!utc) {
    // mktime() with tm_isdst = 0, as sshd calls it: the time is read as standard (winter)
    // time of the local zone even when summer time is in effect then.
    const standardOffset = Math.max(new Date(year, 0, 1).getTimezoneOffset(), new Date(year, 6, 1).getTimezoneOffset());
    ms += standardOffset * 60_000;
  }
  // mktime()/timegm() failing or giving the epoch itself counts as invalid.
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return new Date(ms);
}

/** handle_permit(): "host:port", "[v6]:port", "host/port"; port a number 1-65535 or "*". */
function parsePermit(value: string, allowBarePort: boolean): PermitTarget {
  const text = allowBarePort && !value.includes(':') ? `*:${value}` : value;
  let host: string;
  let rest: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) fail('invalid permission hostname');
    const after = text[close + 1];
    if (after !== undefined && after !== ':' && after !== '/') fail('invalid permission hostname');
    host = text.slice(1, close);
    rest = after === undefined ? undefined : text.slice(close + 2);
    if (close + 1 >= MAX_HOST) fail('invalid permission hostname');
  } else {
    const m = /[:/]/.exec(text);
    host = m === null ? text : text.slice(0, m.index);
    rest = m === null ? undefined : text.slice(m.index + 1);
    if (host.length >= MAX_HOST) fail('invalid permission hostname');
  }
  if (rest === undefined) fail('invalid permission port');
  let port: number | '*';
  if (rest === '*') port = '*';
  else {
    const n = decimal(rest, 65535);
    if (n === undefined || n === 0) fail('invalid permission port (hush accepts a number or *, not a service name)');
    port = n;
  }
  return { host, port, text };
}

/**
 * The options at the start of `s` (up to the first space or tab outside quotes). Throws
 * OptionError with sshd's reason when sshd would refuse the line.
 */
export function parseAuthorizedKeyOptions(s: string): AuthorizedKeyOptions {
  const flags: Record<FlagName, boolean> = {
    agentForwarding: true,
    portForwarding: true,
    x11Forwarding: true,
    pty: true,
    userRc: true,
    touchRequired: true,
    verifyRequired: false,
  };
  let restrict = false;
  let certAuthority = false;
  let command: string | undefined;
  let from: string | undefined;
  let principals: string | undefined;
  let expiry: Date | undefined;
  let tunnel: number | 'any' | undefined;
  const environment: [string, string][] = [];
  const permitOpen: PermitTarget[] = [];
  const permitListen: PermitTarget[] = [];

  let i = 0;
  while (i < s.length && s[i] !== ' ' && s[i] !== '\t') {
    if (startsWithCi(s, i, 'restrict')) {
      i += 'restrict'.length;
      restrict = true;
      flags.portForwarding = flags.agentForwarding = flags.x11Forwarding = flags.pty = flags.userRc = false;
    } else if (startsWithCi(s, i, 'cert-authority')) {
      i += 'cert-authority'.length;
      certAuthority = true;
    } else {
      const negate = startsWithCi(s, i, 'no-');
      const at = negate ? i + 3 : i;
      const flag = FLAGS.find(([word]) => startsWithCi(s, at, word));
      if (flag !== undefined) {
        i = at + flag[0].length;
        flags[flag[1]] = !negate;
      } else {
        const name = VALUE_OPTIONS.find((n) => startsWithCi(s, i, n) && s[i + n.length] === '=');
        if (name === undefined) fail('unknown key option');
        i += name.length + 1;
        const [value, next] = dequote(s, i);
        i = next;
        switch (name) {
          case 'command':
            if (command !== undefined) fail('multiple "command" clauses');
            command = value;
            break;
          case 'principals':
            if (principals !== undefined) fail('multiple "principals" clauses');
            principals = value;
            break;
          case 'from':
            if (from !== undefined) fail('multiple "from" clauses');
            from = value;
            break;
          case 'expiry-time': {
            const t = parseExpiryTime(value);
            if (t === undefined) fail('invalid expires time');
            if (expiry === undefined || t.getTime() < expiry.getTime()) expiry = t;
            break;
          }
          case 'environment': {
            if (environment.length > ENV_MAX) fail('too many environment strings');
            const eq = value.indexOf('=');
            const envName = eq < 0 ? '' : value.slice(0, eq);
            if (!/^[A-Za-z0-9_]+$/.test(envName)) fail('invalid environment string');
            if (!environment.some(([n]) => n === envName)) environment.push([envName, value.slice(eq + 1)]);
            break;
          }
          case 'permitopen':
            if (permitOpen.length > PERMIT_MAX) fail('too many permission directives');
            permitOpen.push(parsePermit(value, false));
            break;
          case 'permitlisten':
            if (permitListen.length > PERMIT_MAX) fail('too many permission directives');
            permitListen.push(parsePermit(value, true));
            break;
          case 'tunnel': {
            const n = value.toLowerCase() === 'any' ? 'any' : decimal(value, TUNNEL_MAX);
            if (n === undefined) fail('invalid tun device');
            tunnel = n;
            break;
          }
        }
      }
    }
    if (i >= s.length || s[i] === ' ' || s[i] === '\t') break;
    if (s[i] !== ',') fail('unknown key option');
    i++;
    if (i >= s.length) fail('unexpected end-of-options');
  }

  return {
    restrict,
    certAuthority,
    ...(command === undefined ? {} : { command }),
    environment,
    ...(from === undefined ? {} : { from }),
    permitOpen,
    permitListen,
    ...(principals === undefined ? {} : { principals: splitPrincipals(principals) }),
    ...(expiry === undefined ? {} : { expiryTime: expiry }),
    ...(tunnel === undefined ? {} : { tunnel }),
    ...flags,
  };
}

/** The principals list as sshd's match_list() sees it: comma-separated, ending at the first empty item. */
function splitPrincipals(list: string): string[] {
  const out: string[] = [];
  for (const p of list.split(',')) {
    if (p === '') break;
    out.push(p);
  }
  return out;
}
