/**
 * PacketSealer.sealTo, the hot path's form of seal(): the same wire bytes, in pieces, none of
 * them sharing memory with the packet (the encoder reuses its packet buffer at once).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cipherAlgorithm, createOpener, createSealer, macAlgorithm } from '../../src/crypto/cipher-registry.js';
import { buildPacket, framerOpen, keysFor, Rng, toHex } from './helpers.js';

const COMBOS: Array<{ cipher: string; mac: string | null }> = [
  { cipher: 'chacha20-poly1305@openssh.com', mac: null },
  { cipher: 'aes128-gcm@openssh.com', mac: null },
  { cipher: 'aes256-gcm@openssh.com', mac: null },
  { cipher: 'aes128-ctr', mac: 'hmac-sha2-256-etm@openssh.com' },
  { cipher: 'aes256-ctr', mac: 'hmac-sha2-512-etm@openssh.com' },
  { cipher: 'aes128-ctr', mac: 'hmac-sha2-256' },
  { cipher: 'none', mac: null },
];

function join(pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('sealTo', () => {
  for (const combo of COMBOS) {
    it(`${combo.cipher}${combo.mac ? ` + ${combo.mac}` : ''}: pieces join to seal()'s bytes and do not alias the packet`, () => {
      const rng = new Rng(0x5ea1);
      const alg = cipherAlgorithm(combo.cipher)!;
      const macLength = combo.mac ? macAlgorithm(combo.mac)!.keyLength : 0;
      const keys = keysFor(rng, alg.keyLength, alg.ivLength, macLength);
      // Twin sealers from the same keys: stateful modes (CTR keystream, GCM counter) stay in step.
      const a = createSealer(combo.cipher, combo.mac, keys);
      const b = createSealer(combo.cipher, combo.mac, keys);
      const opener = createOpener(combo.cipher, combo.mac, keys);
      for (let seq = 0; seq < 40; seq++) {
        const size = seq === 0 ? 32 * 1024 : rng.int(seq % 2 ? 2000 : 40);
        const packet = buildPacket(rng.bytes(1 + size), a.blockSize, a.lengthExcluded, rng);
        const expected = a.seal(seq, packet.slice());
        const pieces: Uint8Array[] = [];
        const scratch = packet.slice();
        const n = b.sealTo(seq, scratch, pieces);
        scratch.fill(0xee); // the encoder reuses its buffer right away
        const wire = join(pieces);
        assert.equal(n, wire.length);
        assert.equal(toHex(wire), toHex(expected), `seq ${seq}`);
        for (const p of pieces) assert.notEqual(p.buffer, scratch.buffer);
        const opened = framerOpen(opener, seq, wire);
        assert.equal(opened.kind, 'ok');
      }
    });
  }
});
