/* The boot record: which slot runs, which is on trial, what was confirmed, why the last trial
 * was rolled back, and how far a download has come. One key-value entry, replaced whole.
 *
 * Atomicity comes from the key-value interface itself: vsdk_platform.h requires a put to leave
 * the old or the new value after a power cut (posix: temporary file, fsync, rename; ESP32: NVS,
 * whose entries are power-fail safe; FreeRTOS: the integrator's store under the same contract).
 * Two copies with sequence numbers would double every flash write for a guarantee the store
 * already gives. A CRC-32 still guards the value, so a store that breaks the contract (or a
 * corrupt flash page) reads as "no record": the device then runs its built-in image, which is
 * always good, rather than trusting garbage. */
#ifndef VSDK_OTA_RECORD_H
#define VSDK_OTA_RECORD_H

#include <stdint.h>
#include "vsdk_platform.h"

#define VSDK_OTA_RECORD_KEY "vsdk.ota.boot"
#define VSDK_OTA_RECORD_BYTES 84u
#define VSDK_OTA_TRIAL_BOOTS 3u

/* Where an image lies: not at all, the image linked into flash, or a slot (0 or 1). */
enum { VSDK_OTA_NONE = -2, VSDK_OTA_BUILTIN = -1 };

typedef struct vsdk_ota_record {
  int8_t active;            /* the confirmed image: VSDK_OTA_BUILTIN or a slot */
  int8_t trial;             /* a staged image not confirmed yet: a slot, or VSDK_OTA_NONE */
  uint8_t trials_left;      /* boots the trial image may still have (decremented before each) */
  uint8_t rolled_back;      /* 1: the last trial was rolled back (until a package is staged or confirmed) */
  uint32_t active_version, active_len;  /* packed version (0 built-in) and package bytes */
  uint32_t trial_version, trial_len;
  uint32_t last_confirmed;  /* the newest version that passed its health check */
  int32_t rollback_reason;  /* E_TIMEOUT, E_STATE, E_AGAIN, E_STORAGE_CORRUPT; 0 none */
  int8_t download;          /* the slot a download is going into, or VSDK_OTA_NONE */
  uint32_t download_size, download_len; /* declared package size; bytes durably stored */
  uint8_t download_id[32];  /* the package's SHA-256, naming it for resume */
} vsdk_ota_record_t;

/* The record of a device that never updated: the built-in image, nothing pending. */
void vsdk_ota_record_default(vsdk_ota_record_t *r);
/* Reads the record; absent, unreadable or corrupt gives the default. */
void vsdk_ota_record_load(const vsdk_platform_t *platform, vsdk_ota_record_t *r);
/* Replaces it durably: VSDK_OK or VSDK_E_IO. */
int vsdk_ota_record_save(const vsdk_platform_t *platform, const vsdk_ota_record_t *r);

/* CRC-32 (IEEE 802.3, reflected, as zlib computes it). */
uint32_t vsdk_ota_crc32(const uint8_t *data, uint32_t len);

#endif
