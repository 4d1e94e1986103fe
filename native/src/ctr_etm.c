/* AES-CTR (RFC 4344 §4) with an encrypt-then-MAC HMAC (OpenSSH PROTOCOL §1.5,
 * hmac-sha2-256-etm@openssh.com and friends), with the cipher and HMAC contexts kept for the
 * life of the keys. CTR is one keystream across packets, so the cipher context simply carries
 * on; the HMAC context is re-initialised per packet with its key kept (no key schedule, no
 * allocation), which node:crypto cannot do.
 *
 *   wire = packet_length (clear) || AES-CTR(rest of packet) || mac
 *   mac  = HMAC(key, uint32 seq || packet_length || ciphertext), checked before decrypting */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "ctr_etm.h"

#define ETM_MAGIC 0x65746d31u /* "etm1" */
#define BLOCK 16
#define MAX_MAC 64

typedef struct {
  hush_header h;
  int encrypt;
  size_t mac_len;
  EVP_CIPHER_CTX *cipher;
  EVP_MAC_CTX *mac;
} etm_t;

static void etm_free(napi_env env, void *data, void *hint) {
  etm_t *e = data;
  if (e->cipher) EVP_CIPHER_CTX_free(e->cipher);
  if (e->mac) EVP_MAC_CTX_free(e->mac);
  OPENSSL_cleanse(e, sizeof *e);
  free(e);
}

static const EVP_CIPHER *ctr_cipher(size_t key_len) {
  switch (key_len) {
    case 16: return EVP_aes_128_ctr();
    case 24: return EVP_aes_192_ctr();
    case 32: return EVP_aes_256_ctr();
    default: return NULL;
  }
}

/* HMAC's digest by its output length: the SSH MACs are SHA-256, SHA-512 and SHA-1 with full-length tags. */
static const char *mac_digest(size_t mac_len) {
  switch (mac_len) {
    case 32: return "SHA256";
    case 64: return "SHA512";
    case 20: return "SHA1";
    default: return NULL;
  }
}

/* etmNew(key: 16|24|32 bytes, iv: 16 bytes, macKey: 20|32|64 bytes (its length names the
 * digest), encrypt: boolean) -> handle */
napi_value hush_etm_new(napi_env env, napi_callback_info info) {
  hush_args a;
  uint8_t *key, *iv, *mkey;
  size_t key_len, iv_len, mkey_len;
  int enc;
  if (!hush_get_args(env, info, &a, 4) || !hush_bytes(env, a.argv[0], "etmNew: key must be a Uint8Array", &key, &key_len) ||
      !hush_bytes(env, a.argv[1], "etmNew: iv must be a Uint8Array", &iv, &iv_len) ||
      !hush_bytes(env, a.argv[2], "etmNew: macKey must be a Uint8Array", &mkey, &mkey_len) ||
      !hush_bool(env, a.argv[3], "etmNew: encrypt must be a boolean", &enc))
    return NULL;
  const EVP_CIPHER *cipher = ctr_cipher(key_len);
  const char *digest = mac_digest(mkey_len);
  if (cipher == NULL) return hush_throw_range(env, "etmNew: the AES key must be 16, 24 or 32 bytes");
  if (iv_len != BLOCK) return hush_throw_range(env, "etmNew: the IV must be 16 bytes");
  if (digest == NULL) return hush_throw_range(env, "etmNew: the MAC key must be 20, 32 or 64 bytes");
  etm_t *e = calloc(1, sizeof *e);
  if (e == NULL) return hush_throw_crypto(env, "etmNew: out of memory");
  e->h.magic = ETM_MAGIC;
  e->encrypt = enc;
  e->mac_len = mkey_len;
  e->cipher = EVP_CIPHER_CTX_new();
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  if (mac != NULL) {
    e->mac = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
  }
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0), OSSL_PARAM_construct_end()};
  if (e->cipher == NULL || e->mac == NULL || EVP_CipherInit_ex(e->cipher, cipher, NULL, key, iv, enc) != 1 ||
      EVP_MAC_init(e->mac, mkey, mkey_len, params) != 1) {
    etm_free(env, e, NULL);
    return hush_throw_crypto(env, "etmNew: OpenSSL refused the AES-CTR or HMAC key");
  }
  return hush_wrap(env, e, etm_free);
}

/* HMAC(key, uint32 seq || data) into tag (mac_len bytes); the key set by etmNew is kept. */
static int etm_mac(etm_t *e, uint32_t seq, const unsigned char *data, size_t n, unsigned char *tag) {
  unsigned char s[4] = {(unsigned char)(seq >> 24), (unsigned char)(seq >> 16), (unsigned char)(seq >> 8), (unsigned char)seq};
  size_t out_len = 0;
  return EVP_MAC_init(e->mac, NULL, 0, NULL) == 1 && EVP_MAC_update(e->mac, s, 4) == 1 && EVP_MAC_update(e->mac, data, n) == 1 &&
         EVP_MAC_final(e->mac, tag, &out_len, MAX_MAC) == 1 && out_len == e->mac_len;
}

static etm_t *etm_args(napi_env env, napi_callback_info info, hush_args *a, const char *fn, uint32_t *seq, uint8_t **in,
                       size_t *n, uint8_t **out, size_t *out_len) {
  if (!hush_get_args(env, info, a, 4)) return NULL;
  etm_t *e = hush_unwrap(env, a->argv[0], ETM_MAGIC, fn);
  if (e == NULL || !hush_uint32(env, a->argv[1], "etm: seq must be a uint32", seq) ||
      !hush_bytes(env, a->argv[2], "etm: the packet must be a Uint8Array", in, n) ||
      !hush_bytes(env, a->argv[3], "etm: out must be a Uint8Array", out, out_len))
    return NULL;
  return e;
}

/* etmSeal(handle, seq, packet, out): out (packet.length + mac length) receives
 * packet_length || ciphertext || mac. */
napi_value hush_etm_seal(napi_env env, napi_callback_info info) {
  hush_args a;
  uint32_t seq;
  uint8_t *in, *out;
  size_t n, out_len;
  int len;
  etm_t *e = etm_args(env, info, &a, "etmSeal: not an AES-CTR/EtM handle", &seq, &in, &n, &out, &out_len);
  if (e == NULL) return NULL;
  if (!e->encrypt) return hush_throw_range(env, "etmSeal: this handle opens packets");
  if (n < 4 + BLOCK || (n - 4) % BLOCK != 0 || n > 0x7fffffff) return hush_throw_range(env, "etmSeal: bad packet length");
  if (out_len != n + e->mac_len) return hush_throw_range(env, "etmSeal: out must be the packet plus the MAC");
  memmove(out, in, 4);
  if (EVP_CipherUpdate(e->cipher, out + 4, &len, in + 4, (int)(n - 4)) != 1 || !etm_mac(e, seq, out, n, out + n))
    return hush_throw_crypto(env, "etmSeal: OpenSSL failed");
  return NULL;
}

/* etmOpen(handle, seq, wire, out) -> boolean: verifies the MAC over the wire bytes in constant
 * time, then decrypts everything after packet_length into out (wire.length - 4 - mac length
 * bytes). False, nothing decrypted and the keystream not advanced, when the MAC is wrong. */
napi_value hush_etm_open(napi_env env, napi_callback_info info) {
  hush_args a;
  uint32_t seq;
  uint8_t *in, *out;
  size_t w, out_len;
  int len;
  etm_t *e = etm_args(env, info, &a, "etmOpen: not an AES-CTR/EtM handle", &seq, &in, &w, &out, &out_len);
  if (e == NULL) return NULL;
  if (e->encrypt) return hush_throw_range(env, "etmOpen: this handle seals packets");
  if (w < 4 + BLOCK + e->mac_len || (w - 4 - e->mac_len) % BLOCK != 0 || w > 0x7fffffff)
    return hush_throw_range(env, "etmOpen: bad packet length");
  size_t n = w - e->mac_len;
  if (out_len != n - 4) return hush_throw_range(env, "etmOpen: out must be the wire packet less 4 bytes and the MAC");
  unsigned char tag[MAX_MAC];
  if (!etm_mac(e, seq, in, n, tag)) return hush_throw_crypto(env, "etmOpen: OpenSSL failed to authenticate");
  if (CRYPTO_memcmp(tag, in + n, e->mac_len) != 0) return hush_boolean(env, 0);
  if (EVP_CipherUpdate(e->cipher, out, &len, in + 4, (int)(n - 4)) != 1) return hush_throw_crypto(env, "etmOpen: OpenSSL failed to decrypt");
  return hush_boolean(env, 1);
}
