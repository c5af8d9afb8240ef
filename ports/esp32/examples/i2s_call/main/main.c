/* vsdk on an ESP32 with I2S audio: joins Wi-Fi, starts the vsdk task, registers, answers any
 * incoming call, and runs a 20 ms audio loop between an I2S microphone/speaker pair and the
 * image. Pins come from menuconfig; the device identity is provisioned once with
 * vsdk_provision() (see docs/ports.md). */
#include <string.h>
#include "driver/i2s_std.h"
#include "esp_log.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "esp_event.h"
#include "esp_netif.h"
#include "nvs_flash.h"
#include "protocol_examples_common.h"
#include "sdkconfig.h"
#include "vsdk_esp32.h"

#define SAMPLE_RATE 8000
#define FRAME_SAMPLES (SAMPLE_RATE / 50)
/* Pins from menuconfig ("vsdk example: I2S pins"; defaults per chip in Kconfig.projbuild). */
#define PIN_BCLK ((gpio_num_t)CONFIG_VSDK_EXAMPLE_I2S_BCLK)
#define PIN_WS ((gpio_num_t)CONFIG_VSDK_EXAMPLE_I2S_WS)
#define PIN_DOUT ((gpio_num_t)CONFIG_VSDK_EXAMPLE_I2S_DOUT)
#define PIN_DIN ((gpio_num_t)CONFIG_VSDK_EXAMPLE_I2S_DIN)
#define I2S_TIMEOUT_MS 100 /* i2s_channel_read/write take milliseconds, not ticks */

/* Kinds of the image's events (assembly/signal/events.ts). */
#define EVENT_RING 3
#define EVENT_CALL_STATE 4

static const char *TAG = "i2s_call";
static i2s_chan_handle_t tx, rx;

/* Runs on the vsdk task: never call vsdk_* from here, post a command instead. */
static void on_event(void *arg, int kind, int a, int b) {
  (void)arg;
  ESP_LOGI(TAG, "event %d (%d, %d)", kind, a, b);
  if (kind == EVENT_RING) {
    vsdk_command_t answer = { .kind = VSDK_CMD_ANSWER };
    vsdk_freertos_post(&answer, 0);
  }
}

static void audio_init(void) {
  i2s_chan_config_t chan = I2S_CHANNEL_DEFAULT_CONFIG(I2S_NUM_0, I2S_ROLE_MASTER);
  ESP_ERROR_CHECK(i2s_new_channel(&chan, &tx, &rx));
  i2s_std_config_t std = {
    .clk_cfg = I2S_STD_CLK_DEFAULT_CONFIG(SAMPLE_RATE),
    .slot_cfg = I2S_STD_PHILIPS_SLOT_DEFAULT_CONFIG(I2S_DATA_BIT_WIDTH_16BIT, I2S_SLOT_MODE_MONO),
    .gpio_cfg = { .mclk = I2S_GPIO_UNUSED, .bclk = PIN_BCLK, .ws = PIN_WS, .dout = PIN_DOUT, .din = PIN_DIN },
  };
  ESP_ERROR_CHECK(i2s_channel_init_std_mode(tx, &std));
  ESP_ERROR_CHECK(i2s_channel_init_std_mode(rx, &std));
  ESP_ERROR_CHECK(i2s_channel_enable(tx));
  ESP_ERROR_CHECK(i2s_channel_enable(rx));
}

/* The original ESP32's I2S swaps each pair of 16-bit samples in mono mode, both ways (ESP-IDF's
 * I2S guide, standard mode data tables); later chips do not. */
static void unswap_mono_pairs(int16_t *pcm, int samples) {
#if CONFIG_IDF_TARGET_ESP32
  for (int i = 0; i + 1 < samples; i += 2) {
    int16_t first = pcm[i];
    pcm[i] = pcm[i + 1];
    pcm[i + 1] = first;
  }
#else
  (void)pcm;
  (void)samples;
#endif
}

/* The audio driver's loop: one 20 ms frame in, one out. The I2S DMA paces it; vsdk_audio_* take
 * the port's lock, so they are serialised with the vsdk task. */
static void audio_task(void *arg) {
  (void)arg;
  int16_t mic[FRAME_SAMPLES], speaker[FRAME_SAMPLES];
  for (;;) {
    size_t got = 0, put = 0;
    if (i2s_channel_read(rx, mic, sizeof mic, &got, I2S_TIMEOUT_MS) != ESP_OK || got != sizeof mic) continue;
    unswap_mono_pairs(mic, FRAME_SAMPLES);
    vsdk_audio_in(mic, FRAME_SAMPLES);
    int n = vsdk_audio_out(speaker, FRAME_SAMPLES);
    if (n < FRAME_SAMPLES) memset(speaker + (n > 0 ? n : 0), 0, (size_t)(FRAME_SAMPLES - (n > 0 ? n : 0)) * 2);
    unswap_mono_pairs(speaker, FRAME_SAMPLES);
    i2s_channel_write(tx, speaker, sizeof speaker, &put, I2S_TIMEOUT_MS);
  }
}

void app_main(void) {
  esp_err_t err = nvs_flash_init();
  if (err == ESP_ERR_NVS_NO_FREE_PAGES || err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
    ESP_ERROR_CHECK(nvs_flash_erase());
    err = nvs_flash_init();
  }
  ESP_ERROR_CHECK(err);
  ESP_ERROR_CHECK(esp_netif_init());
  ESP_ERROR_CHECK(esp_event_loop_create_default());
  ESP_ERROR_CHECK(example_connect());
  audio_init();
  if (vsdk_esp32_start(on_event, NULL) != VSDK_OK) { ESP_LOGE(TAG, "vsdk did not start"); return; }
  /* The audio task calls into the runtime directly: start it once vsdk_init has run. */
  while (vsdk_freertos_init_result() == VSDK_E_AGAIN) vTaskDelay(pdMS_TO_TICKS(10));
  if (vsdk_freertos_init_result() != VSDK_OK) { ESP_LOGE(TAG, "vsdk_init: %s", vsdk_strerror(vsdk_freertos_init_result())); return; }
  vsdk_command_t reg = { .kind = VSDK_CMD_REGISTER };
  vsdk_freertos_post(&reg, 1000);
  xTaskCreate(audio_task, "audio", 4096, NULL, 6, NULL);
}
