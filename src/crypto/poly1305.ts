/**
 * Poly1305 one-time authenticator (RFC 8439 section 2.5), backed by a small hand-written
 * WebAssembly module (src/crypto/poly1305.wat, embedded as base64 in poly1305-wasm.ts).
 *
 * The key is a 32-byte one-time key (r || s); it must never be used for two messages.
 * The module is instantiated synchronously on first use and shared by the whole process.
 * All calls are synchronous, so sharing its single state area is safe in one thread.
 */
import { Buffer } from 'node:buffer';
import { POLY1305_WASM_BASE64 } from './poly1305-wasm.js';

export const POLY1305_KEY_LENGTH = 32;
export const POLY1305_TAG_LENGTH = 16;

// Minimal typings for the parts of the WebAssembly JS API used here (the project's lib
// settings do not include the DOM declarations that normally carry them).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}
interface PolyExports {
  readonly memory: WasmMemory;
  mac(keyPtr: number, msgPtr: number, len: number, outPtr: number): void;
  init(keyPtr: number): void;
  update(msgPtr: number, len: number): void;
  finish(outPtr: number): void;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { readonly exports: unknown };
}

// Fixed memory layout shared with poly1305.wat.
const KEY_OFF = 0;
const TAG_OFF = 32;
const STATE_OFF = 64;
const STATE_LEN = 96;
const MSG_OFF = 256;
const PAGE = 65536;

let wasm: PolyExports | undefined;
let mem: Uint8Array = new Uint8Array(0);
let tagView: Uint8Array = new Uint8Array(0);
/** The streaming instance whose state currently sits in wasm memory, if any. */
let stateOwner: Poly1305 | null = null;

function load(): PolyExports {
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const bytes = Buffer.from(POLY1305_WASM_BASE64, 'base64');
  const instance = new api.Instance(new api.Module(bytes), {});
  wasm = instance.exports as PolyExports;
  refreshViews(wasm);
  return wasm;
}

function refreshViews(w: PolyExports): void {
  mem = new Uint8Array(w.memory.buffer);
  tagView = mem.subarray(TAG_OFF, TAG_OFF + POLY1305_TAG_LENGTH);
}

/** Returns the module with room for `len` message bytes at MSG_OFF. */
function ready(len: number): PolyExports {
  const w = wasm ?? load();
  const need = MSG_OFF + len;
  if (need > mem.byteLength) {
    w.memory.grow(Math.ceil((need - w.memory.buffer.byteLength) / PAGE));
    refreshViews(w);
  }
  return w;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== POLY1305_KEY_LENGTH) throw new RangeError(`Poly1305 key must be 32 bytes, got ${key.length}`);
}

function output(out: Uint8Array | undefined): Uint8Array {
  if (out === undefined) return new Uint8Array(tagView);
  if (out.length < POLY1305_TAG_LENGTH) throw new RangeError('Poly1305 output buffer is shorter than 16 bytes');
  out.set(tagView);
  return out;
}

/** Constant-time comparison of the tag just computed (in wasm memory) with `tag`. */
function tagEquals(tag: Uint8Array): boolean {
  if (tag.length !== POLY1305_TAG_LENGTH) return false;
  let diff = 0;
  for (let i = 0; i < POLY1305_TAG_LENGTH; i++) diff |= (tagView[i] as number) ^ (tag[i] as number);
  return diff === 0;
}

function computeInto(key: Uint8Array, a: Uint8Array, b: Uint8Array | undefined): void {
  checkKey(key);
  const len = a.length + (b === undefined ? 0 : b.length);
  const w = ready(len);
  stateOwner = null; // the one-shot call overwrites the shared state area
  mem.set(key, KEY_OFF);
  mem.set(a, MSG_OFF);
  if (b !== undefined) mem.set(b, MSG_OFF + a.length);
  w.mac(KEY_OFF, MSG_OFF, len, TAG_OFF);
  mem.fill(0, KEY_OFF, KEY_OFF + POLY1305_KEY_LENGTH);
}

/**
 * Poly1305. The static methods are the fast path (one copy into wasm memory, one call);
 * an instance is an incremental MAC for data that arrives in pieces.
 */
export class Poly1305 {
  /** Tag of `msg` under the 32-byte one-time `key`, written to `out` (or a new array). */
  static mac(key: Uint8Array, msg: Uint8Array, out?: Uint8Array): Uint8Array {
    computeInto(key, msg, undefined);
    return output(out);
  }

  /** Tag of the concatenation `a || b` (e.g. OpenSSH's encrypted length || ciphertext). */
  static mac2(key: Uint8Array, a: Uint8Array, b: Uint8Array, out?: Uint8Array): Uint8Array {
    computeInto(key, a, b);
    return output(out);
  }

  /** Whether `tag` is the tag of `msg` under `key`; compares in constant time. */
  static verify(key: Uint8Array, msg: Uint8Array, tag: Uint8Array): boolean {
    computeInto(key, msg, undefined);
    return tagEquals(tag);
  }

  /** Whether `tag` is the tag of `a || b` under `key`; compares in constant time. */
  static verify2(key: Uint8Array, a: Uint8Array, b: Uint8Array, tag: Uint8Array): boolean {
    computeInto(key, a, b);
    return tagEquals(tag);
  }

  // Incremental use. The state is parked here between calls (the wasm module has a single
  // state area, which the static methods and other instances also use).
  readonly #state = new Uint8Array(STATE_LEN);
  #done = false;

  constructor(key: Uint8Array) {
    checkKey(key);
    const w = ready(0);
    mem.set(key, KEY_OFF);
    w.init(KEY_OFF);
    mem.fill(0, KEY_OFF, KEY_OFF + POLY1305_KEY_LENGTH);
    this.#park();
  }

  /** Absorbs more message bytes. */
  update(data: Uint8Array): this {
    if (this.#done) throw new Error('Poly1305: update() after digest()');
    const w = this.#unpark();
    const chunkMax = Math.max(mem.byteLength - MSG_OFF, PAGE);
    for (let off = 0; off < data.length; off += chunkMax) {
      const n = Math.min(chunkMax, data.length - off);
      mem.set(data.subarray(off, off + n), MSG_OFF);
      w.update(MSG_OFF, n);
    }
    this.#park();
    return this;
  }

  /** Finishes the MAC and returns the tag; the instance cannot be used afterwards. */
  digest(out?: Uint8Array): Uint8Array {
    if (this.#done) throw new Error('Poly1305: digest() called twice');
    const w = this.#unpark();
    this.#done = true;
    this.#state.fill(0);
    stateOwner = null;
    w.finish(TAG_OFF);
    return output(out);
  }

  /** Whether the MAC of everything absorbed equals `tag` (constant-time); finishes the MAC. */
  verify(tag: Uint8Array): boolean {
    this.digest(tagScratch);
    let diff = tag.length ^ POLY1305_TAG_LENGTH;
    for (let i = 0; i < POLY1305_TAG_LENGTH; i++) diff |= (tagScratch[i] as number) ^ (tag[i] ?? 0);
    return diff === 0;
  }

  #park(): void {
    this.#state.set(mem.subarray(STATE_OFF, STATE_OFF + STATE_LEN));
    stateOwner = this;
  }

  #unpark(): PolyExports {
    const w = ready(0);
    if (stateOwner !== this) {
      mem.set(this.#state, STATE_OFF);
      stateOwner = this;
    }
    return w;
  }
}

const tagScratch = new Uint8Array(POLY1305_TAG_LENGTH);

/** Convenience: `Poly1305.mac`. */
export function poly1305(key: Uint8Array, msg: Uint8Array, out?: Uint8Array): Uint8Array {
  return Poly1305.mac(key, msg, out);
}

/** Convenience: `Poly1305.verify`. */
export function poly1305Verify(key: Uint8Array, msg: Uint8Array, tag: Uint8Array): boolean {
  return Poly1305.verify(key, msg, tag);
}
