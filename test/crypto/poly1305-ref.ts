// Reference Poly1305 (RFC 8439 section 2.5.1) using bigint arithmetic, written to be
// obviously right rather than fast. Used only by the tests, to cross-check the wasm one.

const P = (1n << 130n) - 5n;
const CLAMP = 0x0ffffffc0ffffffc0ffffffc0fffffffn;
const MASK128 = (1n << 128n) - 1n;

/** Little-endian bytes -> bigint. */
function leToBigInt(bytes: Uint8Array): bigint {
  let x = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i] as number);
  return x;
}

export function poly1305Ref(key: Uint8Array, msg: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new RangeError('key must be 32 bytes');
  const r = leToBigInt(key.subarray(0, 16)) & CLAMP;
  const s = leToBigInt(key.subarray(16, 32));
  let acc = 0n;
  for (let i = 0; i < msg.length; i += 16) {
    const block = msg.subarray(i, Math.min(i + 16, msg.length));
    // the block as a number, with one 0x01 byte appended above its top byte
    const n = leToBigInt(block) + (1n << BigInt(8 * block.length));
    acc = ((acc + n) * r) % P;
  }
  let tag = (acc + s) & MASK128;
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    out[i] = Number(tag & 0xffn);
    tag >>= 8n;
  }
  return out;
}
