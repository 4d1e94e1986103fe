/**
 * RFC 4253 §7.2: K1 = HASH(K || H || X || session_id), Kn = HASH(K || H || K1 || ... || Kn-1),
 * where K is the wire-encoded shared secret (an mpint, or a string for hybrid methods).
 */
import { createHash } from 'node:crypto';
import type { DirectionKeys, HashName } from '../algorithms/types.js';

export function deriveKey(
  hash: HashName,
  sharedSecret: Uint8Array,
  exchangeHash: Uint8Array,
  letter: 'A' | 'B' | 'C' | 'D' | 'E' | 'F',
  sessionId: Uint8Array,
  length: number,
): Uint8Array {
  if (length === 0) return new Uint8Array(0);
  const first = createHash(hash)
    .update(sharedSecret)
    .update(exchangeHash)
    .update(new Uint8Array([letter.charCodeAt(0)]))
    .update(sessionId)
    .digest();
  const parts: Uint8Array[] = [first];
  let have = first.length;
  while (have < length) {
    const h = createHash(hash).update(sharedSecret).update(exchangeHash);
    for (const p of parts) h.update(p);
    const next = h.digest();
    parts.push(next);
    have += next.length;
  }
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) {
    const n = Math.min(p.length, length - o);
    out.set(p.subarray(0, n), o);
    o += n;
    if (o === length) break;
  }
  return out;
}

export interface KeyLengths {
  ivLength: number;
  keyLength: number;
  macKeyLength: number;
}

/** Keys for both directions: client-to-server uses A, C, E; server-to-client B, D, F. */
export function deriveDirectionKeys(
  hash: HashName,
  sharedSecret: Uint8Array,
  exchangeHash: Uint8Array,
  sessionId: Uint8Array,
  c2s: KeyLengths,
  s2c: KeyLengths,
): { clientToServer: DirectionKeys; serverToClient: DirectionKeys } {
  const d = (letter: 'A' | 'B' | 'C' | 'D' | 'E' | 'F', n: number) =>
    deriveKey(hash, sharedSecret, exchangeHash, letter, sessionId, n);
  return {
    clientToServer: { iv: d('A', c2s.ivLength), key: d('C', c2s.keyLength), macKey: d('E', c2s.macKeyLength) },
    serverToClient: { iv: d('B', s2c.ivLength), key: d('D', s2c.keyLength), macKey: d('F', s2c.macKeyLength) },
  };
}
