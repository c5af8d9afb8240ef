/* The OTA slots and signature check of the ESP32 port (ota_slots_esp32.c). */
#ifndef VSDK_OTA_SLOTS_ESP32_H
#define VSDK_OTA_SLOTS_ESP32_H
#include "vsdk_platform.h"
/* Fills the slot entries and ecdsa_p256_verify: slots are the data partitions labelled
 * vsdk_ota_0 and vsdk_ota_1 (docs/ports.md has the partition table lines). Call it where the
 * platform is filled in (platform_esp32.c, beside vsdk_esp32_kv_install). */
void vsdk_esp32_ota_install(vsdk_platform_t *p);
#endif
