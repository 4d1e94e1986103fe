/**
 * The optional native addon (native/: packet protection and process start; built from source at install by
 * node-gyp against Node's own headers and bundled OpenSSL; see native/README.md).
 *
 * Why it exists: node:crypto can neither give an AEAD context a new nonce nor write into a
 * caller's buffer, so every packet pays for a new context and a new zero-filled output buffer,
 * and the garbage collector pays for both. Profiled on hushd receiving 1 GiB of
 * aes128-gcm@openssh.com (`node --cpu-prof`), the decipher path cost ~630 ms and GC ~390 ms,
 * against ~125 ms and ~45 ms for the same work done in one native call per packet.
 *
 * It is optional: when it was not built (no compiler at install) or HUSH_NATIVE=0 is set, the
 * node:crypto and WebAssembly implementations are used, with identical bytes on the wire.
 */
import { createRequire } from 'node:module';

/** An OpenSSL context owned by the addon, freed when the handle is garbage-collected. */
export type NativeHandle = { readonly __nativeHandle: unique symbol };

export interface NativeCrypto {
  gcmNew(key: Uint8Array, iv: Uint8Array, encrypt: boolean): NativeHandle;
  /** out = packet_length || ciphertext || tag (packet.length + 16 bytes). */
  gcmSeal(h: NativeHandle, packet: Uint8Array, out: Uint8Array): void;
  /** out = plaintext after packet_length (wire.length - 20 bytes); false (out wiped) on a bad tag. */
  gcmOpen(h: NativeHandle, wire: Uint8Array, out: Uint8Array): boolean;
  chachaNew(key: Uint8Array): NativeHandle;
  chachaSeal(h: NativeHandle, seq: number, packet: Uint8Array, out: Uint8Array): void;
  chachaLength(h: NativeHandle, seq: number, head: Uint8Array): number;
  chachaOpen(h: NativeHandle, seq: number, wire: Uint8Array, out: Uint8Array): boolean;
  /** AES-CTR with an encrypt-then-MAC HMAC; the MAC key's length (20, 32, 64) names SHA-1, SHA-256, SHA-512. */
  etmNew(key: Uint8Array, iv: Uint8Array, macKey: Uint8Array, encrypt: boolean): NativeHandle;
  etmSeal(h: NativeHandle, seq: number, packet: Uint8Array, out: Uint8Array): void;
  etmOpen(h: NativeHandle, seq: number, wire: Uint8Array, out: Uint8Array): boolean;
  /**
   * posix_spawn of an absolute `file` with a socketpair as stdin and pipes as stdout and stderr, every other
   * descriptor closed, default signals, `cwd` ("" = ours) and optionally setsid. Returns
   * [stdin, stdout, stderr] (this process's ends) at once; the start runs on libuv's thread
   * pool and `onSpawn` gets its pid, or an Error coded with the errno's name. `onExit` runs
   * once the child was reaped (code -1 when killed by signal `signal`). See src/node/native-spawn.ts.
   */
  spawn(
    file: string,
    argv: readonly string[],
    env: readonly string[],
    cwd: string,
    setsid: boolean,
    onSpawn: (err: (Error & { code?: string }) | null, pid?: number) => void,
    onExit: (code: number, signal: number) => void,
  ): [number, number, number];
  /** Whether spawn can work here (glibc >= 2.34 and pidfds, Linux >= 5.3). */
  spawnSupported(): boolean;
  /**
   * glibc's malloc keeps up to 64 MiB of freed memory for reuse, and serves requests below 1 MiB
   * from its heap (native/src/malloc_tuning.c). For the whole process: command-line tools only.
   * False when malloc is not glibc's (nothing changed), or undefined in an older build of the addon.
   */
  tuneMalloc?(): boolean;
  /**
   * A Buffer of `size` bytes (1 byte to 16 MiB, uninitialised) whose memory goes back to the
   * addon's pool once the garbage collector freed it, and is reused for the next one
   * (native/src/read_pool.c). Throws ERR_NATIVE_EXTERNAL where Node forbids external buffers.
   * Undefined in an older build of the addon.
   */
  readBuffer?(size: number): Buffer;
  /** +1 while a connection reads in bulk, -1 after; at 0 the pool is emptied. Returns the users left. */
  readPoolUse?(delta: 1 | -1): number;
  /** [blocks kept, bytes kept, users]. */
  readPoolStats?(): [number, number, number];
  /** TCP_QUICKACK on (default) or off on a TCP socket's descriptor (native/src/socket_opts.c); false where it does not apply. */
  quickAck?(fd: number, on?: boolean): boolean;
  /** Whether the socket acknowledges at once (TCP_QUICKACK as getsockopt reads it). */
  quickAckState?(fd: number): boolean;
}

export type NativeStatus =
  | { readonly loaded: true; readonly path: string }
  | { readonly loaded: false; readonly reason: string };

/** From dist/src/crypto/ (and src/crypto/) to the package root. */
const ADDON = '../../../native/build/Release/hush_native.node';

function load(): { addon: NativeCrypto | undefined; status: NativeStatus } {
  const env = typeof process === 'undefined' ? undefined : process.env['HUSH_NATIVE'];
  if (env === '0') return { addon: undefined, status: { loaded: false, reason: 'disabled by HUSH_NATIVE=0' } };
  const require = createRequire(import.meta.url);
  try {
    const path = require.resolve(ADDON);
    return { addon: require(path) as NativeCrypto, status: { loaded: true, path } };
  } catch (e) {
    const reason = (e as { code?: string }).code === 'MODULE_NOT_FOUND' ? 'not built (npm run build:native)' : String(e);
    return { addon: undefined, status: { loaded: false, reason } };
  }
}

const loaded = load();

/** The addon, or undefined when it is not in use. */
export function nativeCrypto(): NativeCrypto | undefined {
  return loaded.addon;
}

/** Whether the addon is in use, and why not. */
export function nativeStatus(): NativeStatus {
  return loaded.status;
}
