/* Key-value storage in NVS, one blob per key. NVS commits a blob write atomically (after a
 * power cut the old value or the new one is found, never a mix), which is what the image asks.
 * NVS keys hold at most 15 characters; longer image keys (up to 32) become their first 6
 * characters, '~' and 8 hex digits of an FNV-1a hash of the whole key. */
#include <stdio.h>
#include <string.h>
#include "nvs.h"
#include "sdkconfig.h"
#include "esp32_internal.h"

static void nvs_key(const char *key, char out[16]) {
  size_t n = strlen(key);
  if (n <= 15) { memcpy(out, key, n + 1); return; }
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)key[i]) * 16777619u;
  snprintf(out, 16, "%.6s~%08x", key, (unsigned)h);
}

static int with_handle(nvs_open_mode_t mode, nvs_handle_t *h) {
  return nvs_open(CONFIG_VSDK_NVS_NAMESPACE, mode, h) == ESP_OK ? VSDK_OK : VSDK_E_IO;
}

static int kv_get(void *ctx, const char *key, uint8_t *buf, size_t cap) {
  (void)ctx;
  char k[16];
  nvs_key(key, k);
  nvs_handle_t h;
  esp_err_t err = nvs_open(CONFIG_VSDK_NVS_NAMESPACE, NVS_READONLY, &h);
  if (err == ESP_ERR_NVS_NOT_FOUND) return 0; /* namespace not created yet: nothing stored */
  if (err != ESP_OK) return VSDK_E_IO;
  size_t len = 0;
  err = nvs_get_blob(h, k, NULL, &len);
  int rc;
  if (err == ESP_ERR_NVS_NOT_FOUND) rc = 0;
  else if (err != ESP_OK) rc = VSDK_E_IO;
  else if (len > cap) rc = VSDK_E_NOSPACE;
  else rc = nvs_get_blob(h, k, buf, &len) == ESP_OK ? (int)len : VSDK_E_IO;
  nvs_close(h);
  return rc;
}

static int kv_put(void *ctx, const char *key, const uint8_t *data, size_t len) {
  (void)ctx;
  char k[16];
  nvs_key(key, k);
  nvs_handle_t h;
  if (with_handle(NVS_READWRITE, &h) != VSDK_OK) return VSDK_E_IO;
  esp_err_t err = nvs_set_blob(h, k, data, len);
  if (err == ESP_OK) err = nvs_commit(h);
  nvs_close(h);
  if (err == ESP_ERR_NVS_NOT_ENOUGH_SPACE) return VSDK_E_NOSPACE;
  return err == ESP_OK ? (int)len : VSDK_E_IO;
}

static int kv_delete(void *ctx, const char *key) {
  (void)ctx;
  char k[16];
  nvs_key(key, k);
  nvs_handle_t h;
  if (with_handle(NVS_READWRITE, &h) != VSDK_OK) return VSDK_E_IO;
  esp_err_t err = nvs_erase_key(h, k);
  if (err == ESP_OK) err = nvs_commit(h);
  nvs_close(h);
  return err == ESP_OK || err == ESP_ERR_NVS_NOT_FOUND ? VSDK_OK : VSDK_E_IO;
}

void vsdk_esp32_kv_install(vsdk_platform_t *p) {
  p->kv_get = kv_get;
  p->kv_put = kv_put;
  p->kv_delete = kv_delete;
}
