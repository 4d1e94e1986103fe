/**
 * The WebAssembly ChaCha20 block function (src/crypto/chacha20.wat) against RFC 8439 and
 * against node:crypto's chacha20, which it stands in for on small inputs.
 */
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { describe, it } from 'node:test';
import { CHACHA20_XOR_MAX, chacha20Block, chacha20Xor } from '../../src/crypto/chacha20.js';
import { fromHex, Rng, toHex } from './helpers.js';

describe('ChaCha20 (WebAssembly)', () => {
  it('RFC 8439 §2.3.2: the block function test vector', () => {
    const key = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    // counter 1 (little-endian), nonce 00:00:00:09:00:00:00:4a:00:00:00:00
    const iv = fromHex('01000000' + '000000090000004a00000000');
    const out = new Uint8Array(64);
    chacha20Block(key, iv, out);
    assert.equal(
      toHex(out),
      '10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e' +
        'd2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e',
    );
  });

  it('XOR agrees with node:crypto for random keys, IVs and lengths, across the 32-bit counter carry', () => {
    const rng = new Rng(0xc0ffee);
    for (let i = 0; i < 300; i++) {
      const key = rng.bytes(32);
      const iv = rng.bytes(16);
      if (i % 4 === 0) new DataView(iv.buffer).setUint32(0, 0xffffffff - (i % 7), true);
      const data = rng.bytes(i === 0 ? CHACHA20_XOR_MAX : rng.int(700));
      const mine = data.slice();
      chacha20Xor(key, iv, mine);
      assert.equal(toHex(mine), toHex(createCipheriv('chacha20', key, iv).update(data)), `case ${i}, ${data.length} bytes`);
      const block = new Uint8Array(64);
      chacha20Block(key, iv, block);
      assert.equal(toHex(block), toHex(createCipheriv('chacha20', key, iv).update(new Uint8Array(64))));
    }
  });

  it('leaves its inputs alone and refuses sizes it cannot take', () => {
    const key = new Uint8Array(32).fill(7);
    const iv = new Uint8Array(16).fill(9);
    const prefix = new Uint8Array(4);
    chacha20Block(key, iv, prefix); // a prefix of the block is allowed
    chacha20Xor(key, iv, new Uint8Array(10));
    assert.deepEqual(key, new Uint8Array(32).fill(7));
    assert.deepEqual(iv, new Uint8Array(16).fill(9), 'the IV is not advanced');
    assert.throws(() => chacha20Xor(key, iv, new Uint8Array(CHACHA20_XOR_MAX + 1)), RangeError);
    assert.throws(() => chacha20Block(key.subarray(1), iv, prefix), RangeError);
    assert.throws(() => chacha20Block(key, iv.subarray(1), prefix), RangeError);
    assert.throws(() => chacha20Block(key, iv, new Uint8Array(65)), RangeError);
  });
});
