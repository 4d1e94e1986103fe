/**
 * Diffie-Hellman group exchange (RFC 4419, sizes per RFC 8270):
 * diffie-hellman-group-exchange-sha256 and the legacy diffie-hellman-group-exchange-sha1.
 *
 *   C -> S  SSH_MSG_KEX_DH_GEX_REQUEST (34)  uint32 min, uint32 n, uint32 max
 *   S -> C  SSH_MSG_KEX_DH_GEX_GROUP   (31)  mpint p, mpint g
 *   C -> S  SSH_MSG_KEX_DH_GEX_INIT    (32)  mpint e
 *   S -> C  SSH_MSG_KEX_DH_GEX_REPLY   (33)  string K_S, mpint f, string signature of H
 *
 * H = HASH(V_C || V_S || I_C || I_S || K_S || uint32 min || uint32 n || uint32 max ||
 *          mpint p || mpint g || mpint e || mpint f || mpint K).
 *
 * SSH_MSG_KEX_DH_GEX_REQUEST_OLD (30) is not supported (OpenSSH dropped it as a server too).
 * The server only hands out the RFC 3526 safe primes; it never generates groups.
 */
import type {
  HashName,
  KexAlgorithm,
  KexClientSession,
  KexContext,
  KexServerContext,
  KexServerSession,
  KexStep,
} from '../algorithms/types.js';
import { bytes, message, u32 } from '../messages/codec.js';
import { Writer } from '../wire/writer.js';
import { EMPTY, expectMessage, kexError, misuse, mpintMagnitude, unexpectedMessage } from './common.js';
import { encodeMpintSecret, hashBits } from './dh.js';
import {
  bitLength,
  checkPublicValue,
  DhKeyPair,
  exponentBits,
  findKnownGroup,
  gexServerGroups,
  type DhGroup,
} from './dh-groups.js';

export const MSG_KEX_DH_GEX_REQUEST_OLD = 30;
export const MSG_KEX_DH_GEX_GROUP = 31;
export const MSG_KEX_DH_GEX_INIT = 32;
export const MSG_KEX_DH_GEX_REPLY = 33;
export const MSG_KEX_DH_GEX_REQUEST = 34;

export const KexDhGexRequest = message(MSG_KEX_DH_GEX_REQUEST, 'SSH_MSG_KEX_DH_GEX_REQUEST', {
  min: u32,
  n: u32,
  max: u32,
});
export const KexDhGexGroup = message(MSG_KEX_DH_GEX_GROUP, 'SSH_MSG_KEX_DH_GEX_GROUP', {
  p: mpintMagnitude,
  g: mpintMagnitude,
});
export const KexDhGexInit = message(MSG_KEX_DH_GEX_INIT, 'SSH_MSG_KEX_DH_GEX_INIT', { e: mpintMagnitude });
export const KexDhGexReply = message(MSG_KEX_DH_GEX_REPLY, 'SSH_MSG_KEX_DH_GEX_REPLY', {
  hostKey: bytes,
  f: mpintMagnitude,
  signature: bytes,
});

/** RFC 8270 §4: groups under 2048 bits are refused whatever the options say. */
export const GEX_ABSOLUTE_MIN_BITS = 2048;
/** RFC 4419 §3 / OpenSSH DH_GRP_MAX. */
export const GEX_MAX_BITS = 8192;

export interface GexSizes {
  /** Smallest group the client accepts (RFC 8270: at least 2048). */
  readonly min: number;
  /** Preferred size. */
  readonly preferred: number;
  /** Largest group the client accepts. */
  readonly max: number;
}

/**
 * OpenSSH's dh_estimate: the group size matching a symmetric strength (NIST SP 800-57), to pick
 * `preferred` from the negotiated cipher's key size.
 */
export function gexPreferredBits(securityBits: number): number {
  if (securityBits <= 112) return 2048;
  if (securityBits <= 128) return 3072;
  if (securityBits <= 192) return 7680;
  return 8192;
}

/** 2048 / 3072 / 8192: 128-bit strength preferred, as for aes128 and the curve25519 methods. */
export const DEFAULT_GEX_SIZES: GexSizes = { min: GEX_ABSOLUTE_MIN_BITS, preferred: 3072, max: GEX_MAX_BITS };

/**
 * The server's choice among `groups` (smallest first) for a request: the smallest group of at
 * least n bits inside [min, max], else the largest inside [min, max], else none.
 */
export function chooseGexGroup(groups: readonly DhGroup[], min: number, n: number, max: number): DhGroup | undefined {
  const inRange = groups.filter((g) => g.bits >= min && g.bits <= max);
  return inRange.find((g) => g.bits >= n) ?? inRange[inRange.length - 1];
}

export function dhGexKex(name: string, hash: HashName, sizes: GexSizes = DEFAULT_GEX_SIZES): KexAlgorithm {
  if (!(sizes.min <= sizes.preferred && sizes.preferred <= sizes.max)) {
    throw new RangeError(`group exchange sizes must satisfy min <= preferred <= max, got ${JSON.stringify(sizes)}`);
  }
  return {
    name,
    hash,
    createClient: (ctx) => new GexClientSession(name, hash, sizes, ctx),
    createServer: (ctx) => new GexServerSession(name, hash, ctx),
  };
}

function methodPart(
  req: { min: number; n: number; max: number },
  group: DhGroup,
  e: Uint8Array,
  f: Uint8Array,
): Uint8Array {
  return new Writer(32 + group.prime.length * 3)
    .u32(req.min)
    .u32(req.n)
    .u32(req.max)
    .mpintMagnitude(group.prime)
    .mpintMagnitude(group.generator)
    .mpintMagnitude(e)
    .mpintMagnitude(f)
    .finish();
}

type ClientState =
  | { kind: 'new' }
  | { kind: 'awaitGroup' }
  | { kind: 'awaitReply'; group: DhGroup; key: DhKeyPair }
  | { kind: 'done' };

class GexClientSession implements KexClientSession {
  private state: ClientState = { kind: 'new' };
  private readonly request: { min: number; n: number; max: number };

  constructor(
    private readonly method: string,
    private readonly hash: HashName,
    sizes: GexSizes,
    private readonly ctx: KexContext,
  ) {
    this.request = { min: sizes.min, n: sizes.preferred, max: sizes.max };
  }

  start(): Uint8Array[] {
    if (this.state.kind !== 'new') throw misuse(this.method, 'start() called twice');
    this.state = { kind: 'awaitGroup' };
    return [KexDhGexRequest.encode(this.request)];
  }

  receive(payload: Uint8Array): KexStep {
    const s = this.state;
    switch (s.kind) {
      case 'new':
        throw misuse(this.method, 'receive() before start()');
      case 'done':
        throw unexpectedMessage(this.method, 'no further key exchange message', payload);
      case 'awaitGroup': {
        expectMessage(this.method, payload, MSG_KEX_DH_GEX_GROUP, KexDhGexGroup.name);
        const { p, g } = KexDhGexGroup.decode(payload);
        const group = this.checkGroup(p, g);
        const key = DhKeyPair.generate(group, (n) => this.ctx.random(n), exponentBits(group, hashBits(this.hash)));
        this.state = { kind: 'awaitReply', group, key };
        return { kind: 'send', messages: [KexDhGexInit.encode({ e: key.publicValue })] };
      }
      case 'awaitReply': {
        expectMessage(this.method, payload, MSG_KEX_DH_GEX_REPLY, KexDhGexReply.name);
        const reply = KexDhGexReply.decode(payload);
        this.state = { kind: 'done' };
        const sharedSecret = encodeMpintSecret(s.key.computeSharedSecret(reply.f, 'f'));
        const part = methodPart(this.request, s.group, s.key.publicValue, reply.f);
        return {
          kind: 'done',
          messages: [],
          hostKey: reply.hostKey,
          signature: reply.signature,
          sharedSecret,
          exchangeHash: this.ctx.exchangeHash(reply.hostKey, part, sharedSecret),
        };
      }
    }
  }

  /** RFC 4419 §3 / RFC 8270: the group must lie inside what we asked for; g must be a proper element. */
  private checkGroup(p: Uint8Array, g: Uint8Array): DhGroup {
    const bits = bitLength(p);
    const { min, max } = this.request;
    if (bits < GEX_ABSOLUTE_MIN_BITS) {
      throw kexError(`server offered a ${bits}-bit Diffie-Hellman group; at least ${GEX_ABSOLUTE_MIN_BITS} bits are required (RFC 8270)`);
    }
    if (bits < min || bits > max) {
      throw kexError(`server offered a ${bits}-bit Diffie-Hellman group, outside the requested range ${min}..${max} bits`);
    }
    if ((p[p.length - 1]! & 1) === 0) throw kexError('server offered a Diffie-Hellman group whose modulus is even');
    try {
      checkPublicValue(g, p, 'e');
    } catch {
      throw kexError('server offered a Diffie-Hellman generator outside 1 < g < p-1');
    }
    return (
      findKnownGroup(p, g) ?? { label: `server-chosen ${bits}-bit group`, prime: p.slice(), generator: g.slice(), bits, opensslNamed: false }
    );
  }
}

type ServerState =
  | { kind: 'awaitRequest' }
  | { kind: 'awaitInit'; request: { min: number; n: number; max: number }; group: DhGroup }
  | { kind: 'done' };

class GexServerSession implements KexServerSession {
  private state: ServerState = { kind: 'awaitRequest' };

  constructor(
    private readonly method: string,
    private readonly hash: HashName,
    private readonly ctx: KexServerContext,
  ) {}

  receive(payload: Uint8Array): KexStep {
    const s = this.state;
    switch (s.kind) {
      case 'done':
        throw unexpectedMessage(this.method, 'no further key exchange message', payload);
      case 'awaitRequest': {
        expectMessage(this.method, payload, MSG_KEX_DH_GEX_REQUEST, KexDhGexRequest.name);
        const request = KexDhGexRequest.decode(payload);
        const { min, n, max } = request;
        if (!(min <= n && n <= max)) {
          throw kexError(`SSH_MSG_KEX_DH_GEX_REQUEST has inconsistent sizes: min ${min}, n ${n}, max ${max}`);
        }
        const group = chooseGexGroup(gexServerGroups(), min, n, max);
        if (group === undefined) {
          throw kexError(
            `no Diffie-Hellman group between ${min} and ${max} bits; this server offers 2048, 3072, 4096, 6144 and 8192`,
          );
        }
        this.state = { kind: 'awaitInit', request, group };
        return { kind: 'send', messages: [KexDhGexGroup.encode({ p: group.prime, g: group.generator })] };
      }
      case 'awaitInit': {
        expectMessage(this.method, payload, MSG_KEX_DH_GEX_INIT, KexDhGexInit.name);
        const { e } = KexDhGexInit.decode(payload);
        this.state = { kind: 'done' };
        checkPublicValue(e, s.group.prime, 'e');
        const key = DhKeyPair.generate(s.group, (n) => this.ctx.random(n), exponentBits(s.group, hashBits(this.hash)));
        const sharedSecret = encodeMpintSecret(key.computeSharedSecret(e, 'e'));
        const hostKey = this.ctx.hostKey;
        const exchangeHash = this.ctx.exchangeHash(hostKey, methodPart(s.request, s.group, e, key.publicValue), sharedSecret);
        const signature = this.ctx.sign(exchangeHash);
        return {
          kind: 'done',
          messages: [KexDhGexReply.encode({ hostKey, f: key.publicValue, signature })],
          hostKey,
          signature: EMPTY,
          sharedSecret,
          exchangeHash,
        };
      }
    }
  }
}

export const diffieHellmanGroupExchangeSha256: KexAlgorithm = dhGexKex('diffie-hellman-group-exchange-sha256', 'sha256');
/** Legacy (RFC 9142: SHOULD NOT, SHA-1). Opt-in only. */
export const diffieHellmanGroupExchangeSha1: KexAlgorithm = dhGexKex('diffie-hellman-group-exchange-sha1', 'sha1');
