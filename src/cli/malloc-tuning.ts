/**
 * The command-line client's memory allocator setting: glibc's malloc keeps freed memory for
 * reuse instead of returning it to the kernel at once (native/src/malloc_tuning.c).
 *
 * Why: the client lends every read buffer to the application's streams, which may keep the
 * views, so buffers are allocated anew rather than reused. With glibc's defaults the freed ones
 * went back to the kernel and the next ones faulted their pages in again. Measured on
 * `hush host 'head -c 1G /dev/zero' > /dev/null` against sshd (aes128-gcm, 4 alternated pairs):
 * 24-35k page faults and 1.06-1.18 CPU-seconds with glibc's defaults, 17-19k and 1.04-1.13 s with
 * this setting (about 16k of them are Node starting up). The library client downloading 3 GiB
 * in one process: 100-206k faults against ~20k.
 *
 * This changes malloc for the whole process, so the library never does it; only the `hush`
 * command, whose process is its own, calls it.
 */
import { nativeCrypto } from '../crypto/native.js';

/** Applies the setting; false when it could not be (no addon, or malloc is not glibc's). */
export function keepFreedMemory(): boolean {
  return nativeCrypto()?.tuneMalloc?.() ?? false;
}
