import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Poly1305, poly1305, poly1305Verify } from '../../src/crypto/poly1305.js';
import { poly1305Ref } from './poly1305-ref.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/[\s:]/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

/** Deterministic xorshift128+ byte generator, so failures are reproducible. */
function rng(seed: number): (n: number) => Uint8Array {
  let a = BigInt(seed) | 1n;
  let b = 0x9e3779b97f4a7c15n;
  const M = (1n << 64n) - 1n;
  const next = (): bigint => {
    let x = a;
    const y = b;
    a = y;
    x ^= (x << 23n) & M;
    b = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return (b + y) & M;
  };
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 8) {
      let v = next();
      for (let j = i; j < Math.min(n, i + 8); j++) {
        out[j] = Number(v & 0xffn);
        v >>= 8n;
      }
    }
    return out;
  };
}

const IETF_TEXT = ascii(
  'Any submission to the IETF intended by the Contributor for publication as all or part of an IETF ' +
    'Internet-Draft or RFC and any statement made within the context of an IETF activity is considered ' +
    'an "IETF Contribution". Such statements include oral statements in IETF sessions, as well as written ' +
    'and electronic communications made at any time or place, which are addressed to',
);
const JABBERWOCKY = ascii(
  "'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\n" +
    'All mimsy were the borogoves,\nAnd the mome raths outgrabe.',
);

// RFC 8439 section 2.5.2 and Appendix A.3 (test vectors #1..#11). Keys are r || s.
const VECTORS: { name: string; key: Uint8Array; msg: Uint8Array; tag: Uint8Array }[] = [
  {
    name: '2.5.2',
    key: hex('85:d6:be:78:57:55:6d:33:7f:44:52:fe:42:d5:06:a8:01:03:80:8a:fb:0d:b2:fd:4a:bf:f6:af:41:49:f5:1b'),
    msg: ascii('Cryptographic Forum Research Group'),
    tag: hex('a8:06:1d:c1:30:51:36:c6:c2:2b:8b:af:0c:01:27:a9'),
  },
  { name: 'A.3 #1', key: new Uint8Array(32), msg: new Uint8Array(64), tag: new Uint8Array(16) },
  {
    name: 'A.3 #2',
    key: hex('00000000000000000000000000000000 36e5f6b5c5e06070f0efca96227a863e'),
    msg: IETF_TEXT,
    tag: hex('36e5f6b5c5e06070f0efca96227a863e'),
  },
  {
    name: 'A.3 #3',
    key: hex('36e5f6b5c5e06070f0efca96227a863e 00000000000000000000000000000000'),
    msg: IETF_TEXT,
    tag: hex('f3477e7cd95417af89a6b8794c310cf0'),
  },
  {
    name: 'A.3 #4',
    key: hex('1c9240a5eb55d38af333888604f6b5f0 473917c1402b80099dca5cbc207075c0'),
    msg: JABBERWOCKY,
    tag: hex('4541669a7eaaee61e708dc7cbcc5eb62'),
  },
  {
    name: 'A.3 #5 (partially reduced result not fully reduced)',
    key: hex('02000000000000000000000000000000 00000000000000000000000000000000'),
    msg: hex('ffffffffffffffffffffffffffffffff'),
    tag: hex('03000000000000000000000000000000'),
  },
  {
    name: 'A.3 #6 (s addition overflows 2^128)',
    key: hex('02000000000000000000000000000000 ffffffffffffffffffffffffffffffff'),
    msg: hex('02000000000000000000000000000000'),
    tag: hex('03000000000000000000000000000000'),
  },
  {
    name: 'A.3 #7 (all-ones limb with carry from below)',
    key: hex('01000000000000000000000000000000 00000000000000000000000000000000'),
    msg: hex('ffffffffffffffffffffffffffffffff f0ffffffffffffffffffffffffffffff 11000000000000000000000000000000'),
    tag: hex('05000000000000000000000000000000'),
  },
  {
    name: 'A.3 #8 (result exactly 2^130-5)',
    key: hex('01000000000000000000000000000000 00000000000000000000000000000000'),
    msg: hex('ffffffffffffffffffffffffffffffff fbfefefefefefefefefefefefefefefe 01010101010101010101010101010101'),
    tag: hex('00000000000000000000000000000000'),
  },
  {
    name: 'A.3 #9 (result exactly 2^130-6)',
    key: hex('02000000000000000000000000000000 00000000000000000000000000000000'),
    msg: hex('fdffffffffffffffffffffffffffffff'),
    tag: hex('faffffffffffffffffffffffffffffff'),
  },
  {
    name: 'A.3 #10 (5*H+L reduction, 131-bit intermediate)',
    key: hex('01000000000000000400000000000000 00000000000000000000000000000000'),
    msg: hex(
      'e33594d7505e43b90000000000000000 3394d7505e4379cd0100000000000000' +
        '00000000000000000000000000000000 01000000000000000000000000000000',
    ),
    tag: hex('14000000000000005500000000000000'),
  },
  {
    name: 'A.3 #11 (5*H+L reduction, 131-bit final result)',
    key: hex('01000000000000000400000000000000 00000000000000000000000000000000'),
    msg: hex(
      'e33594d7505e43b90000000000000000 3394d7505e4379cd0100000000000000 00000000000000000000000000000000',
    ),
    tag: hex('13000000000000000000000000000000'),
  },
];

// RFC 8439 A.5: the Poly1305 step of the AEAD decryption example, built from its parts
// (aad || pad16 || ciphertext || pad16 || le64(aad.length) || le64(ciphertext.length)).
function aeadVector(): { key: Uint8Array; msg: Uint8Array; tag: Uint8Array } {
  const aad = hex('f33388860000000000004e91');
  const ct = hex(
    '64a0861575861af460f062c79be643bd 5e805cfd345cf389f108670ac76c8cb2 4c6cfc18755d43eea09ee94e382d26b0' +
      'bdb7b73c321b0100d4f03b7f355894cf 332f830e710b97ce98c8a84abd0b9481 14ad176e008d33bd60f982b1ff37c855' +
      '9797a06ef4f0ef61c186324e2b350638 3606907b6a7c02b0f9f6157b53c867e4 b9166c767b804d46a59b5216cde7a4e9' +
      '9040c5a40433225ee282a1b0a06c523e af4534d7f83fa1155b0047718cbc546a 0d072b04b3564eea1b422273f548271a' +
      '0bb2316053fa76991955ebd63159434e cebb4e466dae5a1073a6727627097a10 49e617d91d361094fa68f0ff77987130' +
      '305beaba2eda04df997b714d6c6f2c29 a6ad5cb4022b02709b',
  );
  assert.equal(ct.length, 265);
  const msg = new Uint8Array(16 + 272 + 16);
  msg.set(aad, 0);
  msg.set(ct, 16);
  const view = new DataView(msg.buffer);
  view.setBigUint64(288, BigInt(aad.length), true);
  view.setBigUint64(296, BigInt(ct.length), true);
  return {
    key: hex('bdf04aa95ce4de8995b14bb6a18fecaf 26478f50c054f563dbc0a21e261572aa'),
    msg,
    tag: hex('eead9d67890cbb22392336fea1851f38'),
  };
}

test('RFC 8439 test vectors', () => {
  assert.equal(IETF_TEXT.length, 375);
  assert.equal(JABBERWOCKY.length, 127);
  for (const v of VECTORS) {
    assert.equal(toHex(Poly1305.mac(v.key, v.msg)), toHex(v.tag), `${v.name}: wasm`);
    assert.equal(toHex(poly1305Ref(v.key, v.msg)), toHex(v.tag), `${v.name}: reference`);
    assert.equal(Poly1305.verify(v.key, v.msg, v.tag), true, `${v.name}: verify`);
  }
  const a5 = aeadVector();
  assert.equal(toHex(Poly1305.mac(a5.key, a5.msg)), toHex(a5.tag), 'A.5: wasm');
  assert.equal(toHex(poly1305Ref(a5.key, a5.msg)), toHex(a5.tag), 'A.5: reference');
});

test('empty message: the tag is s', () => {
  const rand = rng(1);
  for (let i = 0; i < 20; i++) {
    const key = rand(32);
    assert.equal(toHex(Poly1305.mac(key, new Uint8Array(0))), toHex(key.subarray(16)));
  }
});

test('lengths 0..300 and around block boundaries match the reference', () => {
  const rand = rng(2);
  const lengths = new Set<number>();
  for (let n = 0; n <= 300; n++) lengths.add(n);
  for (let k = 1; k <= 64; k++) for (const d of [-1, 0, 1]) lengths.add(16 * k * 8 + d);
  for (const n of [4095, 4096, 4097, 32767, 32768, 32769, 35000]) lengths.add(n);
  const key = rand(32);
  const big = rand(35000);
  for (const n of lengths) {
    const msg = big.subarray(0, n);
    assert.equal(toHex(Poly1305.mac(key, msg)), toHex(poly1305Ref(key, msg)), `length ${n}`);
  }
});

test('all-0xff keys and messages (limb carry cases)', () => {
  const ones = new Uint8Array(1024).fill(0xff);
  const keys = [
    new Uint8Array(32).fill(0xff),
    Uint8Array.from([...new Uint8Array(16).fill(0xff), ...new Uint8Array(16)]),
    Uint8Array.from([...new Uint8Array(16), ...new Uint8Array(16).fill(0xff)]),
    // r clamps to its maximum; s = 2^128 - 1
    hex('ffffff0ffcffff0ffcffff0ffcffff0f ffffffffffffffffffffffffffffffff'),
  ];
  for (const key of keys) {
    for (let n = 0; n <= 1024; n += n < 80 ? 1 : 61) {
      const msg = ones.subarray(0, n);
      assert.equal(toHex(Poly1305.mac(key, msg)), toHex(poly1305Ref(key, msg)), `key ${toHex(key)} length ${n}`);
    }
  }
  // messages whose blocks make h land near multiples of p
  const rand = rng(3);
  for (let i = 0; i < 200; i++) {
    const key = rand(32);
    if (i % 2) key.fill(0xff, 0, 16);
    const msg = rand(16 * (1 + (i % 5)));
    for (let j = 0; j < msg.length; j++) if ((rand(1)[0] as number) < 200) msg[j] = 0xff;
    assert.equal(toHex(Poly1305.mac(key, msg)), toHex(poly1305Ref(key, msg)));
  }
});

test('large messages: 256 KiB, 256 KiB + a few bytes, and memory growth past the initial size', () => {
  const rand = rng(4);
  const key = rand(32);
  for (const n of [256 * 1024, 256 * 1024 + 5, 256 * 1024 + 32 + 16 + 3, 1024 * 1024 + 7]) {
    const msg = rand(n);
    const expected = toHex(poly1305Ref(key, msg));
    assert.equal(toHex(Poly1305.mac(key, msg)), expected, `length ${n}`);
    // and small messages still work after the memory grew
    assert.equal(toHex(Poly1305.mac(key, msg.subarray(0, 33))), toHex(poly1305Ref(key, msg.subarray(0, 33))));
  }
});

test('500 random (key, message) pairs match the bigint reference', () => {
  const rand = rng(5);
  for (let i = 0; i < 500; i++) {
    const key = rand(32);
    const len = (rand(2)[0] as number) * 4 + (rand(1)[0] as number) % 4; // 0..1023
    const msg = rand(len);
    assert.equal(toHex(Poly1305.mac(key, msg)), toHex(poly1305Ref(key, msg)), `pair ${i}, length ${len}`);
  }
});

test('verify rejects any single flipped bit and wrong lengths', () => {
  const rand = rng(6);
  const key = rand(32);
  const msg = rand(100);
  const tag = Poly1305.mac(key, msg);
  assert.equal(Poly1305.verify(key, msg, tag), true);
  assert.equal(poly1305Verify(key, msg, tag), true);
  for (let bit = 0; bit < 128; bit++) {
    const bad = tag.slice();
    bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
    assert.equal(Poly1305.verify(key, msg, bad), false, `bit ${bit}`);
    assert.equal(Poly1305.verify2(key, msg.subarray(0, 4), msg.subarray(4), bad), false, `bit ${bit} (verify2)`);
    assert.equal(new Poly1305(key).update(msg).verify(bad), false, `bit ${bit} (streaming)`);
  }
  assert.equal(Poly1305.verify(key, msg, tag.subarray(0, 15)), false);
  assert.equal(Poly1305.verify(key, msg, Uint8Array.from([...tag, 0])), false);
  assert.equal(Poly1305.verify(key, msg, new Uint8Array(0)), false);
  assert.equal(new Poly1305(key).update(msg).verify(tag.subarray(0, 15)), false);
  assert.equal(new Poly1305(key).update(msg).verify(tag), true);
  // a different message or key
  const msg2 = msg.slice();
  msg2[99] = (msg2[99] as number) ^ 1;
  assert.equal(Poly1305.verify(key, msg2, tag), false);
  const key2 = key.slice();
  key2[31] = (key2[31] as number) ^ 0x80;
  assert.equal(Poly1305.verify(key2, msg, tag), false);
});

test('mac2 / verify2 equal the MAC of the concatenation', () => {
  const rand = rng(7);
  for (let i = 0; i < 100; i++) {
    const key = rand(32);
    const msg = rand(i * 7);
    for (const split of [0, 4, Math.floor(msg.length / 2), msg.length]) {
      if (split > msg.length) continue;
      const a = msg.subarray(0, split);
      const b = msg.subarray(split);
      const expected = toHex(poly1305Ref(key, msg));
      assert.equal(toHex(Poly1305.mac2(key, a, b)), expected);
      assert.equal(Poly1305.verify2(key, a, b, hex(expected)), true);
    }
  }
});

test('output buffer, subarray inputs, and input validation', () => {
  const rand = rng(8);
  const backing = rand(200);
  const key = backing.subarray(3, 35); // unaligned view
  const msg = backing.subarray(41, 190);
  const expected = toHex(poly1305Ref(key, msg));
  const out = new Uint8Array(40);
  const tagView = out.subarray(10, 26);
  const ret = Poly1305.mac(key, msg, tagView);
  assert.equal(ret, tagView);
  assert.equal(toHex(tagView), expected);
  assert.equal(toHex(out.subarray(0, 10)), '00'.repeat(10));
  assert.equal(toHex(out.subarray(26)), '00'.repeat(14));
  assert.equal(toHex(poly1305(key, msg)), expected);
  // results do not alias wasm memory: a later call does not change an earlier result
  const first = Poly1305.mac(key, msg);
  Poly1305.mac(rand(32), rand(50));
  assert.equal(toHex(first), expected);
  assert.throws(() => Poly1305.mac(new Uint8Array(31), msg), RangeError);
  assert.throws(() => Poly1305.mac(new Uint8Array(33), msg), RangeError);
  assert.throws(() => Poly1305.mac(key, msg, new Uint8Array(15)), RangeError);
  assert.throws(() => new Poly1305(new Uint8Array(16)), RangeError);
});

test('incremental API: any chunking, interleaved with other MACs', () => {
  const rand = rng(9);
  for (let i = 0; i < 60; i++) {
    const keyA = rand(32);
    const keyB = rand(32);
    const msgA = rand(i * 13 + (i % 3));
    const msgB = rand(i * 5);
    const a = new Poly1305(keyA);
    const b = new Poly1305(keyB);
    let pa = 0;
    let pb = 0;
    while (pa < msgA.length || pb < msgB.length) {
      const na = Math.min(msgA.length - pa, (rand(1)[0] as number) % 40);
      a.update(msgA.subarray(pa, pa + na));
      pa += na;
      // a one-shot MAC in between must not disturb the streaming states
      Poly1305.mac(rand(32), rand(17));
      const nb = Math.min(msgB.length - pb, (rand(1)[0] as number) % 23);
      b.update(msgB.subarray(pb, pb + nb));
      pb += nb;
    }
    assert.equal(toHex(a.digest()), toHex(poly1305Ref(keyA, msgA)), `A ${i}`);
    assert.equal(toHex(b.digest()), toHex(poly1305Ref(keyB, msgB)), `B ${i}`);
    assert.throws(() => a.update(msgA));
    assert.throws(() => b.digest());
  }
  // one update much larger than the wasm message area
  const key = rand(32);
  const msg = rand(3 * 1024 * 1024 + 9);
  assert.equal(toHex(new Poly1305(key).update(msg).digest()), toHex(poly1305Ref(key, msg)));
});
