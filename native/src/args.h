/* Argument checking shared by the addon's functions. Every function validates every argument
 * and length before touching memory: bad arguments throw a TypeError/RangeError, never crash. */
#ifndef HUSH_ARGS_H
#define HUSH_ARGS_H
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#define HUSH_MAX_ARGS 4

typedef struct {
  napi_value argv[HUSH_MAX_ARGS];
  size_t argc;
} hush_args;

/* Fills `a`; throws and returns 0 when fewer than `want` arguments were passed. */
int hush_get_args(napi_env env, napi_callback_info info, hush_args *a, size_t want);
/* A Uint8Array's bytes (offset applied). Throws a TypeError naming `what` otherwise. */
int hush_bytes(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len);
/* Every wrapped object starts with a magic number naming its kind, so one kind is never taken
 * for another (a JavaScript caller can pass any External). */
typedef struct {
  uint32_t magic;
} hush_header;

/* The object an External wraps, when its header carries `magic`; NULL with a TypeError otherwise. */
void *hush_unwrap(napi_env env, napi_value v, uint32_t magic, const char *what);
int hush_uint32(napi_env env, napi_value v, const char *what, uint32_t *out);
int hush_bool(napi_env env, napi_value v, const char *what, int *out);
/* Wraps `obj` in an External freed by `fin`; NULL (with an exception) on failure. */
napi_value hush_wrap(napi_env env, void *obj, napi_finalize fin);
napi_value hush_throw_range(napi_env env, const char *msg);
napi_value hush_throw_crypto(napi_env env, const char *msg);
napi_value hush_boolean(napi_env env, int v);

#endif
