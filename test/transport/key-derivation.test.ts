/**
 * RFC 4253 §7.2 key derivation, known answers. The RFC gives no vectors; these were computed with
 * an independent implementation (Python hashlib, straight from the RFC's formulas) and pinned.
 * K = mpint(0xabab..ab, 32 bytes) (wire-encoded, leading 00), H = 00..1f, session_id = 64..83.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveDirectionKeys, deriveKey } from '../../src/transport/key-derivation.js';

const K = Buffer.from('00000021' + '00' + 'ab'.repeat(32), 'hex');
const H = Uint8Array.from({ length: 32 }, (_, i) => i);
const SID = Uint8Array.from({ length: 32 }, (_, i) => 100 + i);

const VECTORS = [
  ['sha256', 'A', 64, '5b44990ff21a76980bd0a7f7541fd34cedd830040c7c78c7f1e5ff8e1fcdc4851ae4c121cd2d3a853e11e23b3ce61eeb9fbafcf0aad0f6dee2180e87e7a6d71d'],
  ['sha256', 'C', 64, 'e3e312c1f773c84b3612c0e77388fdea24c8b149eeede2c299465fe82dff4e98508aff70c239c85b850d002b508cfa93edb1dec6a3590f0d1fd891712af5736d'],
  ['sha256', 'E', 64, 'a8409173045b5a10088dfe6d3360d570b5120d3525a7bae38ad7472b38211152b42480413dd9275b3864b53a13d3f54a144722acc8db4080313684ef500e1116'],
  ['sha512', 'A', 100, 'd3931855b25a4814242d3d180a9e6f63792ec7c25128865a9b8e571c36305d6be46b961a69da85b58aea47a0129f9d8cd878303de9d2466748bd71f0a71c8d5fb0350918d7bb3785aca8373971aa2c0be59c079ed5b51c19d8378faf17722e17c61f71b6'],
  ['sha512', 'C', 100, 'c124f65642717ba646b93fcc4dc1424e87a19752ed307b01afdd41252967bd7fec72634703179e7d7b266dc62c81ac764a7cb9ce5a01b2cef0b04d017ef2cb375f21b2c3c81954a43fed5d7beb7e04c6f61b32f95a075ce506bed4bf05036b5a77470bc2'],
  ['sha512', 'E', 100, 'f969af1428d21e2768bd5e6bd8e65cf9a65c8467628957e2099fa83630a8e93cd195e7a7cd70938035b312a05d6fb80d788aada99c63ba945d3cfe7ccc08f0f660c02e233d4d0ff565fa937acffe5526181260a5e4cfd97a3f5d26061e7541831400d840'],
  ['sha1', 'A', 45, '0b3817ec4738d86daa5b5eef55bd344908c641a3b8cb5995ea96371a1005fafecf49206e90382ce69258b5b552'],
  ['sha1', 'C', 45, '939ab7b84dddcf1cf7317739fd495d44077b2442309570777fe2699be6bdc9581cd40fff261946832daef92369'],
  ['sha1', 'E', 45, '55aa61fd011e746e3770fe3a8f0137dc961f610f8c9ff82c027aa48bddee36cb2a7e93226f7a2389fdf4f0a8de'],
] as const;

test('deriveKey matches the known answers, including outputs longer than one hash (K2, K3...)', () => {
  for (const [hash, letter, n, hex] of VECTORS) {
    assert.equal(Buffer.from(deriveKey(hash, K, H, letter, SID, n)).toString('hex'), hex, `${hash} ${letter}`);
    // A shorter key is a prefix of the longer one.
    assert.equal(Buffer.from(deriveKey(hash, K, H, letter, SID, 16)).toString('hex'), hex.slice(0, 32));
  }
});

test('deriveDirectionKeys uses A/C/E client-to-server and B/D/F server-to-client', () => {
  const k = deriveDirectionKeys('sha256', K, H, SID, { ivLength: 12, keyLength: 32, macKeyLength: 0 }, { ivLength: 16, keyLength: 16, macKeyLength: 32 });
  assert.equal(Buffer.from(k.clientToServer.iv).toString('hex'), VECTORS[0][3].slice(0, 24));
  assert.equal(Buffer.from(k.clientToServer.key).toString('hex'), VECTORS[1][3].slice(0, 64));
  assert.equal(k.clientToServer.macKey.length, 0);
  assert.equal(k.serverToClient.iv.length, 16);
  assert.notEqual(Buffer.from(k.serverToClient.iv).toString('hex'), VECTORS[0][3].slice(0, 32));
  assert.deepEqual(k.serverToClient.macKey, deriveKey('sha256', K, H, 'F', SID, 32));
});
