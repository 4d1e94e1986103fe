/**
 * RFC 4251 §5 data types, written into a growable buffer.
 */
const utf8 = new TextEncoder();

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0);
    this.pos += 4;
    return this;
  }

  u64(v: bigint): this {
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, v));
    this.pos += 8;
    return this;
  }

  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  bytesString(b: Uint8Array): this {
    this.u32(b.length);
    return this.raw(b);
  }

  utf8(s: string): this {
    return this.bytesString(utf8.encode(s));
  }

  nameList(names: readonly string[]): this {
    return this.utf8(names.join(','));
  }

  mpint(v: bigint): this {
    return this.bytesString(mpintBytes(v));
  }

  /** A non-negative integer given as an unsigned big-endian magnitude (e.g. a shared secret). */
  mpintMagnitude(magnitude: Uint8Array): this {
    let i = 0;
    while (i < magnitude.length && magnitude[i] === 0) i++;
    const m = magnitude.subarray(i);
    if (m.length > 0 && m[0]! & 0x80) {
      this.u32(m.length + 1);
      this.u8(0);
      return this.raw(m);
    }
    return this.bytesString(m);
  }

  /** The written bytes (a copy, safe to keep). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Two's complement big-endian minimal encoding of an mpint's value (without the length). */
export function mpintBytes(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0);
  // n = fewest bytes whose two's complement range holds v (RFC 4251 §5 examples: 0x80 -> 00 80).
  let n = 1;
  if (v > 0n) while (v >= 1n << BigInt(8 * n - 1)) n++;
  else while (v < -(1n << BigInt(8 * n - 1))) n++;
  let x = v < 0n ? v + (1n << BigInt(8 * n)) : v;
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

export function encodeUtf8(s: string): Uint8Array {
  return utf8.encode(s);
}

/** Concatenate byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
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
