/* The slot entries of the platform interface over a NOR flash driver (vsdk_flash_slots.h).
 *
 * Resume after a power cut rewrites bytes a torn program may already have begun: on NOR flash
 * a program only clears bits, and a torn program cleared a subset of the bits the same data
 * clears, so programming the same bytes again yields exactly those bytes. (Flash encryption,
 * or ECC flash that refuses a second program, breaks this; such a part needs the download to
 * resume at a program-unit boundary it erases first.) */
#include "vsdk_flash_slots.h"

static const vsdk_flash_slots_t *flash;

static int valid(int slot) { return flash && (slot == 0 || slot == 1); }

static void invalidate(uint32_t address, uint32_t len) {
  if (flash->invalidate_cache) flash->invalidate_cache(flash->ctx, address, len);
}

static int slot_size(void *ctx, int slot) {
  (void)ctx;
  return valid(slot) ? (int)flash->slot_bytes : VSDK_E_ARG;
}

static int slot_erase(void *ctx, int slot) {
  (void)ctx;
  if (!valid(slot)) return VSDK_E_ARG;
  int rc = flash->erase(flash->ctx, flash->slot_address[slot], flash->slot_bytes);
  invalidate(flash->slot_address[slot], flash->slot_bytes);
  return rc < 0 ? VSDK_E_IO : VSDK_OK;
}

static int slot_write(void *ctx, int slot, uint32_t offset, const uint8_t *data, size_t len) {
  (void)ctx;
  if (!valid(slot)) return VSDK_E_ARG;
  if (offset > flash->slot_bytes || len > flash->slot_bytes - offset) return VSDK_E_NOSPACE;
  int rc = flash->program(flash->ctx, flash->slot_address[slot] + offset, data, len);
  invalidate(flash->slot_address[slot] + offset, (uint32_t)len);
  return rc < 0 ? VSDK_E_IO : (int)len;
}

static const uint8_t *slot_map(void *ctx, int slot, uint32_t len) {
  (void)ctx;
  if (!valid(slot) || len == 0 || len > flash->slot_bytes || !flash->xip_base) return NULL;
  return flash->xip_base + flash->slot_address[slot];
}

static void slot_unmap(void *ctx, int slot) { (void)ctx; (void)slot; }

void vsdk_flash_slots_install(vsdk_platform_t *platform, const vsdk_flash_slots_t *config) {
  flash = config;
  platform->slot_size = slot_size;
  platform->slot_erase = slot_erase;
  platform->slot_write = slot_write;
  platform->slot_map = slot_map;
  platform->slot_unmap = slot_unmap;
}
