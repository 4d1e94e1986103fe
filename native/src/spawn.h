/* Starting programs with posix_spawn and reaping them through a pidfd (see spawn.c). */
#ifndef HUSH_SPAWN_H
#define HUSH_SPAWN_H
#include <node_api.h>

napi_value hush_spawn(napi_env env, napi_callback_info info);
napi_value hush_spawn_supported(napi_env env, napi_callback_info info);

#endif
