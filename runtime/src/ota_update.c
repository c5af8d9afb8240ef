/* The five OTA imports (docs/ota.md, "Imports"): a download into the inactive slot, resumable
 * from what the boot record says is durable, verified by the whole refusal table before it is
 * staged. Every change of state is one record save; a refusal leaves the record as it was
 * before the download began. */
#include <string.h>
#include "ota.h"
#include "ota_package.h"

#define P (ota->platform)

/* The slot a download goes into: never the confirmed one, never the running one. */
static int inactive_slot(const vsdk_ota_t *ota) {
  if (ota->rec.active == 0 || ota->running == 0) return 1;
  return 0;
}

static int save(vsdk_ota_t *ota, const vsdk_ota_record_t *next) {
  int rc = vsdk_ota_record_save(P, next);
  if (rc == VSDK_OK) ota->rec = *next;
  return rc;
}

/* Drops the download (the slot's bytes are left; the next begin erases them). */
static int discard(vsdk_ota_t *ota, int code) {
  vsdk_ota_record_t next = ota->rec;
  next.download = VSDK_OTA_NONE;
  next.download_size = next.download_len = 0;
  memset(next.download_id, 0, sizeof next.download_id);
  save(ota, &next);
  return code;
}

static int ota_begin(void *arg, const uint8_t *id, uint32_t id_len, int32_t size) {
  vsdk_ota_t *ota = arg;
  if (id_len != 32 || size <= 0) return VSDK_E_ARG;
  if (ota->on_trial) return VSDK_E_STATE; /* the other slot holds the image to roll back to */
  int slot = inactive_slot(ota);
  int capacity = P->slot_size(P->ctx, slot);
  if (capacity < 0) return VSDK_E_IO;
  if ((uint32_t)size > (uint32_t)capacity) return VSDK_E_NOSPACE;
  const vsdk_ota_record_t *r = &ota->rec;
  int same = r->download == slot && r->download_size == (uint32_t)size && memcmp(r->download_id, id, 32) == 0;
  if (same && r->download_len > 0) return (int)r->download_len;
  if (!same || r->trial == slot) {
    /* The record first: a cut before the erase finishes leaves a download of 0 bytes, which
     * the next begin erases again. A package staged in this slot is given up. */
    vsdk_ota_record_t next = *r;
    next.download = (int8_t)slot;
    next.download_size = (uint32_t)size;
    next.download_len = 0;
    memcpy(next.download_id, id, 32);
    if (next.trial == slot) {
      next.trial = VSDK_OTA_NONE;
      next.trials_left = 0;
      next.trial_version = next.trial_len = 0;
    }
    if (save(ota, &next) != VSDK_OK) return VSDK_E_IO;
  }
  if (P->slot_unmap) P->slot_unmap(P->ctx, slot);
  return P->slot_erase(P->ctx, slot) < 0 ? VSDK_E_IO : 0;
}

static int ota_write(void *arg, int32_t offset, const uint8_t *data, int32_t len) {
  vsdk_ota_t *ota = arg;
  const vsdk_ota_record_t *r = &ota->rec;
  if (r->download == VSDK_OTA_NONE) return VSDK_E_STATE;
  if (len <= 0 || offset < 0) return VSDK_E_ARG;
  if ((uint32_t)offset != r->download_len) return VSDK_E_STATE;
  if ((uint32_t)len > r->download_size - r->download_len) return VSDK_E_NOSPACE;
  int slot = r->download;
  if (P->slot_write(P->ctx, slot, (uint32_t)offset, data, (size_t)len) < 0) return VSDK_E_IO;
  uint32_t stored = (uint32_t)offset + (uint32_t)len;
  if ((uint32_t)offset < VSDK_OTA_HEADER_BYTES && stored >= VSDK_OTA_HEADER_BYTES) {
    /* Checks 1 to 5 as soon as the header is in: a foreign, unknown or oversize package is
     * refused after 72 bytes, not after the whole download. */
    vsdk_ota_header_t h;
    const uint8_t *head = P->slot_map(P->ctx, slot, VSDK_OTA_HEADER_BYTES);
    int capacity = P->slot_size(P->ctx, slot);
    int rc = head ? vsdk_ota_header_check(head, VSDK_OTA_HEADER_BYTES, capacity < 0 ? 0u : (uint32_t)capacity, &h) : VSDK_E_IO;
    if (P->slot_unmap) P->slot_unmap(P->ctx, slot);
    if (rc != VSDK_OK) return discard(ota, rc);
  }
  vsdk_ota_record_t next = *r;
  next.download_len = stored;
  return save(ota, &next) == VSDK_OK ? (int)stored : VSDK_E_IO;
}

static int ota_finish(void *arg) {
  vsdk_ota_t *ota = arg;
  const vsdk_ota_record_t *r = &ota->rec;
  if (r->download == VSDK_OTA_NONE) return VSDK_E_STATE;
  int slot = r->download;
  const uint8_t *package;
  uint32_t image_off, image_len, version;
  int rc = r->download_len < r->download_size || r->download_len < VSDK_OTA_HEADER_BYTES
    ? VSDK_E_TRUNCATED
    : vsdk_ota_verify_slot(ota, slot, r->download_len, &package, &image_off, &image_len, &version);
  if (rc == VSDK_OK) {
    /* A signed package, but not the one announced (the id is the package's SHA-256): the slot
     * holds other bytes than were downloaded. After the table, so its codes come first. */
    uint8_t digest[32];
    if (P->sha256(P->ctx, package, r->download_len, digest) != 32) rc = VSDK_E_IO;
    else if (memcmp(digest, r->download_id, 32) != 0) rc = VSDK_E_STORAGE_CORRUPT;
  }
  if (P->slot_unmap) P->slot_unmap(P->ctx, slot);
  if (rc != VSDK_OK) return discard(ota, rc);
  vsdk_ota_record_t next = *r;
  next.trial = (int8_t)slot;
  next.trial_version = version;
  next.trial_len = r->download_len;
  next.trials_left = VSDK_OTA_TRIAL_BOOTS;
  next.rolled_back = 0; /* a new package: the last rollback is told (as the Node host does) */
  next.rollback_reason = 0;
  next.download = VSDK_OTA_NONE;
  next.download_size = next.download_len = 0;
  memset(next.download_id, 0, sizeof next.download_id);
  return save(ota, &next) == VSDK_OK ? VSDK_OK : VSDK_E_IO;
}

static int ota_confirm(void *arg) {
  vsdk_ota_t *ota = arg;
  if (!ota->on_trial) return VSDK_E_STATE;
  vsdk_ota_record_t next = ota->rec;
  next.active = next.trial;
  next.active_version = next.trial_version;
  next.active_len = next.trial_len;
  next.last_confirmed = next.trial_version;
  next.trial = VSDK_OTA_NONE;
  next.trials_left = 0;
  next.trial_version = next.trial_len = 0;
  next.rolled_back = 0;
  next.rollback_reason = 0;
  if (save(ota, &next) != VSDK_OK) return VSDK_E_IO;
  ota->on_trial = 0;
  return VSDK_OK;
}

static int ota_status(void *arg, uint8_t out[16]) { return vsdk_ota_status_bytes(arg, out); }

void vsdk_ota_imports_install(vsdk_ota_t *ota) {
  ota->imports.begin = ota_begin;
  ota->imports.write = ota_write;
  ota->imports.finish = ota_finish;
  ota->imports.confirm = ota_confirm;
  ota->imports.status = ota_status;
  ota->imports.arg = ota;
}
