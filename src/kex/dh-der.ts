/**
 * Just enough DER to hand finite-field Diffie-Hellman keys to node:crypto as KeyObjects
 * (PKCS #3 dhKeyAgreement in PKCS #8 / SubjectPublicKeyInfo).
 *
 * Why not crypto.createDiffieHellman(p, g)? Its constructor runs OpenSSL's DH_check, a full
 * safe-prime test unless p is one of OpenSSL's named groups: ~0.2 s for a 2048-bit group from a
 * server's moduli file, ~3 s at 4096 bits and ~30 s at 8192 bits, per connection. KeyObjects
 * skip that test (we check what RFC 4253 and RFC 4419 ask for ourselves).
 */
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { kexError } from './common.js';

// 1.2.840.113549.1.3.1 (PKCS #3 dhKeyAgreement)
const DH_KEY_AGREEMENT_OID = Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x03, 0x01);

function concat(parts: readonly Uint8Array[]): Uint8Array {
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

function tlv(tag: number, ...body: Uint8Array[]): Uint8Array {
  const content = concat(body);
  const n = content.length;
  let header: Uint8Array;
  if (n < 0x80) header = Uint8Array.of(tag, n);
  else if (n < 0x100) header = Uint8Array.of(tag, 0x81, n);
  else if (n < 0x10000) header = Uint8Array.of(tag, 0x82, n >>> 8, n & 0xff);
  else header = Uint8Array.of(tag, 0x83, n >>> 16, (n >>> 8) & 0xff, n & 0xff);
  return concat([header, content]);
}

/** DER INTEGER from an unsigned big-endian magnitude. */
function integer(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.length === 0 ? Uint8Array.of(0) : magnitude.subarray(i);
  return m[0]! & 0x80 ? tlv(0x02, Uint8Array.of(0), m) : tlv(0x02, m);
}

function algorithm(prime: Uint8Array, generator: Uint8Array): Uint8Array {
  return tlv(0x30, DH_KEY_AGREEMENT_OID, tlv(0x30, integer(prime), integer(generator)));
}

export function dhPrivateKey(prime: Uint8Array, generator: Uint8Array, x: Uint8Array): KeyObject {
  const der = tlv(0x30, integer(Uint8Array.of(0)), algorithm(prime, generator), tlv(0x04, integer(x)));
  try {
    return createPrivateKey({ key: der as Buffer, format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw kexError('Diffie-Hellman group rejected by OpenSSL', e);
  } finally {
    der.fill(0);
  }
}

export function dhPublicKey(prime: Uint8Array, generator: Uint8Array, y: Uint8Array): KeyObject {
  const der = tlv(0x30, algorithm(prime, generator), tlv(0x03, Uint8Array.of(0), integer(y)));
  try {
    return createPublicKey({ key: der as Buffer, format: 'der', type: 'spki' });
  } catch (e) {
    throw kexError('Diffie-Hellman public value rejected by OpenSSL', e);
  }
}

/** Reads one DER TLV at `pos`; returns the content bounds and the next position. */
function readTlv(der: Uint8Array, pos: number, tag: number): { start: number; end: number } {
  if (der[pos] !== tag) throw kexError(`unexpected DER tag in a Diffie-Hellman key (wanted 0x${tag.toString(16)})`);
  let len = der[pos + 1] ?? 0;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] ?? 0);
    start += n;
  }
  if (start + len > der.length) throw kexError('truncated DER in a Diffie-Hellman key');
  return { start, end: start + len };
}

/** y from a DH public KeyObject (SPKI: SEQUENCE { algorithm, BIT STRING { INTEGER y } }). */
export function dhPublicValue(key: KeyObject): Uint8Array {
  const der = new Uint8Array(key.export({ format: 'der', type: 'spki' }));
  const outer = readTlv(der, 0, 0x30);
  const alg = readTlv(der, outer.start, 0x30);
  const bits = readTlv(der, alg.end, 0x03);
  const y = readTlv(der, bits.start + 1, 0x02);
  let i = y.start;
  while (i < y.end && der[i] === 0) i++;
  return der.slice(i, y.end);
}

/** The raw shared secret (left-padded to the modulus size by OpenSSL). */
export function dhDerive(privateKey: KeyObject, publicKey: KeyObject): Uint8Array {
  try {
    return diffieHellman({ privateKey, publicKey });
  } catch (e) {
    throw kexError('Diffie-Hellman key agreement failed', e);
  }
}
