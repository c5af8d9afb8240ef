/* The ESP32 platform's basics (randomness, log, SHA-256/HMAC on the hardware-accelerated mbedTLS;
 * the clock is the FreeRTOS port's tick count) and the start-up: the OTA image when valid, else
 * the one linked into flash. */
#include <string.h>
#include "freertos/FreeRTOS.h"
#include "esp_log.h"
#include "esp_random.h"
#include "mbedtls/md.h"
#include "mbedtls/sha256.h"
#include "sdkconfig.h"
#include "esp32_internal.h"
#include "vsdk_esp32.h"
#include "ota_slots_esp32.h"

static const char *TAG = "vsdk";

/* Not named esp_log: ESP-IDF 5.5's esp_log.h declares a public esp_log(). */
static void log_to_esp(void *ctx, int level, const char *msg, size_t len) {
  (void)ctx;
  if (level > CONFIG_VSDK_LOG_LEVEL) return;
  switch (level) {
    case 0: ESP_LOGE(TAG, "%.*s", (int)len, msg); break;
    case 1: ESP_LOGW(TAG, "%.*s", (int)len, msg); break;
    case 2: ESP_LOGI(TAG, "%.*s", (int)len, msg); break;
    default: ESP_LOGD(TAG, "%.*s", (int)len, msg); break;
  }
}

static int random_bytes(void *ctx, uint8_t *buf, size_t len) {
  (void)ctx;
  esp_fill_random(buf, len); /* the hardware RNG (true random while the radio runs) */
  return (int)len;
}

static int sha256(void *ctx, const uint8_t *data, size_t len, uint8_t *out) {
  (void)ctx;
  return mbedtls_sha256(data, len, out, 0) == 0 ? 32 : VSDK_E_IO;
}

static int hmac_sha256(void *ctx, const uint8_t *key, size_t key_len, const uint8_t *data, size_t len, uint8_t *out) {
  (void)ctx;
  const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  return mbedtls_md_hmac(md, key, key_len, data, len, out) == 0 ? 32 : VSDK_E_IO;
}

int vsdk_esp32_start(vsdk_event_cb on_event, void *event_arg) {
  vsdk_freertos_config_t config = { 0 };
  vsdk_platform_t *p = &config.platform;
  p->log = log_to_esp;
  p->random = random_bytes;
  p->sha256 = sha256;
  p->hmac_sha256 = hmac_sha256;
  vsdk_esp32_kv_install(p);
  vsdk_esp32_ota_install(p); /* A/B slots vsdk_ota_0/1 and the release signature check */
  vsdk_esp32_net_install(p);
  /* No native Opus on the ESP32 build: the image's Opus imports answer E_UNSUPPORTED and calls
   * negotiate G.711. */
  config.image = vsdk_esp32_slot_image(&config.image_len);
  config.task_stack_words = CONFIG_VSDK_TASK_STACK / sizeof(StackType_t);
  config.task_priority = CONFIG_VSDK_TASK_PRIORITY;
  config.tick_period_ms = CONFIG_VSDK_TICK_MS;
  config.memory_limit_bytes = CONFIG_VSDK_MEMORY_LIMIT;
  config.stack_bytes = CONFIG_VSDK_WASM3_STACK;
  config.heap_limit_bytes = CONFIG_VSDK_HEAP_LIMIT;
#ifdef CONFIG_VSDK_COMPILE_EAGERLY
  config.compile_eagerly = 1;
#endif
  config.on_event = on_event;
  config.event_arg = event_arg;
  if (config.image) ESP_LOGI(TAG, "running the OTA image (%u bytes)", (unsigned)config.image_len);
  return vsdk_freertos_start(&config);
}
