/**
 * Memory for socket read buffers: from the native addon's pool when it is built
 * (native/src/read_pool.c), or Buffer.allocUnsafeSlow otherwise.
 *
 * Why: a read buffer lent to application streams can be reused only once the garbage collector
 * has freed it, since the application may keep views of it. With malloc's memory, glibc gave
 * the pages of freed buffers back to the kernel and the next buffers faulted them in again. The
 * addon's buffers return to its pool instead, so a busy connection cycles through memory that is
 * already mapped. Measured on the library client downloading 1 GiB from sshd (aes128-gcm,
 * pinned, fresh process each): see the figures in the commit and README.
 */
import { nativeCrypto } from '../crypto/native.js';

type Pool = { readBuffer(size: number): Buffer; readPoolUse(delta: 1 | -1): number };

function poolOf(): Pool | undefined {
  const a = nativeCrypto();
  if (!a?.readBuffer || !a.readPoolUse) return undefined;
  return { readBuffer: a.readBuffer.bind(a), readPoolUse: a.readPoolUse.bind(a) };
}

let pool = poolOf();

/** `size` bytes, not zeroed. */
export function allocReadBuffer(size: number): Buffer {
  if (pool) {
    try {
      return pool.readBuffer(size);
    } catch {
      pool = undefined; // external buffers not allowed in this Node: allocate our own from now on
    }
  }
  return Buffer.allocUnsafeSlow(size);
}

/**
 * Keeps the pool while a connection reads in bulk; call the returned function when it stops
 * (more calls do nothing). With no holder left the pool's memory is freed.
 */
export function holdReadPool(): () => void {
  const p = pool;
  if (!p) return () => {};
  p.readPoolUse(1);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    p.readPoolUse(-1);
  };
}
