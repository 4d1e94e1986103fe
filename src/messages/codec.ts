/**
 * Declarative message codec: one schema per message gives the encoder, the decoder and the
 * static type. Decoders never read past the end and reject trailing bytes (except an explicit
 * `rest` field, which must come last); malformed input raises WireError and nothing else.
 */
import { WireError } from '../errors.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';

export interface Field<T> {
  read(r: Reader): T;
  write(w: Writer, v: T): void;
}

export const u8: Field<number> = { read: (r) => r.u8(), write: (w, v) => void w.u8(v) };
export const bool: Field<boolean> = { read: (r) => r.bool(), write: (w, v) => void w.bool(v) };
export const u32: Field<number> = { read: (r) => r.u32(), write: (w, v) => void w.u32(v) };
export const u64: Field<bigint> = { read: (r) => r.u64(), write: (w, v) => void w.u64(v) };
/** `string` carrying arbitrary bytes. */
export const bytes: Field<Uint8Array> = { read: (r) => r.bytesString(), write: (w, v) => void w.bytesString(v) };
/** `string` carrying UTF-8 text. */
export const utf8: Field<string> = { read: (r) => r.utf8(), write: (w, v) => void w.utf8(v) };
export const nameList: Field<string[]> = { read: (r) => r.nameList(), write: (w, v) => void w.nameList(v) };
export const mpint: Field<bigint> = { read: (r) => r.mpint(), write: (w, v) => void w.mpint(v) };
/** Everything after the preceding fields; only valid as the last field. */
export const rest: Field<Uint8Array> = { read: (r) => r.rest(), write: (w, v) => void w.raw(v) };
/** A fixed number of raw bytes (e.g. the KEXINIT cookie). */
export function raw(n: number): Field<Uint8Array> {
  return {
    read: (r) => r.raw(n),
    write: (w, v) => {
      if (v.length !== n) throw new WireError(`field must be exactly ${n} bytes, got ${v.length}`);
      w.raw(v);
    },
  };
}

export type Schema = Record<string, Field<any>>;
export type Infer<S extends Schema> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

export interface MessageCodec<T> {
  readonly id: number;
  readonly name: string;
  encode(v: T): Uint8Array;
  decode(payload: Uint8Array): T;
}

export function message<S extends Schema>(id: number, name: string, schema: S): MessageCodec<Infer<S>> {
  const fields = Object.entries(schema);
  return {
    id,
    name,
    encode(v) {
      const w = new Writer();
      w.u8(id);
      for (const [k, f] of fields) f.write(w, (v as Record<string, unknown>)[k]);
      return w.finish();
    },
    decode(payload) {
      const r = new Reader(payload);
      const got = r.u8();
      if (got !== id) throw new WireError(`expected ${name} (${id}), got message ${got}`);
      const out: Record<string, unknown> = {};
      try {
        for (const [k, f] of fields) out[k] = f.read(r);
        r.done(name);
      } catch (e) {
        if (e instanceof WireError) throw new WireError(`malformed ${name}: ${e.message}`);
        throw e;
      }
      return out as Infer<S>;
    },
  };
}

/** A schema-driven struct without a message number (for nested or method-specific parts). */
export function struct<S extends Schema>(name: string, schema: S): MessageCodec<Infer<S>> & Field<Infer<S>> {
  const fields = Object.entries(schema);
  const read = (r: Reader): Infer<S> => {
    const out: Record<string, unknown> = {};
    for (const [k, f] of fields) out[k] = f.read(r);
    return out as Infer<S>;
  };
  const write = (w: Writer, v: Infer<S>): void => {
    for (const [k, f] of fields) f.write(w, (v as Record<string, unknown>)[k]);
  };
  return {
    id: -1,
    name,
    read,
    write,
    encode(v) {
      const w = new Writer();
      write(w, v);
      return w.finish();
    },
    decode(bytes) {
      const r = new Reader(bytes);
      try {
        const v = read(r);
        r.done(name);
        return v;
      } catch (e) {
        if (e instanceof WireError) throw new WireError(`malformed ${name}: ${e.message}`);
        throw e;
      }
    },
  };
}
