/**
 * The SSH transport layer (RFC 4253), sans-I/O: bytes in through receive(), bytes out through
 * pollTransmit(), events out through pollEvent(), time in through handleTimeout(). It never
 * touches a socket or a timer. Layers above hand it whole payloads (send) and get whole payloads
 * back ('payload' events); key exchanges and rekeys are invisible to them.
 */
import * as registry from '../algorithms/registry.js';
import { DisconnectReason, PeerDisconnectError, SshError, protocolError, type DisconnectReasonCode } from '../errors.js';
import { MSG } from '../messages/numbers.js';
import { Debug, Disconnect, Unimplemented } from '../messages/transport.js';
import { concatBytes, encodeUtf8 } from '../wire/writer.js';
import { CompressionSwitch } from './compression-switch.js';
import type { ResolvedConfig, Role, TransportConfig } from './config.js';
import type { TransportEvent } from './events.js';
import { KexDriver } from './kex-driver.js';
import type { KexRun } from './kex-run.js';
import type { NegotiatedAlgorithms } from './negotiate.js';
import { PacketDecoder } from './packet-decoder.js';
import { PacketEncoder } from './packet-encoder.js';
import { resolveConfig } from './resolve-config.js';
import { Services } from './services.js';
import { dueAt, nextDeadline, type TimeLimitState } from './time-limits.js';
import { VersionReader, type PeerVersion } from './version.js';
import { WireQueue } from './wire-queue.js';

/** While the client waits for a host key decision, at most this much peer input is buffered. */
const MAX_BUFFER_WHILE_PAUSED = 1024 * 1024;

export class Transport {
  readonly role: Role;
  private readonly config: ResolvedConfig;
  private readonly versionReader: VersionReader;
  private peer: PeerVersion | undefined;
  private readonly encoder: PacketEncoder;
  private readonly decoder: PacketDecoder;
  private readonly out = new WireQueue();
  /** Events for pollEvent; `eventHead` is the next one (the array is reset when drained). */
  private events: TransportEvent[] = [];
  private eventHead = 0;
  /** Payloads from upper layers held back while a key exchange runs (RFC 4253 §7.1). */
  private readonly queued: Uint8Array[] = [];
  private queuedBytes = 0;
  private readonly compression: CompressionSwitch;
  private readonly kx: KexDriver;
  private readonly services: Services;
  private closedValue = false;
  private authenticated = false;
  private rekeyAfterAuth = false;
  private readonly startedAt: number;

  constructor(config: TransportConfig) {
    this.config = resolveConfig(config);
    this.role = config.role;
    this.versionReader = new VersionReader(this.role === 'client');
    this.encoder = new PacketEncoder(registry.plainSealer(), this.config.random);
    this.decoder = new PacketDecoder(registry.plainOpener(), this.config.maxPacketLength);
    this.startedAt = this.config.now();
    this.compression = new CompressionSwitch(this.encoder, this.decoder);
    this.kx = new KexDriver(this.config, this.encoder, this.decoder, this.compression, this.startedAt, {
      sendTransport: (p) => this.sendTransport(p),
      event: (e) => this.events.push(e),
      peerLine: () => this.peer!.line,
      isAuthenticated: () => this.authenticated,
      afterNewKeysSent: (k) => this.afterNewKeysSent(k),
    });
    this.services = new Services(this.role, this.config, {
      sendTransport: (p) => this.sendTransport(p),
      unimplemented: (seq) => this.unimplemented(seq),
      event: (e) => this.events.push(e),
    });
    this.emit(encodeUtf8(`${this.config.versionLine}\r\n`));
    // Our KEXINIT goes out at once, without waiting for the peer's version line (saves a round trip).
    this.kx.start();
  }

  // ---- state the layers above may read -------------------------------------------------------

  get closed(): boolean {
    return this.closedValue;
  }
  /** H of the first key exchange (RFC 4253 §7.2), once known. */
  get sessionId(): Uint8Array | undefined {
    return this.kx.sessionId;
  }
  get peerVersion(): PeerVersion | undefined {
    return this.peer;
  }
  get ourVersion(): string {
    return this.config.versionLine;
  }
  get algorithms(): NegotiatedAlgorithms | undefined {
    return this.kx.algorithms;
  }
  get hostKey(): Uint8Array | undefined {
    return this.kx.hostKey;
  }
  get strictKex(): boolean {
    return this.kx.strict;
  }
  /** Client: the server's `server-sig-algs` (RFC 8308 §3.1), if it sent one. */
  get serverSigAlgs(): readonly string[] | undefined {
    return this.services.serverSigAlgs;
  }
  get service(): string | undefined {
    return this.services.current;
  }
  /** True once the first key exchange finished and no exchange is holding back upper-layer payloads. */
  get writable(): boolean {
    return !this.closedValue && this.kx.sessionId !== undefined && !this.kx.holdsPayloads;
  }
  get queuedPayloadBytes(): number {
    return this.queuedBytes;
  }

  // ---- sans-I/O interface --------------------------------------------------------------------

  /**
   * Bytes from the peer. `owned`: packets may be decrypted in place inside `data`
   * (PacketDecoder.push), which nobody else reads meanwhile. Once this returns, nothing here refers
   * to `data` any more except the payloads of SSH_MSG_CHANNEL_DATA and CHANNEL_EXTENDED_DATA
   * handed out in 'payload' events (every other payload is copied, and the start of a packet
   * split across reads is copied too), so the caller may reuse `data` once the consumers of
   * those channel data have finished with them.
   */
  receive(data: Uint8Array, owned = false): void {
    if (this.closedValue) return;
    try {
      let rest = data;
      if (!this.peer) {
        const used = this.versionReader.push(data);
        rest = data.subarray(used);
        const v = this.versionReader.version;
        if (!v) return;
        this.peer = v;
        this.events.push({ type: 'version', version: v, preamble: this.versionReader.preamble });
      }
      this.decoder.push(rest, owned);
      this.processPackets();
      if (owned) this.decoder.disown();
    } catch (e) {
      this.fail(e);
    }
  }

  /** The byte stream from the peer ended. */
  receiveEnd(): void {
    if (this.closedValue) return;
    this.close(new SshError('ERR_CONNECTION_LOST', 'the connection was closed by the peer without a disconnect message'));
  }

  /** The next packet's wire bytes (or the version line), or undefined. */
  pollTransmit(): Uint8Array | undefined {
    return this.out.poll();
  }

  /**
   * Hands all wire bytes ready now to `write`, in order and in pieces (a packet's length,
   * ciphertext and tag may come separately), so a socket can send them with one writev and
   * nothing is concatenated. Returns whether there were any. The pieces are the caller's.
   */
  transmitTo(write: (piece: Uint8Array) => void): boolean {
    return this.out.drainTo(write);
  }

  /**
   * The wire bytes handed out so far are no longer referenced by anyone (a socket has written
   * them all), so the memory they were sealed into may be reused (PacketSealer.recycle). Only a
   * caller that knows this may call it; nothing still queued here is affected.
   */
  releaseTransmitted(): void {
    if (this.out.isEmpty) this.encoder.recycle();
  }

  /**
   * Marks the wire bytes handed out so far (all of them: only when nothing is left to hand
   * out). The caller calls the returned function once the socket has written them all, even
   * if more were handed out since; their memory may then be reused (PacketSealer.mark).
   */
  markTransmitted(): (() => void) | undefined {
    return this.out.isEmpty ? this.encoder.markHandedOut() : undefined;
  }

  /** True when pollTransmit has bytes. */
  get hasTransmit(): boolean {
    return !this.out.isEmpty;
  }

  pollEvent(): TransportEvent | undefined {
    if (this.eventHead === this.events.length) return undefined;
    const e = this.events[this.eventHead]!;
    if (++this.eventHead === this.events.length) {
      this.events = [];
      this.eventHead = 0;
    }
    return e;
  }

  /** Absolute time (ms, on the injected clock) at which handleTimeout must run, if any. */
  pollTimeout(): number | undefined {
    if (this.closedValue) return undefined;
    return nextDeadline(this.config, this.timeLimitState());
  }

  handleTimeout(now: number): void {
    if (this.closedValue) return;
    const due = dueAt(this.config, this.timeLimitState(), now);
    if (due === 'rekey') {
      this.kx.lastKexAt = now; // checked again after the exchange (or after authentication, if deferred)
      this.rekey();
    } else if (due) {
      this.fail(due);
    }
  }

  /**
   * Client: the application's decision on the host key shown in a 'hostKey' event. A refusal may
   * carry the error to report (e.g. known_hosts' "REMOTE HOST IDENTIFICATION HAS CHANGED").
   */
  answerHostKey(id: number, accept: boolean, error?: SshError): void {
    if (this.closedValue || !this.kx.takeHostKeyQuestion(id)) return;
    if (!accept) {
      this.fail(
        error ??
          new SshError('ERR_HOST_KEY_REJECTED', 'the server host key was not accepted', {
            reason: DisconnectReason.HOST_KEY_NOT_VERIFIABLE,
          }),
      );
      return;
    }
    try {
      this.kx.sendNewKeys();
      this.processPackets();
    } catch (e) {
      this.fail(e);
    }
  }

  /**
   * Sends a payload from an upper layer (message number 50 and above). Queued during a key
   * exchange, including the first. With `tail`, the payload is `payload || tail`: channel data
   * goes by reference and is copied once, into the packet (it is not kept after this call).
   */
  send(payload: Uint8Array, tail?: Uint8Array): void {
    if (this.closedValue) throw new SshError('ERR_STATE', 'the connection is closed');
    if (this.kx.holdsPayloads) {
      const whole = tail === undefined ? payload : concatBytes(payload, tail);
      if (this.queuedBytes + whole.length > this.config.maxQueuedBytes) {
        throw new SshError('ERR_LIMIT', `more than ${this.config.maxQueuedBytes} bytes queued during key exchange`);
      }
      this.queued.push(whole);
      this.queuedBytes += whole.length;
      return;
    }
    this.write(payload, tail);
  }

  /** Client: asks for a service (RFC 4253 §10); a 'service' event follows when the server accepts. */
  requestService(name: string): void {
    if (this.closedValue) throw new SshError('ERR_STATE', 'the connection is closed');
    const request = this.services.request(name);
    // RFC 4253 §7.1: no SERVICE_REQUEST during a key exchange; it waits in the queue like a payload.
    this.send(request);
  }

  /**
   * Starts a key re-exchange (either side may, RFC 4253 §9). Ignored while one runs. Before user
   * authentication succeeded it is deferred until then: OpenSSH answers a KEXINIT during
   * authentication with UNIMPLEMENTED (server) or a fatal error (client), so nobody rekeys there.
   */
  rekey(): void {
    if (this.closedValue || this.kx.current || this.kx.sessionId === undefined) return;
    if (!this.authenticated) {
      this.rekeyAfterAuth = true;
      return;
    }
    this.kx.start();
  }

  /**
   * Ends the connection because of `error` (from a layer above): sends DISCONNECT with its reason
   * (PROTOCOL_ERROR if it has none) and closes with it in the 'closed' event.
   */
  abort(error: SshError): void {
    if (this.closedValue) return;
    this.fail(error.disconnectReason === undefined ? new SshError(error.code, error.message, { reason: DisconnectReason.PROTOCOL_ERROR, cause: error }) : error);
  }

  /** Sends SSH_MSG_DISCONNECT and closes (the 'closed' event carries no error). */
  disconnect(reason: DisconnectReasonCode = DisconnectReason.BY_APPLICATION, description = 'closed by application'): void {
    if (this.closedValue) return;
    this.sendDisconnect(reason, description);
    this.close(undefined);
  }

  /** RFC 4253 §11.4: tells the peer that the packet with this sequence number was not understood. */
  sendUnimplemented(seq: number): void {
    if (this.closedValue) return;
    this.unimplemented(seq);
  }

  sendIgnore(data: Uint8Array = new Uint8Array(0)): void {
    if (this.closedValue) throw new SshError('ERR_STATE', 'the connection is closed');
    const p = new Uint8Array(5 + data.length);
    p[0] = MSG.IGNORE;
    new DataView(p.buffer).setUint32(1, data.length);
    p.set(data, 5);
    this.sendTransport(p);
  }

  // ---- internals ---------------------------------------------------------------------------

  private timeLimitState(): TimeLimitState {
    return { startedAt: this.startedAt, keyed: this.kx.sessionId !== undefined, authenticated: this.authenticated, rekeyAt: this.kx.rekeyDeadline() };
  }

  /** Queues raw bytes (a text line) for the wire. */
  private emit(bytes: Uint8Array): void {
    this.out.push(bytes);
    this.out.endPacket();
  }

  private emitPacket(payload: Uint8Array, tail: Uint8Array | undefined): void {
    this.encoder.encodeTo(payload, tail, this.out);
    this.out.endPacket();
  }

  private write(payload: Uint8Array, tail?: Uint8Array): void {
    this.emitPacket(payload, tail);
    if (payload[0] === MSG.USERAUTH_SUCCESS && this.role === 'server') this.onAuthenticated();
    this.kx.checkRekeyLimits();
  }

  /** Transport messages bypass the key-exchange queue (RFC 4253 §7.1 allows 1-49 during an exchange). */
  private sendTransport(payload: Uint8Array): void {
    if (this.closedValue) return; // RFC 4253 §11.1: nothing after DISCONNECT
    this.emitPacket(payload, undefined);
  }

  private processPackets(): void {
    for (;;) {
      if (this.closedValue) return;
      if (this.kx.awaitingHostKey) {
        if (this.decoder.buffered > MAX_BUFFER_WHILE_PAUSED) {
          throw protocolError('the server sent too much data while its host key was being checked');
        }
        return;
      }
      const packet = this.decoder.next();
      if (!packet) return;
      const p = packet.payload;
      // Only channel data may stay a view of the caller's chunk (see receive); anything else may
      // be kept (a KEXINIT for the exchange hash, a request awaiting the application's answer).
      const keep = packet.borrowed && p[0] !== MSG.CHANNEL_DATA && p[0] !== MSG.CHANNEL_EXTENDED_DATA;
      this.dispatch(keep ? p.slice() : p, packet.seq);
      this.kx.checkRekeyLimits();
    }
  }

  private strictViolation(type: number): SshError {
    return new SshError('ERR_STRICT_KEX', `strict KEX violation: unexpected message ${type} during the initial key exchange`, {
      reason: DisconnectReason.PROTOCOL_ERROR,
    });
  }

  private dispatch(payload: Uint8Array, seq: number): void {
    const type = payload[0]!;
    const k = this.kx.current;
    // Between the peer's KEXINIT and its NEWKEYS only transport messages may come (RFC 4253 §7.1).
    const inPeerKex = k !== undefined && k.theirInit !== undefined && !k.receivedNewKeys;
    const strictInitial = inPeerKex && k.strict && k.initial;
    if (type === MSG.DISCONNECT) {
      const d = Disconnect.decode(payload);
      this.close(new PeerDisconnectError(d.reasonCode, d.description));
      return;
    }
    if (strictInitial && type !== MSG.KEXINIT && type !== MSG.NEWKEYS && !(type >= MSG.KEX_FIRST && type <= MSG.KEX_LAST)) {
      throw this.strictViolation(type);
    }
    switch (type) {
      case MSG.IGNORE:
        return;
      case MSG.UNIMPLEMENTED:
        this.events.push({ type: 'unimplemented', sequenceNumber: Unimplemented.decode(payload).sequenceNumber });
        return;
      case MSG.DEBUG: {
        const d = Debug.decode(payload);
        this.events.push({ type: 'debug', message: d.message, alwaysDisplay: d.alwaysDisplay });
        return;
      }
      case MSG.KEXINIT:
        this.kx.onKexInit(payload, seq);
        return;
      case MSG.NEWKEYS:
        this.kx.onNewKeys(payload);
        return;
    }
    if (type >= MSG.KEX_FIRST && type <= MSG.KEX_LAST) {
      if (!inPeerKex) {
        if (this.kx.sessionId === undefined) throw protocolError(`key exchange message ${type} before SSH_MSG_KEXINIT`);
        this.unimplemented(seq);
        return;
      }
      this.kx.onMethodMessage(payload);
      return;
    }
    if (inPeerKex) {
      // RFC 4253 §7.1: during an exchange only messages 1-49 may come, and not the service ones;
      // unassigned numbers among them are answered with UNIMPLEMENTED (§11.4).
      if (type >= 50 || (type >= MSG.SERVICE_REQUEST && type <= MSG.EXT_INFO)) {
        throw protocolError(`message ${type} is not allowed during key exchange`);
      }
      this.unimplemented(seq);
      return;
    }
    if (this.kx.sessionId === undefined) {
      if (type >= 50 || (type >= 5 && type <= 7)) throw protocolError(`message ${type} before the key exchange finished`);
      this.unimplemented(seq);
      return;
    }
    switch (type) {
      case MSG.SERVICE_REQUEST:
        this.services.onServiceRequest(payload, seq);
        return;
      case MSG.SERVICE_ACCEPT:
        this.services.onServiceAccept(payload);
        return;
      case MSG.EXT_INFO:
        this.services.onExtInfo(payload);
        return;
    }
    if (type < 50) {
      this.unimplemented(seq);
      return;
    }
    // Upper-layer messages only once a service runs (RFC 4253 §10; guards against pre-auth confusion).
    if (this.services.current === undefined) throw protocolError(`message ${type} before a service was accepted`);
    if (type === MSG.USERAUTH_SUCCESS && this.role === 'client') this.onAuthenticated();
    this.events.push({ type: 'payload', payload, seq });
  }

  private unimplemented(seq: number): void {
    this.sendTransport(Unimplemented.encode({ sequenceNumber: seq }));
  }

  /** Our NEWKEYS went out (KexDriver.sendNewKeys): EXT_INFO, then what the layers above sent meanwhile. */
  private afterNewKeysSent(k: KexRun): void {
    if (k.initial && this.role === 'server' && k.peerExtInfo) this.services.sendExtInfo();
    // Release what the layers above sent during the exchange, in order.
    const q = this.queued.splice(0);
    this.queuedBytes = 0;
    for (const p of q) this.write(p);
  }

  /** zlib@openssh.com starts after USERAUTH_SUCCESS: sent (server) or received (client). */
  private onAuthenticated(): void {
    if (this.authenticated) return;
    this.authenticated = true;
    this.compression.startDelayed();
    if (this.rekeyAfterAuth) {
      this.rekeyAfterAuth = false;
      this.rekey();
    }
  }

  private sendDisconnect(reason: number, description: string): void {
    try {
      this.emitPacket(Disconnect.encode({ reasonCode: reason, description, languageTag: '' }), undefined);
    } catch {
      // Nothing more can be said to the peer; the connection closes anyway.
    }
  }

  private fail(e: unknown): void {
    if (this.closedValue) return;
    const err =
      e instanceof SshError
        ? e
        : new SshError('ERR_PROTOCOL', `internal error: ${(e as Error)?.message ?? String(e)}`, {
            reason: DisconnectReason.PROTOCOL_ERROR,
            cause: e,
          });
    // A peer that failed the version exchange may not speak SSH-2 packets: tell it in text, as OpenSSH does.
    if (err.code === 'ERR_VERSION') this.emit(encodeUtf8(`Invalid SSH identification string.\r\n`));
    else if (err.disconnectReason !== undefined) this.sendDisconnect(err.disconnectReason, err.message);
    this.close(err);
  }

  private close(error: SshError | undefined): void {
    if (this.closedValue) return;
    this.closedValue = true;
    this.queued.length = 0;
    this.queuedBytes = 0;
    this.events.push(error ? { type: 'closed', error } : { type: 'closed' });
  }
}
