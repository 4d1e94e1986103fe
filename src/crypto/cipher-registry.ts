/**
 * The cipher and MAC registry (RFC 4253 §6.3, §6.4; RFC 4344; RFC 5647; OpenSSH PROTOCOL
 * §1.5-1.6 and PROTOCOL.chacha20poly1305): algorithm metadata by name, the preference
 * lists, and the factory that turns a negotiated (cipher, MAC, keys) triple into a
 * PacketSealer or PacketOpener.
 *
 * Three kinds of list, kept apart as in Go's x/crypto/ssh: DEFAULT_* (offered unless
 * configured otherwise, best first), SUPPORTED_* (everything secure that may be
 * configured) and INSECURE_* (implemented for old peers, never offered unless a user names
 * them). The factory accepts all of them.
 */
import type {
  CipherAlgorithm,
  DirectionKeys,
  MacAlgorithm,
  PacketOpener,
  PacketSealer,
} from '../algorithms/types.js';
import { SshError } from '../errors.js';
import { AesGcmOpener, AesGcmSealer, GCM_BLOCK_SIZE, GCM_IV_LENGTH, type GcmSpec } from './aes-gcm.js';
import {
  CHACHA20_POLY1305_BLOCK_SIZE,
  CHACHA20_POLY1305_KEY_LENGTH,
  CHACHA20_POLY1305_NAME,
  ChaCha20Poly1305Opener,
  ChaCha20Poly1305Sealer,
} from './chacha20-poly1305.js';
import { CipherMacOpener, CipherMacSealer, type HmacSpec, type StreamCipherSpec } from './cipher-mac.js';
import { nativeCrypto } from './native.js';
import { nativeChaChaOpener,
  nativeChaChaSealer,
  nativeEtmOpener,
  nativeEtmSealer,
  nativeEtmSupports,
  nativeGcmOpener,
  nativeGcmSealer,
 } from './native-aead.js';
import { PlainOpener, PlainSealer } from './plain.js';

/** The native addon when it was built (native.ts); the same constructions otherwise. */
const native = nativeCrypto();

type Construction =
  | { readonly kind: 'none' }
  | { readonly kind: 'chacha20-poly1305' }
  | { readonly kind: 'gcm'; readonly spec: GcmSpec }
  | { readonly kind: 'cipher-mac'; readonly spec: StreamCipherSpec };

interface CipherEntry {
  readonly algorithm: CipherAlgorithm;
  readonly construction: Construction;
}

const cipherEntries: CipherEntry[] = [];
const macEntries: HmacSpec[] = [];

function gcm(name: string, nodeName: GcmSpec['nodeName'], keyLength: number): void {
  cipherEntries.push({
    algorithm: { name, keyLength, ivLength: GCM_IV_LENGTH, blockSize: GCM_BLOCK_SIZE, aead: true },
    construction: { kind: 'gcm', spec: { name, nodeName, keyLength } },
  });
}

function block(name: string, nodeName: string, keyLength: number, blockSize: number): void {
  const spec: StreamCipherSpec = { name, nodeName, keyLength, ivLength: blockSize, blockSize };
  cipherEntries.push({
    algorithm: { name, keyLength, ivLength: blockSize, blockSize, aead: false },
    construction: { kind: 'cipher-mac', spec },
  });
}

function hmac(name: string, hash: HmacSpec['hash'], length: number, etm: boolean): void {
  // RFC 4253 §6.4 / RFC 6668: the HMAC key is as long as the digest, and so is the tag.
  macEntries.push({ name, hash, keyLength: length, tagLength: length, etm });
}

cipherEntries.push({
  algorithm: {
    name: CHACHA20_POLY1305_NAME,
    keyLength: CHACHA20_POLY1305_KEY_LENGTH,
    ivLength: 0,
    blockSize: CHACHA20_POLY1305_BLOCK_SIZE,
    aead: true,
  },
  construction: { kind: 'chacha20-poly1305' },
});
gcm('aes128-gcm@openssh.com', 'aes-128-gcm', 16);
gcm('aes256-gcm@openssh.com', 'aes-256-gcm', 32);
block('aes128-ctr', 'aes-128-ctr', 16, 16);
block('aes192-ctr', 'aes-192-ctr', 24, 16);
block('aes256-ctr', 'aes-256-ctr', 32, 16);
block('aes128-cbc', 'aes-128-cbc', 16, 16);
block('aes192-cbc', 'aes-192-cbc', 24, 16);
block('aes256-cbc', 'aes-256-cbc', 32, 16);
block('3des-cbc', 'des-ede3-cbc', 24, 8);
cipherEntries.push({
  algorithm: { name: 'none', keyLength: 0, ivLength: 0, blockSize: 8, aead: false },
  construction: { kind: 'none' },
});

hmac('hmac-sha2-256-etm@openssh.com', 'sha256', 32, true);
hmac('hmac-sha2-512-etm@openssh.com', 'sha512', 64, true);
hmac('hmac-sha2-256', 'sha256', 32, false);
hmac('hmac-sha2-512', 'sha512', 64, false);
hmac('hmac-sha1-etm@openssh.com', 'sha1', 20, true);
hmac('hmac-sha1', 'sha1', 20, false);

const cipherTable = new Map(cipherEntries.map((e) => [e.algorithm.name, e]));
const macTable = new Map(macEntries.map((m) => [m.name, m]));

/** Every cipher this module implements, by name ("none" included). */
export const CIPHERS: ReadonlyMap<string, CipherAlgorithm> = new Map(
  cipherEntries.map((e) => [e.algorithm.name, e.algorithm]),
);
/** Every MAC this module implements, by name. */
export const MACS: ReadonlyMap<string, MacAlgorithm> = new Map(
  macEntries.map((m) => [m.name, { name: m.name, keyLength: m.keyLength, tagLength: m.tagLength, etm: m.etm }]),
);

/** OpenSSH 10's default order (ssh_config(5) Ciphers). */
export const DEFAULT_CIPHERS: readonly string[] = Object.freeze([
  'chacha20-poly1305@openssh.com',
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
]);
/** Everything that may be configured without opting into weakness. */
export const SUPPORTED_CIPHERS: readonly string[] = DEFAULT_CIPHERS;
/**
 * CBC modes: the encrypted length makes them padding/length oracles (Albrecht, Paterson,
 * Watson 2009); 3DES has 64-bit blocks (Sweet32). For old peers only; never a default.
 */
export const INSECURE_CIPHERS: readonly string[] = Object.freeze([
  'aes128-cbc',
  'aes192-cbc',
  'aes256-cbc',
  '3des-cbc',
]);

/** OpenSSH 10's default order, restricted to SHA-2 (ssh_config(5) MACs). */
export const DEFAULT_MACS: readonly string[] = Object.freeze([
  'hmac-sha2-256-etm@openssh.com',
  'hmac-sha2-512-etm@openssh.com',
  'hmac-sha2-256',
  'hmac-sha2-512',
]);
export const SUPPORTED_MACS: readonly string[] = DEFAULT_MACS;
/** SHA-1 based: still unbroken as an HMAC, but kept out of every default list. */
export const INSECURE_MACS: readonly string[] = Object.freeze(['hmac-sha1-etm@openssh.com', 'hmac-sha1']);

export function cipherAlgorithm(name: string): CipherAlgorithm | undefined {
  return cipherTable.get(name)?.algorithm;
}

export function macAlgorithm(name: string): MacAlgorithm | undefined {
  return MACS.get(name);
}

function unsupported(kind: string, name: string, known: Iterable<string>): SshError {
  return new SshError('ERR_UNSUPPORTED', `unsupported ${kind} "${name}" (known: ${[...known].join(', ')})`);
}

type Resolved =
  | { readonly kind: 'none' }
  | { readonly kind: 'chacha20-poly1305' }
  | { readonly kind: 'gcm'; readonly spec: GcmSpec }
  | { readonly kind: 'cipher-mac'; readonly spec: StreamCipherSpec; readonly mac: HmacSpec };

function resolve(cipher: string, mac: string | null): Resolved {
  const entry = cipherTable.get(cipher);
  if (entry === undefined) throw unsupported('cipher', cipher, cipherTable.keys());
  const c = entry.construction;
  // AEAD ciphers carry their own tag; the negotiated MAC is ignored (RFC 5647 §5.1).
  if (c.kind === 'chacha20-poly1305' || c.kind === 'gcm') return c;
  const macName = mac === 'none' ? null : mac;
  if (c.kind === 'none') {
    if (macName !== null) {
      throw new SshError('ERR_UNSUPPORTED', `MAC "${macName}" without a cipher is not supported (cipher "none")`);
    }
    return c;
  }
  if (macName === null) {
    throw new SshError('ERR_UNSUPPORTED', `cipher "${cipher}" is not authenticated and needs a MAC, but none was given`);
  }
  const spec = macTable.get(macName);
  if (spec === undefined) throw unsupported('MAC', macName, macTable.keys());
  return { kind: 'cipher-mac', spec: c.spec, mac: spec };
}

/**
 * The sending half of a negotiated cipher and MAC. `mac` is ignored for AEAD ciphers and
 * may be null (or "none") for them and for cipher "none". The sealer copies what it needs
 * from `keys`; the caller may wipe them afterwards.
 */
export function createSealer(cipher: string, mac: string | null, keys: DirectionKeys): PacketSealer {
  const r = resolve(cipher, mac);
  switch (r.kind) {
    case 'none':
      return new PlainSealer();
    case 'chacha20-poly1305':
      return native ? nativeChaChaSealer(native, keys) : new ChaCha20Poly1305Sealer(keys);
    case 'gcm':
      return native ? nativeGcmSealer(native, r.spec, keys) : new AesGcmSealer(r.spec, keys);
    case 'cipher-mac':
      return native && nativeEtmSupports(r.spec, r.mac)
        ? nativeEtmSealer(native, r.spec, r.mac, keys)
        : new CipherMacSealer(r.spec, r.mac, keys);
  }
}

/** The receiving half; see createSealer. */
export function createOpener(cipher: string, mac: string | null, keys: DirectionKeys): PacketOpener {
  const r = resolve(cipher, mac);
  switch (r.kind) {
    case 'none':
      return new PlainOpener();
    case 'chacha20-poly1305':
      return native ? nativeChaChaOpener(native, keys) : new ChaCha20Poly1305Opener(keys);
    case 'gcm':
      return native ? nativeGcmOpener(native, r.spec, keys) : new AesGcmOpener(r.spec, keys);
    case 'cipher-mac':
      return native && nativeEtmSupports(r.spec, r.mac)
        ? nativeEtmOpener(native, r.spec, r.mac, keys)
        : new CipherMacOpener(r.spec, r.mac, keys);
  }
}

/** The state before the first NEWKEYS: no encryption, no MAC, 8-byte alignment. */
export function plainSealer(): PacketSealer {
  return new PlainSealer();
}

export function plainOpener(): PacketOpener {
  return new PlainOpener();
}
