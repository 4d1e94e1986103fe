/**
 * Block cipher + HMAC (RFC 4253 §6.3-6.4, RFC 4344, OpenSSH PROTOCOL §1.5): the wire bytes
 * are exactly what the definitions say, over the known-answer-tested primitives.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { createOpener, createSealer } from '../../src/crypto/cipher-registry.js';
import { buildPacket, fromHex, Rng, toHex } from './helpers.js';
import { SP800_38A_CTR } from './vectors.js';

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

describe('CTR/CBC + HMAC packet protection', () => {
  it('aes*-ctr continue one keystream across packets (SP 800-38A F.5 as two 32-byte packets)', () => {
    for (const v of SP800_38A_CTR.cases) {
      const keys = { key: fromHex(v.key), iv: fromHex(SP800_38A_CTR.counter), macKey: new Uint8Array(32) };
      const sealer = createSealer(v.ssh, 'hmac-sha2-256', keys);
      const pt = fromHex(SP800_38A_CTR.plaintext);
      const a = sealer.seal(0, pt.slice(0, 32));
      const b = sealer.seal(1, pt.slice(32, 64));
      assert.equal(toHex(a.subarray(0, 32)) + toHex(b.subarray(0, 32)), v.ciphertext, v.name);
    }
  });

  it('encrypt-and-MAC: mac = HMAC(key, uint32 seq || plaintext packet) (RFC 4253 §6.4)', () => {
    const rng = new Rng(4253);
    for (const [mac, hash, len] of [
      ['hmac-sha2-256', 'sha256', 32],
      ['hmac-sha2-512', 'sha512', 64],
      ['hmac-sha1', 'sha1', 20],
    ] as const) {
      const keys = { key: rng.bytes(16), iv: rng.bytes(16), macKey: rng.bytes(len) };
      const sealer = createSealer('aes128-ctr', mac, keys);
      const stream = createCipheriv('aes-128-ctr', keys.key, keys.iv);
      for (const seq of [0, 1, 0xffffffff]) {
        const packet = buildPacket(rng.bytes(33), 16, false, rng);
        const wire = sealer.seal(seq, packet.slice());
        const expectedMac = createHmac(hash, keys.macKey).update(u32(seq)).update(packet).digest();
        assert.equal(toHex(wire), toHex(stream.update(packet)) + toHex(expectedMac), `${mac} seq ${seq}`);
      }
    }
  });

  it('encrypt-then-MAC: clear length, mac = HMAC(key, uint32 seq || uint32 packet_length || ciphertext)', () => {
    const rng = new Rng(15);
    for (const [mac, hash, len] of [
      ['hmac-sha2-256-etm@openssh.com', 'sha256', 32],
      ['hmac-sha2-512-etm@openssh.com', 'sha512', 64],
      ['hmac-sha1-etm@openssh.com', 'sha1', 20],
    ] as const) {
      const keys = { key: rng.bytes(32), iv: rng.bytes(16), macKey: rng.bytes(len) };
      const sealer = createSealer('aes256-ctr', mac, keys);
      const stream = createCipheriv('aes-256-ctr', keys.key, keys.iv);
      for (const seq of [5, 6, 7]) {
        const packet = buildPacket(rng.bytes(50), 16, true, rng);
        const wire = sealer.seal(seq, packet.slice());
        const ct = stream.update(packet.subarray(4));
        const expectedMac = createHmac(hash, keys.macKey).update(u32(seq)).update(packet.subarray(0, 4)).update(ct).digest();
        assert.equal(toHex(wire), toHex(packet.subarray(0, 4)) + toHex(ct) + toHex(expectedMac), `${mac} seq ${seq}`);
      }
    }
  });

  it('CBC chains its IV across packets (RFC 4253 §6.3)', () => {
    const rng = new Rng(3);
    const keys = { key: rng.bytes(16), iv: rng.bytes(16), macKey: rng.bytes(32) };
    const sealer = createSealer('aes128-cbc', 'hmac-sha2-256', keys);
    const c = createCipheriv('aes-128-cbc', keys.key, keys.iv);
    c.setAutoPadding(false);
    for (let seq = 0; seq < 3; seq++) {
      const packet = buildPacket(rng.bytes(20 * seq), 16, false, rng);
      const wire = sealer.seal(seq, packet.slice());
      assert.equal(toHex(wire.subarray(0, packet.length)), toHex(c.update(packet)));
    }
  });

  it('decryptLength (encrypt-and-MAC) decrypts exactly one block and open() returns everything after packet_length', () => {
    const rng = new Rng(99);
    const keys = { key: rng.bytes(24), iv: rng.bytes(16), macKey: rng.bytes(64) };
    const sealer = createSealer('aes192-ctr', 'hmac-sha2-512', keys);
    const opener = createOpener('aes192-ctr', 'hmac-sha2-512', keys);
    assert.equal(opener.lengthBytes, 16);
    assert.equal(opener.lengthExcluded, false);
    const packet = buildPacket(rng.bytes(3), 16, false, rng);
    assert.equal(packet.length, 16); // the smallest packet: a single block
    const wire = sealer.seal(0, packet.slice());
    assert.equal(opener.decryptLength(0, wire.subarray(0, 16)), 12);
    assert.equal(toHex(opener.open(0, wire)), toHex(packet.subarray(4)));
  });

  it('open() without decryptLength(), or decryptLength() twice, is a usage error, not a silent desynchronisation', () => {
    const rng = new Rng(7);
    const keys = { key: rng.bytes(16), iv: rng.bytes(16), macKey: rng.bytes(32) };
    const wire = createSealer('aes128-ctr', 'hmac-sha2-256', keys).seal(0, buildPacket(rng.bytes(8), 16, false, rng));
    assert.throws(() => createOpener('aes128-ctr', 'hmac-sha2-256', keys).open(0, wire), { code: 'ERR_STATE' });
    const opener = createOpener('aes128-ctr', 'hmac-sha2-256', keys);
    opener.decryptLength(0, wire.subarray(0, 16));
    assert.throws(() => opener.decryptLength(0, wire.subarray(0, 16)), { code: 'ERR_STATE' });
  });
});
