/* Keeping freed memory for reuse instead of handing it back to the kernel (see malloc_tuning.c). */
#ifndef HUSH_MALLOC_TUNING_H
#define HUSH_MALLOC_TUNING_H
#include <node_api.h>

napi_value hush_tune_malloc(napi_env env, napi_callback_info info);

#endif
