#ifndef HUSH_GCM_H
#define HUSH_GCM_H
#include <node_api.h>
napi_value hush_gcm_new(napi_env env, napi_callback_info info);
napi_value hush_gcm_seal(napi_env env, napi_callback_info info);
napi_value hush_gcm_open(napi_env env, napi_callback_info info);
#endif
