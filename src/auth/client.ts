/**
 * Client side of user authentication (RFC 4252), sans-I/O. It consumes the payloads numbered
 * 50-79 that the transport delivers and returns the payloads to send. Credentials are tried in
 * the configured order, each only if the server lists its method as one that can continue.
 */
import type { SigningKey } from '../algorithms/types.js';
import { DisconnectReason, SshError, protocolError } from '../errors.js';
import { MSG } from '../messages/numbers.js';
import { Writer } from '../wire/writer.js';
import {
  publickeySignedData,
  UserauthBanner,
  UserauthFailure,
  UserauthPasswdChangeReq,
  UserauthPkOk,
  UserauthRequest,
} from './messages.js';

export type Credential =
  | { method: 'none' }
  | { method: 'password'; password: string }
  | { method: 'publickey'; key: SigningKey };

export interface ClientAuthConfig {
  user: string;
  /** Credentials in the order to try them. A first "none" request is always sent to learn the methods. */
  credentials: readonly Credential[];
  /** The service to start after authentication (default ssh-connection). */
  service?: string;
}

export interface ClientAuthContext {
  /** The transport's session identifier (signed by publickey authentication). */
  sessionId(): Uint8Array;
  /** The server's server-sig-algs (RFC 8308), if it sent one. */
  serverSigAlgs(): readonly string[] | undefined;
}

export type ClientAuthEvent =
  | { type: 'banner'; message: string }
  /** One attempt is going out (for verbose logs). */
  | { type: 'attempt'; method: string; detail: string }
  /** The server refused an attempt; `methods` can continue. */
  | { type: 'refused'; method: string; methods: readonly string[]; partialSuccess: boolean }
  | { type: 'success'; method: string }
  /** Every credential was tried or none fits: authentication failed. */
  | { type: 'exhausted'; methods: readonly string[] };

type State =
  | { kind: 'idle' }
  | { kind: 'waiting'; method: 'none' | 'password' | 'publickey-signed'; credential: Credential }
  | { kind: 'query'; credential: Extract<Credential, { method: 'publickey' }>; algorithm: string }
  | { kind: 'done' }
  | { kind: 'failed' };

export class ClientAuth {
  private state: State = { kind: 'idle' };
  private next = 0;
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

  /** The first request ("none", RFC 4252 §5.2), which also tells us the methods that can continue. */
  start(): Uint8Array[] {
    if (this.state.kind !== 'idle') throw new SshError('ERR_STATE', 'authentication already started');
    this.state = { kind: 'waiting', method: 'none', credential: { method: 'none' } };
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
        // Only an answer to a request that can succeed counts (never a PK_OK query).
        if (s.kind !== 'waiting') throw protocolError('SSH_MSG_USERAUTH_SUCCESS without a pending authentication request');
        this.state = { kind: 'done' };
        this.events.push({ type: 'success', method: s.credential.method });
        return [];
      case MSG.USERAUTH_FAILURE: {
        const f = UserauthFailure.decode(payload);
        this.methods = f.methods;
        const method = s.kind === 'query' ? 'publickey' : s.credential.method;
        if (s.kind !== 'waiting' || s.method !== 'none') {
          this.events.push({ type: 'refused', method, methods: f.methods, partialSuccess: f.partialSuccess });
        }
        return this.tryNext();
      }
      case 60:
        if (s.kind === 'query') return this.onPkOk(payload, s);
        if (s.kind === 'waiting' && s.method === 'password') {
          // RFC 4252 §8: the password expired. Changing it is not supported; treat as refused.
          UserauthPasswdChangeReq.decode(payload);
          this.events.push({ type: 'refused', method: 'password', methods: this.methods, partialSuccess: false });
          return this.tryNext();
        }
        throw protocolError('unexpected user authentication message 60');
      default:
        throw protocolError(`unexpected user authentication message ${type}`);
    }
  }

  private tryNext(): Uint8Array[] {
    const creds = this.config.credentials;
    while (this.next < creds.length) {
      const c = creds[this.next++]!;
      if (!this.methods.includes(c.method)) continue;
      if (c.method === 'password') {
        this.state = { kind: 'waiting', method: 'password', credential: c };
        this.events.push({ type: 'attempt', method: 'password', detail: '' });
        return [this.request('password', new Writer().bool(false).utf8(c.password).finish())];
      }
      if (c.method === 'publickey') {
        const algorithm = this.pickAlgorithm(c.key);
        if (!algorithm) continue;
        this.state = { kind: 'query', credential: c, algorithm };
        this.events.push({ type: 'attempt', method: 'publickey', detail: `${algorithm} key query` });
        return [this.request('publickey', new Writer().bool(false).utf8(algorithm).bytesString(c.key.publicKey).finish())];
      }
    }
    this.state = { kind: 'failed' };
    this.events.push({ type: 'exhausted', methods: this.methods });
    return [];
  }

  /** RSA keys sign with the best SHA-2 algorithm the server announced (RFC 8332 §3.3). */
  private pickAlgorithm(key: SigningKey): string | undefined {
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
    const signature = key.sign(s.algorithm, data);
    this.state = { kind: 'waiting', method: 'publickey-signed', credential: s.credential };
    this.events.push({ type: 'attempt', method: 'publickey', detail: `${s.algorithm} signature` });
    return [
      this.request('publickey', new Writer().bool(true).utf8(s.algorithm).bytesString(key.publicKey).bytesString(signature).finish()),
    ];
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
