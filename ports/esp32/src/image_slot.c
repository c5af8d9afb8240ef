/* The OTA image slot: a data partition holding "VSDK", the image length (little-endian u32),
 * its SHA-256, then the image. A valid slot is mapped into the address space and wasm3 reads
 * the image there in place (no copy in RAM); the runtime still checks it like any image, and
 * the firmware's own image remains the fallback. */
#include <string.h>
#include "esp_partition.h"
#include "mbedtls/sha256.h"
#include "sdkconfig.h"
#include "esp32_internal.h"
#include "vsdk_esp32.h"

#define HEADER_BYTES 40u

/* The slot's mapping while an image from it may run (wasm3 reads it in place). */
static esp_partition_mmap_handle_t slot_handle;
static int slot_mapped;

static const esp_partition_t *slot(void) {
  if (!CONFIG_VSDK_IMAGE_PARTITION[0]) return NULL;
  return esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_ANY, CONFIG_VSDK_IMAGE_PARTITION);
}

const uint8_t *vsdk_esp32_slot_image(uint32_t *len) {
  const esp_partition_t *part = slot();
  uint8_t header[HEADER_BYTES];
  if (!part || esp_partition_read(part, 0, header, sizeof header) != ESP_OK || memcmp(header, "VSDK", 4) != 0) return NULL;
  uint32_t n = (uint32_t)header[4] | (uint32_t)header[5] << 8 | (uint32_t)header[6] << 16 | (uint32_t)header[7] << 24;
  if (n == 0 || n > VSDK_IMAGE_MAX_BYTES || n > part->size - HEADER_BYTES) return NULL;
  const void *mapped;
  esp_partition_mmap_handle_t handle;
  if (esp_partition_mmap(part, 0, HEADER_BYTES + n, ESP_PARTITION_MMAP_DATA, &mapped, &handle) != ESP_OK) return NULL;
  const uint8_t *image = (const uint8_t *)mapped + HEADER_BYTES;
  uint8_t digest[32];
  if (mbedtls_sha256(image, n, digest, 0) != 0 || memcmp(digest, header + 8, 32) != 0) {
    esp_partition_munmap(handle);
    return NULL; /* a torn or corrupt download: keep running the firmware's image */
  }
  if (slot_mapped) esp_partition_munmap(slot_handle); /* a second start maps it afresh */
  slot_handle = handle;
  slot_mapped = 1;
  *len = n;
  return image; /* stays mapped for as long as it runs */
}

int vsdk_esp32_store_image(const uint8_t *image, uint32_t len, const uint8_t sha256[32]) {
  const esp_partition_t *part = slot();
  if (!part) return VSDK_E_UNSUPPORTED;
  if (!image || !sha256 || len == 0 || len > VSDK_IMAGE_MAX_BYTES || len > part->size - HEADER_BYTES) return VSDK_E_ARG;
  uint8_t digest[32];
  if (mbedtls_sha256(image, len, digest, 0) != 0 || memcmp(digest, sha256, 32) != 0) return VSDK_E_IMAGE;
  uint8_t header[HEADER_BYTES] = { 'V', 'S', 'D', 'K', (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24) };
  memcpy(header + 8, sha256, 32);
  /* The image running now may be this slot's, read in place: never erase it under the runtime. */
  vsdk_ota_status_t running;
  if (slot_mapped && vsdk_ota_status(&running) != VSDK_E_NOT_INIT) return VSDK_E_BUSY;
  if (slot_mapped) {
    esp_partition_munmap(slot_handle);
    slot_mapped = 0;
  }
  /* Image first, header last: a reset mid-write leaves no valid header, so the next start runs
   * the firmware's own image (the slot's previous one is erased first). */
  size_t erase = (HEADER_BYTES + len + part->erase_size - 1) / part->erase_size * part->erase_size;
  if (esp_partition_erase_range(part, 0, erase) != ESP_OK) return VSDK_E_IO;
  if (esp_partition_write(part, HEADER_BYTES, image, len) != ESP_OK) return VSDK_E_IO;
  if (esp_partition_write(part, 0, header, sizeof header) != ESP_OK) return VSDK_E_IO;
  return VSDK_OK;
}
