/**
 * In-memory client<->server transport pairs, no sockets: bytes are moved between the two
 * engines in chunks of a chosen size (1 = one byte at a time).
 */
import type { TransportConfig } from '../../src/transport/config.js';
import type { TransportEvent } from '../../src/transport/events.js';
import { Transport } from '../../src/transport/transport.js';

export interface PairOptions {
  client?: Partial<TransportConfig>;
  server?: Partial<TransportConfig>;
  /** Bytes per delivery (default: everything at once). */
  chunk?: number;
  /** Client's answer to host key questions (default accept). */
  acceptHostKey?: boolean;
  /**
   * Deliver every chunk as `owned` in one buffer that is overwritten as soon as receive() and
   * the events it produced are done with (a socket reader recycling its read buffer). Channel
   * data payloads, which may be views of it, are copied when their event is taken, as a
   * consumer that finished with them would.
   */
  lend?: boolean;
}

export interface Side {
  t: Transport;
  events: TransportEvent[];
}

export class Pair {
  readonly client: Side;
  readonly server: Side;
  readonly chunk: number;
  private readonly accept: boolean;
  /** Optional tamper hook on bytes in flight: return the bytes to deliver. */
  tamper: ((from: 'client' | 'server', bytes: Uint8Array) => Uint8Array) | undefined;

  constructor(serverBase: TransportConfig, opts: PairOptions = {}) {
    this.client = { t: new Transport({ role: 'client', ...opts.client }), events: [] };
    this.server = { t: new Transport({ ...serverBase, ...opts.server, role: 'server' }), events: [] };
    this.chunk = opts.chunk ?? Infinity;
    this.accept = opts.acceptHostKey ?? true;
    this.lend = opts.lend ?? false;
  }
  private readonly lend: boolean;
  private lent = new Uint8Array(0);

  /** Moves bytes and events until neither side has anything more to say. Returns rounds used. */
  run(maxRounds = 10_000): number {
    for (let round = 0; round < maxRounds; round++) {
      const moved = this.move(this.client, this.server, 'client') + this.move(this.server, this.client, 'server');
      const evs = this.drainEvents();
      if (moved === 0 && evs === 0) return round;
    }
    throw new Error('pair did not settle');
  }

  private move(from: Side, to: Side, name: 'client' | 'server'): number {
    let n = 0;
    const lent: Uint8Array[] = [];
    for (let b = from.t.pollTransmit(); b !== undefined; b = from.t.pollTransmit()) {
      const bytes = this.tamper ? this.tamper(name, b) : b;
      n += b.length;
      if (this.lend) lent.push(new Uint8Array(bytes));
      else if (this.chunk === Infinity) to.t.receive(bytes);
      else for (let i = 0; i < bytes.length; i += this.chunk) to.t.receive(bytes.subarray(i, i + this.chunk));
    }
    if (lent.length > 0) {
      // Lent reads are cut from the whole stream, as a socket's are: packets straddle them.
      const all = Buffer.concat(lent);
      const step = Math.min(this.chunk, all.length);
      for (let i = 0; i < all.length; i += step) this.deliver(to, all.subarray(i, i + step));
    }
    return n;
  }

  private deliver(to: Side, bytes: Uint8Array): void {
    if (this.lent.length < bytes.length) this.lent = new Uint8Array(bytes.length);
    const chunk = this.lent.subarray(0, bytes.length);
    chunk.set(bytes);
    to.t.receive(chunk, true);
    this.drainSide(to, true);
    this.lent.fill(0xee);
  }

  private drainEvents(): number {
    return this.drainSide(this.client, false) + this.drainSide(this.server, false);
  }

  private drainSide(side: Side, copyData: boolean): number {
    let n = 0;
    for (let ev = side.t.pollEvent(); ev !== undefined; ev = side.t.pollEvent()) {
      n++;
      const data = copyData && ev.type === 'payload' && (ev.payload[0] === 94 || ev.payload[0] === 95);
      side.events.push(data && ev.type === 'payload' ? { ...ev, payload: ev.payload.slice() } : ev);
      if (ev.type === 'hostKey') side.t.answerHostKey(ev.id, this.accept);
    }
    return n;
  }

  /** Payload events seen by one side (and forgets them). */
  takePayloads(side: Side): Uint8Array[] {
    const out: Uint8Array[] = [];
    side.events = side.events.filter((e) => {
      if (e.type === 'payload') {
        out.push(e.payload);
        return false;
      }
      return true;
    });
    return out;
  }
}

export function eventsOf<T extends TransportEvent['type']>(side: Side, type: T): Array<Extract<TransportEvent, { type: T }>> {
  return side.events.filter((e): e is Extract<TransportEvent, { type: T }> => e.type === type);
}

/** A deterministic random source (xorshift), for replayable handshakes. */
export function seededRandom(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
}
