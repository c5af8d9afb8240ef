/* The release package (docs/ota.md, "Container layout") and its acceptance checks, in the
 * order and with the codes of the refusal table. Reads bytes as they lie in a slot; never
 * allocates; the crypto is the platform's (mbedTLS on posix, the accelerator on an MCU). */
#ifndef VSDK_OTA_PACKAGE_H
#define VSDK_OTA_PACKAGE_H

#include <stdint.h>
#include "vsdk_platform.h"

#define VSDK_OTA_HEADER_BYTES 72u

typedef struct vsdk_ota_header {
  uint32_t abi_version, image_version, min_runtime_version, image_size;
  uint32_t manifest_len, signature_len;
  uint32_t total; /* 72 + manifest + signature + image: the whole package */
} vsdk_ota_header_t;

/* What the device compares a package with (checks 8 to 13). */
typedef struct vsdk_ota_policy {
  const uint8_t *trusted_key; /* DER SubjectPublicKeyInfo */
  uint32_t trusted_key_len;
  uint32_t runtime_abi;       /* major << 16 | minor */
  uint32_t runtime_version;   /* packed MAJOR.MINOR.PATCH */
  uint32_t last_confirmed;    /* packed; 0 when nothing was confirmed yet */
} vsdk_ota_policy_t;

/* Checks 1 to 5 on the first len bytes (at least 72 needed) against a slot of slot_capacity
 * bytes. VSDK_OK and *h filled, or the refusal code. */
int vsdk_ota_header_check(const uint8_t *p, uint32_t len, uint32_t slot_capacity, vsdk_ota_header_t *h);

/* The whole table, 1 to 13, on a package of exactly len bytes. */
int vsdk_ota_package_verify(const vsdk_platform_t *platform, const uint8_t *p, uint32_t len, uint32_t slot_capacity,
                            const vsdk_ota_policy_t *policy, vsdk_ota_header_t *h);

#endif
