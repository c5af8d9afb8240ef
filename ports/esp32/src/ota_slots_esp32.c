/* OTA slots over two data partitions (esp_partition), and ECDSA P-256 on ESP-IDF's mbedTLS
 * (its ECC is hardware-assisted on the chips that have it). Compiled against ESP-IDF v5.1-v5.5
 * by hand, not in CI (docs/ports.md, "How the ESP32 port was checked").
 *
 * Erase and write go through the SPI flash driver, which returns when the flash is done, so
 * both are durable on return. An image runs in place from the partition mapped into the data
 * address space (esp_partition_mmap), as image_slot.c does; a slot is unmapped before it is
 * erased or written so no stale cache lines are read. Resume after a cut reprograms bytes a
 * torn write may have begun: valid on NOR flash (bits only clear). The partitions carry no
 * "encrypted" flag, so they stay plaintext under flash encryption; with the flag a download
 * would have to restart from 0 (docs/ports.md). */
#include <string.h>
#include "esp_partition.h"
#include "mbedtls/ecp.h"
#include "mbedtls/pk.h"
#include "mbedtls/version.h"
#include "ota_slots_esp32.h"

static const char *const labels[2] = { "vsdk_ota_0", "vsdk_ota_1" };
static struct { esp_partition_mmap_handle_t handle; const uint8_t *at; uint32_t len; int mapped; } maps[2];

static const esp_partition_t *part(int slot) {
  if (slot != 0 && slot != 1) return NULL;
  return esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_ANY, labels[slot]);
}

static void slot_unmap(void *ctx, int slot) {
  (void)ctx;
  if ((slot != 0 && slot != 1) || !maps[slot].mapped) return;
  esp_partition_munmap(maps[slot].handle);
  memset(&maps[slot], 0, sizeof maps[slot]);
}

static int slot_size(void *ctx, int slot) {
  (void)ctx;
  const esp_partition_t *p = part(slot);
  return p ? (int)p->size : VSDK_E_UNSUPPORTED;
}

static int slot_erase(void *ctx, int slot) {
  const esp_partition_t *p = part(slot);
  if (!p) return VSDK_E_UNSUPPORTED;
  slot_unmap(ctx, slot);
  return esp_partition_erase_range(p, 0, p->size) == ESP_OK ? VSDK_OK : VSDK_E_IO;
}

static int slot_write(void *ctx, int slot, uint32_t offset, const uint8_t *data, size_t len) {
  const esp_partition_t *p = part(slot);
  if (!p) return VSDK_E_UNSUPPORTED;
  if (offset > p->size || len > p->size - offset) return VSDK_E_NOSPACE;
  slot_unmap(ctx, slot);
  return esp_partition_write(p, offset, data, len) == ESP_OK ? (int)len : VSDK_E_IO;
}

static const uint8_t *slot_map(void *ctx, int slot, uint32_t len) {
  (void)ctx;
  const esp_partition_t *p = part(slot);
  if (!p || len == 0 || len > p->size) return NULL;
  if (maps[slot].mapped) return maps[slot].len == len ? maps[slot].at : NULL; /* wasm3 may run from it */
  const void *at;
  esp_partition_mmap_handle_t handle;
  if (esp_partition_mmap(p, 0, len, ESP_PARTITION_MMAP_DATA, &at, &handle) != ESP_OK) return NULL;
  maps[slot].handle = handle;
  maps[slot].at = at;
  maps[slot].len = len;
  maps[slot].mapped = 1;
  return at;
}

static int ecdsa_p256_verify(void *ctx, const uint8_t *spki, size_t spki_len, const uint8_t *hash, const uint8_t *sig,
                             size_t sig_len) {
  (void)ctx;
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  int ok = mbedtls_pk_parse_public_key(&pk, spki, spki_len) == 0 && mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY;
#if MBEDTLS_VERSION_MAJOR >= 3
  ok = ok && mbedtls_pk_ec(pk)->MBEDTLS_PRIVATE(grp).id == MBEDTLS_ECP_DP_SECP256R1;
#else
  ok = ok && mbedtls_pk_ec(pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1;
#endif
  ok = ok && mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, 32, sig, sig_len) == 0;
  mbedtls_pk_free(&pk);
  return ok ? VSDK_OK : VSDK_E_AUTH;
}

void vsdk_esp32_ota_install(vsdk_platform_t *p) {
  p->slot_size = slot_size;
  p->slot_erase = slot_erase;
  p->slot_write = slot_write;
  p->slot_map = slot_map;
  p->slot_unmap = slot_unmap;
  p->ecdsa_p256_verify = ecdsa_p256_verify;
}
