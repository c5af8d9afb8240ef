#include <string.h>
#include "ota_record.h"

#define MAGIC "VBR1"

uint32_t vsdk_ota_crc32(const uint8_t *data, uint32_t len) {
  uint32_t crc = 0xffffffffu;
  for (uint32_t i = 0; i < len; i++) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

void vsdk_ota_record_default(vsdk_ota_record_t *r) {
  memset(r, 0, sizeof *r);
  r->active = VSDK_OTA_BUILTIN;
  r->trial = VSDK_OTA_NONE;
  r->download = VSDK_OTA_NONE;
}

/* Fixed little-endian layout: the same bytes on every MCU, whatever its struct padding. */
static void encode(const vsdk_ota_record_t *r, uint8_t *b) {
  memset(b, 0, VSDK_OTA_RECORD_BYTES);
  memcpy(b, MAGIC, 4);
  b[4] = (uint8_t)r->active;
  b[5] = (uint8_t)r->trial;
  b[6] = r->trials_left;
  b[7] = r->rolled_back;
  put32(b + 8, r->active_version);
  put32(b + 12, r->active_len);
  put32(b + 16, r->trial_version);
  put32(b + 20, r->trial_len);
  put32(b + 24, r->last_confirmed);
  put32(b + 28, (uint32_t)r->rollback_reason);
  b[32] = (uint8_t)r->download;
  put32(b + 36, r->download_size);
  put32(b + 40, r->download_len);
  memcpy(b + 44, r->download_id, 32);
  put32(b + 80, vsdk_ota_crc32(b, 80));
}

static int valid_place(int8_t v, int allow_builtin) {
  return v == VSDK_OTA_NONE || v == 0 || v == 1 || (allow_builtin && v == VSDK_OTA_BUILTIN);
}

static int decode(const uint8_t *b, vsdk_ota_record_t *r) {
  if (memcmp(b, MAGIC, 4) != 0 || get32(b + 80) != vsdk_ota_crc32(b, 80)) return -1;
  r->active = (int8_t)b[4];
  r->trial = (int8_t)b[5];
  r->trials_left = b[6];
  r->rolled_back = b[7];
  r->active_version = get32(b + 8);
  r->active_len = get32(b + 12);
  r->trial_version = get32(b + 16);
  r->trial_len = get32(b + 20);
  r->last_confirmed = get32(b + 24);
  r->rollback_reason = (int32_t)get32(b + 28);
  r->download = (int8_t)b[32];
  r->download_size = get32(b + 36);
  r->download_len = get32(b + 40);
  memcpy(r->download_id, b + 44, 32);
  if (r->active == VSDK_OTA_NONE || !valid_place(r->active, 1) || !valid_place(r->trial, 0) ||
      !valid_place(r->download, 0) || r->trials_left > VSDK_OTA_TRIAL_BOOTS || r->download_len > r->download_size)
    return -1;
  return 0;
}

void vsdk_ota_record_load(const vsdk_platform_t *platform, vsdk_ota_record_t *r) {
  uint8_t b[VSDK_OTA_RECORD_BYTES];
  vsdk_ota_record_default(r);
  if (!platform->kv_get || platform->kv_get(platform->ctx, VSDK_OTA_RECORD_KEY, b, sizeof b) != (int)sizeof b) return;
  vsdk_ota_record_t read;
  if (decode(b, &read) == 0) *r = read;
}

int vsdk_ota_record_save(const vsdk_platform_t *platform, const vsdk_ota_record_t *r) {
  uint8_t b[VSDK_OTA_RECORD_BYTES];
  encode(r, b);
  if (!platform->kv_put) return VSDK_E_UNSUPPORTED;
  return platform->kv_put(platform->ctx, VSDK_OTA_RECORD_KEY, b, sizeof b) == (int)sizeof b ? VSDK_OK : VSDK_E_IO;
}
