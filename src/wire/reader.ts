/**
 * RFC 4251 §5 data types, read from a byte array without copying.
 * Every read checks bounds first and throws WireError; nothing reads past the end.
 */
import { WireError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class Reader {
  private readonly view: DataView;
  private pos: number;
  private readonly end: number;

  constructor(readonly bytes: Uint8Array, start = 0, end = bytes.length) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new WireError(`truncated ${what}: need ${n} bytes, ${this.end - this.pos} left`);
    }
  }

  u8(): number {
    this.need(1, 'byte');
    return this.bytes[this.pos++]!;
  }

  bool(): boolean {
    return this.u8() !== 0;
  }

  u32(): number {
    this.need(4, 'uint32');
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8, 'uint64');
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  /** Raw fixed-length bytes (a view, not a copy). */
  raw(n: number): Uint8Array {
    this.need(n, `${n}-byte field`);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** `string` as bytes (a view into the input, not a copy). */
  bytesString(): Uint8Array {
    const len = this.u32();
    this.need(len, 'string');
    const v = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  /** `string` holding UTF-8 text (RFC 4251 §5: ISO-10646 UTF-8 where text is meant). */
  utf8(): string {
    const b = this.bytesString();
    try {
      return utf8.decode(b);
    } catch {
      throw new WireError('string is not valid UTF-8');
    }
  }

  /** `name-list` (RFC 4251 §5): comma-separated US-ASCII names, none empty. */
  nameList(): string[] {
    const b = this.bytesString();
    if (b.length === 0) return [];
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (c < 0x21 || c > 0x7e) throw new WireError('name-list contains a non-printable or non-ASCII byte');
    }
    // Printable ASCII only (checked above), so UTF-8 decoding is exact; it is native and much
    // faster than String.fromCharCode over the bytes (a KEXINIT's lists run to ~1.5 KB).
    const names = utf8.decode(b).split(',');
    if (names.some((n) => n.length === 0)) throw new WireError('name-list contains an empty name');
    return names;
  }

  /** `mpint` (RFC 4251 §5): two's complement, big-endian, minimal encoding. */
  mpint(): bigint {
    const b = this.bytesString();
    if (b.length === 0) return 0n;
    if (b.length > 1 && ((b[0] === 0 && (b[1]! & 0x80) === 0) || (b[0] === 0xff && (b[1]! & 0x80) !== 0))) {
      throw new WireError('mpint has unnecessary leading bytes');
    }
    let v = 0n;
    for (const x of b) v = (v << 8n) | BigInt(x);
    if (b[0]! & 0x80) v -= 1n << BigInt(b.length * 8);
    return v;
  }

  /** The bytes of a non-negative mpint as an unsigned big-endian magnitude (a view). */
  mpintMagnitude(): Uint8Array {
    const b = this.bytesString();
    if (b.length > 0 && b[0]! & 0x80) throw new WireError('mpint is negative where a positive value is required');
    if (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) throw new WireError('mpint has unnecessary leading bytes');
    return b[0] === 0 ? b.subarray(1) : b;
  }

  /** All remaining bytes (a view). */
  rest(): Uint8Array {
    const v = this.bytes.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }

  /** Rejects trailing bytes: decoders call this last. */
  done(what = 'message'): void {
    if (this.pos !== this.end) throw new WireError(`${what} has ${this.end - this.pos} unexpected trailing bytes`);
  }
}
