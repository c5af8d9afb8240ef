/* Which image runs: the boot selection at vsdk_init, the switch into a staged slot after the
 * call in which the image raised EVENT_OTA_READY, and the rollback of a trial image that traps,
 * runs out of trial boots or does not confirm within the health timeout. A trial boot is
 * counted in the record before the image runs, so an image that kills the device as it starts
 * still uses up its boots and is rolled back. */
#include <string.h>
#include "ota.h"
#include "ota_key.h"
#include "ota_package.h"
#include "vsdk.h"

#define P (ota->platform)

uint32_t vsdk_ota_now(const vsdk_ota_t *ota) { return P->clock_ms ? P->clock_ms(P->ctx) : 0; }

void vsdk_ota_setup(vsdk_ota_t *ota, const vsdk_platform_t *platform, const uint8_t *builtin, uint32_t builtin_len,
                    uint32_t health_timeout_ms, vsdk_ota_start_fn start, void *start_arg) {
  memset(ota, 0, sizeof *ota);
  ota->platform = platform;
  ota->enabled = platform->slot_size && platform->slot_erase && platform->slot_write && platform->slot_map &&
                 platform->ecdsa_p256_verify && platform->sha256 && platform->kv_get && platform->kv_put;
  vsdk_ota_record_default(&ota->rec);
  ota->running = VSDK_OTA_NONE;
  ota->health_timeout_ms = health_timeout_ms ? health_timeout_ms : VSDK_OTA_HEALTH_TIMEOUT_MS;
  ota->builtin = builtin;
  ota->builtin_len = builtin_len;
  ota->start = start;
  ota->start_arg = start_arg;
  vsdk_ota_imports_install(ota);
}

int vsdk_ota_verify_slot(vsdk_ota_t *ota, int slot, uint32_t len, const uint8_t **package, uint32_t *image_off,
                         uint32_t *image_len, uint32_t *version) {
  int capacity = P->slot_size(P->ctx, slot);
  if (capacity < 0) return VSDK_E_IO;
  const uint8_t *p = P->slot_map(P->ctx, slot, len);
  if (!p) return VSDK_E_IO;
  vsdk_ota_policy_t policy = {
    vsdk_ota_trusted_key, vsdk_ota_trusted_key_len,
    VSDK_RUNTIME_ABI_MAJOR << 16 | VSDK_RUNTIME_ABI_MINOR, VSDK_RUNTIME_VERSION, ota->rec.last_confirmed,
  };
  vsdk_ota_header_t h;
  int rc = vsdk_ota_package_verify(P, p, len, (uint32_t)capacity, &policy, &h);
  if (rc != VSDK_OK) return rc;
  *package = p;
  *image_off = VSDK_OTA_HEADER_BYTES + h.manifest_len + h.signature_len;
  *image_len = h.image_size;
  *version = h.image_version;
  return VSDK_OK;
}

static void unmap(vsdk_ota_t *ota, int slot) {
  if (slot >= 0 && P->slot_unmap) P->slot_unmap(P->ctx, slot);
}

/* Starts an image as `version`, on trial or not. ota_status must already tell the truth while
 * the image initialises (it reads it in vsdk_device_init), so the status is set first and put
 * back if the start fails. */
static int start_as(vsdk_ota_t *ota, const uint8_t *image, uint32_t len, uint32_t version, int trial) {
  uint32_t was_version = ota->running_version, was_started = ota->trial_started_ms;
  int was_trial = ota->on_trial;
  ota->running_version = version;
  ota->on_trial = trial;
  if (trial) ota->trial_started_ms = vsdk_ota_now(ota);
  int rc = ota->start(ota->start_arg, image, len);
  if (rc < 0) {
    ota->running_version = was_version;
    ota->on_trial = was_trial;
    ota->trial_started_ms = was_started;
  }
  return rc;
}

/* Verifies the package in the slot again (flash may have changed since it was staged) and
 * starts its image. Once it runs (VSDK_OK or VSDK_OTA_INIT_TRAPPED) the previously running
 * slot is let go. */
static int start_slot(vsdk_ota_t *ota, int slot, uint32_t len, int trial) {
  const uint8_t *package;
  uint32_t off, size, version;
  int rc = vsdk_ota_verify_slot(ota, slot, len, &package, &off, &size, &version);
  if (rc == VSDK_OK) rc = start_as(ota, package + off, size, version, trial);
  if (rc < 0) {
    if (ota->running != slot) unmap(ota, slot);
    return rc;
  }
  if (ota->running != slot) unmap(ota, ota->running);
  ota->running = slot;
  return rc;
}

static int start_builtin(vsdk_ota_t *ota) {
  int rc = start_as(ota, ota->builtin, ota->builtin_len, 0, 0);
  if (rc < 0) return rc;
  unmap(ota, ota->running);
  ota->running = VSDK_OTA_BUILTIN;
  return VSDK_OK;
}

/* The confirmed image, or the built-in one when the confirmed slot no longer verifies. */
static int start_confirmed(vsdk_ota_t *ota) {
  if (ota->rec.active >= 0 && start_slot(ota, ota->rec.active, ota->rec.active_len, 0) >= 0) return VSDK_OK;
  return start_builtin(ota);
}

/* Gives up the trial in the record; the image that runs next sees why in ota_status. */
static void drop_trial(vsdk_ota_t *ota, int reason) {
  vsdk_ota_record_t next = ota->rec;
  next.trial = VSDK_OTA_NONE;
  next.trials_left = 0;
  next.trial_version = next.trial_len = 0;
  next.rolled_back = 1;
  next.rollback_reason = reason;
  /* Even if this save fails, the trial cannot run for ever: its boots are counted. */
  if (vsdk_ota_record_save(P, &next) == VSDK_OK) ota->rec = next;
  else ota->rec.trial = VSDK_OTA_NONE;
  ota->on_trial = 0;
}

static void roll_back(vsdk_ota_t *ota, int reason);

/* Counts one boot of the trial slot durably, then starts it. VSDK_OK when an image runs that
 * this started (the trial, or what a trap in its initialisation rolled back to). */
static int start_trial(vsdk_ota_t *ota) {
  if (ota->rec.trials_left == 0) {
    drop_trial(ota, VSDK_E_AGAIN);
    return VSDK_E_AGAIN;
  }
  vsdk_ota_record_t next = ota->rec;
  next.trials_left--;
  if (vsdk_ota_record_save(P, &next) != VSDK_OK) return VSDK_E_IO; /* uncounted: not run */
  ota->rec = next;
  int rc = start_slot(ota, next.trial, next.trial_len, 1);
  if (rc == VSDK_OTA_INIT_TRAPPED) {
    roll_back(ota, VSDK_E_STATE); /* it runs, but trapped as it initialised: a trap on trial */
    return VSDK_OK;
  }
  if (rc != VSDK_OK) {
    /* A package that no longer verifies is a damaged slot; anything else (a trap in the start
     * function, an image wasm3 refuses) counts as the image failing. */
    int verify_failed = rc == VSDK_E_STORAGE_CORRUPT || rc == VSDK_E_AUTH || rc == VSDK_E_MALFORMED || rc == VSDK_E_TRUNCATED;
    drop_trial(ota, verify_failed ? VSDK_E_STORAGE_CORRUPT : VSDK_E_STATE);
    return rc;
  }
  return VSDK_OK;
}

int vsdk_ota_boot(vsdk_ota_t *ota) {
  if (!ota->enabled) return start_builtin(ota);
  vsdk_ota_record_load(P, &ota->rec);
  if (ota->rec.trial != VSDK_OTA_NONE && start_trial(ota) == VSDK_OK) return VSDK_OK;
  return start_confirmed(ota);
}

static void roll_back(vsdk_ota_t *ota, int reason) {
  drop_trial(ota, reason);
  start_confirmed(ota);
}

void vsdk_ota_after_call(vsdk_ota_t *ota, int call_rc) {
  int requested = ota->switch_requested;
  ota->switch_requested = 0;
  if (!ota->enabled) return;
  if (ota->on_trial) {
    if (call_rc == VSDK_E_TRAP) roll_back(ota, VSDK_E_STATE);
    else if (vsdk_ota_now(ota) - ota->trial_started_ms >= ota->health_timeout_ms) roll_back(ota, VSDK_E_TIMEOUT);
    return;
  }
  if (requested && ota->rec.trial != VSDK_OTA_NONE) start_trial(ota);
}

int vsdk_ota_status_bytes(const vsdk_ota_t *ota, uint8_t out[16]) {
  uint32_t words[4] = {
    ota->running_version, ota->rec.last_confirmed,
    (uint32_t)(ota->on_trial ? 1 : 0) | (uint32_t)(ota->rec.rolled_back ? 2 : 0), (uint32_t)ota->rec.rollback_reason,
  };
  for (int i = 0; i < 4; i++)
    for (int b = 0; b < 4; b++) out[4 * i + b] = (uint8_t)(words[i] >> (8 * b));
  return 16;
}

void vsdk_ota_release(vsdk_ota_t *ota) {
  unmap(ota, ota->running);
  ota->running = VSDK_OTA_NONE;
  ota->on_trial = 0;
}
