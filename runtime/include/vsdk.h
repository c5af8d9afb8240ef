/* vsdk: the public C API for firmware. One header, one prefix, errors as values.
 *
 * The runtime runs build/sdk.wasm (linked into flash as vsdk_sdk_wasm[], or a newer image from
 * OTA) on the wasm3 interpreter, and links the image's imports to the host shims, which use the
 * port's vsdk_platform_t. Every function here returns a count (>= 0) or an error code from
 * vsdk_errors.h; vsdk_strerror() names it. All calls into the image are serialised: when the
 * platform provides lock/unlock, each call takes it, so several tasks may call these safely;
 * otherwise call them from one task (the ports' vsdk_task does that for you).
 */
#ifndef VSDK_H
#define VSDK_H

#include <stddef.h>
#include <stdint.h>
#include "vsdk_errors.h"
#include "vsdk_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Events from the image to the firmware (registered, ring, call state, media ready, link up or
 * down, error): kind and its two small arguments are those of assembly/signal/events.ts
 * (docs/abi.md). The callback runs inside a call into the image: it must not call vsdk_*
 * (such a call answers VSDK_E_STATE); note what happened and act after the call returns. */
typedef void (*vsdk_event_cb)(void *arg, int kind, int a, int b);

typedef struct vsdk_config {
  const vsdk_platform_t *platform;  /* required */
  uint32_t stack_bytes;             /* wasm3 value stack; 0 = VSDK_DEFAULT_STACK_BYTES */
  uint32_t memory_limit_bytes;      /* linear memory wasm3 may allocate; 0 = VSDK_DEFAULT_MEMORY_LIMIT */
  uint32_t heap_limit_bytes;        /* cap on wasm3's whole heap (incl. linear memory); 0 = none */
  /* 1: compile every function at load, so an image wasm3 cannot run is refused at load and
   * nothing is allocated later; costs RAM for code the device may never run (docs/runtime.md).
   * 0: wasm3 compiles each function when first called. */
  int compile_eagerly;
  vsdk_event_cb on_event;
  void *event_arg;
  /* OTA: a trial image must call the ota_confirm import within this many ms of its start, or
   * it is rolled back; 0 = VSDK_OTA_HEALTH_TIMEOUT_MS. The slots are the platform's. */
  uint32_t ota_health_timeout_ms;
} vsdk_config_t;

#define VSDK_DEFAULT_STACK_BYTES   4096u
#define VSDK_DEFAULT_MEMORY_LIMIT  32768u
#define VSDK_IMAGE_MAX_BYTES       (256u * 1024u)

/* The image ABI this runtime speaks: same major, minor at least this. */
#define VSDK_RUNTIME_ABI_MAJOR 1u
#define VSDK_RUNTIME_ABI_MINOR 0u

/* This runtime's version, packed as OTA packages' min_runtime_version is (MAJOR << 24 |
 * MINOR << 16 | PATCH): a package needing a newer runtime is refused. */
#define VSDK_RUNTIME_VERSION ((1u << 24) | (1u << 16) | 0u) /* 1.1.0: the first with OTA */
#define VSDK_OTA_HEALTH_TIMEOUT_MS 120000u

/* Starts the runtime with an image (NULL: the image linked into flash, vsdk_sdk_wasm[]). The
 * image bytes must stay valid while it runs (wasm3 reads them in place). When the platform has
 * OTA slots, this image is the built-in one: a staged or confirmed update in a slot boots
 * instead (verified again first), and every rollback can return to it (docs/runtime.md, "OTA"). */
int vsdk_init(const vsdk_config_t *config, const uint8_t *image, uint32_t len);
/* Stops the runtime and frees everything wasm3 allocated. */
void vsdk_deinit(void);

/* Replaces the running image (OTA): the new one is checked and started beside the old one and
 * only then swapped in. On any error the previous image keeps running, untouched.
 * expected_sha256: the digest from the OTA announcement (NULL skips it). Without it only the
 * structure is checked, and an image cut exactly at a section boundary is still valid wasm. */
int vsdk_load_image(const uint8_t *image, uint32_t len, const uint8_t expected_sha256[32]);

/* OTA as the image's ota_status import reports it (docs/ota.md): versions packed, 0 = the
 * built-in image; flags VSDK_OTA_ON_TRIAL (the running image is not confirmed yet) and
 * VSDK_OTA_ROLLED_BACK (a trial was rolled back since a package was last staged, for rollback_reason:
 * VSDK_E_TIMEOUT no confirm, VSDK_E_STATE trap, VSDK_E_AGAIN trial boots used up,
 * VSDK_E_STORAGE_CORRUPT the slot no longer verified). VSDK_OK, or VSDK_E_NOT_INIT. */
typedef struct vsdk_ota_status {
  uint32_t running_version, last_confirmed, flags;
  int32_t rollback_reason;
} vsdk_ota_status_t;
#define VSDK_OTA_ON_TRIAL    1u
#define VSDK_OTA_ROLLED_BACK 2u
int vsdk_ota_status(vsdk_ota_status_t *status);
/* How many times an image has been started since vsdk_init (1 after it; more after an OTA
 * switch or rollback, or vsdk_load_image). A new image starts with its defaults: firmware that
 * set per-image options through exports (e.g. vsdk_signal_set_timeouts) sets them again when
 * this changes. 0 before vsdk_init. */
uint32_t vsdk_image_starts(void);

/* Stores the device's identity, once at manufacture: JSON {"sn","secret","cloud"}. */
int vsdk_provision(const char *json);

/* Device and calls. openid and payload are UTF-8, NUL-terminated. room_type: 0 voice, 1 video. */
int vsdk_register(void);
int vsdk_is_registered(void);
int vsdk_call(const char *openid, int room_type, const char *payload);
int vsdk_answer(void);
int vsdk_reject(void);
int vsdk_hangup(void);

/* Drives timers and non-blocking I/O; call every few milliseconds (and at least every 20 ms in
 * a call). Events are delivered from inside this call. */
int vsdk_tick(uint32_t now_ms);

/* 16-bit mono PCM during a talking call. audio_in takes one captured frame (the call's frame
 * size at vsdk_audio_rate() Hz) and sends it; audio_out fills up to max_samples of the frame to
 * play now and returns how many it wrote. VSDK_E_STATE outside a call. */
int vsdk_audio_in(const int16_t *pcm, int samples);
int vsdk_audio_out(int16_t *pcm, int max_samples);
int vsdk_audio_rate(void);

/* Calls any export of the image by name with i32 arguments; *result gets its i32 result.
 * For tools, tests and benchmarks; firmware uses the verbs above. */
int vsdk_call_export(const char *name, int argc, const int32_t *argv, int32_t *result);
/* Copies bytes into / out of the image's shared I/O buffer. Returns bytes or an error. */
int vsdk_io_write(const void *data, uint32_t len, uint32_t offset);
int vsdk_io_read(void *data, uint32_t len, uint32_t offset);

/* Where the last trap happened (source line and column in assembly/, 0 when unknown), and
 * wasm3's message for it. Returns VSDK_OK or VSDK_E_STATE when nothing trapped. */
int vsdk_last_trap(uint32_t *line, uint32_t *column, const char **message);

typedef struct vsdk_stats {
  uint32_t abi_version;        /* of the running image */
  uint32_t image_bytes;
  uint32_t linear_memory_bytes; /* what wasm3 allocated for the image's memory */
  uint32_t linear_memory_used;  /* vsdk_memory_used(): static data + init-time arena */
  size_t heap_in_use;           /* wasm3's whole heap now (incl. linear memory and stack) */
  size_t heap_peak;
  uint32_t traps;
  uint32_t images_refused;
} vsdk_stats_t;
int vsdk_get_stats(vsdk_stats_t *stats);

#ifdef __cplusplus
}
#endif
#endif
