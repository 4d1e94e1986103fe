/* chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305) on OpenSSL's ChaCha20 and
 * Poly1305, with the contexts kept for the life of the keys.
 *
 * The 64-byte key is K_2 (bytes 0..31: payload and Poly1305 key) then K_1 (bytes 32..63:
 * packet_length only). The nonce is the sequence number as a big-endian uint64. OpenSSL's
 * ChaCha20 takes a 16-byte IV whose first 4 bytes are a little-endian block counter and the
 * rest the nonce; OpenSSH's variant has a 64-bit counter and a 64-bit nonce. Both fill state
 * words 12..15 from the same 16 bytes, so the IV counter_le64 || seq_be64 gives OpenSSH's
 * keystream (exact for block counters below 2^32: a packet is at most 4096 blocks).
 *
 *   length:   ChaCha20(K_1, seq, counter 0) XOR packet_length
 *   poly key: the first 32 bytes of ChaCha20(K_2, seq, counter 0)
 *   payload:  ChaCha20(K_2, seq, counter 1) XOR the rest of the packet
 *   tag:      Poly1305(poly key, encrypted length || encrypted payload) */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "chachapoly.h"

#define CHACHA_MAGIC 0x63637031u /* "ccp1" */
#define TAG_LEN 16
#define MIN_BODY 8 /* RFC 4253 §6: at least one 8-byte block after packet_length */

typedef struct {
  hush_header h;
  EVP_CIPHER_CTX *main; /* K_2 */
  EVP_CIPHER_CTX *hdr;  /* K_1 */
  EVP_MAC_CTX *poly;
} chacha_t;

static const unsigned char zeros[32];

static void chacha_free(napi_env env, void *data, void *hint) {
  chacha_t *c = data;
  if (c->main) EVP_CIPHER_CTX_free(c->main);
  if (c->hdr) EVP_CIPHER_CTX_free(c->hdr);
  if (c->poly) EVP_MAC_CTX_free(c->poly);
  OPENSSL_cleanse(c, sizeof *c);
  free(c);
}

/* counter_le64 || seq_be64 (the high half of the uint64 sequence number is always zero). */
static void make_iv(unsigned char iv[16], uint32_t seq, unsigned char counter) {
  memset(iv, 0, 16);
  iv[0] = counter;
  iv[12] = (unsigned char)(seq >> 24);
  iv[13] = (unsigned char)(seq >> 16);
  iv[14] = (unsigned char)(seq >> 8);
  iv[15] = (unsigned char)seq;
}

static int keystream_xor(EVP_CIPHER_CTX *ctx, const unsigned char iv[16], unsigned char *out, const unsigned char *in, size_t n) {
  int len;
  return EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, 1) == 1 && EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1;
}

/* Poly1305(poly key for `seq`, data) into tag. */
static int poly_tag(chacha_t *c, uint32_t seq, const unsigned char *data, size_t n, unsigned char tag[TAG_LEN]) {
  unsigned char iv[16], key[32];
  size_t out_len = 0;
  make_iv(iv, seq, 0);
  int ok = keystream_xor(c->main, iv, key, zeros, sizeof key) && EVP_MAC_init(c->poly, key, sizeof key, NULL) == 1 &&
           EVP_MAC_update(c->poly, data, n) == 1 && EVP_MAC_final(c->poly, tag, &out_len, TAG_LEN) == 1 &&
           out_len == TAG_LEN;
  OPENSSL_cleanse(key, sizeof key);
  return ok;
}

/* chachaNew(key: Uint8Array(64)) -> handle; the same handle seals or opens. */
napi_value hush_chacha_new(napi_env env, napi_callback_info info) {
  hush_args a;
  uint8_t *key;
  size_t key_len;
  if (!hush_get_args(env, info, &a, 1) || !hush_bytes(env, a.argv[0], "chachaNew: key must be a Uint8Array", &key, &key_len))
    return NULL;
  if (key_len != 64) return hush_throw_range(env, "chachaNew: the key must be 64 bytes");
  chacha_t *c = calloc(1, sizeof *c);
  if (c == NULL) return hush_throw_crypto(env, "chachaNew: out of memory");
  c->h.magic = CHACHA_MAGIC;
  c->main = EVP_CIPHER_CTX_new();
  c->hdr = EVP_CIPHER_CTX_new();
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "POLY1305", NULL);
  if (mac != NULL) {
    c->poly = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); /* the context holds its own reference */
  }
  unsigned char iv[16] = {0};
  if (c->main == NULL || c->hdr == NULL || c->poly == NULL ||
      EVP_CipherInit_ex(c->main, EVP_chacha20(), NULL, key, iv, 1) != 1 ||
      EVP_CipherInit_ex(c->hdr, EVP_chacha20(), NULL, key + 32, iv, 1) != 1) {
    chacha_free(env, c, NULL);
    return hush_throw_crypto(env, "chachaNew: OpenSSL has no ChaCha20 or Poly1305");
  }
  return hush_wrap(env, c, chacha_free);
}

static chacha_t *chacha_args(napi_env env, napi_callback_info info, hush_args *a, size_t want, const char *fn, uint32_t *seq) {
  if (!hush_get_args(env, info, a, want)) return NULL;
  chacha_t *c = hush_unwrap(env, a->argv[0], CHACHA_MAGIC, fn);
  if (c == NULL || !hush_uint32(env, a->argv[1], "chacha: seq must be a uint32", seq)) return NULL;
  return c;
}

/* chachaSeal(handle, seq, packet, out): out (packet.length + 16 bytes) receives
 * encrypted packet_length || encrypted rest || tag. */
napi_value hush_chacha_seal(napi_env env, napi_callback_info info) {
  hush_args a;
  uint32_t seq;
  uint8_t *in, *out;
  size_t n, out_len;
  chacha_t *c = chacha_args(env, info, &a, 4, "chachaSeal: not a ChaCha20-Poly1305 handle", &seq);
  if (c == NULL || !hush_bytes(env, a.argv[2], "chachaSeal: packet must be a Uint8Array", &in, &n) ||
      !hush_bytes(env, a.argv[3], "chachaSeal: out must be a Uint8Array", &out, &out_len))
    return NULL;
  if (n < 4 + MIN_BODY || (n - 4) % MIN_BODY != 0 || n > 0x7fffffff) return hush_throw_range(env, "chachaSeal: bad packet length");
  if (out_len != n + TAG_LEN) return hush_throw_range(env, "chachaSeal: out must be 16 bytes longer than the packet");
  unsigned char iv[16];
  make_iv(iv, seq, 0);
  int ok = keystream_xor(c->hdr, iv, out, in, 4);
  make_iv(iv, seq, 1);
  ok = ok && keystream_xor(c->main, iv, out + 4, in + 4, n - 4) && poly_tag(c, seq, out, n, out + n);
  if (!ok) return hush_throw_crypto(env, "chachaSeal: OpenSSL failed to encrypt");
  return NULL;
}

/* chachaLength(handle, seq, head: 4 bytes) -> packet_length (unauthenticated until open). */
napi_value hush_chacha_length(napi_env env, napi_callback_info info) {
  hush_args a;
  uint32_t seq;
  uint8_t *in;
  size_t n;
  chacha_t *c = chacha_args(env, info, &a, 3, "chachaLength: not a ChaCha20-Poly1305 handle", &seq);
  if (c == NULL || !hush_bytes(env, a.argv[2], "chachaLength: head must be a Uint8Array", &in, &n)) return NULL;
  if (n < 4) return hush_throw_range(env, "chachaLength: need 4 bytes");
  unsigned char iv[16], plain[4];
  make_iv(iv, seq, 0);
  if (!keystream_xor(c->hdr, iv, plain, in, 4)) return hush_throw_crypto(env, "chachaLength: OpenSSL failed to decrypt");
  uint32_t len = ((uint32_t)plain[0] << 24) | ((uint32_t)plain[1] << 16) | ((uint32_t)plain[2] << 8) | plain[3];
  napi_value r;
  napi_create_uint32(env, len, &r);
  return r;
}

/* chachaOpen(handle, seq, wire, out) -> boolean: checks the tag over the wire bytes first, in
 * constant time, then decrypts everything after packet_length into out (wire.length - 20
 * bytes). False, out untouched, when the tag does not verify. */
napi_value hush_chacha_open(napi_env env, napi_callback_info info) {
  hush_args a;
  uint32_t seq;
  uint8_t *in, *out;
  size_t w, out_len;
  chacha_t *c = chacha_args(env, info, &a, 4, "chachaOpen: not a ChaCha20-Poly1305 handle", &seq);
  if (c == NULL || !hush_bytes(env, a.argv[2], "chachaOpen: wire must be a Uint8Array", &in, &w) ||
      !hush_bytes(env, a.argv[3], "chachaOpen: out must be a Uint8Array", &out, &out_len))
    return NULL;
  if (w < 4 + MIN_BODY + TAG_LEN || w > 0x7fffffff) return hush_throw_range(env, "chachaOpen: bad packet length");
  size_t n = w - TAG_LEN;
  if (out_len != n - 4) return hush_throw_range(env, "chachaOpen: out must be 20 bytes shorter than the wire packet");
  unsigned char tag[TAG_LEN], iv[16];
  if (!poly_tag(c, seq, in, n, tag)) return hush_throw_crypto(env, "chachaOpen: OpenSSL failed to authenticate");
  if (CRYPTO_memcmp(tag, in + n, TAG_LEN) != 0) return hush_boolean(env, 0);
  make_iv(iv, seq, 1);
  if (!keystream_xor(c->main, iv, out, in + 4, n - 4)) return hush_throw_crypto(env, "chachaOpen: OpenSSL failed to decrypt");
  return hush_boolean(env, 1);
}
