/**
 * The ChaCha20 block function (RFC 8439 §2.3) in a small hand-written WebAssembly module
 * (src/crypto/chacha20.wat, embedded as base64 in chacha20-wasm.ts), for the pieces of
 * chacha20-poly1305@openssh.com that are a few bytes long: the packet_length keystream, the
 * Poly1305 key, and the payload of small packets. A node:crypto cipher context costs about a
 * microsecond to create; one block here costs a tenth of that. Bulk data stays with node:crypto.
 *
 * The IV is node:crypto's 16-byte "chacha20" IV: a 32-bit little-endian block counter, then a
 * 96-bit nonce (the same state words as OpenSSH's 64-bit counter || 64-bit nonce while the
 * counter's high word is zero).
 */
import { Buffer } from 'node:buffer';
import { CHACHA20_WASM_BASE64 } from './chacha20-wasm.js';

export const CHACHA20_KEY_LENGTH = 32;
export const CHACHA20_IV_LENGTH = 16;
export const CHACHA20_BLOCK_LENGTH = 64;
/** Largest input of chacha20Xor (the module's data area). */
export const CHACHA20_XOR_MAX = 65536 - 128;

interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface ChaChaExports {
  readonly memory: WasmMemory;
  block(): void;
  xor(ptr: number, len: number): void;
  wipe(): void;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { readonly exports: unknown };
}

// Fixed memory layout shared with chacha20.wat.
const KEY_OFF = 0;
const IV_OFF = 32;
const OUT_OFF = 64;
const DATA_OFF = 128;

let wasm: ChaChaExports | undefined;
let mem = new Uint8Array(0);

function load(): ChaChaExports {
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const instance = new api.Instance(new api.Module(Buffer.from(CHACHA20_WASM_BASE64, 'base64')), {});
  const w = instance.exports as ChaChaExports;
  mem = new Uint8Array(w.memory.buffer); // one page, never grown
  wasm = w;
  return w;
}

function setup(key: Uint8Array, iv: Uint8Array): ChaChaExports {
  if (key.length !== CHACHA20_KEY_LENGTH) throw new RangeError(`ChaCha20 key must be 32 bytes, got ${key.length}`);
  if (iv.length !== CHACHA20_IV_LENGTH) throw new RangeError(`ChaCha20 IV must be 16 bytes, got ${iv.length}`);
  const w = wasm ?? load();
  mem.set(key, KEY_OFF);
  mem.set(iv, IV_OFF);
  return w;
}

/** Writes the first out.length (at most 64) bytes of the keystream block for key and IV to out. */
export function chacha20Block(key: Uint8Array, iv: Uint8Array, out: Uint8Array): void {
  if (out.length > CHACHA20_BLOCK_LENGTH) throw new RangeError('a ChaCha20 block is 64 bytes');
  const w = setup(key, iv);
  w.block();
  out.set(mem.subarray(OUT_OFF, OUT_OFF + out.length));
  w.wipe();
}

/** XORs data (at most CHACHA20_XOR_MAX bytes) in place with the keystream starting at the IV's block counter. */
export function chacha20Xor(key: Uint8Array, iv: Uint8Array, data: Uint8Array): void {
  if (data.length > CHACHA20_XOR_MAX) throw new RangeError(`chacha20Xor takes at most ${CHACHA20_XOR_MAX} bytes`);
  const w = setup(key, iv);
  mem.set(data, DATA_OFF);
  w.xor(DATA_OFF, data.length);
  data.set(mem.subarray(DATA_OFF, DATA_OFF + data.length));
  mem.fill(0, DATA_OFF, DATA_OFF + data.length);
  w.wipe();
}
