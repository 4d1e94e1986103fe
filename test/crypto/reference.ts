/**
 * Deliberately slow, independent reference implementations used only to cross-check the
 * real code: the ChaCha20 block function (RFC 8439 §2.1-2.3, written from the RFC, with the
 * state words 12..15 given explicitly so both the original 64/64 layout and the RFC 8439
 * 32/96 layout can be expressed), Poly1305 over BigInt (RFC 8439 §2.5), and the
 * chacha20-poly1305@openssh.com construction built from them (PROTOCOL.chacha20poly1305).
 */

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

function le32(b: Uint8Array, i: number): number {
  return ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24)) >>> 0;
}

/** One 64-byte ChaCha20 block with state words 12..15 = `tail`. */
export function chachaBlock(key: Uint8Array, tail: readonly [number, number, number, number]): Uint8Array {
  const init = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];
  for (let i = 0; i < 8; i++) init.push(le32(key, 4 * i));
  init.push(...tail);
  const x = init.slice();
  const qr = (a: number, b: number, c: number, d: number): void => {
    x[a] = (x[a]! + x[b]!) >>> 0; x[d] = rotl(x[d]! ^ x[a]!, 16);
    x[c] = (x[c]! + x[d]!) >>> 0; x[b] = rotl(x[b]! ^ x[c]!, 12);
    x[a] = (x[a]! + x[b]!) >>> 0; x[d] = rotl(x[d]! ^ x[a]!, 8);
    x[c] = (x[c]! + x[d]!) >>> 0; x[b] = rotl(x[b]! ^ x[c]!, 7);
  };
  for (let round = 0; round < 10; round++) {
    qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15);
    qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14);
  }
  const out = new Uint8Array(64);
  for (let i = 0; i < 16; i++) {
    const v = (x[i]! + init[i]!) >>> 0;
    out[4 * i] = v & 0xff;
    out[4 * i + 1] = (v >>> 8) & 0xff;
    out[4 * i + 2] = (v >>> 16) & 0xff;
    out[4 * i + 3] = v >>> 24;
  }
  return out;
}

/**
 * Original ChaCha20 (D. J. Bernstein; OpenSSH's chacha.c): 64-bit little-endian block counter
 * in words 12-13, 64-bit nonce (8 bytes, read as two little-endian words) in words 14-15.
 */
export function chacha20Original(key: Uint8Array, nonce8: Uint8Array, counter: bigint, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  let ctr = counter;
  for (let off = 0; off < data.length; off += 64) {
    const lo = Number(ctr & 0xffffffffn);
    const hi = Number((ctr >> 32n) & 0xffffffffn);
    const ks = chachaBlock(key, [lo, hi, le32(nonce8, 0), le32(nonce8, 4)]);
    for (let i = 0; i < 64 && off + i < data.length; i++) out[off + i] = data[off + i]! ^ ks[i]!;
    ctr = (ctr + 1n) & 0xffffffffffffffffn;
  }
  return out;
}

function leBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

/** Poly1305 (RFC 8439 §2.5.1), straight from the definition. */
export function poly1305Reference(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const p = (1n << 130n) - 5n;
  const r = leBigInt(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = leBigInt(key.subarray(16, 32));
  let acc = 0n;
  for (let off = 0; off < msg.length; off += 16) {
    const block = msg.subarray(off, Math.min(off + 16, msg.length));
    const n = leBigInt(block) + (1n << BigInt(8 * block.length));
    acc = ((acc + n) * r) % p;
  }
  let tag = (acc + s) & ((1n << 128n) - 1n);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    out[i] = Number(tag & 0xffn);
    tag >>= 8n;
  }
  return out;
}

/** chacha20-poly1305@openssh.com, sealing one packet (PROTOCOL.chacha20poly1305). */
export function opensshChachaSealReference(key64: Uint8Array, seq: number, packet: Uint8Array): Uint8Array {
  const k2 = key64.subarray(0, 32); // main key
  const k1 = key64.subarray(32, 64); // length key
  const nonce = new Uint8Array(8);
  new DataView(nonce.buffer).setBigUint64(0, BigInt(seq), false); // SSH uint64 encoding
  const encLen = chacha20Original(k1, nonce, 0n, packet.subarray(0, 4));
  const polyKey = chacha20Original(k2, nonce, 0n, new Uint8Array(32));
  const body = chacha20Original(k2, nonce, 1n, packet.subarray(4));
  const out = new Uint8Array(packet.length + 16);
  out.set(encLen, 0);
  out.set(body, 4);
  out.set(poly1305Reference(polyKey, out.subarray(0, packet.length)), packet.length);
  return out;
}
