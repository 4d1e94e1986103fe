/**
 * Server side of user authentication (RFC 4252), sans-I/O. Each request becomes a question for
 * the application ('request' event); the core waits for answer(id, ...) and never blocks.
 * A publickey request is only shown as `verified: true` after its signature over the session
 * identifier checked out with that very key, so an offered-but-unproven key can never count as
 * authenticated (the class of Go's CVE-2024-45337).
 */
import { DisconnectReason, SshError, protocolError } from '../errors.js';
import { getSignatureAlgorithm, keyTypeForAlgorithm } from '../keys/registry.js';
import { publicKeyType } from '../keys/public-key.js';
import { MSG } from '../messages/numbers.js';
import { Reader } from '../wire/reader.js';
import { publickeySignedData, UserauthBanner, UserauthFailure, UserauthPkOk, UserauthRequest } from './messages.js';

export type ServerAuthRequest =
  | { id: number; user: string; method: 'none' }
  | { id: number; user: string; method: 'password'; password: string }
  | {
      id: number;
      user: string;
      method: 'publickey';
      /** The public key blob. */
      key: Uint8Array;
      keyType: string;
      algorithm: string;
      /** false: the client asks whether this key would do (answer accept -> PK_OK). true: signature verified. */
      verified: boolean;
    };

export type ServerAuthEvent =
  | { type: 'request'; request: ServerAuthRequest }
  /** Authentication finished; for publickey, `key` is the key whose signature was verified. */
  | { type: 'success'; user: string; method: string; key?: Uint8Array; algorithm?: string }
  | { type: 'failure'; user: string; method: string; attempts: number };

export interface ServerAuthConfig {
  /** Methods offered in SSH_MSG_USERAUTH_FAILURE, in order (default publickey, password). */
  methods?: readonly string[];
  /** Signature algorithms accepted for publickey (default: the safe ones). */
  signatureAlgorithms?: readonly string[];
  /** sshd's MaxAuthTries (default 6). */
  maxAuthTries?: number;
  /** Sent as SSH_MSG_USERAUTH_BANNER before the first answer. */
  banner?: string;
}

export type Decision = 'accept' | 'reject' | 'partial';

export class ServerAuth {
  private readonly out: Uint8Array[] = [];
  private readonly events: ServerAuthEvent[] = [];
  private readonly queued: Uint8Array[] = [];
  private pending: ServerAuthRequest | undefined;
  private nextId = 1;
  private failures = 0;
  private user: string | undefined;
  private bannerSent = false;
  private done = false;
  private methods: string[];
  private readonly maxAuthTries: number;

  constructor(
    private readonly config: ServerAuthConfig,
    private readonly sessionId: () => Uint8Array,
  ) {
    this.methods = [...(config.methods ?? ['publickey', 'password'])];
    this.maxAuthTries = config.maxAuthTries ?? 6;
  }

  get authenticated(): boolean {
    return this.done;
  }

  pollTransmit(): Uint8Array | undefined {
    return this.out.shift();
  }

  pollEvent(): ServerAuthEvent | undefined {
    return this.events.shift();
  }

  /** A payload numbered 50-79 from the client. Throws SshError for protocol violations. */
  receive(payload: Uint8Array): void {
    const type = payload[0]!;
    if (type !== MSG.USERAUTH_REQUEST) {
      // SUCCESS, FAILURE, PK_OK... come only from servers (the libssh CVE-2018-10933 class).
      throw protocolError(`a client may not send user authentication message ${type}`);
    }
    if (this.done) return; // RFC 4252 §5.1: requests after success are ignored
    // RFC 4252 §5: requests may be pipelined; each is answered before the next is looked at.
    if (this.pending) {
      if (this.queued.length >= 16) throw protocolError('too many pipelined authentication requests');
      this.queued.push(payload);
      return;
    }
    this.handle(payload);
  }

  /** The application's answer to a 'request' event. */
  answer(id: number, decision: Decision, options: { methods?: readonly string[] } = {}): void {
    const req = this.pending;
    if (!req || req.id !== id) throw new SshError('ERR_STATE', `no pending authentication request ${id}`);
    this.pending = undefined;
    if (options.methods) this.methods = [...options.methods];
    if (decision === 'accept' && req.method === 'publickey' && !req.verified) {
      this.out.push(UserauthPkOk.encode({ algorithm: req.algorithm, publicKey: req.key }));
    } else if (decision === 'accept') {
      this.done = true;
      this.queued.length = 0;
      this.out.push(Uint8Array.of(MSG.USERAUTH_SUCCESS));
      this.events.push(
        req.method === 'publickey'
          ? { type: 'success', user: req.user, method: req.method, key: req.key, algorithm: req.algorithm }
          : { type: 'success', user: req.user, method: req.method },
      );
      return;
    } else {
      this.fail(req.user, req.method, decision === 'partial');
    }
    this.drainQueue();
  }

  private drainQueue(): void {
    while (!this.pending && !this.done && this.queued.length > 0) this.handle(this.queued.shift()!);
  }

  private handle(payload: Uint8Array): void {
    const req = UserauthRequest.decode(payload);
    if (req.service !== 'ssh-connection') {
      throw new SshError('ERR_SERVICE', `authentication for unsupported service ${JSON.stringify(req.service)}`, {
        reason: DisconnectReason.SERVICE_NOT_AVAILABLE,
      });
    }
    // OpenSSH refuses a change of user name within one connection.
    if (this.user !== undefined && this.user !== req.user) throw protocolError('change of user name is not allowed');
    this.user = req.user;
    if (!this.bannerSent && this.config.banner) {
      this.bannerSent = true;
      this.out.push(UserauthBanner.encode({ message: this.config.banner, languageTag: '' }));
    }
    const id = this.nextId++;
    const r = new Reader(req.methodData);
    switch (req.method) {
      case 'none':
        r.done('none request');
        return this.ask({ id, user: req.user, method: 'none' });
      case 'password': {
        if (!this.methods.includes('password')) return this.fail(req.user, 'password', false);
        const change = r.bool();
        const password = r.utf8();
        if (change) r.utf8(); // new password: changing is not supported, the attempt is refused
        r.done('password request');
        if (change) return this.fail(req.user, 'password', false);
        return this.ask({ id, user: req.user, method: 'password', password });
      }
      case 'publickey':
        if (!this.methods.includes('publickey')) return this.fail(req.user, 'publickey', false);
        return this.publickey(id, req.user, r);
      default:
        return this.fail(req.user, req.method, false);
    }
  }

  private publickey(id: number, user: string, r: Reader): void {
    const hasSignature = r.bool();
    const algorithm = r.utf8();
    const key = r.bytesString();
    const signature = hasSignature ? r.bytesString() : undefined;
    r.done('publickey request');
    const allowed = this.config.signatureAlgorithms;
    const sig = getSignatureAlgorithm(algorithm);
    let keyType: string;
    try {
      keyType = publicKeyType(key);
    } catch {
      return this.fail(user, 'publickey', false);
    }
    // The key must be of the type the algorithm names, and the algorithm must be enabled.
    if (!sig || keyTypeForAlgorithm(algorithm) !== keyType || (allowed && !allowed.includes(algorithm))) {
      return this.fail(user, 'publickey', false);
    }
    if (signature) {
      const data = publickeySignedData(this.sessionId(), user, 'ssh-connection', algorithm, key);
      if (!sig.verify(key, data, signature)) return this.fail(user, 'publickey', false);
    }
    this.ask({ id, user, method: 'publickey', key, keyType, algorithm, verified: signature !== undefined });
  }

  private ask(request: ServerAuthRequest): void {
    this.pending = request;
    this.events.push({ type: 'request', request });
  }

  private fail(user: string, method: string, partial: boolean): void {
    // RFC 4252 §5.2: "none" is how clients learn the methods; OpenSSH does not count it.
    if (method !== 'none' && !partial) this.failures++;
    this.events.push({ type: 'failure', user, method, attempts: this.failures });
    if (this.failures >= this.maxAuthTries) {
      throw new SshError('ERR_AUTH_FAILED', `Too many authentication failures for ${user}`, {
        reason: DisconnectReason.PROTOCOL_ERROR,
      });
    }
    this.out.push(UserauthFailure.encode({ methods: this.methods, partialSuccess: partial }));
  }
}
