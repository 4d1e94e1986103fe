/**
 * Drives a sans-I/O protocol engine over a Node stream socket: feeds received bytes in, writes
 * transmit bytes out (corked, so a burst of packets becomes one write), dispatches events, and
 * keeps one timer armed at the engine's next deadline. This is the only place with I/O.
 */
import type { Socket } from 'node:net';
import type { SocketReader } from './socket-reader.js';

export interface SansIoEngine<E> {
  /**
   * `owned`: packets may be decrypted in place inside `data`; once receive returns, only the
   * channel data carried out in events still refer to it (Transport.receive).
   */
  receive(data: Uint8Array, owned?: boolean): void;
  receiveEnd(): void;
  pollTransmit(): Uint8Array | undefined;
  /** Optional fast form of pollTransmit: hands every piece ready now to `write`; returns whether there were any. */
  transmitTo?(write: (piece: Uint8Array) => void): boolean;
  /** Every piece transmitTo handed out has been written by the socket and is referenced no more. */
  releaseTransmitted?(): void;
  /** Marks what transmitTo handed out so far; call the result once the socket wrote all of it. */
  markTransmitted?(): (() => void) | undefined;
  /** The socket holds more than the driver's limit of unsent bytes (true), or has drained (false). */
  setCongested?(on: boolean): void;
  pollEvent(): E | undefined;
  pollTimeout(): number | undefined;
  handleTimeout(now: number): void;
  readonly closed: boolean;
}

/**
 * Unsent bytes in the socket's buffer above which the connection is congested: the engine holds
 * channel data back until the buffer has drained. (The kernel's send buffer comes before this;
 * the limit only counts what Node holds because the peer is not reading.)
 */
const CONGESTION_LIMIT = 1024 * 1024;
/**
 * Unsent bytes above which the socket is not read either, until it has drained. Channel data is
 * held at CONGESTION_LIMIT, so only replies to a flood of requests from a peer that does not read
 * get this far. Not reading sooner would risk a deadlock: two ends both congested by bulk data,
 * each waiting for the other to read.
 */
const READ_PAUSE_LIMIT = 16 * 1024 * 1024;

export interface DriverOptions<E> {
  /** The socket reads with `reader.onread` (or reader.adopt): bytes come from the reader, not 'data' events. */
  reader?: SocketReader;
  /**
   * The channel data an event carries, if any: with a reader, such views may be of a lent read
   * buffer, which is reused only if every one of them was claimed (SocketReader.claim).
   */
  viewOf?: (event: E) => Uint8Array | undefined;
  /** Called for every chunk read from the socket, before the engine sees it. */
  onReceive?: () => void;
  /** Called for every engine event, in order. It may call into the engine. */
  onEvent(event: E): void;
  /** An exception thrown by onEvent: the connection is dropped (default: only that). */
  onHandlerError?(error: unknown): void;
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
    const reader = options.reader;
    if (reader) {
      reader.attach((chunk: Uint8Array, owned: boolean): void => {
        options.onReceive?.();
        const nested = this.pumping;
        const written = reader.acksPending ? socket.bytesWritten : -1;
        engine.receive(chunk, owned);
        this.pump();
        // Nothing went back: acknowledge now rather than after the delayed-ACK timer.
        if (written >= 0 && socket.bytesWritten === written && !socket.destroyed) reader.acknowledge();
        // Events this delivery produced that were not followed out (a pump already running
        // will deliver them later, or a handler failed): its buffer cannot be vouched for.
        // Without viewOf nothing counts the views that left: the buffer is never reused.
        if (nested || this.ended || !options.viewOf) reader.forfeit();
      });
    } else {
      socket.on('data', (chunk: Uint8Array): void => {
        options.onReceive?.();
        engine.receive(chunk, true); // a new Buffer per read, referenced by nothing else
        this.pump();
      });
    }
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
      options.reader?.detach();
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
  private handlerFailed(e: unknown): void {
    this.options.onHandlerError?.(e);
    this.clearTimer();
    this.ended = true;
    this.socket.destroy(e instanceof Error ? e : new Error(String(e)));
  }

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
          if (this.options.viewOf && this.options.reader) {
            const view = this.options.viewOf(ev);
            if (view) this.options.reader.handedOut(view);
          }
          try {
            this.options.onEvent(ev);
          } catch (e) {
            // A handler's bug ends this connection only, never the process.
            this.handlerFailed(e);
            return;
          }
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

  /** Writes what the engine has, corked: a burst of packets (and their pieces) becomes one writev. */
  private flush(): void {
    const e = this.engine;
    if (e.transmitTo) {
      if (this.socket.destroyed || this.ended) return;
      this.corked = false;
      e.transmitTo(this.writePiece);
      if (this.corked) {
        // The last piece goes with a callback: once it is written, so is everything before it,
        // and the memory it was all sealed into can be used again.
        const written = e.markTransmitted?.();
        const last = this.held!;
        this.held = undefined;
        if (written) this.socket.write(last, () => written());
        else this.socket.write(last);
        this.socket.uncork();
        // Written at once (nothing left in the socket's buffer, no write in flight): the memory
        // the packets were sealed into can be used for the next ones.
        if (this.socket.writableLength === 0) e.releaseTransmitted?.();
        else this.checkCongestion();
      }
      return;
    }
    let b = e.pollTransmit();
    if (b === undefined || this.socket.destroyed || this.ended) return;
    this.socket.cork();
    while (b !== undefined) {
      this.socket.write(b);
      b = e.pollTransmit();
    }
    this.socket.uncork();
    this.checkCongestion();
  }

  private congested = false;
  private readPaused = false;

  /**
   * A peer that does not read must not make us buffer without bound: above the first limit the
   * engine holds its channel data back, above the second the peer's bytes are not read either
   * (so its requests cannot pile up replies), until the socket has written everything out.
   */
  private checkCongestion(): void {
    const pending = this.socket.writableLength;
    if (!this.readPaused && pending > READ_PAUSE_LIMIT) {
      this.readPaused = true;
      this.socket.pause();
    }
    if (this.congested || pending <= CONGESTION_LIMIT) return;
    this.congested = true;
    this.engine.setCongested?.(true);
    this.socket.once('drain', () => {
      this.congested = false;
      if (this.socket.destroyed) return;
      if (this.readPaused) {
        this.readPaused = false;
        this.socket.resume();
      }
      this.engine.setCongested?.(false);
      this.pump();
    });
  }

  private corked = false;
  /** The last piece handed to writePiece, written by flush (with a callback) or by the next piece. */
  private held: Uint8Array | undefined;
  private readonly writePiece = (piece: Uint8Array): void => {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
    }
    if (this.held) this.socket.write(this.held);
    this.held = piece;
  };

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
