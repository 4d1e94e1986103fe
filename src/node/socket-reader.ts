/**
 * Reads a socket with net.Socket's `onread` option instead of a 'data' event per read: large
 * reads into a large buffer, no stream machinery, and read buffers used again rather than a new
 * one per read.
 *
 * - A read of at least HAND_OVER bytes is lent to the engine (`owned`: packets are decrypted in
 *   place inside it and channel data payloads are views of it; Transport.receive). A smaller
 *   read is copied by the engine and its buffer is reused at once.
 * - A lent buffer comes back for later reads once every view of it that left the engine has
 *   been claimed by a consumer (claim) and each claim released (the program's stdin took the
 *   bytes). A view nobody claimed (a stream handed to application code, which may keep it)
 *   leaves the buffer to the garbage collector, and the next read goes into its unused tail.
 *   Claims are per connection, so a buffer never carries one connection's bytes into another's
 *   views.
 * - Bulk buffers come from the native addon's pool when it is built (read-memory.ts): the memory
 *   of a buffer left to the garbage collector is reused once it was collected.
 *
 * Why: a new buffer per read is as much external memory as the data itself (1 GiB per GiB
 * uploaded), and V8 counts external memory allocated since its last full collection against
 * the old generation's limit. Above 8 MB of heap (any real server) that started a full
 * collection every 100-200 MB of upload: 5-11 mark-compacts per GiB, run on V8's helper
 * threads beside the connection (ssh -> hushd, 1 GiB of aes128-gcm into `cat`, measured with
 * --trace-gc: 202 mark-compacts in 12 uploads with a buffer per read, 1 with recycled ones).
 *
 * A connection starts on a small buffer shared by all of them (16 KiB, its reads copied) and
 * gets its own 256 KiB ones once a read fills it, until reads have been small for a while: a
 * 256 KiB buffer for every connection cost the hush client ~14% of its CPU in a connect + auth
 * + `exec true` loop, and an idle connection holds no read buffer (its recycled buffers are let
 * go when it goes quiet).
 */
import type { OnReadOpts, Socket } from 'node:net';
import { nativeCrypto } from '../crypto/native.js';
import { allocReadBuffer, holdReadPool } from './read-memory.js';

/** Bytes per socket read while a connection is busy: eight 32 KiB packets, a quarter of the peer's window. */
const BULK_READ_SIZE = 256 * 1024;
/** The least unused tail of a lent buffer that the next read goes into (rather than a new buffer). */
const MIN_TAIL = 64 * 1024;
/** Bytes per socket read otherwise (handshakes, interactive sessions, small commands). */
const SMALL_READ_SIZE = 16 * 1024;
/** A read at least this large is lent to the engine (decrypted in place); a smaller one is copied. */
const HAND_OVER = 16 * 1024;
/**
 * The buffer of every connection that is not busy: reads are delivered one at a time on this
 * thread and the engine copies a small read before it returns, so one buffer serves them all
 * and an idle connection holds none (a buffer each cost hushd 16 KiB per idle connection:
 * 21 KiB of external memory per connection at 10,000, against 5 KiB before adoption).
 */
const SMALL_BUFFER = Buffer.allocUnsafeSlow(SMALL_READ_SIZE);
/** Small reads in a row after which a bulk reader goes back to the small buffer. */
const BULK_IDLE_READS = 8;
/**
 * Bulk buffers kept for reuse. The peer's window bounds what consumers hold (2 MiB by default:
 * about nine buffers), so a transfer settles on a dozen buffers; beyond that they are dropped.
 */
const MAX_FREE = 12;

/** A lent read buffer: recycled when the delivery and every claim on it are done. */
class Lease {
  /** The delivery's own reference, then one per claim. */
  private refs = 1;
  /** Views of the buffer that the engine's events carried out, and how many were claimed. */
  handed = 0;
  claimed = 0;
  /** All views were claimed: the buffer may come back once the references are released. */
  private recyclable = false;

  constructor(
    readonly buffer: Buffer,
    private readonly home: SocketReader,
  ) {}

  retain(): () => void {
    this.refs++;
    this.claimed++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.release();
    };
  }

  /**
   * The delivery is over: every view that left was claimed, and the buffer comes back once the
   * claims are released (true); or someone may keep a view, and it is never reused (false).
   */
  settle(): boolean {
    if (this.handed !== this.claimed) return false;
    this.recyclable = true;
    this.release();
    return true;
  }

  private release(): void {
    if (--this.refs === 0 && this.recyclable) this.home.recycle(this.buffer);
  }
}

export type ReceiveSink = (data: Uint8Array, owned: boolean) => void;

export class SocketReader {
  private buffer: Buffer | undefined;
  private bulk = false;
  /** Lets the read-buffer pool go (set while bulk). */
  private releasePool: (() => void) | undefined;
  /** The TCP socket's descriptor, for TCP_QUICKACK; undefined when unknown or not TCP. */
  private fd: number | undefined;
  private smallReads = 0;
  private free: Buffer[] = [];
  /** The lent buffer being delivered now: views handed out and claims are counted against it. */
  private current: Lease | undefined;
  private readonly nextBuffer = (): Buffer => (this.buffer ??= this.bulk ? (this.free.pop() ?? allocReadBuffer(BULK_READ_SIZE)) : SMALL_BUFFER);
  private readonly onRead = (n: number, buf: Uint8Array): boolean => {
    this.read(n, buf as Buffer);
    return true; // false would pause the socket; the SSH window is the flow control
  };
  readonly onread: OnReadOpts = { buffer: this.nextBuffer, callback: this.onRead };
  private sink: ReceiveSink | undefined;
  /** Bytes that arrived before a driver was attached (e.g. the server's version line). */
  private early: Uint8Array[] = [];

  /**
   * Reads an accepted socket (one net.Server created) with this reader, as net.connect's
   * `onread` would. Node offers `onread` only to sockets it connects, so this sets the same
   * state its Socket constructor sets for that option; it returns false (the socket goes on
   * with 'data' events) if this Node's sockets do not look as expected, or if the socket has
   * already read anything. Call it in the 'connection' callback, before any read completed.
   */
  adopt(socket: Socket): boolean {
    const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Uint8Array) => void } })._handle;
    if (typeof handle?.useUserBuffer !== 'function' || socket.bytesRead !== 0 || socket.readableLength !== 0) return false;
    const symbols = new Map(Object.getOwnPropertySymbols(socket).map((s) => [s.description, s] as const));
    const kBuffer = symbols.get('kBuffer');
    const kBufferCb = symbols.get('kBufferCb');
    const kBufferGen = symbols.get('kBufferGen');
    if (!kBuffer || !kBufferCb || !kBufferGen) return false;
    const fields = socket as unknown as Record<symbol, unknown>;
    if (fields[kBuffer] !== null || fields[kBufferCb] !== null || fields[kBufferGen] !== null) return false;
    const buf = this.nextBuffer();
    fields[kBuffer] = buf;
    fields[kBufferGen] = this.nextBuffer;
    fields[kBufferCb] = this.onRead;
    handle.useUserBuffer(buf);
    this.bindSocket(socket);
    return true;
  }

  /** Learns the socket's descriptor (for acknowledge); a socket connected with `onread` is bound after it connected. */
  bindSocket(socket: Socket): void {
    const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
    this.fd = typeof fd === 'number' && fd >= 0 && nativeCrypto()?.quickAck ? fd : undefined;
  }

  /**
   * The delivery just handled produced no reply: acknowledge the peer's bytes now (TCP_QUICKACK,
   * native/src/socket_opts.c), unless the connection is busy. OpenSSH sends with Nagle's
   * algorithm on (sessions without a terminal), so a small packet of its that needs no answer
   * held back its next one until our kernel's delayed ACK, ~40 ms later: twice in every
   * `ssh host cmd` against hushd. A busy connection has full segments, which Nagle does not hold.
   */
  acknowledge(): void {
    if (this.bulk || this.fd === undefined) return;
    if (!nativeCrypto()!.quickAck!(this.fd)) this.fd = undefined;
  }

  /** Whether acknowledge() may act: the caller then checks whether a reply went out. */
  get acksPending(): boolean {
    return !this.bulk && this.fd !== undefined;
  }

  private read(n: number, buf: Buffer): void {
    if (buf === SMALL_BUFFER) {
      // Shared by every connection: copied by the engine before the next read anywhere.
      if (n === buf.length) {
        this.enterBulk();
        this.smallReads = 0;
        this.buffer = undefined; // the next read gets a bulk buffer
      }
      this.deliver(buf.subarray(0, n), false);
      return;
    }
    if (n < HAND_OVER) {
      if (this.bulk && ++this.smallReads >= BULK_IDLE_READS) this.leaveBulk();
      this.deliver(buf.subarray(0, n), false);
      return;
    }
    this.buffer = undefined; // the next read gets another buffer; this one is lent
    this.smallReads = 0;
    if (n === buf.length) this.enterBulk();
    const lease = new Lease(buf, this);
    this.current = lease;
    try {
      this.deliver(buf.subarray(0, n), true);
    } finally {
      this.current = undefined;
    }
    // A buffer left to the garbage collector lends its unused tail to the next read: nothing
    // refers to those bytes, and a 256 KiB buffer per read (reads average ~50 KiB) was five
    // times the data in new memory, and as many collections.
    if (!lease.settle() && this.bulk && buf.length - n >= MIN_TAIL) this.buffer = buf.subarray(n);
  }

  private enterBulk(): void {
    this.bulk = true;
    this.releasePool ??= holdReadPool();
  }

  private leaveBulk(): void {
    this.bulk = false;
    this.buffer = undefined; // copied by the engine, so the large buffer can go
    this.free = [];
    this.releasePool?.();
    this.releasePool = undefined;
  }

  /** @internal The socket closed: no more reads, so its buffers and its hold on the pool go. */
  detach(): void {
    this.leaveBulk();
    this.sink = undefined;
    this.early = [];
  }

  private deliver(data: Uint8Array, owned: boolean): void {
    if (this.sink) {
      this.sink(data, owned);
      return;
    }
    // Kept until a driver attaches: copied, so the read buffer stays free to be reused.
    this.early.push(new Uint8Array(data));
  }

  /** @internal the driver saw `view` leave the engine in an event (channel data). */
  handedOut(view: Uint8Array): void {
    const lease = this.current;
    if (lease && view.buffer === lease.buffer.buffer) lease.handed++;
  }

  /**
   * @internal The delivery could not follow every event out (the driver was already running, or
   * the connection failed): its buffer is left to the garbage collector.
   */
  forfeit(): void {
    if (this.current) this.current.handed = Number.POSITIVE_INFINITY;
  }

  /**
   * A consumer of `view` (channel data from an event being handled now) promises to call the
   * returned function once it no longer needs the bytes; until then its read buffer is not
   * reused. Returns undefined if `view` is not of a lent buffer (nothing to release).
   */
  claim(view: Uint8Array): (() => void) | undefined {
    const lease = this.current;
    if (!lease || view.buffer !== lease.buffer.buffer) return undefined;
    return lease.retain();
  }

  /** @internal a lent buffer is free again */
  recycle(buffer: Buffer): void {
    if (this.bulk && buffer.length === BULK_READ_SIZE && this.free.length < MAX_FREE) this.free.push(buffer);
  }

  /** @internal called by the driver */
  attach(sink: ReceiveSink): void {
    this.sink = sink;
    const early = this.early;
    this.early = [];
    for (const b of early) sink(b, true);
  }
}
