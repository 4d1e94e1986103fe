/* tuneMalloc() -> boolean: glibc's malloc keeps freed memory for reuse rather than trimming it.
 *
 * A client that hands every read buffer to application streams cannot reuse them, so each
 * 256 KiB buffer is malloc'd anew. glibc returns freed memory at the top of its heap to the
 * kernel as soon as more than twice its mmap threshold is free there, so the next buffers
 * fault their pages in again. Measured on the library client downloading 3 GiB from sshd in
 * one process: 100-206k page faults with the defaults, ~20k with these settings (figures for the
 * hush command in src/cli/malloc-tuning.ts).
 * This changes malloc for the whole process, so only our own command-line tools call it. */
#include "malloc_tuning.h"

#include "args.h"

#if defined(__GLIBC__)
#include <malloc.h>

napi_value hush_tune_malloc(napi_env env, napi_callback_info info) {
  (void)info;
  /* Below 1 MiB from the heap (read buffers and packets), above it mmap'd as before. Setting
   * either value also turns off glibc's own adjustment of the threshold. */
  int ok = mallopt(M_MMAP_THRESHOLD, 1024 * 1024) == 1;
  /* Up to 64 MiB free at the top of the heap is kept. */
  ok = mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024) == 1 && ok;
  return hush_boolean(env, ok);
}

#else

napi_value hush_tune_malloc(napi_env env, napi_callback_info info) {
  (void)info;
  return hush_boolean(env, 0);
}

#endif
