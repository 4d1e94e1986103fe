/**
 * The transport's outgoing bytes, as the sealers produced them: each packet in one or more
 * pieces (length, ciphertext, tag), never concatenated on the hot path. drainTo() hands out the
 * pieces for one writev; poll() hands out one packet at a time, joined, for callers that want
 * packet boundaries (tests, tools that tamper with single packets).
 */
import type { WireSink } from '../algorithms/types.js';
import { concatBytes } from '../wire/writer.js';

const EMPTY = new Uint8Array(0);

export class WireQueue implements WireSink {
  private pieces: Uint8Array[] = [];
  /** The next piece to hand out. */
  private head = 0;
  /** Index in `pieces` just after the last piece of each packet not yet handed out. */
  private ends: number[] = [];
  private endsHead = 0;

  get isEmpty(): boolean {
    return this.head === this.pieces.length;
  }

  /** Appends a piece of the packet being written (a sealer calls this). */
  push(piece: Uint8Array): void {
    this.pieces.push(piece);
  }

  /** Marks the end of a packet (or of a raw line such as the version line). */
  endPacket(): void {
    this.ends.push(this.pieces.length);
  }

  /** The next packet's bytes, joined, or undefined. */
  poll(): Uint8Array | undefined {
    const start = this.head;
    if (start === this.pieces.length) return undefined;
    const end = this.ends[this.endsHead++]!;
    const b = end === start + 1 ? this.pieces[start]! : concatBytes(...this.pieces.slice(start, end));
    this.pieces.fill(EMPTY, start, end);
    this.head = end;
    this.resetIfDrained();
    return b;
  }

  /**
   * Hands every piece to `write`, in order; pieces that lie back to back in one buffer (packets
   * a sealer cut from one slab) go as one. Returns whether there were any.
   */
  drainTo(write: (piece: Uint8Array) => void): boolean {
    if (this.head === this.pieces.length) return false;
    let run = this.pieces[this.head]!;
    this.pieces[this.head++] = EMPTY;
    while (this.head < this.pieces.length) {
      const b = this.pieces[this.head]!;
      this.pieces[this.head++] = EMPTY;
      if (b.buffer === run.buffer && run.byteOffset + run.byteLength === b.byteOffset) {
        run = new Uint8Array(run.buffer, run.byteOffset, run.byteLength + b.byteLength);
      } else {
        write(run);
        run = b;
      }
    }
    write(run);
    while (this.endsHead < this.ends.length && this.ends[this.endsHead]! <= this.head) this.endsHead++;
    this.resetIfDrained();
    return true;
  }

  private resetIfDrained(): void {
    if (this.head !== this.pieces.length) return;
    this.pieces = [];
    this.head = 0;
    this.ends = [];
    this.endsHead = 0;
  }
}
