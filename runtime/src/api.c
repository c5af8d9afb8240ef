/* The public verbs (vsdk.h) over the engine. Each verb is one export of the image; the
 * conventions for passing strings and PCM through the image's I/O buffer are in docs/runtime.md.
 * The runtime is a single instance, as firmware expects (one SDK per device). */
#include <string.h>
#include "vsdk.h"
#include "engine.h"
#include "heap.h"
#include "ota.h"
#include "sdk_wasm.h"

static vsdk_engine_t engine;
static const vsdk_platform_t *platform;
static vsdk_ota_t ota;
static uint32_t image_starts;
static vsdk_event_cb firmware_on_event;
static void *firmware_event_arg;

static void lock(void) { if (platform && platform->lock) platform->lock(platform->ctx); }
static void unlock(void) { if (platform && platform->unlock) platform->unlock(platform->ctx); }

static int32_t now_ms(void) {
  return platform && platform->clock_ms ? (int32_t)platform->clock_ms(platform->ctx) : 0;
}

/* Events pass through on their way to the firmware: the runtime acts on the image's request
 * to switch to a staged update, after the call in which it came. */
static void on_image_event(void *arg, int kind, int a, int b) {
  (void)arg;
  if (kind == VSDK_EVENT_OTA_READY) ota.switch_requested = 1;
  if (firmware_on_event) firmware_on_event(firmware_event_arg, kind, a, b);
}

/* Ends a verb's call into the image (caller holds the lock): the OTA switch or rollback the
 * call asked for or caused happens here, between calls, never inside one. */
static int done(int rc) {
  if (engine.runtime) vsdk_ota_after_call(&ota, rc);
  return rc;
}

/* One export call under the lock; returns the export's result, or the runtime's error. */
static int call(const char *name, int argc, const int32_t *argv) {
  int32_t result = 0;
  lock();
  int rc = done(vsdk_engine_call(&engine, name, argc, argv, &result));
  unlock();
  return rc < 0 ? rc : result;
}

/* The I/O buffer's place in linear memory and its capacity (unlocked; callers hold the lock). */
static int io_region(uint8_t **at, uint32_t *capacity) {
  int32_t ptr = 0, cap = 0;
  int rc = vsdk_engine_call(&engine, "vsdk_io_buffer", 0, NULL, &ptr);
  if (rc == VSDK_OK) rc = vsdk_engine_call(&engine, "vsdk_io_capacity", 0, NULL, &cap);
  if (rc != VSDK_OK) return rc;
  uint32_t size;
  uint8_t *mem = vsdk_engine_memory(&engine, &size);
  if (!mem || ptr < 0 || cap < 0 || (uint32_t)ptr > size || (uint32_t)cap > size - (uint32_t)ptr) return VSDK_E_IMAGE;
  *at = mem + ptr;
  *capacity = (uint32_t)cap;
  return VSDK_OK;
}

/* Loads an image and starts its signalling from the stored identity. The start's result (e.g.
 * not provisioned yet) is not the runtime's: the image reports it through events and
 * vsdk_is_registered(). A media-only image has no vsdk_device_init. Caller holds the lock. */
static int load_and_start(const uint8_t *image, uint32_t len) {
  int rc = vsdk_engine_load(&engine, image, len);
  /* The replaced image's connections die with it (the new one opens its own). */
  if (rc == VSDK_OK) {
    vsdk_shims_close_all(&engine.host);
    image_starts++;
  }
  /* A request to switch raised before this image started was its predecessor's. */
  ota.switch_requested = 0;
  int32_t now = now_ms(), started;
  if (rc == VSDK_OK) vsdk_engine_call(&engine, "vsdk_device_init", 1, &now, &started);
  return rc;
}

static int ota_start(void *arg, const uint8_t *image, uint32_t len) {
  (void)arg;
  uint32_t traps = engine.traps;
  int rc = load_and_start(image, len);
  return rc == VSDK_OK && engine.traps != traps ? VSDK_OTA_INIT_TRAPPED : rc;
}

int vsdk_init(const vsdk_config_t *config, const uint8_t *image, uint32_t len) {
  if (!config || !config->platform) return VSDK_E_ARG;
  if (engine.runtime) return VSDK_E_STATE;
  platform = config->platform;
  vsdk_heap_set_limit(config->heap_limit_bytes);
  engine.stack_bytes = config->stack_bytes ? config->stack_bytes : VSDK_DEFAULT_STACK_BYTES;
  engine.memory_limit = config->memory_limit_bytes ? config->memory_limit_bytes : VSDK_DEFAULT_MEMORY_LIMIT;
  engine.compile_eagerly = config->compile_eagerly;
  engine.host.platform = config->platform;
  engine.host.on_event = on_image_event;
  engine.host.event_arg = NULL;
  engine.host.tls_open = engine.host.udp_open = 0;
  image_starts = 0;
  firmware_on_event = config->on_event;
  firmware_event_arg = config->event_arg;
  if (!image) { image = vsdk_sdk_wasm; len = vsdk_sdk_wasm_len; }
  /* The image given (or the one linked in) is the built-in image: what runs when no update
   * is confirmed or staged, and what every rollback can fall back to. */
  vsdk_ota_setup(&ota, config->platform, image, len, config->ota_health_timeout_ms, ota_start, NULL);
  engine.host.ota = ota.enabled ? &ota.imports : NULL;
  lock();
  int rc = vsdk_ota_boot(&ota);
  unlock();
  return rc;
}

void vsdk_deinit(void) {
  lock();
  vsdk_shims_close_all(&engine.host);
  vsdk_engine_free(&engine);
  vsdk_ota_release(&ota);
  unlock();
  platform = NULL;
}

uint32_t vsdk_image_starts(void) { return image_starts; }

int vsdk_ota_status(vsdk_ota_status_t *status) {
  if (!status) return VSDK_E_ARG;
  if (!engine.runtime) return VSDK_E_NOT_INIT;
  uint8_t b[16];
  lock();
  vsdk_ota_status_bytes(&ota, b);
  unlock();
  uint32_t w[4];
  for (int i = 0; i < 4; i++) w[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
  status->running_version = w[0];
  status->last_confirmed = w[1];
  status->flags = w[2];
  status->rollback_reason = (int32_t)w[3];
  return VSDK_OK;
}

int vsdk_load_image(const uint8_t *image, uint32_t len, const uint8_t expected_sha256[32]) {
  if (!platform) return VSDK_E_NOT_INIT;
  if (expected_sha256) {
    /* The OTA manifest's digest: a truncated or altered download never reaches wasm3. */
    uint8_t digest[32];
    if (!platform->sha256) return VSDK_E_UNSUPPORTED;
    if (!image || platform->sha256(platform->ctx, image, len, digest) != 32 || memcmp(digest, expected_sha256, 32) != 0) {
      engine.refused++;
      return VSDK_E_IMAGE;
    }
  }
  lock();
  int rc = load_and_start(image, len);
  unlock();
  return rc;
}

/* A verb whose only argument is the current time. */
static int timed(const char *name) {
  int32_t now = now_ms();
  return call(name, 1, &now);
}

int vsdk_register(void) { return timed("vsdk_device_register"); }
int vsdk_is_registered(void) { return call("vsdk_device_is_registered", 0, NULL); }
int vsdk_answer(void) { return timed("vsdk_signal_answer"); }
int vsdk_reject(void) { return timed("vsdk_signal_reject"); }
int vsdk_hangup(void) { return timed("vsdk_signal_hangup"); }

int vsdk_tick(uint32_t now) {
  int32_t arg = (int32_t)now;
  return call("vsdk_signal_tick", 1, &arg);
}

int vsdk_provision(const char *json) {
  if (!json) return VSDK_E_ARG;
  size_t len = strlen(json);
  lock();
  uint8_t *io;
  uint32_t cap;
  int32_t io_ptr = 0, result = 0;
  int rc = io_region(&io, &cap);
  if (rc == VSDK_OK && len > cap) rc = VSDK_E_NOSPACE;
  if (rc == VSDK_OK) rc = vsdk_engine_call(&engine, "vsdk_io_buffer", 0, NULL, &io_ptr);
  if (rc == VSDK_OK) {
    memcpy(io, json, len);
    int32_t argv[2] = { io_ptr, (int32_t)len };
    rc = done(vsdk_engine_call(&engine, "vsdk_device_provision", 2, argv, &result));
  }
  unlock();
  return rc < 0 ? rc : result;
}

int vsdk_call(const char *openid, int room_type, const char *payload) {
  if (!openid || (room_type != 0 && room_type != 1)) return VSDK_E_ARG;
  if (!payload) payload = "";
  size_t id_len = strlen(openid), payload_len = strlen(payload);
  lock();
  uint8_t *io;
  uint32_t cap;
  int rc = io_region(&io, &cap);
  if (rc == VSDK_OK && (id_len > cap || payload_len > cap - id_len)) rc = VSDK_E_NOSPACE;
  int32_t result = 0;
  if (rc == VSDK_OK) {
    int32_t io_ptr = 0;
    vsdk_engine_call(&engine, "vsdk_io_buffer", 0, NULL, &io_ptr);
    memcpy(io, openid, id_len);
    memcpy(io + id_len, payload, payload_len);
    /* now, room type, where the strings are, openid length, payload length, custom query length */
    int32_t argv[6] = { now_ms(), room_type, io_ptr, (int32_t)id_len, (int32_t)payload_len, 0 };
    rc = done(vsdk_engine_call(&engine, "vsdk_signal_call", 6, argv, &result));
  }
  unlock();
  return rc < 0 ? rc : result;
}

/* PCM sits at offset 0 of the I/O buffer (assembly/abi/exports.ts, "call audio"). */
int vsdk_audio_in(const int16_t *pcm, int samples) {
  if (!pcm || samples < 0) return VSDK_E_ARG;
  lock();
  uint8_t *io;
  uint32_t cap;
  int rc = io_region(&io, &cap);
  if (rc == VSDK_OK && (uint32_t)samples * 2u > cap) rc = VSDK_E_NOSPACE;
  int32_t result = 0;
  if (rc == VSDK_OK) {
    memcpy(io, pcm, (size_t)samples * 2u);
    int32_t arg = samples;
    rc = done(vsdk_engine_call(&engine, "vsdk_audio_in", 1, &arg, &result));
  }
  unlock();
  return rc < 0 ? rc : result;
}

int vsdk_audio_out(int16_t *pcm, int max_samples) {
  if (!pcm || max_samples < 0) return VSDK_E_ARG;
  lock();
  uint8_t *io;
  uint32_t cap;
  int rc = io_region(&io, &cap);
  int32_t result = 0;
  if (rc == VSDK_OK) {
    int32_t arg = (uint32_t)max_samples * 2u > cap ? (int32_t)(cap / 2u) : max_samples;
    rc = vsdk_engine_call(&engine, "vsdk_audio_out", 1, &arg, &result);
    if (rc == VSDK_OK && result > arg) rc = VSDK_E_IMAGE;
    if (rc == VSDK_OK && result > 0) memcpy(pcm, io, (size_t)result * 2u);
    done(rc);
  }
  unlock();
  return rc < 0 ? rc : result;
}

int vsdk_audio_rate(void) { return call("vsdk_audio_rate", 0, NULL); }

int vsdk_call_export(const char *name, int argc, const int32_t *argv, int32_t *result) {
  if (!name) return VSDK_E_ARG;
  lock();
  int rc = done(vsdk_engine_call(&engine, name, argc, argv, result));
  unlock();
  return rc;
}

static int io_copy(void *data, uint32_t len, uint32_t offset, int into_image) {
  if (!data && len) return VSDK_E_ARG;
  lock();
  uint8_t *io;
  uint32_t cap;
  int rc = io_region(&io, &cap);
  if (rc == VSDK_OK && (offset > cap || len > cap - offset)) rc = VSDK_E_NOSPACE;
  if (rc == VSDK_OK) {
    if (into_image) memcpy(io + offset, data, len);
    else memcpy(data, io + offset, len);
    rc = (int)len;
  }
  unlock();
  return rc;
}

int vsdk_io_write(const void *data, uint32_t len, uint32_t offset) { return io_copy((void *)data, len, offset, 1); }
int vsdk_io_read(void *data, uint32_t len, uint32_t offset) { return io_copy(data, len, offset, 0); }

int vsdk_last_trap(uint32_t *line, uint32_t *column, const char **message) {
  if (!engine.traps) return VSDK_E_STATE;
  if (line) *line = engine.trap_line;
  if (column) *column = engine.trap_column;
  if (message) *message = engine.trap_message;
  return VSDK_OK;
}

int vsdk_get_stats(vsdk_stats_t *stats) {
  if (!stats) return VSDK_E_ARG;
  memset(stats, 0, sizeof *stats);
  lock();
  stats->abi_version = engine.abi_version;
  stats->image_bytes = engine.image_len;
  uint32_t size = 0;
  vsdk_engine_memory(&engine, &size);
  stats->linear_memory_bytes = size;
  int32_t used = 0;
  if (engine.runtime) vsdk_engine_call(&engine, "vsdk_memory_used", 0, NULL, &used);
  stats->linear_memory_used = (uint32_t)used;
  stats->heap_in_use = vsdk_heap_in_use();
  stats->heap_peak = vsdk_heap_peak();
  stats->traps = engine.traps;
  stats->images_refused = engine.refused;
  unlock();
  return VSDK_OK;
}
