/* The addon's exports. Each function is a plain call on a handle (an External owning OpenSSL
 * contexts); see src/crypto/native.ts for the TypeScript side and its fallback. */
#include <node_api.h>

#include "chachapoly.h"
#include "ctr_etm.h"
#include "gcm.h"
#include "malloc_tuning.h"
#include "read_pool.h"
#include "socket_opts.h"
#include "spawn.h"

#define FN(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_enumerable, NULL}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      FN("gcmNew", hush_gcm_new),
      FN("gcmSeal", hush_gcm_seal),
      FN("gcmOpen", hush_gcm_open),
      FN("chachaNew", hush_chacha_new),
      FN("chachaSeal", hush_chacha_seal),
      FN("chachaLength", hush_chacha_length),
      FN("chachaOpen", hush_chacha_open),
      FN("etmNew", hush_etm_new),
      FN("etmSeal", hush_etm_seal),
      FN("etmOpen", hush_etm_open),
      FN("spawn", hush_spawn),
      FN("spawnSupported", hush_spawn_supported),
      FN("tuneMalloc", hush_tune_malloc),
      FN("readBuffer", hush_read_buffer),
      FN("readPoolUse", hush_read_pool_use),
      FN("readPoolStats", hush_read_pool_stats),
      FN("quickAck", hush_quick_ack),
      FN("quickAckState", hush_quick_ack_state),
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
