/* Socket read buffers whose memory is reused once the garbage collector has freed them. */
#ifndef HUSH_READ_POOL_H
#define HUSH_READ_POOL_H
#include <node_api.h>

napi_value hush_read_buffer(napi_env env, napi_callback_info info);
napi_value hush_read_pool_use(napi_env env, napi_callback_info info);
napi_value hush_read_pool_stats(napi_env env, napi_callback_info info);

#endif
