/**
 * Server side of user authentication (RFC 4252), sans-I/O. Each request becomes a question for
 * the application ('request' event); the core waits for answer(id, ...) and never blocks.
 * A publickey request is only shown as `verified: true` after its signature over the session
 * identifier checked out with that very key, so an offered-but-unproven key can never count as
 * authenticated (the class of Go's CVE-2024-45337).
 *
 * keyboard-interactive (RFC 4256) is a conversation: the application answers a request with a
 * challenge ({ prompts }), the client's INFO_RESPONSE becomes a new 'request' carrying
 * `responses`, and so on until the application accepts or rejects.
 */
import { DisconnectReason, SshError, protocolError } from '../errors.js';
import { getSignatureAlgorithm, keyTypeForAlgorithm } from '../keys/registry.js';
import { publicKeyType } from '../keys/public-key.js';
import { MSG } from '../messages/numbers.js';
import { Reader } from '../wire/reader.js';
import {
  challengeProblem,
  decodeInfoResponse,
  decodeKbdIntMethodData,
  encodeInfoRequest,
  MSG_USERAUTH_INFO_RESPONSE,
  type KeyboardInteractiveChallenge,
} from './keyboard-interactive.js';
import {
  publickeySignedData,
  UserauthBanner,
  UserauthFailure,
  UserauthPasswdChangeReq,
  UserauthPkOk,
  UserauthRequest,
} from './messages.js';

export type ServerAuthRequest =
  | { id: number; user: string; method: 'none' }
  | {
      id: number;
      user: string;
      method: 'password';
      password: string;
      /**
       * Set when the client asks to change its password (RFC 4252 §8): accept means the old
       * password was right and the new one is taken. Only passed on after the application asked
       * for a change ({ passwordChange }) or with `allowPasswordChange`; otherwise refused.
       */
      newPassword?: string;
    }
  | {
      id: number;
      user: string;
      method: 'keyboard-interactive';
      /** The client's hint (RFC 4256 §3.1), often empty. */
      submethods: string;
      /** Absent on the first request; then the challenge this request answers... */
      challenge?: KeyboardInteractiveChallenge;
      /** ...and the client's answers, one per prompt, in order. */
      responses?: readonly string[];
    }
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
  /** A refused request; for publickey, `key` is the key offered (when it could be read). */
  | { type: 'failure'; user: string; method: string; attempts: number; key?: Uint8Array };

export interface ServerAuthConfig {
  /** Methods offered in SSH_MSG_USERAUTH_FAILURE, in order (default publickey, password). */
  methods?: readonly string[];
  /** Signature algorithms accepted for publickey (default: the safe ones). */
  signatureAlgorithms?: readonly string[];
  /** sshd's MaxAuthTries (default 6). */
  maxAuthTries?: number;
  /** Sent as SSH_MSG_USERAUTH_BANNER before the first answer. */
  banner?: string;
  /** Pass unsolicited password change requests to the application (default false: refused). */
  allowPasswordChange?: boolean;
}

/**
 * The answer to a request: 'accept', 'reject', 'partial' (RFC 4252 §5.1 partial success), or:
 * - for keyboard-interactive, a challenge: its prompts go out in an INFO_REQUEST (zero prompts
 *   is allowed: the client answers with zero responses);
 * - for password, { passwordChange: prompt }: SSH_MSG_USERAUTH_PASSWD_CHANGEREQ (RFC 4252 §8).
 */
export type Decision = 'accept' | 'reject' | 'partial' | KeyboardInteractiveChallenge | { passwordChange: string };

export class ServerAuth {
  private readonly out: Uint8Array[] = [];
  private readonly events: ServerAuthEvent[] = [];
  private readonly queued: Uint8Array[] = [];
  private pending: ServerAuthRequest | undefined;
  /** An INFO_REQUEST is out and the client's INFO_RESPONSE is due. */
  private info: { user: string; submethods: string; challenge: KeyboardInteractiveChallenge } | undefined;
  private changeRequested = false;
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
    if (type === MSG_USERAUTH_INFO_RESPONSE) return this.infoResponse(payload);
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
    if (typeof decision === 'object') return this.answerWithMessage(req, decision, options);
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
      this.fail(req.user, req.method, decision === 'partial', req.method === 'publickey' ? req.key : undefined);
    }
    this.drainQueue();
  }

  /** A challenge (keyboard-interactive) or a password change request: the method goes on. */
  private answerWithMessage(
    req: ServerAuthRequest,
    decision: Exclude<Decision, string>,
    options: { methods?: readonly string[] },
  ): void {
    if ('passwordChange' in decision) {
      if (req.method !== 'password') throw new SshError('ERR_STATE', `a password change cannot answer a ${req.method} request`);
      this.changeRequested = true;
      this.pending = undefined;
      this.out.push(UserauthPasswdChangeReq.encode({ prompt: decision.passwordChange, languageTag: '' }));
    } else {
      if (req.method !== 'keyboard-interactive') throw new SshError('ERR_STATE', `prompts cannot answer a ${req.method} request`);
      const problem = challengeProblem(decision);
      if (problem) throw new SshError('ERR_STATE', `keyboard-interactive challenge: ${problem}`);
      const challenge: KeyboardInteractiveChallenge = {
        name: decision.name ?? '',
        instruction: decision.instruction ?? '',
        prompts: decision.prompts.map((p) => ({ prompt: p.prompt, echo: p.echo })),
      };
      this.pending = undefined;
      this.info = { user: req.user, submethods: req.submethods, challenge };
      this.out.push(encodeInfoRequest(challenge));
    }
    if (options.methods) this.methods = [...options.methods];
    this.drainQueue();
  }

  /** RFC 4256 §3.4: only valid while an INFO_REQUEST is unanswered. */
  private infoResponse(payload: Uint8Array): void {
    const info = this.info;
    if (!info || this.pending || this.done) {
      throw protocolError('SSH_MSG_USERAUTH_INFO_RESPONSE without a pending SSH_MSG_USERAUTH_INFO_REQUEST');
    }
    const responses = decodeInfoResponse(payload, info.challenge.prompts.length);
    this.info = undefined;
    this.ask({
      id: this.nextId++,
      user: info.user,
      method: 'keyboard-interactive',
      submethods: info.submethods,
      challenge: info.challenge,
      responses,
    });
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
    // RFC 4256 §3.4: a new request abandons a keyboard-interactive conversation. It counts as a
    // failed attempt, so a client cannot restart conversations for ever.
    if (this.info) {
      this.info = undefined;
      this.countFailure(req.user, 'keyboard-interactive');
    }
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
        const newPassword = change ? r.utf8() : undefined;
        r.done('password request');
        if (newPassword === undefined) return this.ask({ id, user: req.user, method: 'password', password });
        // RFC 4252 §8: changes are only passed on to an application that can handle them.
        if (!this.changeRequested && this.config.allowPasswordChange !== true) return this.fail(req.user, 'password', false);
        return this.ask({ id, user: req.user, method: 'password', password, newPassword });
      }
      case 'keyboard-interactive': {
        if (!this.methods.includes('keyboard-interactive')) return this.fail(req.user, 'keyboard-interactive', false);
        const { submethods } = decodeKbdIntMethodData(req.methodData);
        return this.ask({ id, user: req.user, method: 'keyboard-interactive', submethods });
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
      return this.fail(user, 'publickey', false, key);
    }
    if (signature) {
      const data = publickeySignedData(this.sessionId(), user, 'ssh-connection', algorithm, key);
      if (!sig.verify(key, data, signature)) return this.fail(user, 'publickey', false, key);
    }
    this.ask({ id, user, method: 'publickey', key, keyType, algorithm, verified: signature !== undefined });
  }

  private ask(request: ServerAuthRequest): void {
    this.pending = request;
    this.events.push({ type: 'request', request });
  }

  private fail(user: string, method: string, partial: boolean, key?: Uint8Array): void {
    // RFC 4252 §5.2: "none" is how clients learn the methods; OpenSSH does not count it.
    if (method !== 'none' && !partial) this.countFailure(user, method, key);
    else this.events.push({ type: 'failure', user, method, attempts: this.failures, ...(key ? { key } : {}) });
    this.out.push(UserauthFailure.encode({ methods: this.methods, partialSuccess: partial }));
  }

  private countFailure(user: string, method: string, key?: Uint8Array): void {
    this.failures++;
    this.events.push({ type: 'failure', user, method, attempts: this.failures, ...(key ? { key } : {}) });
    if (this.failures >= this.maxAuthTries) {
      throw new SshError('ERR_AUTH_FAILED', `Too many authentication failures for ${user}`, {
        reason: DisconnectReason.PROTOCOL_ERROR,
      });
    }
  }
}
