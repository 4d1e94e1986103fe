/**
 * Two ConnectionProtocol instances back to back in memory: payloads from one side's
 * pollTransmit go into the other's receive. Events are collected per side; a hook may act on
 * each event as it arrives (consume data, accept opens, ...).
 */
import assert from 'node:assert/strict';
import { ConnectionProtocol, type ConnectionConfig, type ConnectionEvent } from '../../src/connection/connection.js';
import { DisconnectReason, SshError } from '../../src/errors.js';

export type SideName = 'client' | 'server';

export class ConnPair {
  readonly client: ConnectionProtocol;
  readonly server: ConnectionProtocol;
  readonly events: Record<SideName, ConnectionEvent[]> = { client: [], server: [] };
  /** Every payload moved, in order, with the side that sent it. */
  readonly transcript: { from: SideName; payload: Uint8Array }[] = [];
  /** Called for each event as it is collected. */
  onEvent: ((side: SideName, ev: ConnectionEvent, pair: ConnPair) => void) | undefined;

  constructor(client: Omit<ConnectionConfig, 'role'> = {}, server: Omit<ConnectionConfig, 'role'> = {}) {
    this.client = new ConnectionProtocol({ ...client, role: 'client' });
    this.server = new ConnectionProtocol({ ...server, role: 'server' });
  }

  side(name: SideName): ConnectionProtocol {
    return name === 'client' ? this.client : this.server;
  }
  peer(name: SideName): ConnectionProtocol {
    return name === 'client' ? this.server : this.client;
  }

  /** Moves the events each side has into `events` (running the hook). */
  collect(): boolean {
    let moved = false;
    for (const name of ['client', 'server'] as const) {
      const c = this.side(name);
      for (let ev = c.pollEvent(); ev; ev = c.pollEvent()) {
        moved = true;
        this.events[name].push(ev);
        this.onEvent?.(name, ev, this);
      }
    }
    return moved;
  }

  /** Takes what `from` wants to send, without delivering it. */
  take(from: SideName): Uint8Array[] {
    const out: Uint8Array[] = [];
    const c = this.side(from);
    for (let p = c.pollTransmit(); p; p = c.pollTransmit()) out.push(p);
    return out;
  }

  /** Delivers payloads to the peer of `from`. */
  deliver(from: SideName, payloads: Uint8Array[]): void {
    const to = this.peer(from);
    for (const p of payloads) {
      this.transcript.push({ from, payload: p });
      to.receive(p);
    }
  }

  /** One direction only: what `from` has queued goes to the other side. */
  flush(from: SideName): number {
    const ps = this.take(from);
    this.deliver(from, ps);
    return ps.length;
  }

  /** Moves payloads and events until neither side has anything to say. */
  pump(maxRounds = 1_000_000): void {
    for (let i = 0; i < maxRounds; i++) {
      let moved = this.collect();
      moved = this.flush('client') > 0 || moved;
      moved = this.flush('server') > 0 || moved;
      moved = this.collect() || moved;
      if (!moved) return;
    }
    throw new Error('pump did not settle');
  }

  /** Events of one type from one side, removed from the list. */
  drain<T extends ConnectionEvent['type']>(side: SideName, type: T): Extract<ConnectionEvent, { type: T }>[] {
    const list = this.events[side];
    const out = list.filter((e): e is Extract<ConnectionEvent, { type: T }> => e.type === type);
    this.events[side] = list.filter((e) => e.type !== type);
    return out;
  }

  /** Opens a channel from `from` and has the other side accept it; returns both ids. */
  open(from: SideName = 'client', type = 'session', opts: { window?: number; maxPacket?: number } = {}, accept: { window?: number; maxPacket?: number } = {}): { local: number; remote: number } {
    const local = this.side(from).openChannel(type, undefined, opts);
    this.pump();
    const to: SideName = from === 'client' ? 'server' : 'client';
    const req = this.drain(to, 'open-request').at(-1);
    assert.ok(req, 'the open request arrived');
    this.peer(from).acceptChannel(req.id, accept);
    this.pump();
    const conf = this.drain(from, 'open-confirmed');
    assert.equal(conf.at(-1)?.id, local);
    return { local, remote: req.id };
  }
}

export function isProtocolError(e: unknown): boolean {
  return e instanceof SshError && (e.code === 'ERR_PROTOCOL' || e.code === 'ERR_WIRE') && e.disconnectReason === DisconnectReason.PROTOCOL_ERROR;
}

/** Asserts that fn throws a protocol error whose message matches. */
export function assertProtocolError(fn: () => void, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isProtocolError(e), `expected a protocol error, got ${String(e)}`);
    assert.match((e as Error).message, message);
    return true;
  });
}

/** Deterministic bytes for channel `n`, so every byte can be checked. */
export function pattern(n: number, length: number, salt = 0): Uint8Array {
  const out = new Uint8Array(length);
  let x = (n * 2654435761 + salt * 40503 + 1) >>> 0;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
