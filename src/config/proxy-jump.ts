/**
 * `[user@]host[:port]` and `ssh://[user@]host[:port]` (misc.c parse_user_host_port(),
 * parse_ssh_uri()) and the ProxyJump keyword (readconf.c parse_jump()).
 */
import { lineError } from './errors.js';
import { a2port } from './values.js';

export interface ProxyJumpHop {
  readonly user?: string;
  readonly host: string;
  readonly port?: number;
}

/** What a ProxyJump line leaves in the options: the last hop is connected to with -W, the others with -J. */
export interface JumpSetting {
  host: string;
  user?: string;
  /** -1 when not given (0 with host `none`). */
  port: number;
  /** The hops before the last one, as written. */
  extra?: string;
  hops: ProxyJumpHop[];
}

/** valid_domain(name, 0) as parse_uri() applies it. */
function validDomain(name: string): boolean {
  if (name === '' || !/^[A-Za-z0-9]/.test(name)) return false;
  return !name.includes('..') && /^[A-Za-z0-9._-]+$/.test(name);
}

/** hpdelim(): the host part (with `[...]`), and what follows a `:` or `/`. */
function hpdelim(s: string): { host: string; rest: string | undefined; delim?: string } | undefined {
  let i = 0;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return undefined;
    i = close + 1;
  } else {
    const m = /[:/]/.exec(s);
    i = m === null ? s.length : m.index;
  }
  if (i >= s.length) return { host: s, rest: undefined };
  const c = s[i]!;
  if (c !== ':' && c !== '/') return undefined;
  return { host: s.slice(0, i), rest: s.slice(i + 1), delim: c };
}

function cleanHostname(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

function urlDecode(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '+') out += ' ';
    else if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 2;
    } else out += c;
  }
  return out;
}

/** parse_ssh_uri() then parse_user_host_port(): `[user@]host[:port]` or `ssh://[user@]host[:port]`. */
export function parseUserHostPort(s: string): ProxyJumpHop | undefined {
  if (s.startsWith('ssh://')) {
    let rest = s.slice(6);
    let user: string | undefined;
    const at = rest.indexOf('@');
    if (at >= 0) {
      let u = rest.slice(0, at);
      const semi = u.indexOf(';');
      if (semi >= 0) u = u.slice(0, semi);
      if (u === '') return undefined;
      user = urlDecode(u);
      if (user === undefined) return undefined;
      rest = rest.slice(at + 1);
    }
    const hp = hpdelim(rest);
    if (hp === undefined || hp.host === '') return undefined;
    const host = cleanHostname(hp.host);
    if (!validDomain(host)) return undefined;
    let port: number | undefined;
    let tail = hp.rest;
    if (tail !== undefined && tail !== '' && hp.delim === ':') {
      const slash = tail.indexOf('/');
      const p = a2port(slash < 0 ? tail : tail.slice(0, slash));
      if (p <= 0) return undefined;
      port = p;
      tail = slash < 0 ? undefined : tail.slice(slash + 1);
    }
    if (tail !== undefined && tail !== '') return undefined; // a path is not allowed
    return { host, ...(user !== undefined ? { user } : {}), ...(port !== undefined ? { port } : {}) };
  }
  let rest = s;
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    if (at === 0) return undefined;
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  const hp = hpdelim(rest);
  if (hp === undefined || hp.host === '') return undefined;
  const host = cleanHostname(hp.host);
  let port: number | undefined;
  if (hp.rest !== undefined && hp.rest !== '') {
    const p = a2port(hp.rest);
    if (p <= 0) return undefined;
    port = p;
  }
  return { host, ...(user !== undefined ? { user } : {}), ...(port !== undefined ? { port } : {}) };
}

/**
 * parse_jump(): validates every hop; when `on`, and neither ProxyCommand nor ProxyJump is set
 * yet, returns the new setting (the caller then sets ProxyCommand to `none`). `none` is a value.
 */
export function parseJump(s: string, current: { proxyCommand?: string; jump?: JumpSetting }, on: boolean): JumpSetting | undefined {
  const active = on && current.proxyCommand === undefined && current.jump === undefined;
  const hash = s.indexOf('#');
  const spec = (hash >= 0 ? s.slice(0, hash) : s).replace(/[ \t\r\n]+$/, '');
  const bad = (): never => lineError(`Invalid ProxyJump "${s}"`);
  if (s.toLowerCase() === 'none') {
    return on && current.jump === undefined ? { host: 'none', port: 0, hops: [] } : undefined;
  }
  const parts = spec.split(',');
  const hops: ProxyJumpHop[] = [];
  for (const p of parts) {
    const hop = parseUserHostPort(p);
    if (hop === undefined) bad();
    hops.push(hop!);
  }
  if (!active) return undefined;
  const last = hops[hops.length - 1]!;
  const comma = spec.lastIndexOf(',');
  return {
    host: last.host,
    port: last.port ?? -1,
    ...(last.user !== undefined ? { user: last.user } : {}),
    ...(comma > 0 ? { extra: spec.slice(0, comma) } : {}),
    hops,
  };
}

