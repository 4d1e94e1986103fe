#ifndef HUSH_CTR_ETM_H
#define HUSH_CTR_ETM_H
#include <node_api.h>
napi_value hush_etm_new(napi_env env, napi_callback_info info);
napi_value hush_etm_seal(napi_env env, napi_callback_info info);
napi_value hush_etm_open(napi_env env, napi_callback_info info);
#endif
