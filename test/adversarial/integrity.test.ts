// The idea of OpenSSH's regress/integrity.sh: for every cipher and (for the non-AEAD ones) every MAC,
// flip one bit at each offset of an encrypted packet in flight (length bytes, body, tag) and check the
// receiver refuses it with ERR_MAC, ERR_PACKET_LENGTH or ERR_PADDING: it never delivers a corrupted
// payload, never throws, never waits forever. With an encrypted length (CTR without EtM) a flipped
// length can make the receiver wait for more bytes; the sender then keeps sending packets (bounded,
// past the 256 KiB packet limit) until the receiver errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DisconnectReason, type SshErrorCode } from '../../src/errors.js';
import { getCipher, getMac } from '../../src/algorithms/registry.js';
import { DEFAULT_CIPHERS, DEFAULT_MACS } from '../../src/crypto/cipher-registry.js';
import type { Pair } from '../util/pair.js';
import { closedError, establishedPair, settle } from './helpers.js';

const CIPHERS = [
  'chacha20-poly1305@openssh.com',
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
];
const MACS = ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'];
const ACCEPTABLE: readonly SshErrorCode[] = ['ERR_MAC', 'ERR_PACKET_LENGTH', 'ERR_PADDING'];
const FOLLOW_UP_LIMIT = 48; // x 8 KiB payloads: more than one 256 KiB packet's worth

test('the tables cover every default cipher and MAC', () => {
  assert.deepEqual([...CIPHERS].sort(), [...DEFAULT_CIPHERS].sort());
  assert.deepEqual([...MACS].sort(), [...DEFAULT_MACS].sort());
});

function payload(n: number, tag: number): Uint8Array {
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = (i * 31 + tag) & 0xff;
  p[0] = 94; // CHANNEL_DATA-like: a connection-layer number, delivered as a 'payload' event
  return p;
}

interface Trial {
  offset: number;
  bit: number;
  from: 'client' | 'server';
}

/** One connection, one flipped bit; returns a description of what went wrong, or undefined. */
function runTrial(cipher: string, mac: string | undefined, t: Trial, expectLength: number | undefined): { wireLength: number } {
  const algorithms = { cipher: [cipher], ...(mac ? { mac: [mac] } : {}) };
  const pair: Pair = establishedPair({ client: { algorithms }, server: { algorithms } });
  const to = t.from === 'client' ? 'server' : 'client';
  const where = `${cipher}${mac ? `+${mac}` : ''} ${t.from}->${to} offset ${t.offset} bit ${t.bit}`;
  let wireLength = -1;
  pair.tamper = (from, bytes) => {
    if (from !== t.from || wireLength >= 0) return bytes;
    wireLength = bytes.length;
    const b = bytes.slice();
    b[t.offset] = b[t.offset]! ^ (1 << t.bit);
    return b;
  };
  const sender = pair[t.from];
  sender.t.send(payload(20, t.offset));
  settle(pair);
  assert.ok(wireLength > t.offset, `${where}: the packet was tampered with`);
  if (expectLength !== undefined) assert.equal(wireLength, expectLength, `${where}: one packet per chunk`);
  let extra = 0;
  while (closedError(pair[to].events) === undefined && extra < FOLLOW_UP_LIMIT && !sender.t.closed) {
    sender.t.send(payload(8 * 1024, extra++));
    settle(pair);
  }
  const err = closedError(pair[to].events);
  assert.ok(err, `${where}: the receiver did not refuse the packet (after ${extra} follow-up packets)`);
  assert.ok(ACCEPTABLE.includes(err.code), `${where}: closed with ${err.code} (${err.message})`);
  assert.equal(pair.takePayloads(pair[to]).length, 0, `${where}: a payload was delivered from a corrupted stream`);
  // The refusal reached the sender over the untouched direction, with the right reason.
  const told = closedError(pair[t.from].events);
  assert.equal(told?.code, 'ERR_PEER_DISCONNECTED', `${where}: sender was told (${told?.code})`);
  const reason = err.code === 'ERR_MAC' ? DisconnectReason.MAC_ERROR : DisconnectReason.PROTOCOL_ERROR;
  assert.equal((told as unknown as { reasonCode: number }).reasonCode, reason, `${where}: disconnect reason`);
  return { wireLength };
}

for (const cipher of CIPHERS) {
  const aead = getCipher(cipher)!.aead;
  for (const mac of aead ? [undefined] : MACS) {
    test(`integrity: ${cipher}${mac ? ` + ${mac}` : ''}: every flipped bit position is refused`, () => {
      // Learn the packet's wire length from a first trial on the tag's last byte.
      const tagLength = aead ? 16 : getMac(mac!)!.tagLength;
      const probe = runTrial(cipher, mac, { offset: 0, bit: 7, from: 'client' }, undefined);
      const len = probe.wireLength;
      assert.ok(len > tagLength + 16);
      const trials: Trial[] = [];
      // Every bit of the first 4 bytes (the length, clear or encrypted, and for CTR the first block).
      for (let offset = 0; offset < 4; offset++) for (let bit = 0; bit < 8; bit++) trials.push({ offset, bit, from: 'client' });
      // One bit of every other byte: body, padding, tag.
      for (let offset = 4; offset < len; offset++) trials.push({ offset, bit: (offset * 5) % 8, from: 'client' });
      // The other direction, sampled (the first block, the last body byte, the tag's first and last bytes).
      for (const offset of [0, 3, 5, len - tagLength - 1, len - tagLength, len - 1]) trials.push({ offset, bit: offset % 8, from: 'server' });
      for (const t of trials) runTrial(cipher, mac, t, len);
    });
  }
}
