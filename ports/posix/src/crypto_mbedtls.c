/* SHA-256 and HMAC-SHA256 from mbedTLS (what an MCU's accelerator driver would do). */
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include "posix_internal.h"

static int sha256(void *ctx, const uint8_t *data, size_t len, uint8_t *out) {
  (void)ctx;
  return mbedtls_sha256_ret(data, len, out, 0) == 0 ? 32 : VSDK_E_IO;
}

static int hmac_sha256(void *ctx, const uint8_t *key, size_t key_len, const uint8_t *data, size_t len, uint8_t *out) {
  (void)ctx;
  const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  return mbedtls_md_hmac(md, key, key_len, data, len, out) == 0 ? 32 : VSDK_E_IO;
}

void vsdk_posix_crypto_install(vsdk_platform_t *p) {
  p->sha256 = sha256;
  p->hmac_sha256 = hmac_sha256;
}
