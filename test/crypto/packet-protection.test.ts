/**
 * Every cipher x MAC through the PacketSealer/PacketOpener contract, with a model of the
 * transport's deframer: round trips over many packets (sequence numbers wrapping from
 * 0xffffffff to 0), alignment, tampering with every byte, wrong sequence numbers, dropped
 * packets, and the registry's lists.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CIPHERS,
  createOpener,
  createSealer,
  DEFAULT_CIPHERS,
  DEFAULT_MACS,
  INSECURE_CIPHERS,
  INSECURE_MACS,
  MACS,
  plainOpener,
  plainSealer,
  SUPPORTED_CIPHERS,
  SUPPORTED_MACS,
} from '../../src/crypto/cipher-registry.js';
import { SshError } from '../../src/errors.js';
import { framerOpen, keysFor, Rng, sealPayload, toHex } from './helpers.js';

const AEAD = DEFAULT_CIPHERS.filter((c) => CIPHERS.get(c)!.aead);
const BLOCK = [...SUPPORTED_CIPHERS, ...INSECURE_CIPHERS].filter((c) => !CIPHERS.get(c)!.aead);
const ALL_MACS = [...SUPPORTED_MACS, ...INSECURE_MACS];

interface Combo {
  cipher: string;
  mac: string | null;
}
const COMBOS: Combo[] = [
  ...AEAD.map((cipher) => ({ cipher, mac: null })),
  ...BLOCK.flatMap((cipher) => ALL_MACS.map((mac) => ({ cipher, mac }))),
];

function label(c: Combo): string {
  return c.mac === null ? c.cipher : `${c.cipher} + ${c.mac}`;
}

function pair(c: Combo, seed: number) {
  const alg = CIPHERS.get(c.cipher)!;
  const macLen = c.mac === null ? 0 : MACS.get(c.mac)!.keyLength;
  const keys = keysFor(new Rng(seed), alg.keyLength, alg.ivLength, macLen);
  return { keys, sealer: createSealer(c.cipher, c.mac, keys), opener: createOpener(c.cipher, c.mac, keys) };
}

describe('registry', () => {
  it("defaults are OpenSSH 10's order and contain nothing insecure", () => {
    assert.deepEqual(DEFAULT_CIPHERS, [
      'chacha20-poly1305@openssh.com',
      'aes128-gcm@openssh.com',
      'aes256-gcm@openssh.com',
      'aes128-ctr',
      'aes192-ctr',
      'aes256-ctr',
    ]);
    assert.deepEqual(DEFAULT_MACS, [
      'hmac-sha2-256-etm@openssh.com',
      'hmac-sha2-512-etm@openssh.com',
      'hmac-sha2-256',
      'hmac-sha2-512',
    ]);
    for (const c of INSECURE_CIPHERS) assert.ok(!DEFAULT_CIPHERS.includes(c) && !SUPPORTED_CIPHERS.includes(c), c);
    for (const m of INSECURE_MACS) assert.ok(!DEFAULT_MACS.includes(m) && !SUPPORTED_MACS.includes(m), m);
    for (const name of [...SUPPORTED_CIPHERS, ...INSECURE_CIPHERS]) assert.ok(CIPHERS.has(name), name);
    for (const name of ALL_MACS) assert.ok(MACS.has(name), name);
  });

  it('metadata', () => {
    assert.deepEqual(CIPHERS.get('chacha20-poly1305@openssh.com'), {
      name: 'chacha20-poly1305@openssh.com',
      keyLength: 64,
      ivLength: 0,
      blockSize: 8,
      aead: true,
    });
    assert.deepEqual(CIPHERS.get('aes256-gcm@openssh.com'), {
      name: 'aes256-gcm@openssh.com',
      keyLength: 32,
      ivLength: 12,
      blockSize: 16,
      aead: true,
    });
    assert.deepEqual(CIPHERS.get('aes192-ctr'), { name: 'aes192-ctr', keyLength: 24, ivLength: 16, blockSize: 16, aead: false });
    assert.deepEqual(CIPHERS.get('none'), { name: 'none', keyLength: 0, ivLength: 0, blockSize: 8, aead: false });
    assert.deepEqual(MACS.get('hmac-sha2-512-etm@openssh.com'), {
      name: 'hmac-sha2-512-etm@openssh.com',
      keyLength: 64,
      tagLength: 64,
      etm: true,
    });
    assert.deepEqual(MACS.get('hmac-sha1'), { name: 'hmac-sha1', keyLength: 20, tagLength: 20, etm: false });
  });

  it('rejects unknown names and missing MACs with ERR_UNSUPPORTED, short keys with ERR_KEY', () => {
    const keys = { key: new Uint8Array(32), iv: new Uint8Array(16), macKey: new Uint8Array(64) };
    assert.throws(() => createSealer('rc4', 'hmac-sha2-256', keys), { code: 'ERR_UNSUPPORTED' });
    assert.throws(() => createOpener('aes128-ctr', 'hmac-md5', keys), { code: 'ERR_UNSUPPORTED' });
    assert.throws(() => createSealer('aes128-ctr', null, keys), { code: 'ERR_UNSUPPORTED' });
    assert.throws(() => createSealer('aes128-ctr', 'none', keys), { code: 'ERR_UNSUPPORTED' });
    assert.throws(() => createSealer('none', 'hmac-sha2-256', keys), { code: 'ERR_UNSUPPORTED' });
    assert.throws(() => createSealer('chacha20-poly1305@openssh.com', null, keys), { code: 'ERR_KEY' });
    assert.throws(
      () => createSealer('aes128-ctr', 'hmac-sha2-512', { ...keys, macKey: new Uint8Array(32) }),
      { code: 'ERR_KEY' },
    );
  });

  it('refuses to seal a misaligned packet', () => {
    const { sealer } = pair({ cipher: 'aes128-ctr', mac: 'hmac-sha2-256' }, 1);
    assert.throws(() => sealer.seal(0, new Uint8Array(20)), { code: 'ERR_STATE' });
    const gcm = pair({ cipher: 'aes128-gcm@openssh.com', mac: null }, 1).sealer;
    assert.throws(() => gcm.seal(0, new Uint8Array(16)), { code: 'ERR_STATE' });
  });
});

describe('plain (before the first NEWKEYS)', () => {
  it('has block 8, no tag, lengthBytes 4, and passes packets through', () => {
    const s = plainSealer();
    const o = plainOpener();
    assert.deepEqual([s.blockSize, s.tagLength, s.lengthExcluded], [8, 0, false]);
    assert.deepEqual([o.blockSize, o.tagLength, o.lengthExcluded, o.lengthBytes], [8, 0, false, 4]);
    const rng = new Rng(1);
    const payload = rng.bytes(21);
    const wire = sealPayload(s, 0, payload, rng);
    const r = framerOpen(o, 0, wire);
    assert.equal(r.kind, 'ok');
    assert.equal(toHex(r.kind === 'ok' ? r.payload : new Uint8Array()), toHex(payload));
    const viaRegistry = createSealer('none', null, { key: new Uint8Array(0), iv: new Uint8Array(0), macKey: new Uint8Array(0) });
    assert.equal(viaRegistry.blockSize, 8);
  });
});

describe('round trips', () => {
  for (const combo of COMBOS) {
    it(label(combo), () => {
      const { sealer, opener } = pair(combo, 0x5eed);
      const alg = CIPHERS.get(combo.cipher)!;
      assert.equal(sealer.blockSize, Math.max(alg.blockSize, 8));
      assert.equal(opener.blockSize, sealer.blockSize);
      assert.equal(opener.tagLength, sealer.tagLength);
      assert.equal(opener.lengthExcluded, sealer.lengthExcluded);
      const etm = combo.mac !== null && MACS.get(combo.mac)!.etm;
      assert.equal(sealer.lengthExcluded, alg.aead || etm);
      assert.equal(opener.lengthBytes, opener.lengthExcluded ? 4 : alg.blockSize);

      const rng = new Rng(label(combo).length * 7919);
      // Start near the top so the sequence number wraps from 0xffffffff to 0 (RFC 4253 §6.4).
      let seq = 0xffffffff - 20;
      const sizes = [0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 255, 1000, 32768, 35000];
      for (let i = 0; i < 60; i++) sizes.push(rng.int(600));
      // The stream of packets goes through as one byte string, as from a socket.
      const wires: Uint8Array[] = [];
      const payloads: Uint8Array[] = [];
      for (const size of sizes) {
        const payload = rng.bytes(size);
        payloads.push(payload);
        wires.push(sealPayload(sealer, seq, payload, rng, rng.int(3)));
        seq = (seq + 1) >>> 0;
      }
      const stream = Buffer.concat(wires);
      let offset = 0;
      seq = 0xffffffff - 20;
      for (const payload of payloads) {
        const r = framerOpen(opener, seq, stream.subarray(offset));
        assert.equal(r.kind, 'ok', `seq ${seq}`);
        if (r.kind !== 'ok') return;
        assert.equal(toHex(r.payload), toHex(payload), `seq ${seq}`);
        offset += r.consumed;
        seq = (seq + 1) >>> 0;
      }
      assert.equal(offset, stream.length);
      assert.equal(seq, sizes.length - 21);
    });
  }
});

describe('key material', () => {
  it('a sealer and an opener built from the same Buffer keys keep separate state', () => {
    // Buffer#slice() is a view: an implementation copying the IV that way would make the
    // two share one GCM invocation counter (found by the benchmark).
    for (const combo of COMBOS) {
      const alg = CIPHERS.get(combo.cipher)!;
      const rng = new Rng(31);
      const keys = {
        key: Buffer.from(rng.bytes(alg.keyLength)),
        iv: Buffer.from(rng.bytes(alg.ivLength)),
        macKey: Buffer.from(rng.bytes(combo.mac === null ? 0 : MACS.get(combo.mac)!.keyLength)),
      };
      const before = Buffer.concat([keys.key, keys.iv, keys.macKey]).toString('hex');
      const sealer = createSealer(combo.cipher, combo.mac, keys);
      const opener = createOpener(combo.cipher, combo.mac, keys);
      for (let seq = 0; seq < 3; seq++) {
        const payload = rng.bytes(100);
        const r = framerOpen(opener, seq, sealPayload(sealer, seq, payload, rng));
        assert.equal(r.kind, 'ok', `${label(combo)} seq ${seq}`);
      }
      assert.equal(Buffer.concat([keys.key, keys.iv, keys.macKey]).toString('hex'), before, 'keys are not modified');
    }
  });
});

describe('tampering', () => {
  for (const combo of COMBOS) {
    it(`${label(combo)}: a flipped bit in any byte is rejected`, () => {
      const rng = new Rng(0xbad);
      const seq = 41;
      const payload = rng.bytes(40);
      const keysSeed = 0xf11b;
      const wire = sealPayload(pair(combo, keysSeed).sealer, seq, payload, rng);
      const outcomes = { mac: 0, length: 0 };
      const lengthBytes = pair(combo, keysSeed).opener.lengthBytes;
      for (let i = 0; i < wire.length; i++) {
        const bad = wire.slice();
        bad[i]! ^= 1 << (i % 8);
        // A fresh opener: CTR/CBC openers carry stream state from packet to packet.
        const r = framerOpen(pair(combo, keysSeed).opener, seq, bad, rng);
        assert.notEqual(r.kind, 'ok', `byte ${i} bit ${i % 8}`);
        if (r.kind !== 'ok') outcomes[r.kind]++;
        // Past the bytes decryptLength() reads, the length is intact and the MAC must fail.
        if (i >= lengthBytes) assert.equal(r.kind, 'mac', `byte ${i}`);
      }
      if (combo.cipher.endsWith('-cbc') && !MACS.get(combo.mac!)!.etm) {
        // CBC encrypt-and-MAC: a flipped bit in the first block garbles the whole decrypted
        // block, so the transport sees a random length and (almost always) refuses it before
        // any MAC is computed; distinguishing the two is the CBC length oracle.
        assert.ok(outcomes.length > 0);
      } else {
        // The length maps bit for bit: a changed length that still passes the transport's
        // bounds (byte 1 bit 1: +131072, byte 2 bit 2: +1024) runs into the MAC, since
        // every construction authenticates the length too.
        assert.ok(outcomes.mac > wire.length - 4);
      }
    });
  }

  for (const combo of COMBOS) {
    it(`${label(combo)}: wrong sequence number / dropped packet`, () => {
      const rng = new Rng(0x5e9);
      const { sealer } = pair(combo, 77);
      const first = sealPayload(sealer, 10, rng.bytes(25), rng);
      const second = sealPayload(sealer, 11, rng.bytes(25), rng);

      // The right packet with the wrong sequence number. AES-GCM does not use the sequence
      // number at all (RFC 5647 §7.1: its nonce is the invocation counter, which enforces
      // the order instead), so it is exempt here and covered by the dropped-packet case.
      const wrongSeq = framerOpen(pair(combo, 77).opener, 11, first, rng);
      if (combo.cipher.includes('-gcm@')) assert.equal(wrongSeq.kind, 'ok');
      else assert.notEqual(wrongSeq.kind, 'ok');

      // A dropped packet: the receiver, expecting seq 10, gets the second packet.
      assert.notEqual(framerOpen(pair(combo, 77).opener, 10, second, rng).kind, 'ok');

      // And the undamaged stream still opens.
      const opener = pair(combo, 77).opener;
      assert.equal(framerOpen(opener, 10, first).kind, 'ok');
      assert.equal(framerOpen(opener, 11, second).kind, 'ok');
    });
  }

  it('MAC failures are SshError ERR_MAC with reason MAC_ERROR and a readable message', () => {
    const combo = { cipher: 'aes256-ctr', mac: 'hmac-sha2-256-etm@openssh.com' };
    const rng = new Rng(1);
    const wire = sealPayload(pair(combo, 2).sealer, 0, rng.bytes(10), rng);
    wire[wire.length - 1]! ^= 0x80;
    const opener = pair(combo, 2).opener;
    assert.throws(
      () => opener.open(0, wire),
      (e: unknown) =>
        e instanceof SshError &&
        e.code === 'ERR_MAC' &&
        e.disconnectReason === 5 &&
        e.message === 'message authentication failed (hmac-sha2-256-etm@openssh.com): corrupted packet or attack',
    );
    for (const cipher of AEAD) {
      const c = { cipher, mac: null };
      const w = sealPayload(pair(c, 3).sealer, 0, rng.bytes(10), rng);
      w[w.length - 1]! ^= 1;
      assert.throws(() => pair(c, 3).opener.open(0, w), { code: 'ERR_MAC', message: new RegExp(`\\(${cipher}\\)`) });
    }
  });
});
