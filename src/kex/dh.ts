/**
 * Diffie-Hellman over a fixed group (RFC 4253 §8, RFC 8268):
 * diffie-hellman-group14-sha256, -group16-sha512, -group18-sha512, and the legacy
 * diffie-hellman-group14-sha1 and diffie-hellman-group1-sha1.
 *
 *   C -> S  SSH_MSG_KEXDH_INIT  (30)  mpint e
 *   S -> C  SSH_MSG_KEXDH_REPLY (31)  string K_S, mpint f, string signature of H
 *
 * H = HASH(V_C || V_S || I_C || I_S || K_S || mpint e || mpint f || mpint K).
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
import { bytes, message } from '../messages/codec.js';
import { Writer } from '../wire/writer.js';
import { EMPTY, expectMessage, misuse, mpintMagnitude, unexpectedMessage, wipe } from './common.js';
import {
  DhKeyPair,
  exponentBits,
  modpGroup14,
  modpGroup16,
  modpGroup18,
  oakleyGroup2,
  type DhGroup,
} from './dh-groups.js';

export const MSG_KEXDH_INIT = 30;
export const MSG_KEXDH_REPLY = 31;

export const KexDhInit = message(MSG_KEXDH_INIT, 'SSH_MSG_KEXDH_INIT', { e: mpintMagnitude });
export const KexDhReply = message(MSG_KEXDH_REPLY, 'SSH_MSG_KEXDH_REPLY', {
  hostKey: bytes,
  f: mpintMagnitude,
  signature: bytes,
});

const HASH_BITS: Readonly<Record<HashName, number>> = { sha1: 160, sha256: 256, sha384: 384, sha512: 512 };

export function hashBits(hash: HashName): number {
  return HASH_BITS[hash];
}

/** mpint K, from the unsigned magnitude of the shared secret. Wipes the magnitude. */
export function encodeMpintSecret(secret: Uint8Array): Uint8Array {
  const k = new Writer(5 + secret.length).mpintMagnitude(secret).finish();
  wipe(secret);
  return k;
}

export function dhGroupKex(name: string, hash: HashName, group: () => DhGroup): KexAlgorithm {
  return {
    name,
    hash,
    createClient: (ctx) => new DhClientSession(name, hash, group(), ctx),
    createServer: (ctx) => new DhServerSession(name, hash, group(), ctx),
  };
}

type ClientState = { kind: 'new' } | { kind: 'awaitReply'; key: DhKeyPair } | { kind: 'done' };

class DhClientSession implements KexClientSession {
  private state: ClientState = { kind: 'new' };

  constructor(
    private readonly method: string,
    private readonly hash: HashName,
    private readonly group: DhGroup,
    private readonly ctx: KexContext,
  ) {}

  start(): Uint8Array[] {
    if (this.state.kind !== 'new') throw misuse(this.method, 'start() called twice');
    const key = DhKeyPair.generate(this.group, (n) => this.ctx.random(n), exponentBits(this.group, hashBits(this.hash)));
    this.state = { kind: 'awaitReply', key };
    return [KexDhInit.encode({ e: key.publicValue })];
  }

  receive(payload: Uint8Array): KexStep {
    const s = this.state;
    if (s.kind === 'new') throw misuse(this.method, 'receive() before start()');
    if (s.kind === 'done') throw unexpectedMessage(this.method, 'no further key exchange message', payload);
    expectMessage(this.method, payload, MSG_KEXDH_REPLY, KexDhReply.name);
    const reply = KexDhReply.decode(payload);
    this.state = { kind: 'done' };
    const sharedSecret = encodeMpintSecret(s.key.computeSharedSecret(reply.f, 'f'));
    const methodPart = new Writer().mpintMagnitude(s.key.publicValue).mpintMagnitude(reply.f).finish();
    return {
      kind: 'done',
      messages: [],
      hostKey: reply.hostKey,
      signature: reply.signature,
      sharedSecret,
      exchangeHash: this.ctx.exchangeHash(reply.hostKey, methodPart, sharedSecret),
    };
  }
}

class DhServerSession implements KexServerSession {
  private done = false;

  constructor(
    private readonly method: string,
    private readonly hash: HashName,
    private readonly group: DhGroup,
    private readonly ctx: KexServerContext,
  ) {}

  receive(payload: Uint8Array): KexStep {
    if (this.done) throw unexpectedMessage(this.method, 'no further key exchange message', payload);
    expectMessage(this.method, payload, MSG_KEXDH_INIT, KexDhInit.name);
    const { e } = KexDhInit.decode(payload);
    this.done = true;
    const key = DhKeyPair.generate(this.group, (n) => this.ctx.random(n), exponentBits(this.group, hashBits(this.hash)));
    const sharedSecret = encodeMpintSecret(key.computeSharedSecret(e, 'e'));
    const methodPart = new Writer().mpintMagnitude(e).mpintMagnitude(key.publicValue).finish();
    const hostKey = this.ctx.hostKey;
    const exchangeHash = this.ctx.exchangeHash(hostKey, methodPart, sharedSecret);
    const signature = this.ctx.sign(exchangeHash);
    return {
      kind: 'done',
      messages: [KexDhReply.encode({ hostKey, f: key.publicValue, signature })],
      hostKey,
      signature: EMPTY,
      sharedSecret,
      exchangeHash,
    };
  }
}

export const diffieHellmanGroup14Sha256: KexAlgorithm = dhGroupKex('diffie-hellman-group14-sha256', 'sha256', modpGroup14);
export const diffieHellmanGroup16Sha512: KexAlgorithm = dhGroupKex('diffie-hellman-group16-sha512', 'sha512', modpGroup16);
export const diffieHellmanGroup18Sha512: KexAlgorithm = dhGroupKex('diffie-hellman-group18-sha512', 'sha512', modpGroup18);
/** Legacy (RFC 8268 §3: SHOULD be phased out, SHA-1). Opt-in only. */
export const diffieHellmanGroup14Sha1: KexAlgorithm = dhGroupKex('diffie-hellman-group14-sha1', 'sha1', modpGroup14);
/** Legacy (RFC 9142: MUST NOT: 1024-bit group, SHA-1). Opt-in only. */
export const diffieHellmanGroup1Sha1: KexAlgorithm = dhGroupKex('diffie-hellman-group1-sha1', 'sha1', oakleyGroup2);
