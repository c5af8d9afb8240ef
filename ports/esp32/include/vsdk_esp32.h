/* The ESP32 port: starts the vsdk task with the ESP32 platform (esp-tls, lwIP UDP, NVS, mbedTLS)
 * and the newest valid image (the OTA partition's, else the one linked into flash). Settings
 * come from menuconfig (Kconfig). After it returns, post commands with vsdk_freertos_post() and
 * move audio with vsdk_audio_in()/vsdk_audio_out() from the I2S task. */
#ifndef VSDK_ESP32_H
#define VSDK_ESP32_H

#include "vsdk_freertos.h"

/* nvs_flash_init() must have run. Returns VSDK_OK or an error. */
int vsdk_esp32_start(vsdk_event_cb on_event, void *event_arg);

/* Writes a downloaded image into the OTA partition, with the digest the cloud announced; the
 * next start runs it (after the runtime's own checks). Blocks while the flash is erased and
 * written. VSDK_E_BUSY while the runtime runs this boot's image from that partition (it is read
 * in place): post VSDK_CMD_STOP and vsdk_freertos_wait_stopped() first. */
int vsdk_esp32_store_image(const uint8_t *image, uint32_t len, const uint8_t sha256[32]);

#endif
