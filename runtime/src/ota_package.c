#include <stdio.h>
#include <string.h>
#include "ota_package.h"

#define MANIFEST_MAX_BYTES 512u

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }

static void to_hex(char *out, const uint8_t *bytes, size_t n) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  out[2 * n] = 0;
}

int vsdk_ota_header_check(const uint8_t *p, uint32_t len, uint32_t slot_capacity, vsdk_ota_header_t *h) {
  if (!p || len < VSDK_OTA_HEADER_BYTES) return VSDK_E_TRUNCATED;
  if (memcmp(p, "VOTA", 4) != 0) return VSDK_E_MALFORMED;
  if (le16(p + 4) != 1) return VSDK_E_UNSUPPORTED;
  h->abi_version = le32(p + 8);
  h->image_version = le32(p + 12);
  h->min_runtime_version = le32(p + 16);
  h->image_size = le32(p + 20);
  h->manifest_len = le16(p + 64);
  h->signature_len = le16(p + 66);
  if (le16(p + 6) != VSDK_OTA_HEADER_BYTES || le32(p + 68) != 0 || h->manifest_len == 0 ||
      h->manifest_len > MANIFEST_MAX_BYTES || h->signature_len < 8 || h->signature_len > 72 || h->image_size == 0)
    return VSDK_E_MALFORMED;
  /* The header's fields are bounded above except the image size: compare before adding. */
  uint32_t framing = VSDK_OTA_HEADER_BYTES + h->manifest_len + h->signature_len;
  if (h->image_size > slot_capacity || framing > slot_capacity - h->image_size) return VSDK_E_NOSPACE;
  h->total = framing + h->image_size;
  return VSDK_OK;
}

/* The canonical manifest, rebuilt from the header: the signed bytes must equal it. */
static int manifest_matches(const uint8_t *p, const vsdk_ota_header_t *h) {
  char key_id[17], digest[65], manifest[MANIFEST_MAX_BYTES + 1];
  to_hex(key_id, p + 56, 8);
  to_hex(digest, p + 24, 32);
  uint32_t v = h->image_version, m = h->min_runtime_version;
  int n = snprintf(manifest, sizeof manifest,
    "{\"abi_version\":%lu,\"format\":1,\"image_version\":\"%lu.%lu.%lu\",\"key_id\":\"%s\","
    "\"min_runtime_version\":\"%lu.%lu.%lu\",\"sha256\":\"%s\",\"size\":%lu}",
    (unsigned long)h->abi_version, (unsigned long)(v >> 24), (unsigned long)(v >> 16 & 0xffu), (unsigned long)(v & 0xffffu),
    key_id, (unsigned long)(m >> 24), (unsigned long)(m >> 16 & 0xffu), (unsigned long)(m & 0xffffu), digest,
    (unsigned long)h->image_size);
  return n > 0 && (uint32_t)n == h->manifest_len && memcmp(manifest, p + VSDK_OTA_HEADER_BYTES, h->manifest_len) == 0;
}

int vsdk_ota_package_verify(const vsdk_platform_t *platform, const uint8_t *p, uint32_t len, uint32_t slot_capacity,
                            const vsdk_ota_policy_t *policy, vsdk_ota_header_t *h) {
  int rc = vsdk_ota_header_check(p, len, slot_capacity, h);
  if (rc != VSDK_OK) return rc;
  if (len < h->total) return VSDK_E_TRUNCATED;
  if (len > h->total || !manifest_matches(p, h)) return VSDK_E_MALFORMED;
  if (!platform->sha256 || !platform->ecdsa_p256_verify) return VSDK_E_UNSUPPORTED;

  uint8_t digest[32];
  if (platform->sha256(platform->ctx, policy->trusted_key, policy->trusted_key_len, digest) != 32) return VSDK_E_IO;
  if (memcmp(digest, p + 56, 8) != 0) return VSDK_E_AUTH;
  const uint8_t *manifest = p + VSDK_OTA_HEADER_BYTES, *signature = manifest + h->manifest_len;
  if (platform->sha256(platform->ctx, manifest, h->manifest_len, digest) != 32) return VSDK_E_IO;
  if (platform->ecdsa_p256_verify(platform->ctx, policy->trusted_key, policy->trusted_key_len, digest, signature,
                                  h->signature_len) != VSDK_OK)
    return VSDK_E_AUTH;
  const uint8_t *image = signature + h->signature_len;
  if (platform->sha256(platform->ctx, image, h->image_size, digest) != 32) return VSDK_E_IO;
  if (memcmp(digest, p + 24, 32) != 0) return VSDK_E_STORAGE_CORRUPT;

  uint32_t abi = h->abi_version, ours = policy->runtime_abi;
  if ((abi >> 16) != (ours >> 16) || (abi & 0xffffu) < (ours & 0xffffu)) return VSDK_E_UNSUPPORTED;
  if (h->min_runtime_version > policy->runtime_version) return VSDK_E_UNSUPPORTED;
  if (h->image_version < policy->last_confirmed) return VSDK_E_STATE;
  return VSDK_OK;
}
