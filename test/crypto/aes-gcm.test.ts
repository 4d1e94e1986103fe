/**
 * aes128-gcm@openssh.com / aes256-gcm@openssh.com (RFC 5647 as OpenSSH does it): the packet
 * layout over the (separately known-answer-tested) GCM primitive, and the nonce increment.
 */
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { describe, it } from 'node:test';
import { incrementInvocationCounter } from '../../src/crypto/aes-gcm.js';
import { createOpener, createSealer } from '../../src/crypto/cipher-registry.js';
import { buildPacket, fromHex, Rng, toHex } from './helpers.js';
import { GCM_MCGREW_VIEGA } from './vectors.js';

function gcm(key: Uint8Array, iv: Uint8Array, packet: Uint8Array): string {
  const c = createCipheriv(key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, iv);
  c.setAAD(packet.subarray(0, 4));
  const ct = c.update(packet.subarray(4));
  c.final();
  return toHex(packet.subarray(0, 4)) + toHex(ct) + toHex(c.getAuthTag());
}

describe('AES-GCM packet protection', () => {
  it('RFC 5647 §7.1: the invocation counter is the low 64 bits, big-endian, wrapping', () => {
    const iv = fromHex('cafebabefacedbaddecaf888');
    incrementInvocationCounter(iv);
    assert.equal(toHex(iv), 'cafebabefacedbaddecaf889');
    const carry = fromHex('00000001' + '00000000ffffffff');
    incrementInvocationCounter(carry);
    assert.equal(toHex(carry), '00000001' + '0000000100000000');
    const wrap = fromHex('a1b2c3d4' + 'ffffffffffffffff');
    incrementInvocationCounter(wrap);
    assert.equal(toHex(wrap), 'a1b2c3d4' + '0000000000000000', 'the fixed field is never touched');
  });

  it('packet n is GCM(key, fixed || counter + n, AAD = packet_length) with the McGrew-Viega key and IV', () => {
    const key = fromHex(GCM_MCGREW_VIEGA.key);
    const iv0 = fromHex(GCM_MCGREW_VIEGA.iv);
    const sealer = createSealer('aes128-gcm@openssh.com', null, { key, iv: iv0, macKey: new Uint8Array(0) });
    const opener = createOpener('aes128-gcm@openssh.com', null, { key, iv: iv0, macKey: new Uint8Array(0) });
    const rng = new Rng(5647);
    const iv = iv0.slice();
    for (let n = 0; n < 5; n++) {
      const packet = buildPacket(rng.bytes(10 + 7 * n), 16, true, rng);
      const wire = sealer.seal(1000 + n, packet.slice());
      assert.equal(toHex(wire), gcm(key, iv, packet), `packet ${n}`);
      assert.equal(opener.decryptLength(1000 + n, wire.subarray(0, 4)), packet.length - 4);
      assert.equal(toHex(opener.open(1000 + n, wire)), toHex(packet.subarray(4)));
      incrementInvocationCounter(iv);
    }
    assert.equal(toHex(iv), 'cafebabefacedbaddecaf88d');
  });

  it('the second packet uses IV + 1 (the McGrew-Viega test case 3 plaintext as packet body)', () => {
    // A packet whose body is exactly the 64-byte test case 3 plaintext: packet 0 under IV,
    // packet 1 under IV + 1. The key/IV/plaintext tie this to the published vector.
    const key = fromHex(GCM_MCGREW_VIEGA.key);
    const packet = new Uint8Array(4 + 64);
    new DataView(packet.buffer).setUint32(0, 64);
    packet.set(fromHex(GCM_MCGREW_VIEGA.plaintext), 4);
    const sealer = createSealer('aes128-gcm@openssh.com', null, {
      key,
      iv: fromHex(GCM_MCGREW_VIEGA.iv),
      macKey: new Uint8Array(0),
    });
    const first = sealer.seal(0, packet.slice());
    // Same keystream as test case 3 (GCM's CTR part does not depend on the AAD).
    assert.equal(toHex(first.subarray(4, 68)), GCM_MCGREW_VIEGA.ciphertext);
    const second = sealer.seal(1, packet.slice());
    assert.equal(toHex(second), gcm(key, fromHex('cafebabefacedbaddecaf889'), packet));
  });

  it('aes256-gcm@openssh.com uses a 32-byte key', () => {
    const rng = new Rng(256);
    const keys = { key: rng.bytes(32), iv: rng.bytes(12), macKey: new Uint8Array(0) };
    const packet = buildPacket(rng.bytes(100), 16, true, rng);
    assert.equal(toHex(createSealer('aes256-gcm@openssh.com', null, keys).seal(0, packet.slice())), gcm(keys.key, keys.iv, packet));
  });
});
