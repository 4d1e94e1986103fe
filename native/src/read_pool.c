/* readBuffer(size) -> Buffer, readPoolUse(delta) -> number, readPoolStats() -> [blocks kept, bytes kept, users].
 *
 * The client lends each socket read buffer to the application's streams, which may keep views
 * of it, so a buffer can be used again only once the garbage collector has freed its
 * ArrayBuffer. Allocated with malloc, it then went back to glibc, which returned the pages to
 * the kernel (the top of its heap is trimmed as soon as twice its mmap threshold is free
 * there), and the next buffers faulted them in again: ~35k page faults per GiB downloaded, and
 * the unmapping ran on V8's helper threads, which compete with the connection for the CPU.
 *
 * Here the buffer is an external Buffer whose finalizer (run by Node on the JavaScript thread
 * once V8 freed the backing store, i.e. once no view of it can exist) puts the memory on a free
 * list, from which the next buffer of the same size is taken. The memory is reused only after
 * the garbage collector proved it unreachable, so no view an application kept ever sees it
 * change. The pool is kept only while someone uses it (readPoolUse(+1) while a connection
 * reads in bulk, -1 after): at zero users its blocks are freed, and so are blocks that come
 * back later. At most POOL_MAX_BYTES are kept. */
#include "read_pool.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "args.h"

/* The largest buffer handed out, and the most memory kept on the free list. */
#define READ_BUFFER_MAX (16u * 1024 * 1024)
#define POOL_MAX_BYTES (32u * 1024 * 1024)
/* The block header's room before the data: keeps the data 64-byte aligned. */
#define HEADER 64

typedef struct block {
  struct block *next;
  size_t size;
} block;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static block *free_list;
static size_t pooled_bytes;
static size_t pooled_count;
static int64_t users;

static block *take(size_t size) {
  block *b = NULL;
  pthread_mutex_lock(&lock);
  /* One size is in use at a time (the reader's bulk size); a head of another size is freed. */
  if (free_list != NULL && free_list->size == size) {
    b = free_list;
    free_list = b->next;
    pooled_bytes -= size;
    pooled_count--;
  }
  pthread_mutex_unlock(&lock);
  if (b == NULL) {
    /* aligned_alloc wants a multiple of the alignment. */
    b = aligned_alloc(HEADER, (HEADER + size + HEADER - 1) / HEADER * HEADER);
    if (b != NULL) b->size = size;
  }
  return b;
}

/* Frees a list of blocks (outside the lock). */
static void free_all(block *b) {
  while (b != NULL) {
    block *next = b->next;
    free(b);
    b = next;
  }
}

static void give_back(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  block *b = hint;
  int kept = 0;
  pthread_mutex_lock(&lock);
  if (users > 0 && pooled_bytes + b->size <= POOL_MAX_BYTES && (free_list == NULL || free_list->size == b->size)) {
    b->next = free_list;
    free_list = b;
    pooled_bytes += b->size;
    pooled_count++;
    kept = 1;
  }
  pthread_mutex_unlock(&lock);
  if (!kept) free(b);
}

napi_value hush_read_buffer(napi_env env, napi_callback_info info) {
  hush_args a;
  uint32_t size;
  if (!hush_get_args(env, info, &a, 1) || !hush_uint32(env, a.argv[0], "size must be a number", &size)) return NULL;
  if (size == 0 || size > READ_BUFFER_MAX) return hush_throw_range(env, "size must be 1 byte to 16 MiB");
  block *b = take(size);
  if (b == NULL) {
    napi_throw_error(env, "ERR_NATIVE_ALLOC", "out of memory for a read buffer");
    return NULL;
  }
  napi_value buf;
  /* Fails where Node forbids external buffers (a V8 sandbox): the caller then allocates its own. */
  if (napi_create_external_buffer(env, size, (uint8_t *)b + HEADER, give_back, b, &buf) != napi_ok) {
    free(b);
    napi_throw_error(env, "ERR_NATIVE_EXTERNAL", "external buffers are not allowed here");
    return NULL;
  }
  return buf;
}

napi_value hush_read_pool_use(napi_env env, napi_callback_info info) {
  hush_args a;
  int32_t delta;
  if (!hush_get_args(env, info, &a, 1) || napi_get_value_int32(env, a.argv[0], &delta) != napi_ok || (delta != 1 && delta != -1)) {
    return hush_throw_range(env, "delta must be 1 or -1");
  }
  block *drop = NULL;
  int64_t now;
  pthread_mutex_lock(&lock);
  users += delta;
  if (users < 0) users = 0;
  now = users;
  if (users == 0) {
    drop = free_list;
    free_list = NULL;
    pooled_bytes = 0;
    pooled_count = 0;
  }
  pthread_mutex_unlock(&lock);
  free_all(drop);
  napi_value r;
  napi_create_int64(env, now, &r);
  return r;
}

napi_value hush_read_pool_stats(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_mutex_lock(&lock);
  double count = (double)pooled_count, bytes = (double)pooled_bytes, u = (double)users;
  pthread_mutex_unlock(&lock);
  napi_value arr, v;
  napi_create_array_with_length(env, 3, &arr);
  napi_create_double(env, count, &v);
  napi_set_element(env, arr, 0, v);
  napi_create_double(env, bytes, &v);
  napi_set_element(env, arr, 1, v);
  napi_create_double(env, u, &v);
  napi_set_element(env, arr, 2, v);
  return arr;
}
