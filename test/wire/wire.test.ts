import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WireError } from '../../src/errors.js';
import { bytes, message, nameList, rest, u32, utf8 } from '../../src/messages/codec.js';
import { Reader } from '../../src/wire/reader.js';
import { mpintBytes, Writer } from '../../src/wire/writer.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// RFC 4251 §5, the mpint examples, as the whole wire encoding (length included).
const MPINT_EXAMPLES: Array<[bigint, string]> = [
  [0n, '00000000'],
  [0x9a378f9b2e332a7n, '0000000809a378f9b2e332a7'],
  [0x80n, '000000020080'],
  [-0x1234n, '00000002edcc'],
  [-0xdeadbeefn, '00000005ff21524111'],
];

test('mpint: RFC 4251 §5 examples encode and decode exactly', () => {
  for (const [v, enc] of MPINT_EXAMPLES) {
    assert.equal(hex(new Writer().mpint(v).finish()), enc, `encode ${v}`);
    assert.equal(new Reader(Buffer.from(enc, 'hex')).mpint(), v, `decode ${enc}`);
  }
});

test('mpint: edge cases around sign bits and byte boundaries round-trip', () => {
  const values = [1n, -1n, 0x7fn, 0xffn, -0x80n, -0x81n, 0x7fffn, 0x8000n, -0x8000n, -0x8001n, (1n << 255n) - 1n, 1n << 255n, -(1n << 255n)];
  for (const v of values) {
    const b = new Writer().mpint(v).finish();
    const r = new Reader(b);
    assert.equal(r.mpint(), v);
    r.done();
    // Minimal: no redundant leading 00 or ff.
    const body = mpintBytes(v);
    if (body.length > 1) {
      const redundant = (body[0] === 0 && !(body[1]! & 0x80)) || (body[0] === 0xff && body[1]! & 0x80);
      assert.ok(!redundant, `non-minimal encoding for ${v}`);
    }
  }
});

test('mpint: non-minimal encodings are rejected', () => {
  assert.throws(() => new Reader(Buffer.from('000000020001', 'hex')).mpint(), WireError);
  assert.throws(() => new Reader(Buffer.from('00000002ff80', 'hex')).mpint(), WireError);
});

test('mpintMagnitude: positive magnitudes get a 00 prefix when the high bit is set, leading zeros dropped', () => {
  assert.equal(hex(new Writer().mpintMagnitude(Uint8Array.of(0, 0, 0x80, 1)).finish()), '00000003008001');
  assert.equal(hex(new Writer().mpintMagnitude(Uint8Array.of(0, 0x7f)).finish()), '000000017f');
  assert.equal(hex(new Writer().mpintMagnitude(Uint8Array.of(0, 0)).finish()), '00000000');
});

test('name-list: RFC 4251 §5 examples; empty names and non-ASCII rejected', () => {
  assert.equal(hex(new Writer().nameList([]).finish()), '00000000');
  assert.equal(hex(new Writer().nameList(['zlib']).finish()), '000000047a6c6962');
  assert.equal(hex(new Writer().nameList(['zlib', 'none']).finish()), '000000097a6c69622c6e6f6e65');
  assert.deepEqual(new Reader(Buffer.from('000000097a6c69622c6e6f6e65', 'hex')).nameList(), ['zlib', 'none']);
  assert.throws(() => new Reader(new Writer().utf8('a,,b').finish()).nameList(), WireError);
  assert.throws(() => new Reader(new Writer().utf8('a,').finish()).nameList(), WireError);
  assert.throws(() => new Reader(new Writer().utf8('é').finish()).nameList(), WireError);
});

test('reader never reads past the end: every truncation of a message is a WireError', () => {
  const M = message(200, 'TEST', { a: u32, b: bytes, c: utf8, d: nameList, e: rest });
  const full = M.encode({ a: 7, b: Uint8Array.of(1, 2, 3), c: 'héllo', d: ['x', 'y'], e: Uint8Array.of(9) });
  assert.deepEqual(M.decode(full).d, ['x', 'y']);
  const N = message(200, 'TEST', { a: u32, b: bytes, c: utf8, d: nameList });
  const exact = full.subarray(0, full.length - 1);
  assert.equal(N.decode(exact).c, 'héllo');
  for (let i = 0; i < exact.length; i++) {
    assert.throws(() => N.decode(exact.subarray(0, i)), WireError, `prefix of ${i} bytes`);
  }
  // Trailing bytes are refused unless the schema ends with `rest`.
  assert.throws(() => N.decode(full), /trailing/);
  // A string length pointing beyond the end must not be trusted.
  assert.throws(() => new Reader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1)).bytesString(), WireError);
  // Invalid UTF-8 is refused where text is expected.
  assert.throws(() => new Reader(Uint8Array.of(0, 0, 0, 1, 0xff)).utf8(), WireError);
});

test('decoder checks the message number', () => {
  const M = message(201, 'M201', { a: u32 });
  assert.throws(() => M.decode(Uint8Array.of(202, 0, 0, 0, 1)), /expected M201/);
});
