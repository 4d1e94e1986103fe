/**
 * Packet-protection throughput: seal + decryptLength + open of 32 KiB payloads through each
 * construction, next to the raw node:crypto (and Poly1305) primitives doing the same
 * cryptographic work on the same data, so the figures show what the packet layer costs on
 * top of the primitives.
 *
 *   node dist/bench/crypto.js [--quick]
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  randomBytes,
  type CipherGCMTypes,
} from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { PacketOpener, PacketSealer } from '../src/algorithms/types.js';
import { CIPHERS, createOpener, createSealer, MACS } from '../src/crypto/cipher-registry.js';
import { Poly1305 } from '../src/crypto/poly1305.js';

export interface PacketProtectionResult {
  /** cipher, or cipher + MAC */
  name: string;
  /** payload MiB per second through seal and open together */
  mibPerSec: number;
  /** the same work done by the bare primitives (encrypt + decrypt, MAC twice) */
  rawMibPerSec: number;
  rawName: string;
}

const PAYLOAD = 32 * 1024;
const MIB = 1024 * 1024;

interface Case {
  cipher: string;
  mac: string | null;
  rawName: string;
  /** One raw round (both directions) over `data`. */
  raw: (data: Uint8Array) => void;
}

function gcmRaw(nodeName: CipherGCMTypes, keyLength: number): (data: Uint8Array) => void {
  const key = createSecretKey(randomBytes(keyLength));
  const iv = randomBytes(12);
  const aad = randomBytes(4);
  return (data) => {
    const c = createCipheriv(nodeName, key, iv, { authTagLength: 16 });
    c.setAAD(aad);
    const ct = c.update(data);
    c.final();
    const tag = c.getAuthTag();
    const d = createDecipheriv(nodeName, key, iv, { authTagLength: 16 });
    d.setAuthTag(tag);
    d.setAAD(aad);
    d.update(ct);
    d.final();
  };
}

function ctrHmacRaw(nodeName: string, keyLength: number, hash: string, macLength: number): (data: Uint8Array) => void {
  const key = randomBytes(keyLength);
  const iv = randomBytes(16);
  const enc = createCipheriv(nodeName, key, iv);
  const dec = createDecipheriv(nodeName, key, iv);
  const macKey = createSecretKey(randomBytes(macLength));
  return (data) => {
    const ct = enc.update(data);
    createHmac(hash, macKey).update(ct).digest();
    createHmac(hash, macKey).update(ct).digest();
    dec.update(ct);
  };
}

function chachaRaw(): (data: Uint8Array) => void {
  const key = createSecretKey(randomBytes(32));
  const iv = randomBytes(16);
  iv.fill(0, 0, 4);
  const polyKey = randomBytes(32);
  const tag = new Uint8Array(16);
  return (data) => {
    const ct = createCipheriv('chacha20', key, iv).update(data);
    Poly1305.mac(polyKey, ct, tag);
    Poly1305.verify(polyKey, ct, tag);
    createCipheriv('chacha20', key, iv).update(ct);
  };
}

function cases(): Case[] {
  const ctr = (cipher: string, nodeName: string, keyLength: number, mac: string, hash: string, macLength: number): Case => ({
    cipher,
    mac,
    rawName: `${nodeName} + hmac-${hash} (node:crypto)`,
    raw: ctrHmacRaw(nodeName, keyLength, hash, macLength),
  });
  return [
    {
      cipher: 'chacha20-poly1305@openssh.com',
      mac: null,
      rawName: 'chacha20 (node:crypto) + Poly1305 (src/crypto/poly1305)',
      raw: chachaRaw(),
    },
    { cipher: 'aes128-gcm@openssh.com', mac: null, rawName: 'aes-128-gcm (node:crypto)', raw: gcmRaw('aes-128-gcm', 16) },
    { cipher: 'aes256-gcm@openssh.com', mac: null, rawName: 'aes-256-gcm (node:crypto)', raw: gcmRaw('aes-256-gcm', 32) },
    ctr('aes128-ctr', 'aes-128-ctr', 16, 'hmac-sha2-256-etm@openssh.com', 'sha256', 32),
    ctr('aes128-ctr', 'aes-128-ctr', 16, 'hmac-sha2-512-etm@openssh.com', 'sha512', 64),
    ctr('aes128-ctr', 'aes-128-ctr', 16, 'hmac-sha2-256', 'sha256', 32),
    ctr('aes192-ctr', 'aes-192-ctr', 24, 'hmac-sha2-256-etm@openssh.com', 'sha256', 32),
    ctr('aes256-ctr', 'aes-256-ctr', 32, 'hmac-sha2-256-etm@openssh.com', 'sha256', 32),
    ctr('aes256-ctr', 'aes-256-ctr', 32, 'hmac-sha2-512', 'sha512', 64),
  ];
}

/** A packet carrying PAYLOAD bytes, aligned as the transport would align it for this sealer. */
function packetFor(sealer: PacketSealer): Uint8Array {
  const bs = sealer.blockSize;
  const covered = (sealer.lengthExcluded ? 0 : 4) + 1 + PAYLOAD;
  let padding = bs - (covered % bs);
  if (padding < 4) padding += bs;
  const packet = new Uint8Array(4 + 1 + PAYLOAD + padding);
  new DataView(packet.buffer).setUint32(0, packet.length - 4);
  packet[4] = padding;
  packet.set(randomBytes(PAYLOAD + padding), 5);
  return packet;
}

/** Runs `round` repeatedly for about `ms` milliseconds; returns payload MiB/s. */
function measure(ms: number, round: () => void): number {
  for (let i = 0; i < 20; i++) round(); // warm up
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(ms * 1e6));
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < 16; i++) round();
    n += 16;
    elapsed = process.hrtime.bigint() - start;
  }
  return (n * PAYLOAD) / MIB / (Number(elapsed) / 1e9);
}

function construction(c: Case): () => void {
  const alg = CIPHERS.get(c.cipher);
  if (alg === undefined) throw new Error(`unknown cipher ${c.cipher}`);
  const macLength = c.mac === null ? 0 : (MACS.get(c.mac)?.keyLength ?? 0);
  const keys = { key: randomBytes(alg.keyLength), iv: randomBytes(alg.ivLength), macKey: randomBytes(macLength) };
  const sealer: PacketSealer = createSealer(c.cipher, c.mac, keys);
  const opener: PacketOpener = createOpener(c.cipher, c.mac, keys);
  // The sealers here do not modify the packet, so one packet serves every round.
  const packet = packetFor(sealer);
  let seq = 0;
  return () => {
    const wire = sealer.seal(seq, packet);
    const length = opener.decryptLength(seq, wire.subarray(0, opener.lengthBytes));
    if (length !== packet.length - 4) throw new Error('benchmark packet did not round-trip');
    opener.open(seq, wire);
    seq = (seq + 1) >>> 0;
  };
}

export async function benchPacketProtection(opts: { quick: boolean }): Promise<PacketProtectionResult[]> {
  const ms = opts.quick ? 150 : 700;
  const rounds = opts.quick ? 2 : 3;
  const data = randomBytes(PAYLOAD);
  const results: PacketProtectionResult[] = [];
  for (const c of cases()) {
    const run = construction(c);
    const raw = (): void => c.raw(data);
    // Alternate and keep the best of each, so frequency scaling and GC hit both alike.
    let best = 0;
    let bestRaw = 0;
    for (let r = 0; r < rounds; r++) {
      best = Math.max(best, measure(ms, run));
      bestRaw = Math.max(bestRaw, measure(ms, raw));
      await new Promise((resolve) => setImmediate(resolve)); // let a caller's event loop breathe
    }
    results.push({
      name: c.mac === null ? c.cipher : `${c.cipher} + ${c.mac}`,
      mibPerSec: best,
      rawMibPerSec: bestRaw,
      rawName: c.rawName,
    });
  }
  return results;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const results = await benchPacketProtection({ quick });
  const w = Math.max(...results.map((r) => r.name.length));
  console.log(`seal + open, ${PAYLOAD / 1024} KiB payloads (MiB/s of payload)`);
  for (const r of results) {
    const pct = ((100 * r.mibPerSec) / r.rawMibPerSec).toFixed(0);
    console.log(
      `${r.name.padEnd(w)}  ${r.mibPerSec.toFixed(0).padStart(6)}   raw ${r.rawMibPerSec.toFixed(0).padStart(6)}  (${pct.padStart(3)}%)  ${r.rawName}`,
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
