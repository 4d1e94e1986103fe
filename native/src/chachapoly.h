#ifndef HUSH_CHACHAPOLY_H
#define HUSH_CHACHAPOLY_H
#include <node_api.h>
napi_value hush_chacha_new(napi_env env, napi_callback_info info);
napi_value hush_chacha_seal(napi_env env, napi_callback_info info);
napi_value hush_chacha_length(napi_env env, napi_callback_info info);
napi_value hush_chacha_open(napi_env env, napi_callback_info info);
#endif
