/**
 * An in-memory ClientAuth <-> ServerAuth pair: payloads are moved between the two state machines
 * with no transport. The application's side is scripted by callbacks; an undefined answer leaves
 * the question pending (to test what happens meanwhile).
 */
import { ClientAuth, type ClientAuthConfig, type ClientAuthEvent, type PromptEvent, type SignEvent } from '../../src/auth/client.js';
import { ServerAuth, type Decision, type ServerAuthConfig, type ServerAuthEvent, type ServerAuthRequest } from '../../src/auth/server.js';

export const SESSION_ID = new Uint8Array(32).fill(7);

export interface PairScript {
  /** Server policy; 'hold' leaves the request unanswered. */
  policy?: (req: ServerAuthRequest) => Decision | 'hold';
  /** Client answers to prompts; 'hold' leaves the prompt unanswered. */
  prompt?: (ev: PromptEvent) => readonly string[] | undefined | 'hold';
  /** Client answers to sign events; 'hold' leaves it unanswered. */
  sign?: (ev: SignEvent) => Uint8Array | undefined | 'hold';
  serverSigAlgs?: readonly string[];
}

export class AuthPair {
  readonly client: ClientAuth;
  readonly server: ServerAuth;
  readonly clientEvents: ClientAuthEvent[] = [];
  readonly serverEvents: ServerAuthEvent[] = [];
  /** Every payload that crossed, in order, with its direction. */
  readonly wire: Array<{ from: 'client' | 'server'; payload: Uint8Array }> = [];
  private toServer: Uint8Array[] = [];

  constructor(
    clientConfig: ClientAuthConfig,
    serverConfig: ServerAuthConfig,
    private readonly script: PairScript = {},
  ) {
    this.client = new ClientAuth(clientConfig, { sessionId: () => SESSION_ID, serverSigAlgs: () => script.serverSigAlgs });
    this.server = new ServerAuth(serverConfig, () => SESSION_ID);
  }

  start(): this {
    this.sendFromClient(this.client.start());
    return this.run();
  }

  sendFromClient(payloads: Uint8Array[]): void {
    for (const p of payloads) {
      this.wire.push({ from: 'client', payload: p });
      this.toServer.push(p);
    }
  }

  /** Moves payloads and answers events until nothing moves. */
  run(): this {
    for (let round = 0; round < 1000; round++) {
      let moved = 0;
      for (let p = this.toServer.shift(); p; p = this.toServer.shift()) {
        moved++;
        this.server.receive(p);
      }
      for (let p = this.server.pollTransmit(); p; p = this.server.pollTransmit()) {
        moved++;
        this.wire.push({ from: 'server', payload: p });
        this.sendFromClient(this.client.receive(p));
      }
      for (let ev = this.server.pollEvent(); ev; ev = this.server.pollEvent()) {
        moved++;
        this.serverEvents.push(ev);
        if (ev.type === 'request') {
          const d = this.script.policy?.(ev.request) ?? 'reject';
          if (d !== 'hold') this.server.answer(ev.request.id, d);
        }
      }
      for (let ev = this.client.pollEvent(); ev; ev = this.client.pollEvent()) {
        moved++;
        this.clientEvents.push(ev);
        if (ev.type === 'prompt') {
          const a = this.script.prompt ? this.script.prompt(ev) : undefined;
          if (a !== 'hold') this.sendFromClient(this.client.answerPrompt(ev.id, a));
        }
        if (ev.type === 'sign') {
          const s = this.script.sign ? this.script.sign(ev) : undefined;
          if (s !== 'hold') this.sendFromClient(this.client.answerSignature(ev.id, s));
        }
      }
      if (moved === 0) return this;
    }
    throw new Error('auth pair did not settle');
  }

  requests(): ServerAuthRequest[] {
    return this.serverEvents.flatMap((e) => (e.type === 'request' ? [e.request] : []));
  }

  of<T extends ClientAuthEvent['type']>(type: T): Array<Extract<ClientAuthEvent, { type: T }>> {
    return this.clientEvents.filter((e): e is Extract<ClientAuthEvent, { type: T }> => e.type === type);
  }
}
