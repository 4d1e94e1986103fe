/**
 * Password comparison for server policies, in constant time: both sides are first reduced to
 * HMAC digests of equal length under a random key, so neither the content nor the length of the
 * expected password leaks through timing.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const key = randomBytes(32);

export function passwordsEqual(given: string | Uint8Array, expected: string | Uint8Array): boolean {
  const a = createHmac('sha256', key).update(given).digest();
  const b = createHmac('sha256', key).update(expected).digest();
  return timingSafeEqual(a, b);
}
