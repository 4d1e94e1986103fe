/**
 * Address lists of the authorized_keys from="..." option, with the semantics of OpenSSH's
 * addrmatch.c / addr.c and match.c match_host_and_ip():
 *
 *   - each comma-separated entry may be negated with `!`;
 *   - an entry that parses as an address or CIDR network (10.0.0.0/8, 2001:db8::/32) matches
 *     by prefix; a network with bits set past its mask ("10.0.0.1/8") makes the whole list
 *     invalid, as does an empty entry;
 *   - any other entry is a wildcard pattern matched against the address text, and
 *     (case-insensitively) against the host name;
 *   - a negated match of either kind refuses.
 *
 * Addresses are parsed without I/O: IPv4 in the inet_aton forms getaddrinfo(AI_NUMERICHOST)
 * accepts, IPv6 in RFC 4291 text form (with an embedded IPv4 tail). Scope ids are not supported.
 */
import { matchHostname, matchPattern } from '../knownhosts/patterns.js';

export interface IpAddress {
  readonly family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

function parseIpv4Part(s: string): number | undefined {
  let n: number;
  if (/^0[xX][0-9a-fA-F]*$/.test(s)) n = s.length === 2 ? 0 : parseInt(s.slice(2), 16);
  else if (/^0[0-7]*$/.test(s)) n = parseInt(s, 8);
  else if (/^[1-9][0-9]*$/.test(s)) n = parseInt(s, 10);
  else return undefined;
  return s.length > 12 ? undefined : n;
}

/** inet_aton(): a, a.b, a.b.c or a.b.c.d, each part decimal, octal (0...) or hex (0x...). */
export function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length < 1 || parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    const n = parseIpv4Part(p);
    if (n === undefined) return undefined;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255)) return undefined;
  const lastBytes = 4 - nums.length;
  if (last >= 2 ** (8 * lastBytes)) return undefined;
  const out = new Uint8Array(4);
  nums.forEach((n, i) => (out[i] = n));
  for (let i = 0; i < lastBytes; i++) out[3 - i] = Math.floor(last / 2 ** (8 * i)) % 256;
  return out;
}

/** Strict dotted quad (inside IPv6 text). */
function parseDottedQuad(s: string): Uint8Array | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (m === null) return undefined;
  const b = m.slice(1).map(Number);
  if (b.some((x) => x > 255)) return undefined;
  return Uint8Array.from(b);
}

export function parseIpv6(s: string): Uint8Array | undefined {
  if (s.length === 0 || s.length > 45) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const words = (part: string, allowV4: boolean): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const groups = part.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (allowV4 && i === groups.length - 1 && g.includes('.')) {
        const v4 = parseDottedQuad(g);
        if (v4 === undefined) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
        out.push(parseInt(g, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = words(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? words(halves[1]!, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** An address in text form, or undefined. */
export function parseIpAddress(s: string): IpAddress | undefined {
  if (s.includes(':')) {
    const b = parseIpv6(s);
    return b === undefined ? undefined : { family: 6, bytes: b };
  }
  const b = parseIpv4(s);
  return b === undefined ? undefined : { family: 4, bytes: b };
}

/**
 * The address a server should match rules against: an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, which a dual-stack Node socket reports) becomes a.b.c.d, as sshd's
 * ipv64_normalise_mapped() does.
 */
export function normalizeAddress(address: string): string {
  const m = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i.exec(address);
  return m !== null && parseDottedQuad(m[1]!) !== undefined ? m[1]! : address;
}

interface Network {
  readonly address: IpAddress;
  readonly maskBits: number;
}

/** addr_pton_cidr(): a network, 'not-cidr' (try it as a pattern), or 'invalid' (host bits set, mask too long). */
function parseCidr(s: string): Network | 'not-cidr' | 'invalid' {
  if (s.length >= 64) return 'not-cidr';
  const slash = s.indexOf('/');
  let maskBits: number | undefined;
  let text = s;
  if (slash >= 0) {
    const m = s.slice(slash + 1);
    if (!/^[0-9]+$/.test(m)) return 'not-cidr';
    maskBits = Number(m);
    if (maskBits > 128) return 'not-cidr';
    text = s.slice(0, slash);
  }
  const address = parseIpAddress(text);
  if (address === undefined) return 'not-cidr';
  const max = address.family === 4 ? 32 : 128;
  maskBits ??= max;
  if (maskBits > max) return 'invalid';
  for (let bit = maskBits; bit < max; bit++) {
    if ((address.bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) return 'invalid';
  }
  return { address, maskBits };
}

function inNetwork(a: IpAddress, n: Network): boolean {
  if (a.family !== n.address.family) return false;
  for (let bit = 0; bit < n.maskBits; bit++) {
    const i = bit >> 3;
    const m = 0x80 >> (bit & 7);
    if ((a.bytes[i]! & m) !== (n.address.bytes[i]! & m)) return false;
  }
  return true;
}

export type AddressListResult = 'match' | 'none' | 'negated' | 'invalid';

/** addr_match_list(): an address against a list of networks and wildcard patterns. */
export function matchAddressList(address: string, list: string): AddressListResult {
  const addr = parseIpAddress(address);
  if (addr === undefined) return 'none';
  let result: AddressListResult = 'none';
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const entry = negated ? raw.slice(1) : raw;
    if (entry === '') return 'invalid';
    const net = parseCidr(entry);
    if (net === 'invalid') return 'invalid';
    const hit = net === 'not-cidr' ? matchPattern(address, entry) : inNetwork(addr, net);
    if (hit) {
      if (negated) return 'negated';
      result = 'match';
    }
  }
  return result;
}

/**
 * match_host_and_ip() for from="...": allowed when the address or the host name matches and
 * neither matches a negated entry. No address, or an invalid list, refuses.
 */
export function matchFrom(list: string, address: string | undefined, hostname: string | undefined): 'allow' | 'deny' | 'invalid' {
  if (address === undefined) return 'deny';
  const ip = matchAddressList(address, list);
  if (ip === 'invalid') return 'invalid';
  if (hostname === undefined || ip === 'negated') return 'deny';
  const host = matchHostname(hostname, list);
  if (host === 'negated') return 'deny';
  return host === 'none' && ip === 'none' ? 'deny' : 'allow';
}
