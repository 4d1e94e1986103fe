/**
 * Known-answer tests of the primitives the packet protection is built on, as node:crypto
 * provides them (and of the test-only reference implementations), so a failure in the
 * construction tests can be told apart from a broken primitive.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { Poly1305 } from '../../src/crypto/poly1305.js';
import { fromHex, toHex } from './helpers.js';
import { chachaBlock, chacha20Original, poly1305Reference } from './reference.js';
import { GCM_MCGREW_VIEGA, RFC4231, RFC8439, SP800_38A_CBC_AES128, SP800_38A_CTR } from './vectors.js';

const KEY_0_31 = Uint8Array.from({ length: 32 }, (_, i) => i);

/** node:crypto's 16-byte "chacha20" IV: 32-bit little-endian block counter, then the 96-bit nonce. */
function ietfIv(counter: number, nonce12: Uint8Array): Uint8Array {
  const iv = new Uint8Array(16);
  new DataView(iv.buffer).setUint32(0, counter, true);
  iv.set(nonce12, 4);
  return iv;
}

describe('AES-CTR (NIST SP 800-38A F.5)', () => {
  for (const v of SP800_38A_CTR.cases) {
    it(v.name, () => {
      const key = fromHex(v.key);
      const algo = `aes-${key.length * 8}-ctr`;
      const ct = createCipheriv(algo, key, fromHex(SP800_38A_CTR.counter)).update(fromHex(SP800_38A_CTR.plaintext));
      assert.equal(toHex(ct), v.ciphertext);
      const pt = createDecipheriv(algo, key, fromHex(SP800_38A_CTR.counter)).update(fromHex(v.ciphertext));
      assert.equal(toHex(pt), SP800_38A_CTR.plaintext);
    });
  }

  it('one long-lived context is one keystream across update() calls of any size', () => {
    const v = SP800_38A_CTR.cases[0];
    const c = createCipheriv('aes-128-ctr', fromHex(v.key), fromHex(SP800_38A_CTR.counter));
    const pt = fromHex(SP800_38A_CTR.plaintext);
    const parts = [c.update(pt.subarray(0, 5)), c.update(pt.subarray(5, 16)), c.update(pt.subarray(16, 47)), c.update(pt.subarray(47))];
    assert.equal(parts.map(toHex).join(''), v.ciphertext);
  });
});

describe('AES-CBC (NIST SP 800-38A F.2.1)', () => {
  it('CBC-AES128.Encrypt, chained across update() calls with padding disabled', () => {
    const v = SP800_38A_CBC_AES128;
    const c = createCipheriv('aes-128-cbc', fromHex(v.key), fromHex(v.iv));
    c.setAutoPadding(false);
    const pt = fromHex(v.plaintext);
    assert.equal(toHex(c.update(pt.subarray(0, 32))) + toHex(c.update(pt.subarray(32))), v.ciphertext);
  });
});

describe('AES-GCM (McGrew-Viega test cases 3 and 4)', () => {
  const v = GCM_MCGREW_VIEGA;
  it('test case 3 (no AAD)', () => {
    const c = createCipheriv('aes-128-gcm', fromHex(v.key), fromHex(v.iv));
    const ct = c.update(fromHex(v.plaintext));
    c.final();
    assert.equal(toHex(ct), v.ciphertext);
    assert.equal(toHex(c.getAuthTag()), v.tag3);
  });
  it('test case 4 (AAD, 60-byte plaintext), and decryption rejects a wrong tag', () => {
    const c = createCipheriv('aes-128-gcm', fromHex(v.key), fromHex(v.iv));
    c.setAAD(fromHex(v.aad4));
    const ct = c.update(fromHex(v.plaintext).subarray(0, 60));
    c.final();
    assert.equal(toHex(ct), v.ciphertext.slice(0, 120));
    assert.equal(toHex(c.getAuthTag()), v.tag4);
    const bad = fromHex(v.tag4);
    bad[0]! ^= 1;
    const d = createDecipheriv('aes-128-gcm', fromHex(v.key), fromHex(v.iv));
    d.setAAD(fromHex(v.aad4));
    d.setAuthTag(bad);
    d.update(ct);
    assert.throws(() => d.final());
  });
});

describe('HMAC-SHA2 (RFC 4231)', () => {
  for (const v of RFC4231) {
    it(v.name, () => {
      assert.equal(createHmac('sha256', fromHex(v.key)).update(fromHex(v.data)).digest('hex'), v.sha256);
      assert.equal(createHmac('sha512', fromHex(v.key)).update(fromHex(v.data)).digest('hex'), v.sha512);
    });
  }
});

describe('ChaCha20 (RFC 8439) through node:crypto "chacha20"', () => {
  it('§2.3.2 block function (IV = counter_le32 || nonce)', () => {
    const v = RFC8439.block;
    const ks = createCipheriv('chacha20', KEY_0_31, ietfIv(v.counter, fromHex(v.nonce))).update(new Uint8Array(64));
    assert.equal(toHex(ks), v.keystream);
  });
  it('§2.4.2 encryption', () => {
    const v = RFC8439.encrypt;
    const ct = createCipheriv('chacha20', KEY_0_31, ietfIv(v.counter, fromHex(v.nonce))).update(fromHex(v.plaintext));
    assert.equal(toHex(ct), v.ciphertext);
  });
  it('A.2 #1 (zero key, zero nonce, counter 0)', () => {
    const ks = createCipheriv('chacha20', new Uint8Array(32), new Uint8Array(16)).update(new Uint8Array(64));
    assert.equal(toHex(ks), RFC8439.zero.keystream);
  });
});

describe('test-only reference implementations', () => {
  it('ChaCha20 block function matches RFC 8439 §2.3.2', () => {
    const n = fromHex(RFC8439.block.nonce);
    const w = (i: number): number => new DataView(n.buffer).getUint32(i, true);
    assert.equal(toHex(chachaBlock(KEY_0_31, [1, w(0), w(4), w(8)])), RFC8439.block.keystream);
  });
  it('original (64/64) ChaCha20 with a zero nonce matches A.2 #1', () => {
    assert.equal(toHex(chacha20Original(new Uint8Array(32), new Uint8Array(8), 0n, new Uint8Array(64))), RFC8439.zero.keystream);
  });
  it('Poly1305 matches RFC 8439 §2.5.2', () => {
    const v = RFC8439.poly1305;
    assert.equal(toHex(poly1305Reference(fromHex(v.key), fromHex(v.message))), v.tag);
  });
});

describe('Poly1305 (src/crypto/poly1305)', () => {
  it('RFC 8439 §2.5.2', () => {
    const v = RFC8439.poly1305;
    assert.equal(toHex(Poly1305.mac(fromHex(v.key), fromHex(v.message))), v.tag);
    assert.ok(Poly1305.verify(fromHex(v.key), fromHex(v.message), fromHex(v.tag)));
  });
});
