/**
 * The two-message flow shared by every ephemeral-key method (OpenSSH calls it kexgen):
 *
 *   C -> S  byte 30  string Q_C            (SSH_MSG_KEX_ECDH_INIT, RFC 5656 §4; RFC 8731 §3;
 *                                           SSH_MSG_KEX_HYBRID_INIT in draft-ietf-sshm-mlkem-hybrid-kex)
 *   S -> C  byte 31  string K_S, string Q_S, string signature of H
 *
 * with H = HASH(V_C || V_S || I_C || I_S || K_S || string Q_C || string Q_S || K).
 * The methods differ only in what Q_C and Q_S are and how K is computed and encoded.
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
import { bytes, message, type MessageCodec } from '../messages/codec.js';
import { Writer } from '../wire/writer.js';
import { EMPTY, expectMessage, misuse, unexpectedMessage } from './common.js';

export const MSG_KEX_ECDH_INIT = 30;
export const MSG_KEX_ECDH_REPLY = 31;

export interface EphemeralInit {
  publicValue: Uint8Array;
}
export interface EphemeralReply {
  hostKey: Uint8Array;
  publicValue: Uint8Array;
  signature: Uint8Array;
}

/** The client's half: its public value, and how it turns the server's value into K. */
export interface EphemeralClientKey {
  readonly publicValue: Uint8Array;
  /** K, wire-encoded. Throws SshError('ERR_KEX') on a bad server value. Wipes the private key. */
  finish(serverPublicValue: Uint8Array): Uint8Array;
}

export interface EphemeralScheme {
  /** Message names, for error messages that match the spec the method comes from. */
  readonly initName: string;
  readonly replyName: string;
  client(random: (n: number) => Uint8Array): EphemeralClientKey;
  /** Validates Q_C, makes Q_S and K (wire-encoded). Throws SshError('ERR_KEX') on a bad client value. */
  server(random: (n: number) => Uint8Array, clientPublicValue: Uint8Array): { publicValue: Uint8Array; sharedSecret: Uint8Array };
}

function initCodec(name: string): MessageCodec<EphemeralInit> {
  return message(MSG_KEX_ECDH_INIT, name, { publicValue: bytes });
}
function replyCodec(name: string): MessageCodec<EphemeralReply> {
  return message(MSG_KEX_ECDH_REPLY, name, { hostKey: bytes, publicValue: bytes, signature: bytes });
}

/** string Q_C || string Q_S: this family's part of the exchange hash input. */
export function ephemeralMethodPart(clientValue: Uint8Array, serverValue: Uint8Array): Uint8Array {
  return new Writer(8 + clientValue.length + serverValue.length)
    .bytesString(clientValue)
    .bytesString(serverValue)
    .finish();
}

export function ephemeralKex(name: string, hash: HashName, scheme: EphemeralScheme): KexAlgorithm {
  const Init = initCodec(scheme.initName);
  const Reply = replyCodec(scheme.replyName);
  return {
    name,
    hash,
    createClient: (ctx) => new EphemeralClientSession(name, scheme, Init, Reply, ctx),
    createServer: (ctx) => new EphemeralServerSession(name, scheme, Init, Reply, ctx),
  };
}

type ClientState =
  | { kind: 'new' }
  | { kind: 'awaitReply'; key: EphemeralClientKey }
  | { kind: 'done' };

class EphemeralClientSession implements KexClientSession {
  private state: ClientState = { kind: 'new' };

  constructor(
    private readonly method: string,
    private readonly scheme: EphemeralScheme,
    private readonly Init: MessageCodec<EphemeralInit>,
    private readonly Reply: MessageCodec<EphemeralReply>,
    private readonly ctx: KexContext,
  ) {}

  start(): Uint8Array[] {
    if (this.state.kind !== 'new') throw misuse(this.method, 'start() called twice');
    const key = this.scheme.client((n) => this.ctx.random(n));
    this.state = { kind: 'awaitReply', key };
    return [this.Init.encode({ publicValue: key.publicValue })];
  }

  receive(payload: Uint8Array): KexStep {
    const s = this.state;
    if (s.kind === 'new') throw misuse(this.method, 'receive() before start()');
    if (s.kind === 'done') throw unexpectedMessage(this.method, 'no further key exchange message', payload);
    expectMessage(this.method, payload, MSG_KEX_ECDH_REPLY, this.Reply.name);
    const reply = this.Reply.decode(payload);
    this.state = { kind: 'done' };
    const sharedSecret = s.key.finish(reply.publicValue);
    const exchangeHash = this.ctx.exchangeHash(
      reply.hostKey,
      ephemeralMethodPart(s.key.publicValue, reply.publicValue),
      sharedSecret,
    );
    return {
      kind: 'done',
      messages: [],
      hostKey: reply.hostKey,
      signature: reply.signature,
      sharedSecret,
      exchangeHash,
    };
  }
}

class EphemeralServerSession implements KexServerSession {
  private done = false;

  constructor(
    private readonly method: string,
    private readonly scheme: EphemeralScheme,
    private readonly Init: MessageCodec<EphemeralInit>,
    private readonly Reply: MessageCodec<EphemeralReply>,
    private readonly ctx: KexServerContext,
  ) {}

  receive(payload: Uint8Array): KexStep {
    if (this.done) throw unexpectedMessage(this.method, 'no further key exchange message', payload);
    expectMessage(this.method, payload, MSG_KEX_ECDH_INIT, this.Init.name);
    const init = this.Init.decode(payload);
    this.done = true;
    const { publicValue, sharedSecret } = this.scheme.server((n) => this.ctx.random(n), init.publicValue);
    const hostKey = this.ctx.hostKey;
    const exchangeHash = this.ctx.exchangeHash(hostKey, ephemeralMethodPart(init.publicValue, publicValue), sharedSecret);
    const signature = this.ctx.sign(exchangeHash);
    return {
      kind: 'done',
      messages: [this.Reply.encode({ hostKey, publicValue, signature })],
      hostKey,
      signature: EMPTY,
      sharedSecret,
      exchangeHash,
    };
  }
}
