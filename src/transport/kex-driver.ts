/**
 * The key exchanges over a connection's life (RFC 4253 §§7-9): starts them, feeds them the
 * peer's messages, puts the new keys into effect on each packet stream at NEWKEYS, and decides
 * when the byte, packet and time limits call for a rekey. One exchange's own state is a KexRun.
 */
import { DisconnectReason, SshError, protocolError } from '../errors.js';
import { NewKeys } from '../messages/transport.js';
import type { CompressionSwitch } from './compression-switch.js';
import type { ResolvedConfig } from './config.js';
import type { TransportEvent } from './events.js';
import { KexRun } from './kex-run.js';
import type { NegotiatedAlgorithms } from './negotiate.js';
import type { PacketDecoder } from './packet-decoder.js';
import type { PacketEncoder } from './packet-encoder.js';

/** OpenSSH rekeys before a sequence number can wrap (MAX_PACKETS, 2^31). */
const REKEY_PACKETS = 2 ** 31;

/** What the key exchanges need from the transport. */
export interface KexHost {
  /** Sends a transport message (RFC 4253 §7.1 allows 1-49 during an exchange). */
  sendTransport(payload: Uint8Array): void;
  event(e: TransportEvent): void;
  /** The peer's identification line (known by the time an exchange needs it). */
  peerLine(): string;
  isAuthenticated(): boolean;
  /** Our NEWKEYS went out and the new keys are in effect: what waited for them may follow. */
  afterNewKeysSent(k: KexRun): void;
}

export class KexDriver {
  /** The exchange that runs, if any. */
  current: KexRun | undefined;
  /** When the last exchange finished (or the connection started), on the injected clock. */
  lastKexAt: number;
  private count = 0;
  private strictValue = false;
  private sessionIdValue: Uint8Array | undefined;
  private hostKeyValue: Uint8Array | undefined;
  private algorithmsValue: NegotiatedAlgorithms | undefined;
  private nextQuestion = 1;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly encoder: PacketEncoder,
    private readonly decoder: PacketDecoder,
    private readonly compression: CompressionSwitch,
    startedAt: number,
    private readonly host: KexHost,
  ) {
    this.lastKexAt = startedAt;
  }

  /** H of the first key exchange (RFC 4253 §7.2), once known. */
  get sessionId(): Uint8Array | undefined {
    return this.sessionIdValue;
  }
  get hostKey(): Uint8Array | undefined {
    return this.hostKeyValue;
  }
  get algorithms(): NegotiatedAlgorithms | undefined {
    return this.algorithmsValue;
  }
  get strict(): boolean {
    return this.strictValue;
  }
  /** An exchange runs and our NEWKEYS has not gone out: upper-layer payloads must wait. */
  get holdsPayloads(): boolean {
    return this.current !== undefined && !this.current.sentNewKeys;
  }
  /** Client: the application has not yet decided on the host key shown in a 'hostKey' event. */
  get awaitingHostKey(): boolean {
    return this.current?.hostKeyQuestion !== undefined;
  }

  start(): void {
    const versions = () =>
      this.config.role === 'client'
        ? { client: this.config.versionLine, server: this.host.peerLine() }
        : { client: this.host.peerLine(), server: this.config.versionLine };
    this.current = new KexRun(this.config, this.count === 0, versions, this.sessionIdValue);
    this.host.sendTransport(this.current.ourInit);
  }

  /** When the rekey interval runs out, if it applies now (after the first exchange, none running). */
  rekeyDeadline(): number | undefined {
    const interval = this.config.rekeyIntervalMs;
    if (this.sessionIdValue === undefined || !(interval > 0) || this.current !== undefined) return undefined;
    return this.lastKexAt + interval;
  }

  /** Starts a rekey once either direction reached the byte or packet limit (after authentication). */
  checkRekeyLimits(): void {
    if (this.current || this.sessionIdValue === undefined || !this.host.isAuthenticated()) return;
    const e = this.encoder;
    const d = this.decoder;
    const limit = this.config.rekeyBytes;
    if (e.bytesSinceKex >= limit || d.bytesSinceKex >= limit || e.packetsSinceKex >= REKEY_PACKETS || d.packetsSinceKex >= REKEY_PACKETS) {
      this.start();
    }
  }

  onKexInit(payload: Uint8Array, seq: number): void {
    if (!this.current) {
      this.start();
      this.current!.initiatedBy = 'peer';
    }
    const k = this.current!;
    if (k.theirInit) throw protocolError('SSH_MSG_KEXINIT received during a key exchange');
    const first = k.receiveKexInit(payload, seq, this.strictValue);
    for (const m of first) this.host.sendTransport(m);
  }

  /** A key exchange method message (30-49) within the peer's exchange. */
  onMethodMessage(payload: Uint8Array): void {
    const k = this.current!;
    if (k.ignoreNextKexPacket) {
      k.ignoreNextKexPacket = false; // RFC 4253 §7: the peer's wrong guess is silently ignored
      return;
    }
    const step = k.receiveMethodMessage(payload);
    for (const m of step.messages) this.host.sendTransport(m);
    if (step.kind === 'done') this.onKexComputed();
  }

  /** Clears the pending host key question if it is `id`; false if no such question is open. */
  takeHostKeyQuestion(id: number): boolean {
    const k = this.current;
    if (!k || k.hostKeyQuestion !== id) return false;
    k.hostKeyQuestion = undefined;
    return true;
  }

  /** The method finished: the client checks the host key; the server sends NEWKEYS. */
  private onKexComputed(): void {
    const k = this.current!;
    const r = k.result!;
    if (this.config.role === 'server') {
      this.sendNewKeys();
      return;
    }
    if (!k.initial) {
      // The host key may not change on a re-exchange (the application already trusted the first one).
      if (!equalBytes(r.hostKey, this.hostKeyValue!)) {
        throw new SshError('ERR_KEX', 'the server host key changed during key re-exchange', {
          reason: DisconnectReason.HOST_KEY_NOT_VERIFIABLE,
        });
      }
      this.sendNewKeys();
      return;
    }
    const id = this.nextQuestion++;
    k.hostKeyQuestion = id;
    this.host.event({ type: 'hostKey', id, hostKey: r.hostKey, algorithm: r.hostKeyAlgorithm });
  }

  sendNewKeys(): void {
    const k = this.current!;
    const r = k.result!;
    this.host.sendTransport(NewKeys.encode({}));
    k.sentNewKeys = true;
    this.encoder.setSealer(r.sealer);
    if (k.strict) this.encoder.seq = 0; // PROTOCOL §1.10: sequence numbers restart after NEWKEYS
    this.encoder.resetCounters();
    this.compression.apply('out', r.outgoingCompression, this.host.isAuthenticated());
    this.host.afterNewKeysSent(k);
    this.maybeFinishKex();
  }

  onNewKeys(payload: Uint8Array): void {
    NewKeys.decode(payload);
    const k = this.current;
    if (!k || !k.result || k.receivedNewKeys) throw protocolError('unexpected SSH_MSG_NEWKEYS');
    k.receivedNewKeys = true;
    this.decoder.setOpener(k.result.opener);
    if (k.strict) this.decoder.seq = 0;
    this.decoder.resetCounters();
    this.compression.apply('in', k.result.incomingCompression, this.host.isAuthenticated());
    this.maybeFinishKex();
  }

  private maybeFinishKex(): void {
    const k = this.current!;
    if (!k.sentNewKeys || !k.receivedNewKeys) return;
    const r = k.result!;
    this.current = undefined;
    this.count++;
    this.lastKexAt = this.config.now();
    if (k.initial) {
      this.sessionIdValue = r.exchangeHash;
      this.hostKeyValue = r.hostKey;
      this.strictValue = k.strict;
    }
    this.algorithmsValue = k.negotiated;
    this.host.event({
      type: 'kex',
      initial: k.initial,
      initiatedBy: k.initiatedBy,
      algorithms: k.negotiated!,
      strict: this.strictValue,
      sessionId: this.sessionIdValue!,
    });
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
