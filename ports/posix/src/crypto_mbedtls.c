/* SHA-256 and HMAC-SHA256 from mbedTLS (what an MCU's accelerator driver would do). */
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
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

/* The OTA signature check: only a P-256 key is accepted, whatever else mbedTLS could parse. */
static int ecdsa_p256_verify(void *ctx, const uint8_t *spki, size_t spki_len, const uint8_t *hash, const uint8_t *sig,
                             size_t sig_len) {
  (void)ctx;
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  int ok = mbedtls_pk_parse_public_key(&pk, spki, spki_len) == 0 && mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY &&
           mbedtls_pk_ec(pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1 &&
           mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, 32, sig, sig_len) == 0;
  mbedtls_pk_free(&pk);
  return ok ? VSDK_OK : VSDK_E_AUTH;
}

void vsdk_posix_crypto_install(vsdk_platform_t *p) {
  p->sha256 = sha256;
  p->hmac_sha256 = hmac_sha256;
  p->ecdsa_p256_verify = ecdsa_p256_verify;
}
