/**
 * Client side of user authentication (RFC 4252), sans-I/O. It consumes the payloads numbered
 * 50-79 that the transport delivers and returns the payloads to send. Credentials are tried in
 * the configured order, each only if the server lists its method as one that can continue.
 *
 * Where the application has to supply something the core cannot compute, the core asks with an
 * event and waits, never blocking:
 * - 'prompt': keyboard-interactive questions (RFC 4256) or a password change (RFC 4252 §8),
 *   answered by answerPrompt(id, responses);
 * - 'sign': a signature by a key whose private half lives elsewhere (ssh-agent, a token),
 *   answered by answerSignature(id, signatureBlob).
 */
import type { SigningKey } from '../algorithms/types.js';
import { DisconnectReason, SshError, protocolError } from '../errors.js';
import { decodeSignatureBlob } from '../keys/signature.js';
import { MSG } from '../messages/numbers.js';
import { Writer } from '../wire/writer.js';
import {
  decodeInfoRequest,
  encodeInfoResponse,
  encodeKbdIntMethodData,
  MAX_KBDINT_RESPONSE_BYTES,
  type KeyboardInteractivePrompt,
} from './keyboard-interactive.js';
import {
  publickeySignedData,
  UserauthBanner,
  UserauthFailure,
  UserauthPasswdChangeReq,
  UserauthPkOk,
  UserauthRequest,
} from './messages.js';

/**
 * A user key whose signatures the application produces itself, asynchronously (a key held by
 * ssh-agent, a hardware token): ClientAuth emits a 'sign' event instead of calling sign().
 */
export interface ExternalKey {
  readonly keyType: string;
  /** The public key blob (RFC 4253 §6.6). */
  readonly publicKey: Uint8Array;
  /** Signature algorithm names this key can produce, best first. */
  readonly algorithms: readonly string[];
  readonly sign?: undefined;
}

export type Credential =
  | { method: 'none' }
  | { method: 'password'; password: string }
  | { method: 'publickey'; key: SigningKey | ExternalKey }
  | { method: 'keyboard-interactive'; submethods?: string };

const utf8 = new TextEncoder();

type PublickeyCredential = Extract<Credential, { method: 'publickey' }>;

export interface ClientAuthConfig {
  user: string;
  /**
   * Credentials in the order to try them. The first request is "none", to learn the methods
   * that can continue, unless the first credential is a key held here that signs at once (see
   * queryLocalKeys): then that signed request goes first, and a failure lists the methods.
   */
  credentials: readonly Credential[];
  /** The service to start after authentication (default ssh-connection). */
  service?: string;
  /**
   * Ask "would this key do?" (RFC 4252 §7, SSH_MSG_USERAUTH_PK_OK) before signing with a key held
   * here. Default false: a key whose private half is in this process signs its first request
   * (the RFC allows it), which saves a round trip per login. Keys signed for elsewhere (agent,
   * token) are always queried first, as OpenSSH does, so that no signature (and no agent
   * confirmation) is asked for a key the server will not take. With it true, the first request
   * is also "none", as OpenSSH's.
   */
  queryLocalKeys?: boolean;
}

export interface ClientAuthContext {
  /** The transport's session identifier (signed by publickey authentication). */
  sessionId(): Uint8Array;
  /** The server's server-sig-algs (RFC 8308), if it sent one. */
  serverSigAlgs(): readonly string[] | undefined;
}

/** A question for the application, answered by answerPrompt(id, responses). */
export type PromptEvent =
  | {
      type: 'prompt';
      id: number;
      /** RFC 4256 §3.2: one SSH_MSG_USERAUTH_INFO_REQUEST; answer with one response per prompt. */
      kind: 'keyboard-interactive';
      /** Index of the credential in ClientAuthConfig.credentials. */
      credential: number;
      name: string;
      instruction: string;
      prompts: readonly KeyboardInteractivePrompt[];
    }
  | {
      type: 'prompt';
      id: number;
      /** RFC 4252 §8: the password expired; answer with [newPassword], or undefined to give up. */
      kind: 'password-change';
      credential: number;
      name: '';
      /** The server's prompt. */
      instruction: string;
      prompts: readonly [KeyboardInteractivePrompt];
    };

/** A signature for an ExternalKey, answered by answerSignature(id, signatureBlob). */
export interface SignEvent {
  type: 'sign';
  id: number;
  credential: number;
  key: ExternalKey;
  algorithm: string;
  /** The bytes to sign (RFC 4252 §7). */
  data: Uint8Array;
}

export type ClientAuthEvent =
  | { type: 'banner'; message: string }
  /** One attempt is going out (for verbose logs). */
  | { type: 'attempt'; method: string; detail: string }
  /** The server refused an attempt; `methods` can continue. */
  | { type: 'refused'; method: string; methods: readonly string[]; partialSuccess: boolean }
  /** A credential was given up without the server refusing it (no answer, no signature). */
  | { type: 'skipped'; method: string; detail: string }
  /** Text from a keyboard-interactive request without prompts (answered automatically). */
  | { type: 'instruction'; name: string; instruction: string }
  | PromptEvent
  | SignEvent
  | { type: 'success'; method: string }
  /** Every credential was tried or none fits: authentication failed. */
  | { type: 'exhausted'; methods: readonly string[] };

type State =
  | { kind: 'idle' }
  | { kind: 'waiting'; method: 'none' | 'password' | 'publickey-signed' | 'keyboard-interactive'; index: number; credential: Credential }
  | { kind: 'query'; index: number; credential: PublickeyCredential; algorithm: string }
  /** A 'sign' event is out. */
  | { kind: 'signing'; id: number; index: number; credential: PublickeyCredential; algorithm: string }
  /** A 'prompt' event is out. */
  | { kind: 'prompting'; id: number; index: number; credential: Credential; prompt: 'keyboard-interactive' | 'password-change'; count: number }
  | { kind: 'done' }
  | { kind: 'failed' };

export class ClientAuth {
  private state: State = { kind: 'idle' };
  private next = 0;
  private nextId = 1;
  private methods: readonly string[] = [];
  private readonly events: ClientAuthEvent[] = [];
  private readonly service: string;

  constructor(
    private readonly config: ClientAuthConfig,
    private readonly ctx: ClientAuthContext,
  ) {
    this.service = config.service ?? 'ssh-connection';
  }

  get authenticated(): boolean {
    return this.state.kind === 'done';
  }

  pollEvent(): ClientAuthEvent | undefined {
    return this.events.shift();
  }

  /**
   * The first request: "none" (RFC 4252 §5.2), which also tells us the methods that can continue.
   * A key held here that signs its first request skips it: "none" is optional (§5.2), the signed
   * request's failure lists the methods just as well, and a login takes one round trip less.
   */
  start(): Uint8Array[] {
    if (this.state.kind !== 'idle') throw new SshError('ERR_STATE', 'authentication already started');
    const first = this.config.credentials[0];
    if (first?.method === 'publickey' && typeof first.key.sign === 'function' && !this.config.queryLocalKeys) {
      const algorithm = this.pickAlgorithm(first.key);
      if (algorithm !== undefined) {
        this.next = 1;
        return this.signHere(0, first, algorithm);
      }
    }
    this.state = { kind: 'waiting', method: 'none', index: -1, credential: { method: 'none' } };
    this.events.push({ type: 'attempt', method: 'none', detail: '' });
    return [this.request('none', new Uint8Array(0))];
  }

  /** A payload numbered 50-79 from the server. Returns the payloads to send. */
  receive(payload: Uint8Array): Uint8Array[] {
    const type = payload[0]!;
    const s = this.state;
    if (s.kind === 'done' || s.kind === 'failed' || s.kind === 'idle') {
      throw protocolError(`unexpected user authentication message ${type}`);
    }
    switch (type) {
      case MSG.USERAUTH_BANNER:
        this.events.push({ type: 'banner', message: UserauthBanner.decode(payload).message });
        return [];
      case MSG.USERAUTH_SUCCESS:
        // Only an answer to a request that can succeed counts (never a PK_OK query, nor a
        // success while our answer to an INFO_REQUEST or our signature is still owed).
        if (s.kind !== 'waiting') throw protocolError('SSH_MSG_USERAUTH_SUCCESS without a pending authentication request');
        this.state = { kind: 'done' };
        this.events.push({ type: 'success', method: s.credential.method });
        return [];
      case MSG.USERAUTH_FAILURE: {
        const f = UserauthFailure.decode(payload);
        this.methods = f.methods;
        const method = s.kind === 'query' || s.kind === 'signing' ? 'publickey' : s.credential.method;
        if (s.kind !== 'waiting' || s.method !== 'none') {
          this.events.push({ type: 'refused', method, methods: f.methods, partialSuccess: f.partialSuccess });
        }
        // A prompt or signature still out is now stale: its answer will be ignored.
        return this.tryNext();
      }
      case 60:
        if (s.kind === 'query') return this.onPkOk(payload, s);
        if (s.kind === 'waiting' && s.method === 'password') return this.onPasswordChange(payload, s.index, s.credential);
        if (s.kind === 'waiting' && s.method === 'keyboard-interactive') return this.onInfoRequest(payload, s.index, s.credential);
        throw protocolError('unexpected user authentication message 60');
      default:
        throw protocolError(`unexpected user authentication message ${type}`);
    }
  }

  /**
   * The application's answer to a 'prompt' event: one response per prompt, or undefined to give
   * up this credential (the next one is tried). Returns the payloads to send. An answer to a
   * prompt that is no longer pending (the server moved on) is ignored.
   */
  answerPrompt(id: number, responses: readonly string[] | undefined): Uint8Array[] {
    this.checkId(id);
    const s = this.state;
    if (s.kind !== 'prompting' || s.id !== id) return [];
    if (responses !== undefined) {
      if (responses.length !== s.count) {
        throw new SshError('ERR_STATE', `prompt ${id} asked ${s.count} question(s), got ${responses.length} answer(s)`);
      }
      const long = responses.findIndex((r) => utf8.encode(r).length > MAX_KBDINT_RESPONSE_BYTES);
      if (long >= 0) throw new SshError('ERR_STATE', `response ${long + 1} is longer than ${MAX_KBDINT_RESPONSE_BYTES} bytes`);
    }
    if (s.prompt === 'keyboard-interactive') {
      if (responses === undefined) return this.skip('keyboard-interactive', 'no answer to the prompts');
      this.state = { kind: 'waiting', method: 'keyboard-interactive', index: s.index, credential: s.credential };
      return [encodeInfoResponse(responses)];
    }
    // password-change: RFC 4252 §8, boolean TRUE, string old password, string new password.
    const c = s.credential;
    if (c.method !== 'password') throw new SshError('ERR_STATE', 'password change for a credential that has no password');
    if (responses === undefined || responses[0] === undefined) {
      // As before password changes were supported: the expired password counts as refused.
      this.events.push({ type: 'refused', method: 'password', methods: this.methods, partialSuccess: false });
      return this.tryNext();
    }
    this.state = { kind: 'waiting', method: 'password', index: s.index, credential: c };
    this.events.push({ type: 'attempt', method: 'password', detail: 'password change' });
    return [this.request('password', new Writer().bool(true).utf8(c.password).utf8(responses[0]).finish())];
  }

  /**
   * The application's answer to a 'sign' event: the signature blob (string algorithm || string
   * signature), or undefined if the key could not sign (the next credential is tried). A blob
   * naming another algorithm than the one asked for (an old agent ignoring the RSA SHA-2 flags)
   * is not sent: the server would refuse it. Returns the payloads to send.
   */
  answerSignature(id: number, signature: Uint8Array | undefined): Uint8Array[] {
    this.checkId(id);
    const s = this.state;
    if (s.kind !== 'signing' || s.id !== id) return [];
    if (signature === undefined) return this.skip('publickey', `no ${s.algorithm} signature from the key's holder`);
    let algorithm: string;
    try {
      algorithm = decodeSignatureBlob(signature).algorithm;
    } catch {
      return this.skip('publickey', 'malformed signature blob');
    }
    if (algorithm !== s.algorithm) return this.skip('publickey', `asked for a ${s.algorithm} signature, got ${algorithm}`);
    return this.sendSigned(s.index, s.credential, s.algorithm, signature);
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 1 || id >= this.nextId) throw new SshError('ERR_STATE', `no prompt or signature request ${id}`);
  }

  private skip(method: string, detail: string): Uint8Array[] {
    this.events.push({ type: 'skipped', method, detail });
    return this.tryNext();
  }

  private tryNext(): Uint8Array[] {
    const creds = this.config.credentials;
    while (this.next < creds.length) {
      const index = this.next++;
      const c = creds[index]!;
      if (!this.methods.includes(c.method)) continue;
      if (c.method === 'password') {
        this.state = { kind: 'waiting', method: 'password', index, credential: c };
        this.events.push({ type: 'attempt', method: 'password', detail: '' });
        return [this.request('password', new Writer().bool(false).utf8(c.password).finish())];
      }
      if (c.method === 'publickey') {
        const algorithm = this.pickAlgorithm(c.key);
        if (!algorithm) continue;
        const key = c.key;
        if (typeof key.sign === 'function' && !this.config.queryLocalKeys) return this.signHere(index, c, algorithm);
        this.state = { kind: 'query', index, credential: c, algorithm };
        this.events.push({ type: 'attempt', method: 'publickey', detail: `${algorithm} key query` });
        return [this.request('publickey', new Writer().bool(false).utf8(algorithm).bytesString(c.key.publicKey).finish())];
      }
      if (c.method === 'keyboard-interactive') {
        // RFC 4256 §3.1: language tag (deprecated) and submethods, both usually empty.
        this.state = { kind: 'waiting', method: 'keyboard-interactive', index, credential: c };
        this.events.push({ type: 'attempt', method: 'keyboard-interactive', detail: c.submethods ?? '' });
        return [this.request('keyboard-interactive', encodeKbdIntMethodData(c.submethods ?? ''))];
      }
    }
    this.state = { kind: 'failed' };
    this.events.push({ type: 'exhausted', methods: this.methods });
    return [];
  }

  /** RSA keys sign with the best SHA-2 algorithm the server announced (RFC 8332 §3.3). */
  private pickAlgorithm(key: SigningKey | ExternalKey): string | undefined {
    const announced = this.ctx.serverSigAlgs();
    if (!announced) return key.algorithms[0];
    return key.algorithms.find((a) => announced.includes(a)) ?? (key.keyType === 'ssh-rsa' ? undefined : key.algorithms[0]);
  }

  private onPkOk(payload: Uint8Array, s: Extract<State, { kind: 'query' }>): Uint8Array[] {
    const ok = UserauthPkOk.decode(payload);
    const key = s.credential.key;
    if (ok.algorithm !== s.algorithm || !equal(ok.publicKey, key.publicKey)) {
      throw protocolError('SSH_MSG_USERAUTH_PK_OK for a key that was not offered');
    }
    const data = publickeySignedData(this.ctx.sessionId(), this.config.user, this.service, s.algorithm, key.publicKey);
    if (typeof key.sign !== 'function') {
      const id = this.nextId++;
      this.state = { kind: 'signing', id, index: s.index, credential: s.credential, algorithm: s.algorithm };
      this.events.push({ type: 'sign', id, credential: s.index, key, algorithm: s.algorithm, data });
      return [];
    }
    return this.sendSigned(s.index, s.credential, s.algorithm, key.sign(s.algorithm, data));
  }

  /** `detail`: "signature" after a PK_OK, "key with signature" for a first, unqueried request. */
  /** A key held here signs its request at once (no PK_OK query first; RFC 4252 §7 allows it). */
  private signHere(index: number, credential: PublickeyCredential, algorithm: string): Uint8Array[] {
    const key = credential.key as SigningKey;
    const data = publickeySignedData(this.ctx.sessionId(), this.config.user, this.service, algorithm, key.publicKey);
    return this.sendSigned(index, credential, algorithm, key.sign(algorithm, data), 'key with signature');
  }

  private sendSigned(index: number, credential: PublickeyCredential, algorithm: string, signature: Uint8Array, detail = 'signature'): Uint8Array[] {
    this.state = { kind: 'waiting', method: 'publickey-signed', index, credential };
    this.events.push({ type: 'attempt', method: 'publickey', detail: `${algorithm} ${detail}` });
    return [
      this.request(
        'publickey',
        new Writer().bool(true).utf8(algorithm).bytesString(credential.key.publicKey).bytesString(signature).finish(),
      ),
    ];
  }

  /** RFC 4252 §8: the password expired; ask the application for a new one. */
  private onPasswordChange(payload: Uint8Array, index: number, credential: Credential): Uint8Array[] {
    const req = UserauthPasswdChangeReq.decode(payload);
    const id = this.nextId++;
    this.state = { kind: 'prompting', id, index, credential, prompt: 'password-change', count: 1 };
    this.events.push({
      type: 'prompt',
      id,
      kind: 'password-change',
      credential: index,
      name: '',
      instruction: req.prompt,
      prompts: [{ prompt: 'New password: ', echo: false }],
    });
    return [];
  }

  /** RFC 4256 §3.2. A request without prompts is answered at once with no responses (§3.4). */
  private onInfoRequest(payload: Uint8Array, index: number, credential: Credential): Uint8Array[] {
    const req = decodeInfoRequest(payload);
    if (req.prompts.length === 0) {
      if (req.name || req.instruction) this.events.push({ type: 'instruction', name: req.name, instruction: req.instruction });
      return [encodeInfoResponse([])];
    }
    const id = this.nextId++;
    this.state = { kind: 'prompting', id, index, credential, prompt: 'keyboard-interactive', count: req.prompts.length };
    this.events.push({
      type: 'prompt',
      id,
      kind: 'keyboard-interactive',
      credential: index,
      name: req.name,
      instruction: req.instruction,
      prompts: req.prompts,
    });
    return [];
  }

  private request(method: string, methodData: Uint8Array): Uint8Array {
    return UserauthRequest.encode({ user: this.config.user, service: this.service, method, methodData });
  }
}

/** Authentication failed with every credential: the error the application sees. */
export function authFailedError(methods: readonly string[]): SshError {
  return new SshError('ERR_AUTH_FAILED', `Permission denied (${methods.join(',') || 'no methods'})`, {
    reason: DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE,
  });
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
