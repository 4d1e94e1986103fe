/**
 * The native packet-protection addon (native/, src/crypto/native-aead.ts): byte-identical to the
 * node:crypto / WebAssembly constructions in both directions, in-place opening, tamper
 * detection, and arguments it must refuse without crashing. In CI the addon must be built (a
 * silently missing addon would make every interop test exercise only the fallback).
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { PacketOpener, PacketSealer } from '../../src/algorithms/types.js';
import { AesGcmOpener, AesGcmSealer, type GcmSpec } from '../../src/crypto/aes-gcm.js';
import { ChaCha20Poly1305Opener, ChaCha20Poly1305Sealer } from '../../src/crypto/chacha20-poly1305.js';
import { CipherMacOpener, CipherMacSealer, type HmacSpec, type StreamCipherSpec } from '../../src/crypto/cipher-mac.js';
import { nativeCrypto, nativeStatus, type NativeCrypto } from '../../src/crypto/native.js';
import {
  nativeChaChaOpener,
  nativeChaChaSealer,
  nativeEtmOpener,
  nativeEtmSealer,
  nativeEtmSupports,
  nativeGcmOpener,
  nativeGcmSealer,
} from '../../src/crypto/native-aead.js';
import { SshError } from '../../src/errors.js';
import { buildPacket, Rng, toHex } from './helpers.js';

function addon(t: TestContext): NativeCrypto | undefined {
  const n = nativeCrypto();
  if (n !== undefined) return n;
  const status = nativeStatus();
  const why = status.loaded ? '' : status.reason;
  if (process.env.CI && process.env.HUSH_NATIVE !== '0') throw new Error(`CI is set, so the native addon must be built: ${why}`);
  console.log(`skipping: native addon not in use (${why})`);
  t.skip(why);
  return undefined;
}

const GCM128: GcmSpec = { name: 'aes128-gcm@openssh.com', nodeName: 'aes-128-gcm', keyLength: 16 };
const GCM256: GcmSpec = { name: 'aes256-gcm@openssh.com', nodeName: 'aes-256-gcm', keyLength: 32 };

interface Pair {
  name: string;
  block: number;
  tag: number;
  /** GCM decrypts before it knows the tag is bad, so it wipes; the others check first. */
  wipes: boolean;
  keys(rng: Rng): { key: Uint8Array; iv: Uint8Array; macKey: Uint8Array };
  js(k: ReturnType<Pair['keys']>): { s: PacketSealer; o: PacketOpener };
  native(n: NativeCrypto, k: ReturnType<Pair['keys']>): { s: PacketSealer; o: PacketOpener };
}

const gcmPair = (spec: GcmSpec): Pair => ({
  name: spec.name,
  block: 16,
  tag: 16,
  wipes: true,
  keys: (rng) => ({ key: rng.bytes(spec.keyLength), iv: rng.bytes(12), macKey: new Uint8Array(0) }),
  js: (k) => ({ s: new AesGcmSealer(spec, k), o: new AesGcmOpener(spec, k) }),
  native: (n, k) => ({ s: nativeGcmSealer(n, spec, k), o: nativeGcmOpener(n, spec, k) }),
});
function etmPair(cipher: string, nodeName: string, keyLength: number, macName: string, hash: HmacSpec['hash'], macLength: number): Pair {
  const spec: StreamCipherSpec = { name: cipher, nodeName, keyLength, ivLength: 16, blockSize: 16 };
  const mac: HmacSpec = { name: macName, hash, keyLength: macLength, tagLength: macLength, etm: true };
  return {
    name: `${cipher} + ${macName}`,
    block: 16,
    tag: macLength,
    wipes: false,
    keys: (rng) => ({ key: rng.bytes(keyLength), iv: rng.bytes(16), macKey: rng.bytes(macLength) }),
    js: (k) => ({ s: new CipherMacSealer(spec, mac, k), o: new CipherMacOpener(spec, mac, k) }),
    native: (n, k) => {
      assert.ok(nativeEtmSupports(spec, mac));
      return { s: nativeEtmSealer(n, spec, mac, k), o: nativeEtmOpener(n, spec, mac, k) };
    },
  };
}

const PAIRS: Pair[] = [
  gcmPair(GCM128),
  gcmPair(GCM256),
  {
    name: 'chacha20-poly1305@openssh.com',
    block: 8,
    tag: 16,
    wipes: false,
    keys: (rng) => ({ key: rng.bytes(64), iv: new Uint8Array(0), macKey: new Uint8Array(0) }),
    js: (k) => ({ s: new ChaCha20Poly1305Sealer(k), o: new ChaCha20Poly1305Opener(k) }),
    native: (n, k) => ({ s: nativeChaChaSealer(n, k), o: nativeChaChaOpener(n, k) }),
  },
  etmPair('aes128-ctr', 'aes-128-ctr', 16, 'hmac-sha2-256-etm@openssh.com', 'sha256', 32),
  etmPair('aes256-ctr', 'aes-256-ctr', 32, 'hmac-sha2-512-etm@openssh.com', 'sha512', 64),
  etmPair('aes192-ctr', 'aes-192-ctr', 24, 'hmac-sha1-etm@openssh.com', 'sha1', 20),
];

/** Payload sizes from the smallest packet to past a channel's 32 KiB maximum. */
const SIZES = [1, 5, 15, 16, 100, 1000, 32768, 35000];

describe('native packet protection', () => {
  for (const pair of PAIRS) {
    it(`${pair.name}: sealed bytes equal the node:crypto construction's, and each side opens the other's`, (t) => {
      const n = addon(t);
      if (!n) return;
      const rng = new Rng(42);
      const k = pair.keys(rng);
      const js = pair.js(k);
      const nat = pair.native(n, k);
      const js2 = pair.js(k);
      const nat2 = pair.native(n, k);
      let seq = 0xfffffff0; // across the uint32 wrap of the sequence number
      for (const size of SIZES) {
        for (let rep = 0; rep < 3; rep++) {
          const packet = buildPacket(rng.bytes(size), pair.block, true, rng);
          const a = js.s.seal(seq, packet);
          const b = nat.s.seal(seq, packet);
          assert.equal(toHex(b), toHex(a), `packet of ${size} bytes, seq ${seq}`);
          assert.equal(nat.o.decryptLength(seq, a.subarray(0, 4)), packet.length - 4);
          assert.deepEqual(nat.o.open(seq, a), packet.subarray(4), 'native opens what node:crypto sealed');
          assert.deepEqual(js2.o.open(seq, b), packet.subarray(4), 'node:crypto opens what native sealed');
          const wire = b.slice();
          assert.equal(nat2.o.decryptLength(seq, wire.subarray(0, 4)), packet.length - 4);
          const inPlace = nat2.o.openInPlace!(seq, wire);
          assert.equal(inPlace.buffer, wire.buffer, 'openInPlace returns a view of the wire bytes');
          assert.deepEqual(inPlace, packet.subarray(4));
          seq = (seq + 1) >>> 0;
        }
      }
    });

    it(`${pair.name}: any flipped bit is refused with ERR_MAC, and no plaintext comes out`, (t) => {
      const n = addon(t);
      if (!n) return;
      const rng = new Rng(7);
      const k = pair.keys(rng);
      const packet = buildPacket(rng.bytes(200), pair.block, true, rng);
      const sealed = pair.native(n, k).s.seal(9, packet);
      for (const at of [0, 3, 4, 50, sealed.length - pair.tag - 1, sealed.length - pair.tag, sealed.length - 1]) {
        const bad = sealed.slice();
        bad[at]! ^= 0x10;
        const o = pair.native(n, k).o;
        assert.throws(() => o.open(9, bad), (e: unknown) => e instanceof SshError && e.code === 'ERR_MAC', `byte ${at}`);
        const inPlace = bad.slice();
        assert.throws(() => pair.native(n, k).o.openInPlace!(9, inPlace), SshError, `in place, byte ${at}`);
        const body = inPlace.subarray(4, inPlace.length - pair.tag);
        if (pair.wipes) assert.ok(body.every((x) => x === 0), 'GCM wipes what it decrypted');
        else assert.deepEqual(body, bad.subarray(4, bad.length - pair.tag), 'nothing is decrypted before the tag verifies');
      }
    });
  }

  it('large packets are sealed back to back into one slab, reused from its start only after recycle()', (t) => {
    const n = addon(t);
    if (!n) return;
    const rng = new Rng(11);
    const k = gcmPair(GCM128).keys(rng);
    const sealer = nativeGcmSealer(n, GCM128, k);
    const opener = nativeGcmOpener(n, GCM128, k);
    const seal = (seq: number, size: number): { wire: Uint8Array; packet: Uint8Array } => {
      const packet = buildPacket(rng.bytes(size), 16, true, rng);
      const pieces: Uint8Array[] = [];
      sealer.sealTo(seq, packet, pieces);
      assert.equal(pieces.length, 1);
      return { wire: pieces[0]!, packet };
    };
    const a = seal(0, 32768);
    const b = seal(1, 32768);
    assert.equal(b.wire.buffer, a.wire.buffer, 'one slab for a burst');
    assert.equal(b.wire.byteOffset, a.wire.byteOffset + a.wire.byteLength, 'back to back');
    // Without recycle() nothing is written over: both still open.
    assert.deepEqual(opener.open(0, a.wire.slice()), a.packet.subarray(4));
    assert.deepEqual(opener.open(1, b.wire.slice()), b.packet.subarray(4));
    // A small packet gets its own memory and lets go of the slab.
    const small = seal(2, 100);
    assert.notEqual(small.wire.buffer, a.wire.buffer);
    assert.deepEqual(opener.open(2, small.wire.slice()), small.packet.subarray(4));
    const c = seal(3, 32768);
    assert.notEqual(c.wire.buffer, a.wire.buffer, 'a new slab after the slab was let go');
    sealer.recycle!();
    const d = seal(4, 32768);
    assert.equal(d.wire.buffer, c.wire.buffer, 'recycle() reuses the slab');
    assert.equal(d.wire.byteOffset, c.wire.byteOffset, 'from its start');
  });

  it('refuses wrong handles, lengths and types with a typed error instead of crashing', (t) => {
    const n = addon(t);
    if (!n) return;
    const gcmSeal = n.gcmNew(new Uint8Array(16), new Uint8Array(12), true);
    const gcmOpen = n.gcmNew(new Uint8Array(16), new Uint8Array(12), false);
    const chacha = n.chachaNew(new Uint8Array(64));
    const bad: [string, () => unknown][] = [
      ['a chacha handle given to gcmSeal', () => n.gcmSeal(chacha, new Uint8Array(20), new Uint8Array(36))],
      ['a plain object as a handle', () => n.gcmOpen({} as never, new Uint8Array(36), new Uint8Array(16))],
      ['an opening handle asked to seal', () => n.gcmSeal(gcmOpen, new Uint8Array(20), new Uint8Array(36))],
      ['a sealing handle asked to open', () => n.gcmOpen(gcmSeal, new Uint8Array(36), new Uint8Array(16))],
      ['a misaligned packet', () => n.gcmSeal(gcmSeal, new Uint8Array(21), new Uint8Array(37))],
      ['an output one byte short', () => n.gcmSeal(gcmSeal, new Uint8Array(20), new Uint8Array(35))],
      ['a wire packet shorter than a tag', () => n.gcmOpen(gcmOpen, new Uint8Array(10), new Uint8Array(0))],
      ['a string for bytes', () => n.chachaSeal(chacha, 0, 'abc' as never, new Uint8Array(19))],
      ['a DataView for bytes', () => n.chachaOpen(chacha, 0, new DataView(new ArrayBuffer(40)) as never, new Uint8Array(20))],
      ['a 63-byte chacha key', () => n.chachaNew(new Uint8Array(63))],
      ['a 24-byte GCM key', () => n.gcmNew(new Uint8Array(24), new Uint8Array(12), true)],
      ['a 16-byte GCM IV', () => n.gcmNew(new Uint8Array(16), new Uint8Array(16), true)],
      ['a 3-byte length head', () => n.chachaLength(chacha, 0, new Uint8Array(3))],
      ['no arguments', () => (n.gcmSeal as unknown as () => void)()],
      ['a 33-byte MAC key (no such digest)', () => n.etmNew(new Uint8Array(16), new Uint8Array(16), new Uint8Array(33), true)],
      ['a CTR packet of 20 bytes plus a short MAC', () => n.etmOpen(n.etmNew(new Uint8Array(16), new Uint8Array(16), new Uint8Array(32), false), 0, new Uint8Array(40), new Uint8Array(4))],
    ];
    for (const [what, f] of bad) {
      assert.throws(f, (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'ERR_NATIVE_ARGS', what);
    }
  });
});
