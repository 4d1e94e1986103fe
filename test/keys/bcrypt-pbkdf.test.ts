// bcrypt_pbkdf known answers (OpenBSD's regress vectors, as carried by RustCrypto's
// bcrypt-pbkdf crate), the Blowfish tables (the hexadecimal digits of pi), and its cost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SshError } from '../../src/errors.js';
import { bcryptPbkdf, blowfishInitialState } from '../../src/keys/bcrypt-pbkdf.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const VECTORS: { password: string; salt: string; rounds: number; out: string }[] = [
  { password: 'password', salt: 'salt', rounds: 4, out: '5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9' },
  { password: 'password', salt: '\x00', rounds: 4, out: 'c12b566235eee04c212598970a579a67' },
  { password: '\x00', salt: 'salt', rounds: 4, out: '6051be18c2f4f82cbf0efee5471b4bb9' },
  { password: 'password\x00', salt: 'salt\x00', rounds: 4, out: '7410e44cf4fa07bfaac8a928b1727fac001375e7bf7384370f48efd121743050' },
  { password: 'pass\x00wor', salt: 'sa\x00l', rounds: 4, out: 'c2bffd9db38f6569efef4372f4de83c0' },
  { password: 'pass\x00word', salt: 'sa\x00lt', rounds: 4, out: '4ba4ac3925c0e8d7f0cdb6bb1684a56f' },
  {
    password: 'password',
    salt: 'salt',
    rounds: 8,
    out: 'e1367ec5151a33faac4cc1c144cd23fa15d5548493ecc99b9b5d9c0d3b27bec76227ea66088b849b20ab7aa478010246e74bba51723fefa9f9474d6508845e8d',
  },
  { password: 'password', salt: 'salt', rounds: 42, out: '833cf0dcf56db65608e8f0dc0ce882bd' },
  {
    password:
      'Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ' +
      'Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. ' +
      'Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. ' +
      'Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.',
    salt: 'salis\x00',
    rounds: 8,
    out: '10978b07253df57f71a162eb0e8ad30a',
  },
];

for (const [i, v] of VECTORS.entries()) {
  test(`bcrypt_pbkdf OpenBSD vector ${i + 1} (${v.rounds} rounds, ${v.out.length / 2} bytes)`, () => {
    assert.equal(hex(bcryptPbkdf(enc(v.password), enc(v.salt), v.out.length / 2, v.rounds)), v.out);
  });
}

test('the interleaved output: a shorter key is not a prefix of a longer one', () => {
  const long = bcryptPbkdf(enc('password'), enc('salt'), 64, 4);
  const short = bcryptPbkdf(enc('password'), enc('salt'), 32, 4);
  assert.equal(hex(short), VECTORS[0]!.out);
  assert.notEqual(hex(long.subarray(0, 32)), hex(short));
  // With stride 2, block 1 lands on the even bytes.
  assert.deepEqual(long.filter((_, i) => i % 2 === 0), short);
});

test('Blowfish initial state is the fractional hexadecimal digits of pi (P-array, then S-boxes)', () => {
  // pi = 16 atan(1/5) - 4 atan(1/239) in fixed point (Machin), with 64 guard bits.
  const state = blowfishInitialState();
  const digits = state.length * 8;
  const bits = BigInt(digits * 4 + 64);
  const one = 1n << bits;
  const atanInv = (x: bigint): bigint => {
    let term = one / x;
    let sum = term;
    for (let k = 3n, sign = -1n; term !== 0n; k += 2n, sign = -sign) {
      term /= x * x;
      sum += (sign * term) / k;
    }
    return sum;
  };
  const fraction = 16n * atanInv(5n) - 4n * atanInv(239n) - 3n * one;
  const pi = (fraction >> 64n).toString(16).padStart(digits, '0');
  const table = Array.from(state, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
  assert.equal(table.slice(0, 16), '243f6a8885a308d3');
  assert.equal(table, pi);
});

test('bcrypt_pbkdf rejects what OpenBSD rejects, with ERR_KEY', () => {
  const bad: [Uint8Array, Uint8Array, number, number][] = [
    [enc(''), enc('salt'), 32, 16],
    [enc('pw'), enc(''), 32, 16],
    [enc('pw'), enc('salt'), 0, 16],
    [enc('pw'), enc('salt'), 1025, 16],
    [enc('pw'), enc('salt'), 32, 0],
  ];
  for (const args of bad) {
    assert.throws(() => bcryptPbkdf(...args), (e: unknown) => e instanceof SshError && e.code === 'ERR_KEY');
  }
});

test('bcrypt_pbkdf cost: ssh-keygen defaults (16 rounds, aes256-ctr key and IV = 48 bytes)', (t) => {
  const salt = new Uint8Array(16).fill(7);
  bcryptPbkdf(enc('warm up'), salt, 48, 1);
  const started = performance.now();
  bcryptPbkdf(enc('correct horse battery staple'), salt, 48, 16);
  const ms = performance.now() - started;
  t.diagnostic(`bcrypt_pbkdf, 16 rounds, 48 bytes: ${ms.toFixed(0)} ms`);
  assert.ok(ms < 5000, `took ${ms} ms`);
});
