/**
 * The SSH transport layer (RFC 4253), sans-I/O: bytes in through receive(), bytes out through
 * pollTransmit(), events out through pollEvent(), time in through handleTimeout(). It never
 * touches a socket or a timer. Layers above hand it whole payloads (send) and get whole payloads
 * back ('payload' events); key exchanges and rekeys are invisible to them.
 */
import * as registry from '../algorithms/registry.js';
import { DisconnectReason, PeerDisconnectError, SshError, protocolError, type DisconnectReasonCode } from '../errors.js';
import { MSG } from '../messages/numbers.js';
import { Debug, Disconnect, ExtInfo, NewKeys, ServiceAccept, ServiceRequest, Unimplemented } from '../messages/transport.js';
import { concatBytes, encodeUtf8 } from '../wire/writer.js';
import {
  clampPacketLength,
  DEFAULTS,
  defaultRandom,
  type ResolvedConfig,
  type Role,
  type TransportConfig,
} from './config.js';
import type { TransportEvent } from './events.js';
import { createCompressor, createDecompressor, isDelayedCompression, KexRun } from './kex-run.js';
import type { NegotiatedAlgorithms } from './negotiate.js';
import { PacketDecoder } from './packet-decoder.js';
import { PacketEncoder } from './packet-encoder.js';
import { formatVersionLine, VersionReader, type PeerVersion } from './version.js';
import { WireQueue } from './wire-queue.js';

/** OpenSSH rekeys before a sequence number can wrap (MAX_PACKETS, 2^31). */
const REKEY_PACKETS = 2 ** 31;
/** While the client waits for a host key decision, at most this much peer input is buffered. */
const MAX_BUFFER_WHILE_PAUSED = 1024 * 1024;

function resolve(config: TransportConfig): ResolvedConfig {
  const algorithms = registry.resolvePreferences(config.algorithms ?? {}, config.allowInsecure ?? false);
  if (config.role === 'server' && (config.hostKeys?.length ?? 0) === 0) {
    throw new SshError('ERR_STATE', 'a server needs at least one host key');
  }
  return {
    role: config.role,
    versionLine: formatVersionLine(config.softwareVersion ?? DEFAULTS.softwareVersion),
    algorithms,
    hostKeys: config.hostKeys ?? [],
    random: config.random ?? defaultRandom,
    now: config.now ?? Date.now,
    rekeyBytes: config.rekeyBytes ?? DEFAULTS.rekeyBytes,
    rekeyIntervalMs: config.rekeyIntervalMs ?? DEFAULTS.rekeyIntervalMs,
    handshakeTimeoutMs: config.handshakeTimeoutMs ?? DEFAULTS.handshakeTimeoutMs,
    loginGraceTimeMs: config.role === 'server' ? (config.loginGraceTimeMs ?? DEFAULTS.loginGraceTimeMs) : 0,
    maxPacketLength: clampPacketLength(config.maxPacketLength),
    services: config.services ?? ['ssh-userauth'],
    serverSigAlgs: config.serverSigAlgs ?? registry.DEFAULT_SERVER_SIG_ALGS,
    strictKex: config.strictKex ?? true,
    maxQueuedBytes: config.maxQueuedBytes ?? DEFAULTS.maxQueuedBytes,
  };
}

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
  private kex: KexRun | undefined;
  private kexCount = 0;
  private strict = false;
  private sessionIdValue: Uint8Array | undefined;
  private hostKeyValue: Uint8Array | undefined;
  private algorithmsValue: NegotiatedAlgorithms | undefined;
  private closedValue = false;
  private authenticated = false;
  private rekeyAfterAuth = false;
  private pendingDelayedCompression: { out: string; in: string } | undefined;
  private serviceValue: string | undefined;
  private requestedService: string | undefined;
  private nextQuestion = 1;
  private readonly startedAt: number;
  private lastKexAt: number;
  private serverSigAlgsValue: string[] | undefined;

  constructor(config: TransportConfig) {
    this.config = resolve(config);
    this.role = config.role;
    this.versionReader = new VersionReader(this.role === 'client');
    this.encoder = new PacketEncoder(registry.plainSealer(), this.config.random);
    this.decoder = new PacketDecoder(registry.plainOpener(), this.config.maxPacketLength);
    this.startedAt = this.lastKexAt = this.config.now();
    this.emit(encodeUtf8(`${this.config.versionLine}\r\n`));
    // Our KEXINIT goes out at once, without waiting for the peer's version line (saves a round trip).
    this.startKex();
  }

  // ---- state the layers above may read -------------------------------------------------------

  get closed(): boolean {
    return this.closedValue;
  }
  /** H of the first key exchange (RFC 4253 §7.2), once known. */
  get sessionId(): Uint8Array | undefined {
    return this.sessionIdValue;
  }
  get peerVersion(): PeerVersion | undefined {
    return this.peer;
  }
  get ourVersion(): string {
    return this.config.versionLine;
  }
  get algorithms(): NegotiatedAlgorithms | undefined {
    return this.algorithmsValue;
  }
  get hostKey(): Uint8Array | undefined {
    return this.hostKeyValue;
  }
  get strictKex(): boolean {
    return this.strict;
  }
  /** Client: the server's `server-sig-algs` (RFC 8308 §3.1), if it sent one. */
  get serverSigAlgs(): readonly string[] | undefined {
    return this.serverSigAlgsValue;
  }
  get service(): string | undefined {
    return this.serviceValue;
  }
  /** True once the first key exchange finished and no exchange is holding back upper-layer payloads. */
  get writable(): boolean {
    return !this.closedValue && this.sessionIdValue !== undefined && (this.kex === undefined || this.kex.sentNewKeys);
  }
  get queuedPayloadBytes(): number {
    return this.queuedBytes;
  }

  // ---- sans-I/O interface --------------------------------------------------------------------

  /** Bytes from the peer. `owned`: the caller gives `data` away (PacketDecoder.push). */
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
    const c = this.config;
    const deadlines: number[] = [];
    if (this.sessionIdValue === undefined && c.handshakeTimeoutMs > 0) deadlines.push(this.startedAt + c.handshakeTimeoutMs);
    if (!this.authenticated && c.loginGraceTimeMs > 0) deadlines.push(this.startedAt + c.loginGraceTimeMs);
    if (this.sessionIdValue !== undefined && c.rekeyIntervalMs > 0 && this.kex === undefined) deadlines.push(this.lastKexAt + c.rekeyIntervalMs);
    return deadlines.length > 0 ? Math.min(...deadlines) : undefined;
  }

  handleTimeout(now: number): void {
    if (this.closedValue) return;
    const c = this.config;
    if (!this.authenticated && c.loginGraceTimeMs > 0 && now >= this.startedAt + c.loginGraceTimeMs) {
      this.fail(
        new SshError('ERR_TIMEOUT', `authentication did not complete within ${c.loginGraceTimeMs / 1000} s (LoginGraceTime)`, {
          reason: DisconnectReason.BY_APPLICATION,
        }),
      );
      return;
    }
    if (this.sessionIdValue === undefined) {
      if (c.handshakeTimeoutMs > 0 && now >= this.startedAt + c.handshakeTimeoutMs) {
        this.fail(new SshError('ERR_TIMEOUT', `key exchange did not complete within ${c.handshakeTimeoutMs} ms`, { reason: DisconnectReason.BY_APPLICATION }));
      }
      return;
    }
    if (c.rekeyIntervalMs > 0 && this.kex === undefined && now >= this.lastKexAt + c.rekeyIntervalMs) {
      this.lastKexAt = now; // checked again after the exchange (or after authentication, if deferred)
      this.rekey();
    }
  }

  /**
   * Client: the application's decision on the host key shown in a 'hostKey' event. A refusal may
   * carry the error to report (e.g. known_hosts' "REMOTE HOST IDENTIFICATION HAS CHANGED").
   */
  answerHostKey(id: number, accept: boolean, error?: SshError): void {
    const k = this.kex;
    if (this.closedValue || !k || k.hostKeyQuestion !== id) return;
    k.hostKeyQuestion = undefined;
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
      this.sendNewKeys();
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
    if (this.kex && !this.kex.sentNewKeys) {
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
    if (this.role !== 'client') throw new SshError('ERR_STATE', 'only a client requests services');
    if (this.requestedService) throw new SshError('ERR_STATE', 'a service was already requested');
    this.requestedService = name;
    // RFC 4253 §7.1: no SERVICE_REQUEST during a key exchange; it waits in the queue like a payload.
    this.send(ServiceRequest.encode({ serviceName: name }));
  }

  /**
   * Starts a key re-exchange (either side may, RFC 4253 §9). Ignored while one runs. Before user
   * authentication succeeded it is deferred until then: OpenSSH answers a KEXINIT during
   * authentication with UNIMPLEMENTED (server) or a fatal error (client), so nobody rekeys there.
   */
  rekey(): void {
    if (this.closedValue || this.kex || this.sessionIdValue === undefined) return;
    if (!this.authenticated) {
      this.rekeyAfterAuth = true;
      return;
    }
    this.startKex();
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
    this.checkRekeyLimits();
  }

  /** Transport messages bypass the key-exchange queue (RFC 4253 §7.1 allows 1-49 during an exchange). */
  private sendTransport(payload: Uint8Array): void {
    if (this.closedValue) return; // RFC 4253 §11.1: nothing after DISCONNECT
    this.emitPacket(payload, undefined);
  }

  private checkRekeyLimits(): void {
    if (this.kex || this.sessionIdValue === undefined || !this.authenticated) return;
    const e = this.encoder;
    const d = this.decoder;
    const limit = this.config.rekeyBytes;
    if (e.bytesSinceKex >= limit || d.bytesSinceKex >= limit || e.packetsSinceKex >= REKEY_PACKETS || d.packetsSinceKex >= REKEY_PACKETS) {
      this.startKex();
    }
  }

  private startKex(): void {
    const versions = () =>
      this.role === 'client'
        ? { client: this.config.versionLine, server: this.peer!.line }
        : { client: this.peer!.line, server: this.config.versionLine };
    this.kex = new KexRun(this.config, this.kexCount === 0, versions, this.sessionIdValue);
    this.sendTransport(this.kex.ourInit);
  }

  private processPackets(): void {
    for (;;) {
      if (this.closedValue) return;
      if (this.kex?.hostKeyQuestion !== undefined) {
        if (this.decoder.buffered > MAX_BUFFER_WHILE_PAUSED) {
          throw protocolError('the server sent too much data while its host key was being checked');
        }
        return;
      }
      const packet = this.decoder.next();
      if (!packet) return;
      this.dispatch(packet.payload, packet.seq);
      this.checkRekeyLimits();
    }
  }

  private strictViolation(type: number): SshError {
    return new SshError('ERR_STRICT_KEX', `strict KEX violation: unexpected message ${type} during the initial key exchange`, {
      reason: DisconnectReason.PROTOCOL_ERROR,
    });
  }

  private dispatch(payload: Uint8Array, seq: number): void {
    const type = payload[0]!;
    const k = this.kex;
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
        this.onKexInit(payload, seq);
        return;
      case MSG.NEWKEYS:
        this.onNewKeys(payload);
        return;
    }
    if (type >= MSG.KEX_FIRST && type <= MSG.KEX_LAST) {
      if (!inPeerKex) {
        if (this.sessionIdValue === undefined) throw protocolError(`key exchange message ${type} before SSH_MSG_KEXINIT`);
        this.unimplemented(seq);
        return;
      }
      if (k.ignoreNextKexPacket) {
        k.ignoreNextKexPacket = false; // RFC 4253 §7: the peer's wrong guess is silently ignored
        return;
      }
      const step = k.receiveMethodMessage(payload);
      for (const m of step.messages) this.sendTransport(m);
      if (step.kind === 'done') this.onKexComputed();
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
    if (this.sessionIdValue === undefined) {
      if (type >= 50 || (type >= 5 && type <= 7)) throw protocolError(`message ${type} before the key exchange finished`);
      this.unimplemented(seq);
      return;
    }
    switch (type) {
      case MSG.SERVICE_REQUEST:
        this.onServiceRequest(payload, seq);
        return;
      case MSG.SERVICE_ACCEPT:
        this.onServiceAccept(payload);
        return;
      case MSG.EXT_INFO:
        this.onExtInfo(payload);
        return;
    }
    if (type < 50) {
      this.unimplemented(seq);
      return;
    }
    // Upper-layer messages only once a service runs (RFC 4253 §10; guards against pre-auth confusion).
    if (this.serviceValue === undefined) throw protocolError(`message ${type} before a service was accepted`);
    if (type === MSG.USERAUTH_SUCCESS && this.role === 'client') this.onAuthenticated();
    this.events.push({ type: 'payload', payload, seq });
  }

  private unimplemented(seq: number): void {
    this.sendTransport(Unimplemented.encode({ sequenceNumber: seq }));
  }

  private onKexInit(payload: Uint8Array, seq: number): void {
    if (!this.kex) {
      this.startKex();
      this.kex!.initiatedBy = 'peer';
    }
    const k = this.kex!;
    if (k.theirInit) throw protocolError('SSH_MSG_KEXINIT received during a key exchange');
    const first = k.receiveKexInit(payload, seq, this.strict);
    for (const m of first) this.sendTransport(m);
  }

  /** The method finished: the client checks the host key; the server sends NEWKEYS. */
  private onKexComputed(): void {
    const k = this.kex!;
    const r = k.result!;
    if (this.role === 'server') {
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
    this.events.push({ type: 'hostKey', id, hostKey: r.hostKey, algorithm: r.hostKeyAlgorithm });
  }

  private sendNewKeys(): void {
    const k = this.kex!;
    const r = k.result!;
    this.sendTransport(NewKeys.encode({}));
    k.sentNewKeys = true;
    this.encoder.setSealer(r.sealer);
    if (k.strict) this.encoder.seq = 0; // PROTOCOL §1.10: sequence numbers restart after NEWKEYS
    this.encoder.resetCounters();
    this.applyCompression('out', r.outgoingCompression);
    if (k.initial && this.role === 'server' && k.peerExtInfo) this.sendExtInfo();
    // Release what the layers above sent during the exchange, in order.
    const q = this.queued.splice(0);
    this.queuedBytes = 0;
    for (const p of q) this.write(p);
    this.maybeFinishKex();
  }

  private onNewKeys(payload: Uint8Array): void {
    NewKeys.decode(payload);
    const k = this.kex;
    if (!k || !k.result || k.receivedNewKeys) throw protocolError('unexpected SSH_MSG_NEWKEYS');
    k.receivedNewKeys = true;
    this.decoder.setOpener(k.result.opener);
    if (k.strict) this.decoder.seq = 0;
    this.decoder.resetCounters();
    this.applyCompression('in', k.result.incomingCompression);
    this.maybeFinishKex();
  }

  private maybeFinishKex(): void {
    const k = this.kex!;
    if (!k.sentNewKeys || !k.receivedNewKeys) return;
    const r = k.result!;
    this.kex = undefined;
    this.kexCount++;
    this.lastKexAt = this.config.now();
    if (k.initial) {
      this.sessionIdValue = r.exchangeHash;
      this.hostKeyValue = r.hostKey;
      this.strict = k.strict;
    }
    this.algorithmsValue = k.negotiated;
    this.events.push({
      type: 'kex',
      initial: k.initial,
      initiatedBy: k.initiatedBy,
      algorithms: k.negotiated!,
      strict: this.strict,
      sessionId: this.sessionIdValue!,
    });
  }

  private applyCompression(dir: 'out' | 'in', name: string): void {
    const delayed = isDelayedCompression(name) && !this.authenticated;
    if (delayed) {
      this.pendingDelayedCompression ??= { out: 'none', in: 'none' };
      this.pendingDelayedCompression[dir] = name;
    }
    const active = name !== 'none' && !delayed;
    if (dir === 'out') {
      if (!active) this.encoder.setCompressor(undefined);
      else if (!this.encoder.compressing) this.encoder.setCompressor(createCompressor(name));
    } else {
      if (!active) this.decoder.setDecompressor(undefined);
      else if (!this.decoder.decompressing) this.decoder.setDecompressor(createDecompressor(name));
    }
  }

  /** zlib@openssh.com starts after USERAUTH_SUCCESS: sent (server) or received (client). */
  private onAuthenticated(): void {
    if (this.authenticated) return;
    this.authenticated = true;
    const p = this.pendingDelayedCompression;
    this.pendingDelayedCompression = undefined;
    if (p) {
      if (p.out !== 'none') this.encoder.setCompressor(createCompressor(p.out));
      if (p.in !== 'none') this.decoder.setDecompressor(createDecompressor(p.in));
    }
    if (this.rekeyAfterAuth) {
      this.rekeyAfterAuth = false;
      this.rekey();
    }
  }

  private sendExtInfo(): void {
    // RFC 8308 §3.1: server-sig-algs lists the signature algorithms accepted for publickey auth.
    const value = encodeUtf8(this.config.serverSigAlgs.join(','));
    this.sendTransport(ExtInfo.encode({ extensions: [{ name: 'server-sig-algs', value }] }));
  }

  private onExtInfo(payload: Uint8Array): void {
    const m = ExtInfo.decode(payload);
    const map = new Map<string, Uint8Array>();
    for (const e of m.extensions) map.set(e.name, e.value);
    const sigs = map.get('server-sig-algs');
    if (sigs && this.role === 'client') this.serverSigAlgsValue = new TextDecoder().decode(sigs).split(',').filter(Boolean);
    this.events.push({ type: 'extInfo', extensions: map });
  }

  private onServiceRequest(payload: Uint8Array, seq: number): void {
    if (this.role !== 'server') {
      this.unimplemented(seq);
      return;
    }
    const { serviceName } = ServiceRequest.decode(payload);
    if (this.serviceValue !== undefined) throw protocolError(`service request for ${serviceName} after ${this.serviceValue} started`);
    if (!this.config.services.includes(serviceName)) {
      throw new SshError('ERR_SERVICE', `service ${JSON.stringify(serviceName)} is not available`, {
        reason: DisconnectReason.SERVICE_NOT_AVAILABLE,
      });
    }
    this.serviceValue = serviceName;
    this.sendTransport(ServiceAccept.encode({ serviceName }));
    this.events.push({ type: 'service', name: serviceName });
  }

  private onServiceAccept(payload: Uint8Array): void {
    const { serviceName } = ServiceAccept.decode(payload);
    if (this.role !== 'client' || this.requestedService === undefined || this.serviceValue !== undefined) {
      throw protocolError('unexpected SSH_MSG_SERVICE_ACCEPT');
    }
    if (serviceName !== this.requestedService) {
      throw protocolError(`server accepted service ${serviceName}, but ${this.requestedService} was requested`);
    }
    this.serviceValue = serviceName;
    this.events.push({ type: 'service', name: serviceName });
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

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
