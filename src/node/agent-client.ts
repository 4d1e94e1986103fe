/**
 * An ssh-agent client over a Unix socket (SSH_AUTH_SOCK): list the agent's keys and have it sign.
 * The protocol itself is in protocol.ts; this file is only the socket and the request queue.
 * Replies come strictly in request order (draft-miller-ssh-agent §3), so requests are queued and
 * each reply settles the oldest one.
 *
 *   const agent = await AgentClient.connect();
 *   const keys = await agent.keys();   // AgentKey[]: usable as { method: 'publickey', key }
 *   await authenticate(conn, { user, credentials: keys.map((key) => ({ method: 'publickey', key })) });
 *   agent.close();
 */
import { connect, type Socket } from 'node:net';
import { SshError } from '../errors.js';
import { publicKeyType } from '../keys/public-key.js';
import { algorithmsForKeyType } from '../keys/registry.js';
import type { AsyncSigningKey } from './authenticate.js';
import {
  AgentFramer,
  decodeIdentitiesReply,
  decodeSignReply,
  encodeRequestIdentities,
  encodeSignRequest,
  frameAgentMessage,
  isAgentFailure,
  signFlagsFor,
  type AgentIdentity,
} from '../agent/protocol.js';

export interface AgentClientOptions {
  /** Fail a request the agent has not answered after this long (default: wait; an agent may be asking a person to confirm). */
  timeoutMs?: number;
}

interface PendingRequest {
  readonly what: string;
  readonly resolve: (payload: Uint8Array) => void;
  readonly reject: (e: SshError) => void;
}

export class AgentClient {
  private readonly framer = new AgentFramer();
  private readonly queue: PendingRequest[] = [];
  private error: SshError | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly options: AgentClientOptions,
  ) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(new SshError('ERR_CONNECTION_LOST', `ssh-agent connection failed: ${e.message}`, { cause: e })));
    socket.on('close', () => this.fail(new SshError('ERR_CONNECTION_LOST', 'ssh-agent closed the connection')));
  }

  /** Connects to the agent's socket (default $SSH_AUTH_SOCK). */
  static connect(path: string | undefined = process.env.SSH_AUTH_SOCK, options: AgentClientOptions = {}): Promise<AgentClient> {
    if (!path) return Promise.reject(new SshError('ERR_STATE', 'no ssh-agent: SSH_AUTH_SOCK is not set'));
    return new Promise((resolve, reject) => {
      const socket = connect({ path });
      socket.once('error', (e) => reject(new SshError('ERR_CONNECTION_LOST', `cannot connect to ssh-agent at ${path}: ${e.message}`, { cause: e })));
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve(new AgentClient(socket, options));
      });
    });
  }

  /** §3.4: every identity the agent holds, certificates and key types hush cannot use included. */
  async listIdentities(): Promise<AgentIdentity[]> {
    const reply = decodeIdentitiesReply(await this.request(encodeRequestIdentities(), 'list identities'));
    if (isAgentFailure(reply)) throw new SshError('ERR_KEY', 'ssh-agent refused to list its keys');
    return reply;
  }

  /**
   * §3.6: has the agent sign `data` with the key `publicKey`; resolves with the signature blob
   * (string algorithm || string signature). `flags` picks RSA's hash (see signFlagsFor).
   */
  async sign(publicKey: Uint8Array, data: Uint8Array, flags = 0): Promise<Uint8Array> {
    const reply = decodeSignReply(await this.request(encodeSignRequest(publicKey, data, flags), 'sign'));
    if (isAgentFailure(reply)) throw new SshError('ERR_KEY', 'ssh-agent refused to sign (key not held, or confirmation denied)');
    return reply;
  }

  /** The agent's keys that hush can authenticate with, as signing keys for ClientAuth. */
  async keys(): Promise<AgentKey[]> {
    const out: AgentKey[] = [];
    for (const id of await this.listIdentities()) {
      let keyType: string;
      try {
        keyType = publicKeyType(id.publicKey);
      } catch {
        continue; // a key type (or certificate) hush does not parse
      }
      const algorithms = algorithmsForKeyType(keyType);
      if (algorithms.length > 0) out.push(new AgentKey(this, id, keyType, algorithms));
    }
    return out;
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
    this.fail(new SshError('ERR_STATE', 'ssh-agent client closed'));
  }

  private request(payload: Uint8Array, what: string): Promise<Uint8Array> {
    if (this.error) return Promise.reject(this.error);
    const framed = frameAgentMessage(payload);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const entry: PendingRequest = {
        what,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.queue.push(entry);
      if (this.options.timeoutMs !== undefined) {
        // A late reply would be matched to the wrong request: the connection is unusable now.
        timer = setTimeout(
          () => this.fail(new SshError('ERR_TIMEOUT', `ssh-agent did not answer "${what}" within ${this.options.timeoutMs} ms`)),
          this.options.timeoutMs,
        );
      }
      this.socket.write(framed);
    });
  }

  private onData(d: Buffer): void {
    try {
      this.framer.push(new Uint8Array(d.buffer, d.byteOffset, d.length));
      for (let p = this.framer.next(); p; p = this.framer.next()) {
        const entry = this.queue.shift();
        if (!entry) throw new SshError('ERR_PROTOCOL', 'ssh-agent sent a reply nobody asked for');
        entry.resolve(p);
      }
    } catch (e) {
      this.fail(e instanceof SshError ? e : new SshError('ERR_PROTOCOL', String(e)));
    }
  }

  private fail(e: SshError): void {
    this.error ??= e;
    for (const entry of this.queue.splice(0)) entry.reject(this.error);
    if (!this.socket.destroyed) this.socket.destroy();
  }
}

/**
 * One key held by the agent, usable as a credential: { method: 'publickey', key: agentKey }.
 * RSA keys sign with the SHA-2 algorithm ClientAuth picks (SSH_AGENT_RSA_SHA2_* flags).
 */
export class AgentKey implements AsyncSigningKey {
  readonly publicKey: Uint8Array;
  readonly comment: string;

  constructor(
    private readonly agent: AgentClient,
    identity: AgentIdentity,
    readonly keyType: string,
    readonly algorithms: readonly string[],
  ) {
    this.publicKey = identity.publicKey;
    this.comment = identity.comment;
  }

  signAsync(algorithm: string, data: Uint8Array): Promise<Uint8Array> {
    if (!this.algorithms.includes(algorithm)) {
      return Promise.reject(new SshError('ERR_KEY', `a ${this.keyType} key cannot make ${algorithm} signatures`));
    }
    return this.agent.sign(this.publicKey, data, signFlagsFor(algorithm));
  }
}
