/* The ESP32 port's parts, one concept per file, each filling its entries of the platform. */
#ifndef VSDK_ESP32_INTERNAL_H
#define VSDK_ESP32_INTERNAL_H

#include "vsdk_platform.h"

void vsdk_esp32_kv_install(vsdk_platform_t *p);   /* kv_nvs.c */
void vsdk_esp32_net_install(vsdk_platform_t *p);  /* net_esp32.c: esp-tls stream, lwIP UDP */
/* image_slot.c: the OTA partition's image mapped into the address space, or NULL. */
const uint8_t *vsdk_esp32_slot_image(uint32_t *len);

#endif
