/* TCP socket options Node does not expose. */
#ifndef HUSH_SOCKET_OPTS_H
#define HUSH_SOCKET_OPTS_H
#include <node_api.h>

napi_value hush_quick_ack(napi_env env, napi_callback_info info);
napi_value hush_quick_ack_state(napi_env env, napi_callback_info info);

#endif
