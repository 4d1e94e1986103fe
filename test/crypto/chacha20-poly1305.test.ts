/**
 * chacha20-poly1305@openssh.com (PROTOCOL.chacha20poly1305): the IV-layout claim, fixed
 * vectors, and agreement with the independent reference implementation.
 */
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { describe, it } from 'node:test';
import { createOpener, createSealer } from '../../src/crypto/cipher-registry.js';
import { fromHex, Rng, toHex } from './helpers.js';
import { chacha20Original, opensshChachaSealReference } from './reference.js';
import { OPENSSH_CHACHA } from './vectors.js';

const NAME = 'chacha20-poly1305@openssh.com';

function keys(key: Uint8Array) {
  return { key, iv: new Uint8Array(0), macKey: new Uint8Array(0) };
}

describe('chacha20-poly1305@openssh.com', () => {
  it("node's RFC 8439 chacha20 with IV counter_le64 || seq_be64 is OpenSSH's 64/64 ChaCha20", () => {
    const rng = new Rng(0xc4ac4a);
    const key = rng.bytes(32);
    const data = rng.bytes(64 * 40 + 17); // crosses many blocks
    for (const seq of [0, 1, 0x01020304, 0xfffffffe, 0xffffffff]) {
      const nonce = new Uint8Array(8);
      new DataView(nonce.buffer).setUint32(4, seq);
      for (const counter of [0, 1, 0xfffffff0]) {
        const iv = new Uint8Array(16);
        new DataView(iv.buffer).setUint32(0, counter, true);
        iv.set(nonce, 8);
        const node = createCipheriv('chacha20', key, iv).update(data);
        assert.equal(toHex(node), toHex(chacha20Original(key, nonce, BigInt(counter), data)), `seq ${seq} counter ${counter}`);
      }
    }
  });

  it('K_2 (main) is the first half of the key, K_1 (length) the second', () => {
    const key = fromHex(OPENSSH_CHACHA.key);
    const packet = fromHex(OPENSSH_CHACHA.short.packet);
    const wire = createSealer(NAME, null, keys(key)).seal(0, packet.slice());
    const nonce = new Uint8Array(8);
    const lengthKs = chacha20Original(key.subarray(32), nonce, 0n, new Uint8Array(4));
    for (let i = 0; i < 4; i++) assert.equal(wire[i], packet[i]! ^ lengthKs[i]!);
    const payloadKs = chacha20Original(key.subarray(0, 32), nonce, 1n, new Uint8Array(4));
    for (let i = 0; i < 4; i++) assert.equal(wire[4 + i], packet[4 + i]! ^ payloadKs[i]!);
  });

  it('seals the fixed vectors (generated with Python cryptography) and opens them', () => {
    const key = fromHex(OPENSSH_CHACHA.key);
    const sealer = createSealer(NAME, null, keys(key));
    const opener = createOpener(NAME, null, keys(key));
    const cases = [
      ...OPENSSH_CHACHA.short.sealed.map((s) => ({ seq: s.seq, packet: OPENSSH_CHACHA.short.packet, wire: s.wire })),
      OPENSSH_CHACHA.long,
    ];
    for (const c of cases) {
      const packet = fromHex(c.packet);
      assert.equal(toHex(sealer.seal(c.seq, packet.slice())), c.wire, `seq ${c.seq}`);
      assert.equal(toHex(opensshChachaSealReference(key, c.seq, packet)), c.wire, `reference, seq ${c.seq}`);
      const wire = fromHex(c.wire);
      assert.equal(opener.decryptLength(c.seq, wire.subarray(0, 4)), packet.length - 4);
      assert.equal(toHex(opener.open(c.seq, wire)), toHex(packet.subarray(4)));
    }
  });

  it('agrees with the reference implementation on random keys, sizes and sequence numbers', () => {
    const rng = new Rng(20240611);
    for (let i = 0; i < 40; i++) {
      const key = rng.bytes(64);
      const sealer = createSealer(NAME, null, keys(key));
      const body = 8 * (1 + rng.int(i === 0 ? 4100 : 80)); // one packet of ~32 KiB
      const packet = new Uint8Array(4 + body);
      new DataView(packet.buffer).setUint32(0, body);
      packet.set(rng.bytes(body), 4);
      const seq = i % 3 === 0 ? 0xffffffff - i : rng.next();
      assert.equal(toHex(sealer.seal(seq, packet.slice())), toHex(opensshChachaSealReference(key, seq, packet)));
    }
  });

  it('ignores the negotiated MAC', () => {
    const key = fromHex(OPENSSH_CHACHA.key);
    const a = createSealer(NAME, 'hmac-sha2-256', keys(key)).seal(7, fromHex(OPENSSH_CHACHA.short.packet));
    assert.equal(toHex(a), OPENSSH_CHACHA.short.sealed[1]!.wire);
  });
});
