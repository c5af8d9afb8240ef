/* OTA in the runtime: the five imports (ota_update.c) and the boot, switch and rollback
 * (ota_boot.c) over the platform's slots and key-value store. The runtime is the root of trust
 * that no update replaces: it verifies every package with the key compiled in (ota_key.h)
 * before staging it and again before every boot from a slot. docs/ota.md, "C runtime". */
#ifndef VSDK_OTA_H
#define VSDK_OTA_H

#include <stdint.h>
#include "ota_record.h"
#include "vsdk_shims.h"

#define VSDK_EVENT_OTA_READY 10

/* Starts an image (load, link, start, device init) in place of the running one; VSDK_OK, or an
 * error and the running image untouched, or VSDK_OTA_INIT_TRAPPED: the image replaced the old
 * one but its vsdk_device_init trapped. The image bytes stay valid while it runs. */
typedef int (*vsdk_ota_start_fn)(void *arg, const uint8_t *image, uint32_t len);
#define VSDK_OTA_INIT_TRAPPED 1

typedef struct vsdk_ota {
  const vsdk_platform_t *platform;
  int enabled;                   /* the platform has slots and ECDSA */
  vsdk_ota_record_t rec;         /* as last saved */
  int running;                   /* where the running image lies: VSDK_OTA_BUILTIN or a slot */
  uint32_t running_version;      /* packed; 0 for the built-in image */
  int on_trial;
  uint32_t trial_started_ms, health_timeout_ms;
  int switch_requested;          /* the image raised EVENT_OTA_READY during this call */
  const uint8_t *builtin;
  uint32_t builtin_len;
  vsdk_ota_start_fn start;
  void *start_arg;
  vsdk_ota_imports_t imports;
} vsdk_ota_t;

void vsdk_ota_setup(vsdk_ota_t *ota, const vsdk_platform_t *platform, const uint8_t *builtin, uint32_t builtin_len,
                    uint32_t health_timeout_ms, vsdk_ota_start_fn start, void *start_arg);
/* Chooses and starts the image to run: a staged or trial slot (its boot counted durably first),
 * else the confirmed slot, else the built-in image. Returns the start's result for the image
 * that runs in the end (only the built-in image's failure is an error). */
int vsdk_ota_boot(vsdk_ota_t *ota);
/* After every call into the image: the switch the image asked for, and the rollback of a trial
 * image that trapped or did not confirm in time. call_rc is the call's result. */
void vsdk_ota_after_call(vsdk_ota_t *ota, int call_rc);
/* The 16 bytes of the ota_status import. */
int vsdk_ota_status_bytes(const vsdk_ota_t *ota, uint8_t out[16]);
/* Forgets the running slot's mapping (after the engine is freed). */
void vsdk_ota_release(vsdk_ota_t *ota);

/* Shared by ota_update.c and ota_boot.c. */
uint32_t vsdk_ota_now(const vsdk_ota_t *ota);
int vsdk_ota_verify_slot(vsdk_ota_t *ota, int slot, uint32_t len, const uint8_t **package, uint32_t *image_off,
                         uint32_t *image_len, uint32_t *version);
void vsdk_ota_imports_install(vsdk_ota_t *ota);

#endif
