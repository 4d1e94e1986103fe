// RFC 4251 §5 mpint examples, through both the bigint and the magnitude encoders the key
// exchange methods use for e, f and K.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SshError } from '../../src/errors.js';
import { Reader } from '../../src/wire/reader.js';
import { Writer } from '../../src/wire/writer.js';
import { hex, toHex } from './helpers.js';

const EXAMPLES: Array<[bigint, string]> = [
  [0n, '00000000'],
  [0x9a378f9b2e332a7n, '0000000809a378f9b2e332a7'],
  [0x80n, '000000020080'],
  [-0x1234n, '00000002edcc'],
  [-0xdeadbeefn, '00000005ff21524111'],
];

test('RFC 4251 §5 mpint examples encode and decode', () => {
  for (const [v, wire] of EXAMPLES) {
    assert.equal(toHex(new Writer().mpint(v).finish()), wire);
    assert.equal(new Reader(hex(wire)).mpint(), v);
  }
});

test('mpintMagnitude: unsigned big-endian in, minimal positive mpint out (leading zeros dropped, 00 added for a high bit)', () => {
  const cases: Array<[string, string]> = [
    ['', '00000000'],
    ['0000', '00000000'],
    ['09a378f9b2e332a7', '0000000809a378f9b2e332a7'],
    ['80', '000000020080'],
    ['000080', '000000020080'],
    ['00007f', '000000017f'],
    ['ff'.repeat(32), '00000021' + '00' + 'ff'.repeat(32)],
  ];
  for (const [mag, wire] of cases) {
    assert.equal(toHex(new Writer().mpintMagnitude(hex(mag)).finish()), wire, mag);
    const back = new Reader(hex(wire)).mpintMagnitude();
    assert.equal(toHex(back), mag.replace(/^(00)+/, ''));
  }
  // Negative and non-minimal encodings are refused where a positive value is required.
  for (const bad of ['00000002edcc', '00000002007f', '000000030000ff']) {
    assert.throws(() => new Reader(hex(bad)).mpintMagnitude(), (e: unknown) => e instanceof SshError && e.code === 'ERR_WIRE', bad);
  }
});
