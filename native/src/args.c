#include "args.h"

int hush_get_args(napi_env env, napi_callback_info info, hush_args *a, size_t want) {
  a->argc = HUSH_MAX_ARGS;
  if (napi_get_cb_info(env, info, &a->argc, a->argv, NULL, NULL) != napi_ok) return 0;
  if (a->argc < want) {
    napi_throw_type_error(env, "ERR_NATIVE_ARGS", "hush native: too few arguments");
    return 0;
  }
  return 1;
}

int hush_bytes(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len) {
  bool is_ta = false;
  napi_typedarray_type type;
  void *d = NULL;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, len, &d, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, "ERR_NATIVE_ARGS", what);
    return 0;
  }
  /* A zero-length array may have no backing store; callers never dereference it then. */
  *data = d;
  return 1;
}

void *hush_unwrap(napi_env env, napi_value v, uint32_t magic, const char *what) {
  napi_valuetype t;
  void *p = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &p) != napi_ok ||
      p == NULL || ((hush_header *)p)->magic != magic) {
    napi_throw_type_error(env, "ERR_NATIVE_ARGS", what);
    return NULL;
  }
  return p;
}

int hush_uint32(napi_env env, napi_value v, const char *what, uint32_t *out) {
  if (napi_get_value_uint32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "ERR_NATIVE_ARGS", what);
    return 0;
  }
  return 1;
}

int hush_bool(napi_env env, napi_value v, const char *what, int *out) {
  bool b = false;
  if (napi_get_value_bool(env, v, &b) != napi_ok) {
    napi_throw_type_error(env, "ERR_NATIVE_ARGS", what);
    return 0;
  }
  *out = b ? 1 : 0;
  return 1;
}

napi_value hush_wrap(napi_env env, void *obj, napi_finalize fin) {
  napi_value ext;
  if (napi_create_external(env, obj, fin, NULL, &ext) != napi_ok) {
    fin(env, obj, NULL);
    return NULL;
  }
  return ext;
}

napi_value hush_throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, "ERR_NATIVE_ARGS", msg);
  return NULL;
}

napi_value hush_throw_crypto(napi_env env, const char *msg) {
  napi_throw_error(env, "ERR_NATIVE_CRYPTO", msg);
  return NULL;
}

napi_value hush_boolean(napi_env env, int v) {
  napi_value r;
  napi_get_boolean(env, v != 0, &r);
  return r;
}
