/**
 * Drives a sans-I/O protocol engine over a Node stream socket: feeds received bytes in, writes
 * transmit bytes out (corked, so a burst of packets becomes one write), dispatches events, and
 * keeps one timer armed at the engine's next deadline. This is the only place with I/O.
 */
import type { Socket } from 'node:net';

export interface SansIoEngine<E> {
  receive(data: Uint8Array): void;
  receiveEnd(): void;
  pollTransmit(): Uint8Array | undefined;
  pollEvent(): E | undefined;
  pollTimeout(): number | undefined;
  handleTimeout(now: number): void;
  readonly closed: boolean;
}

export interface DriverOptions<E> {
  /** Called for every engine event, in order. It may call into the engine. */
  onEvent(event: E): void;
  /** Called once when the socket is gone (after the engine closed, or the socket failed). */
  onSocketClose?(error: Error | undefined): void;
  /** The clock the engine was given (default Date.now). */
  now?: () => number;
}

export class SocketDriver<E> {
  private timer: NodeJS.Timeout | undefined;
  private timerAt: number | undefined;
  private pumping = false;
  private again = false;
  private ended = false;
  private readonly now: () => number;

  constructor(
    readonly socket: Socket,
    readonly engine: SansIoEngine<E>,
    private readonly options: DriverOptions<E>,
  ) {
    this.now = options.now ?? Date.now;
    socket.setNoDelay(true); // without it a handshake on loopback waits on delayed ACKs
    socket.on('data', (chunk: Buffer) => {
      engine.receive(chunk);
      this.pump();
    });
    socket.on('end', () => {
      engine.receiveEnd();
      this.pump();
    });
    socket.on('error', (err) => {
      this.socketError = err;
      engine.receiveEnd();
      this.pump();
    });
    socket.on('close', () => {
      this.clearTimer();
      if (!engine.closed) {
        engine.receiveEnd();
        this.pump();
      }
      options.onSocketClose?.(this.socketError);
    });
    this.pump();
  }

  private socketError: Error | undefined;

  /** Runs the engine until it has nothing to say. Safe to call from event handlers (re-entrancy is folded). */
  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        this.flush();
        for (let ev = this.engine.pollEvent(); ev !== undefined; ev = this.engine.pollEvent()) {
          this.options.onEvent(ev);
          this.flush();
        }
      } while (this.again);
    } finally {
      this.pumping = false;
    }
    if (this.engine.closed) {
      this.clearTimer();
      if (!this.ended) {
        this.ended = true;
        this.socket.end();
        // A peer that never reads must not keep the socket alive forever.
        setTimeout(() => this.socket.destroy(), 2000).unref();
      }
      return;
    }
    this.armTimer();
  }

  private flush(): void {
    let b = this.engine.pollTransmit();
    if (b === undefined || this.socket.destroyed || this.ended) return;
    this.socket.cork();
    while (b !== undefined) {
      this.socket.write(b);
      b = this.engine.pollTransmit();
    }
    this.socket.uncork();
  }

  private armTimer(): void {
    const at = this.engine.pollTimeout();
    if (at === this.timerAt) return;
    this.clearTimer();
    if (at === undefined) return;
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = undefined;
        this.engine.handleTimeout(this.now());
        this.pump();
      },
      Math.max(0, at - this.now()),
    );
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = undefined;
  }
}
