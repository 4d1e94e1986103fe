/**
 * One key exchange (initial or rekey), RFC 4253 §§7-8: the two KEXINITs, the negotiated
 * algorithms, the method's session, and the result up to both NEWKEYS. The transport owns the
 * packet streams; this object owns the exchange's state and computes H and the keys.
 */
import { createHash } from 'node:crypto';
import * as registry from '../algorithms/registry.js';
import type {
  KexAlgorithm,
  KexClientSession,
  KexServerSession,
  KexStep,
  PacketOpener,
  PacketSealer,
  SigningKey,
} from '../algorithms/types.js';
import { DisconnectReason, SshError, protocolError } from '../errors.js';
import { KexInit, type KexInitMessage } from '../messages/transport.js';
import { Writer } from '../wire/writer.js';
import { ZlibCompressor, ZlibDecompressor, isDelayedCompression } from './compression.js';
import type { ResolvedConfig } from './config.js';
import { deriveDirectionKeys } from './key-derivation.js';
import {
  EXT_INFO_C,
  EXT_INFO_S,
  KEX_STRICT_C,
  KEX_STRICT_S,
  negotiate,
  peerGuessWasWrong,
  type NegotiatedAlgorithms,
} from './negotiate.js';

export interface KexResult {
  hostKey: Uint8Array;
  hostKeyAlgorithm: string;
  exchangeHash: Uint8Array;
  sealer: PacketSealer;
  opener: PacketOpener;
  /** Compression for each direction: 'none', 'zlib' (at once) or 'zlib@openssh.com' (after auth). */
  outgoingCompression: string;
  incomingCompression: string;
}

export function createCompressor(name: string): ZlibCompressor | undefined {
  return name === 'none' ? undefined : new ZlibCompressor();
}
export function createDecompressor(name: string): ZlibDecompressor | undefined {
  return name === 'none' ? undefined : new ZlibDecompressor();
}
export { isDelayedCompression };

export class KexRun {
  readonly ourInit: Uint8Array;
  theirInit: Uint8Array | undefined;
  negotiated: NegotiatedAlgorithms | undefined;
  /** Both sides offered strict KEX in this (initial) exchange. */
  strict = false;
  /** The peer announced RFC 8308 support (ext-info-c / ext-info-s). */
  peerExtInfo = false;
  ignoreNextKexPacket = false;
  result: KexResult | undefined;
  sentNewKeys = false;
  receivedNewKeys = false;
  /** Who sent the first KEXINIT of this exchange. */
  initiatedBy: 'us' | 'peer' = 'us';
  /** Client: waiting for the application's host key decision. */
  hostKeyQuestion: number | undefined;
  private session: KexClientSession | KexServerSession | undefined;
  private method: KexAlgorithm | undefined;

  constructor(
    private readonly config: ResolvedConfig,
    readonly initial: boolean,
    /** V_C and V_S; read when H is computed, because our KEXINIT may go out before the peer's version arrives. */
    private readonly versions: () => { client: string; server: string },
    private readonly sessionId: Uint8Array | undefined,
  ) {
    this.ourInit = KexInit.encode(buildKexInit(config, initial));
  }

  get isClient(): boolean {
    return this.config.role === 'client';
  }

  /**
   * Handles the peer's KEXINIT. Returns the messages to send (the client's first method messages).
   * `seq` is the packet's sequence number, for the strict-KEX "KEXINIT first" rule.
   */
  receiveKexInit(payload: Uint8Array, seq: number, strictSoFar: boolean): Uint8Array[] {
    if (this.theirInit) throw protocolError('second SSH_MSG_KEXINIT during a key exchange');
    const theirs = KexInit.decode(payload);
    this.theirInit = payload;
    const ours = KexInit.decode(this.ourInit);
    const [client, server] = this.isClient ? [ours, theirs] : [theirs, ours];
    if (this.initial) {
      this.strict =
        this.config.strictKex && client.kexAlgorithms.includes(KEX_STRICT_C) && server.kexAlgorithms.includes(KEX_STRICT_S);
      this.peerExtInfo = this.isClient ? theirs.kexAlgorithms.includes(EXT_INFO_S) : theirs.kexAlgorithms.includes(EXT_INFO_C);
      // PROTOCOL §1.10: with strict KEX, KEXINIT must be the very first packet.
      if (this.strict && seq !== 0) {
        throw new SshError('ERR_STRICT_KEX', 'strict KEX violation: KEXINIT was not the first packet', {
          reason: DisconnectReason.PROTOCOL_ERROR,
        });
      }
    } else {
      this.strict = strictSoFar;
    }
    const chosen = negotiate(client, server, (c) => registry.getCipher(c)?.aead ?? false);
    this.negotiated = chosen;
    if (theirs.firstKexPacketFollows && peerGuessWasWrong(theirs, ours)) this.ignoreNextKexPacket = true;
    const method = registry.getKex(chosen.kex);
    if (!method) throw new SshError('ERR_KEX', `negotiated unknown key exchange ${chosen.kex}`);
    this.method = method;
    const common = {
      random: this.config.random,
      exchangeHash: (hostKey: Uint8Array, methodPart: Uint8Array, k: Uint8Array) => this.exchangeHash(hostKey, methodPart, k),
    };
    if (this.isClient) {
      const s = method.createClient(common);
      this.session = s;
      return s.start();
    }
    const key = this.pickHostKey(chosen.hostKey);
    this.session = method.createServer({
      ...common,
      hostKey: key.publicKey,
      sign: (h) => key.sign(chosen.hostKey, h),
    });
    return [];
  }

  /** A method-specific message (30-49). */
  receiveMethodMessage(payload: Uint8Array): KexStep {
    if (!this.session || this.result) throw protocolError(`unexpected key exchange message ${payload[0]}`);
    const step = this.session.receive(payload);
    if (step.kind === 'done') this.finish(step);
    return step;
  }

  private pickHostKey(algorithm: string): SigningKey {
    const key = this.config.hostKeys.find((k) => k.algorithms.includes(algorithm));
    if (!key) throw new SshError('ERR_KEX', `no host key for negotiated algorithm ${algorithm}`);
    return key;
  }

  /** RFC 4253 §8: H = HASH(V_C || V_S || I_C || I_S || K_S || method part || K). */
  private exchangeHash(hostKey: Uint8Array, methodPart: Uint8Array, k: Uint8Array): Uint8Array {
    const ours = this.ourInit;
    const theirs = this.theirInit!;
    const [iC, iS] = this.isClient ? [ours, theirs] : [theirs, ours];
    const v = this.versions();
    const prefix = new Writer(1024)
      .utf8(v.client)
      .utf8(v.server)
      .bytesString(iC)
      .bytesString(iS)
      .bytesString(hostKey)
      .finish();
    const h = createHash(this.method!.hash).update(prefix).update(methodPart).update(k).digest();
    return new Uint8Array(h.buffer, h.byteOffset, h.length);
  }

  private finish(step: Extract<KexStep, { kind: 'done' }>): void {
    const n = this.negotiated!;
    if (this.isClient) {
      const sig = registry.getSignature(n.hostKey);
      if (!sig || !sig.verify(step.hostKey, step.exchangeHash, step.signature)) {
        throw new SshError('ERR_KEX', `the server's ${n.hostKey} host key signature over the exchange hash is invalid`, {
          reason: DisconnectReason.KEY_EXCHANGE_FAILED,
        });
      }
    }
    const sessionId = this.sessionId ?? step.exchangeHash;
    const lengths = (cipher: string, mac: string | null) => {
      const c = registry.getCipher(cipher)!;
      const m = mac ? registry.getMac(mac) : undefined;
      return { ivLength: c.ivLength, keyLength: c.keyLength, macKeyLength: m?.keyLength ?? 0 };
    };
    const keys = deriveDirectionKeys(
      this.method!.hash,
      step.sharedSecret,
      step.exchangeHash,
      sessionId,
      lengths(n.cipherClientToServer, n.macClientToServer),
      lengths(n.cipherServerToClient, n.macServerToClient),
    );
    const c2s = { cipher: n.cipherClientToServer, mac: n.macClientToServer, keys: keys.clientToServer, comp: n.compressionClientToServer };
    const s2c = { cipher: n.cipherServerToClient, mac: n.macServerToClient, keys: keys.serverToClient, comp: n.compressionServerToClient };
    const [out, inc] = this.isClient ? [c2s, s2c] : [s2c, c2s];
    this.result = {
      hostKey: step.hostKey,
      hostKeyAlgorithm: n.hostKey,
      exchangeHash: step.exchangeHash,
      sealer: registry.createSealer(out.cipher, out.mac, out.keys),
      opener: registry.createOpener(inc.cipher, inc.mac, inc.keys),
      outgoingCompression: out.comp,
      incomingCompression: inc.comp,
    };
    for (const k of [keys.clientToServer, keys.serverToClient]) {
      k.key.fill(0);
      k.macKey.fill(0);
    }
  }
}

function buildKexInit(config: ResolvedConfig, initial: boolean): KexInitMessage {
  const a = config.algorithms;
  const kex = [...a.kex];
  // RFC 8308 §2.1 and PROTOCOL §1.10: indicators go in the first KEXINIT only.
  if (initial) {
    if (config.role === 'client') kex.push(EXT_INFO_C, ...(config.strictKex ? [KEX_STRICT_C] : []));
    else kex.push(EXT_INFO_S, ...(config.strictKex ? [KEX_STRICT_S] : []));
  }
  let hostKey = [...a.hostKey];
  if (config.role === 'server') {
    const have = new Set(config.hostKeys.flatMap((k) => k.algorithms));
    hostKey = hostKey.filter((h) => have.has(h));
  }
  return {
    cookie: config.random(16),
    kexAlgorithms: kex,
    serverHostKeyAlgorithms: hostKey,
    encryptionClientToServer: [...a.cipher],
    encryptionServerToClient: [...a.cipher],
    macClientToServer: [...a.mac],
    macServerToClient: [...a.mac],
    compressionClientToServer: [...a.compression],
    compressionServerToClient: [...a.compression],
    languagesClientToServer: [],
    languagesServerToClient: [],
    firstKexPacketFollows: false,
    reserved: 0,
  };
}
