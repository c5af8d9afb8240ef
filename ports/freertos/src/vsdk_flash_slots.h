/* OTA slots over raw NOR flash: the integrator's hook on FreeRTOS (or any RTOS, or none). The
 * integrator names two sector-aligned regions of their flash and supplies erase and program
 * from their flash driver; vsdk_flash_slots_install() fills the platform's slot entries with
 * them (host-shims/include/vsdk_platform.h). Images run in place from memory-mapped flash
 * (XIP), so no RAM copy of an image is made. Plain C: no FreeRTOS header is needed, which is
 * why CI builds and tests this file (tests/c/test_ota.c over a simulated NOR flash). */
#ifndef VSDK_FLASH_SLOTS_H
#define VSDK_FLASH_SLOTS_H

#include <stddef.h>
#include <stdint.h>
#include "vsdk_platform.h"

typedef struct vsdk_flash_slots {
  uint32_t slot_address[2]; /* flash offset of slot 0 and slot 1, each sector-aligned */
  uint32_t slot_bytes;      /* each slot's size: whole sectors, at least a package (~260 KiB) */
  const uint8_t *xip_base;  /* where flash offset 0 is readable in the address space */
  /* Both block until the flash is done (durable on return); VSDK_OK or a negative error.
   * erase: whole sectors, len a multiple of the sector size. program: NOR semantics (bits go
   * from 1 to 0 only). */
  int (*erase)(void *ctx, uint32_t address, uint32_t len);
  int (*program)(void *ctx, uint32_t address, const uint8_t *data, size_t len);
  /* Optional: drop cached flash lines after a program or erase, so XIP reads see new bytes. */
  void (*invalidate_cache)(void *ctx, uint32_t address, uint32_t len);
  void *ctx;
} vsdk_flash_slots_t;

/* Installs the slot entries into platform. flash must stay valid while the runtime runs (it is
 * used in place, not copied). One flash configuration per firmware. */
void vsdk_flash_slots_install(vsdk_platform_t *platform, const vsdk_flash_slots_t *flash);

#endif
