/* aes128-gcm@openssh.com / aes256-gcm@openssh.com (RFC 5647, OpenSSH PROTOCOL §1.6) with one
 * OpenSSL context per direction, kept for the life of the keys. node:crypto can only make a new
 * context per packet and returns a new, zero-filled buffer per update; here a packet costs one
 * call: the nonce is set on the existing context (the key schedule is kept) and the cipher
 * writes straight into the caller's output buffer.
 *
 * Nonce: 4-byte fixed field || 64-bit big-endian invocation counter, incremented after every
 * packet (RFC 5647 §7.1). AAD: the 4-byte packet_length, sent in the clear (§7.3). */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "gcm.h"

#define GCM_MAGIC 0x67636d31u /* "gcm1" */
#define IV_LEN 12
#define TAG_LEN 16
#define BLOCK 16

typedef struct {
  hush_header h;
  int encrypt;
  EVP_CIPHER_CTX *ctx;
  unsigned char iv[IV_LEN];
} gcm_t;

static void gcm_free(napi_env env, void *data, void *hint) {
  gcm_t *g = data;
  if (g->ctx) EVP_CIPHER_CTX_free(g->ctx); /* clears the key schedule */
  OPENSSL_cleanse(g, sizeof *g);
  free(g);
}

/* RFC 5647 §7.1: invocation_counter += 1 modulo 2^64; the fixed field is untouched. */
static void next_nonce(unsigned char *iv) {
  for (int i = IV_LEN - 1; i >= 4; i--)
    if (++iv[i] != 0) break;
}

/* gcmNew(key: Uint8Array(16|32), iv: Uint8Array(12), encrypt: boolean) -> handle */
napi_value hush_gcm_new(napi_env env, napi_callback_info info) {
  hush_args a;
  uint8_t *key, *iv;
  size_t key_len, iv_len;
  int enc;
  if (!hush_get_args(env, info, &a, 3) || !hush_bytes(env, a.argv[0], "gcmNew: key must be a Uint8Array", &key, &key_len) ||
      !hush_bytes(env, a.argv[1], "gcmNew: iv must be a Uint8Array", &iv, &iv_len) ||
      !hush_bool(env, a.argv[2], "gcmNew: encrypt must be a boolean", &enc))
    return NULL;
  const EVP_CIPHER *cipher = key_len == 16 ? EVP_aes_128_gcm() : key_len == 32 ? EVP_aes_256_gcm() : NULL;
  if (cipher == NULL) return hush_throw_range(env, "gcmNew: the key must be 16 or 32 bytes");
  if (iv_len != IV_LEN) return hush_throw_range(env, "gcmNew: the IV must be 12 bytes");
  gcm_t *g = calloc(1, sizeof *g);
  if (g == NULL) return hush_throw_crypto(env, "gcmNew: out of memory");
  g->h.magic = GCM_MAGIC;
  g->encrypt = enc;
  memcpy(g->iv, iv, IV_LEN);
  g->ctx = EVP_CIPHER_CTX_new();
  if (g->ctx == NULL || EVP_CipherInit_ex(g->ctx, cipher, NULL, NULL, NULL, enc) != 1 ||
      EVP_CIPHER_CTX_ctrl(g->ctx, EVP_CTRL_GCM_SET_IVLEN, IV_LEN, NULL) != 1 ||
      EVP_CipherInit_ex(g->ctx, NULL, NULL, key, NULL, enc) != 1) {
    gcm_free(env, g, NULL);
    return hush_throw_crypto(env, "gcmNew: OpenSSL refused the AES-GCM key");
  }
  return hush_wrap(env, g, gcm_free);
}

/* gcmSeal(handle, packet, out): packet = packet_length || rest, rest a whole number of blocks;
 * out (packet.length + 16 bytes) receives packet_length || ciphertext || tag. */
napi_value hush_gcm_seal(napi_env env, napi_callback_info info) {
  hush_args a;
  uint8_t *in, *out;
  size_t n, out_len;
  int len;
  if (!hush_get_args(env, info, &a, 3)) return NULL;
  gcm_t *g = hush_unwrap(env, a.argv[0], GCM_MAGIC, "gcmSeal: not an AES-GCM handle");
  if (g == NULL || !hush_bytes(env, a.argv[1], "gcmSeal: packet must be a Uint8Array", &in, &n) ||
      !hush_bytes(env, a.argv[2], "gcmSeal: out must be a Uint8Array", &out, &out_len))
    return NULL;
  if (!g->encrypt) return hush_throw_range(env, "gcmSeal: this handle opens packets");
  if (n < 4 + BLOCK || (n - 4) % BLOCK != 0 || n > 0x7fffffff) return hush_throw_range(env, "gcmSeal: bad packet length");
  if (out_len != n + TAG_LEN) return hush_throw_range(env, "gcmSeal: out must be 16 bytes longer than the packet");
  unsigned char rest[BLOCK]; /* GCM holds nothing back: Final writes no bytes */
  memmove(out, in, 4);
  if (EVP_CipherInit_ex(g->ctx, NULL, NULL, NULL, g->iv, 1) != 1 || EVP_CipherUpdate(g->ctx, NULL, &len, out, 4) != 1 ||
      EVP_CipherUpdate(g->ctx, out + 4, &len, in + 4, (int)(n - 4)) != 1 ||
      EVP_CipherFinal_ex(g->ctx, rest, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(g->ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + n) != 1)
    return hush_throw_crypto(env, "gcmSeal: OpenSSL failed to encrypt");
  next_nonce(g->iv);
  return NULL;
}

/* gcmOpen(handle, wire, out) -> boolean: wire = packet_length || ciphertext || tag; out
 * (wire.length - 20 bytes) receives the plaintext after packet_length. False, with out wiped,
 * when the tag does not verify (OpenSSL compares it in constant time). */
napi_value hush_gcm_open(napi_env env, napi_callback_info info) {
  hush_args a;
  uint8_t *in, *out;
  size_t w, out_len;
  int len;
  if (!hush_get_args(env, info, &a, 3)) return NULL;
  gcm_t *g = hush_unwrap(env, a.argv[0], GCM_MAGIC, "gcmOpen: not an AES-GCM handle");
  if (g == NULL || !hush_bytes(env, a.argv[1], "gcmOpen: wire must be a Uint8Array", &in, &w) ||
      !hush_bytes(env, a.argv[2], "gcmOpen: out must be a Uint8Array", &out, &out_len))
    return NULL;
  if (g->encrypt) return hush_throw_range(env, "gcmOpen: this handle seals packets");
  if (w < 4 + BLOCK + TAG_LEN || (w - 4 - TAG_LEN) % BLOCK != 0 || w > 0x7fffffff)
    return hush_throw_range(env, "gcmOpen: bad packet length");
  size_t n = w - TAG_LEN;
  if (out_len != n - 4) return hush_throw_range(env, "gcmOpen: out must be 20 bytes shorter than the wire packet");
  unsigned char tag[TAG_LEN];
  memcpy(tag, in + n, TAG_LEN);
  if (EVP_CipherInit_ex(g->ctx, NULL, NULL, NULL, g->iv, 0) != 1 || EVP_CipherUpdate(g->ctx, NULL, &len, in, 4) != 1 ||
      EVP_CipherUpdate(g->ctx, out, &len, in + 4, (int)(n - 4)) != 1 ||
      EVP_CIPHER_CTX_ctrl(g->ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1)
    return hush_throw_crypto(env, "gcmOpen: OpenSSL failed to decrypt");
  unsigned char rest[BLOCK];
  int ok = EVP_CipherFinal_ex(g->ctx, rest, &len) == 1; /* verifies the tag */
  next_nonce(g->iv);
  if (!ok) OPENSSL_cleanse(out, out_len); /* never let unauthenticated plaintext out */
  return hush_boolean(env, ok);
}
