/* Raw wasm3 functions for each host import (assembly/abi/imports.ts says what each one means).
 * Each one reads its arguments from the wasm3 stack, checks every (pointer, length) against
 * linear memory, so a bad argument returns VSDK_E_ARG instead of touching memory outside the
 * image, and forwards to the platform. The platform arrives as the import context's userdata. */
#include <string.h>
#include "vsdk_shims.h"

#define HOST ((vsdk_shim_host_t *)ctx->userdata)
#define PLATFORM (HOST->platform)
#define SHIM(name) static const void *name(IM3Runtime runtime, IM3ImportContext ctx, uint64_t *sp, void *mem)

/* Argument i of a function with r results (wasm3 puts result slots first). */
#define ARG(r, i) ((int32_t)(uint32_t)sp[(r) + (i)])
#define RETURN_I32(v) do { *(int32_t *)&sp[0] = (int32_t)(v); return m3Err_none; } while (0)
/* Forward to a platform entry, or answer E_UNSUPPORTED when the port has none. */
#define FORWARD(entry, ...) RETURN_I32(PLATFORM->entry ? PLATFORM->entry(PLATFORM->ctx, __VA_ARGS__) : VSDK_E_UNSUPPORTED)

#define HOST_NAME_MAX_BYTES 253
#define KEY_MAX_BYTES 32

/* The bytes [ptr, ptr+len) of linear memory, or NULL when any part lies outside it. */
static uint8_t *mem_range(IM3Runtime runtime, void *mem, int32_t ptr, int32_t len) {
  uint32_t size = m3_GetMemorySize(runtime);
  if (ptr < 0 || len < 0 || (uint32_t)ptr > size || (uint32_t)len > size - (uint32_t)ptr) return NULL;
  return (uint8_t *)mem + ptr;
}

/* A string argument copied NUL-terminated into out (cap includes the NUL); 0 or VSDK_E_ARG. */
static int mem_string(IM3Runtime runtime, void *mem, int32_t ptr, int32_t len, char *out, size_t cap) {
  const uint8_t *s = mem_range(runtime, mem, ptr, len);
  if (!s || len == 0 || (size_t)len >= cap || memchr(s, 0, (size_t)len)) return VSDK_E_ARG;
  memcpy(out, s, (size_t)len);
  out[len] = 0;
  return 0;
}

const void *vsdk_shim_unsupported(IM3Runtime runtime, IM3ImportContext ctx, uint64_t *sp, void *mem) {
  (void)runtime; (void)mem;
  /* The runtime links this only to imports returning i32 or nothing (runtime/src/engine.c). */
  if (ctx->function && m3_GetRetCount(ctx->function) == 1) RETURN_I32(VSDK_E_UNSUPPORTED);
  return m3Err_none;
}

/* --- basics --- */

SHIM(shim_log) {
  int32_t level = ARG(0, 0), ptr = ARG(0, 1), len = ARG(0, 2);
  const uint8_t *msg = mem_range(runtime, mem, ptr, len);
  if (msg && PLATFORM->log) PLATFORM->log(PLATFORM->ctx, level, (const char *)msg, (size_t)len);
  return m3Err_none;
}

SHIM(shim_clock_ms) {
  (void)runtime; (void)mem;
  RETURN_I32(PLATFORM->clock_ms ? PLATFORM->clock_ms(PLATFORM->ctx) : 0);
}

SHIM(shim_random) {
  uint8_t *buf = mem_range(runtime, mem, ARG(1, 0), ARG(1, 1));
  if (!buf) RETURN_I32(VSDK_E_ARG);
  FORWARD(random, buf, (size_t)ARG(1, 1));
}

/* --- codec --- */

SHIM(shim_opus_encode) {
  int32_t pcm = ARG(1, 0), samples = ARG(1, 1), rate = ARG(1, 2), out = ARG(1, 3), cap = ARG(1, 4);
  if (samples < 0 || samples > 0x4000) RETURN_I32(VSDK_E_ARG);
  uint8_t *in = mem_range(runtime, mem, pcm, samples * 2);
  uint8_t *dst = mem_range(runtime, mem, out, cap);
  if (!in || !dst || (pcm & 1)) RETURN_I32(VSDK_E_ARG);
  FORWARD(opus_encode, (const int16_t *)in, samples, rate, dst, (size_t)cap);
}

SHIM(shim_opus_decode) {
  int32_t pkt = ARG(1, 0), len = ARG(1, 1), pcm = ARG(1, 2), max = ARG(1, 3), fec = ARG(1, 4);
  if (max < 0 || max > 0x4000) RETURN_I32(VSDK_E_ARG);
  const uint8_t *src = mem_range(runtime, mem, pkt, len);
  uint8_t *out = mem_range(runtime, mem, pcm, max * 2);
  if (!src || !out || (pcm & 1)) RETURN_I32(VSDK_E_ARG);
  FORWARD(opus_decode, len ? src : NULL, (size_t)len, (int16_t *)out, max, fec);
}

/* --- network --- */

/* Notes a handle as open (or closed) in one of the host's masks; handles past 31 go untracked. */
static int track(uint32_t *mask, int handle, int open) {
  if (handle >= 0 && handle < 32) {
    if (open) *mask |= 1u << handle;
    else *mask &= ~(1u << handle);
  }
  return handle;
}

SHIM(shim_tls_connect) {
  char host[HOST_NAME_MAX_BYTES + 1];
  int32_t port = ARG(1, 2), flags = ARG(1, 3);
  if (mem_string(runtime, mem, ARG(1, 0), ARG(1, 1), host, sizeof host) || port <= 0 || port > 65535) RETURN_I32(VSDK_E_ARG);
  if (!PLATFORM->tls_connect) RETURN_I32(VSDK_E_UNSUPPORTED);
  RETURN_I32(track(&HOST->tls_open, PLATFORM->tls_connect(PLATFORM->ctx, host, (uint16_t)port, flags & 1), 1));
}

SHIM(shim_tls_send) {
  const uint8_t *data = mem_range(runtime, mem, ARG(1, 1), ARG(1, 2));
  if (!data) RETURN_I32(VSDK_E_ARG);
  FORWARD(tls_send, ARG(1, 0), data, (size_t)ARG(1, 2));
}

SHIM(shim_tls_recv) {
  uint8_t *buf = mem_range(runtime, mem, ARG(1, 1), ARG(1, 2));
  if (!buf) RETURN_I32(VSDK_E_ARG);
  FORWARD(tls_recv, ARG(1, 0), buf, (size_t)ARG(1, 2));
}

SHIM(shim_tls_close) {
  (void)runtime; (void)mem;
  track(&HOST->tls_open, ARG(1, 0), 0);
  FORWARD(tls_close, ARG(1, 0));
}

SHIM(shim_udp_open) {
  char host[HOST_NAME_MAX_BYTES + 1];
  int32_t port = ARG(1, 2);
  if (mem_string(runtime, mem, ARG(1, 0), ARG(1, 1), host, sizeof host) || port <= 0 || port > 65535) RETURN_I32(VSDK_E_ARG);
  if (!PLATFORM->udp_open) RETURN_I32(VSDK_E_UNSUPPORTED);
  RETURN_I32(track(&HOST->udp_open, PLATFORM->udp_open(PLATFORM->ctx, host, (uint16_t)port), 1));
}

SHIM(shim_udp_send) {
  const uint8_t *data = mem_range(runtime, mem, ARG(1, 1), ARG(1, 2));
  if (!data) RETURN_I32(VSDK_E_ARG);
  FORWARD(udp_send, ARG(1, 0), data, (size_t)ARG(1, 2));
}

SHIM(shim_udp_recv) {
  uint8_t *buf = mem_range(runtime, mem, ARG(1, 1), ARG(1, 2));
  if (!buf) RETURN_I32(VSDK_E_ARG);
  FORWARD(udp_recv, ARG(1, 0), buf, (size_t)ARG(1, 2));
}

SHIM(shim_udp_close) {
  (void)runtime; (void)mem;
  track(&HOST->udp_open, ARG(1, 0), 0);
  FORWARD(udp_close, ARG(1, 0));
}

/* --- storage --- */

/* Keys beginning "vsdk." are the host's own (the OTA boot record): an image that could rewrite
 * the record could undo the downgrade rule or a rollback, so the imports refuse them. */
static int host_key(const char *key) { return strncmp(key, "vsdk.", 5) == 0; }

SHIM(shim_kv_get) {
  char key[KEY_MAX_BYTES + 1];
  uint8_t *out = mem_range(runtime, mem, ARG(1, 2), ARG(1, 3));
  if (mem_string(runtime, mem, ARG(1, 0), ARG(1, 1), key, sizeof key) || !out || host_key(key)) RETURN_I32(VSDK_E_ARG);
  FORWARD(kv_get, key, out, (size_t)ARG(1, 3));
}

SHIM(shim_kv_set) {
  char key[KEY_MAX_BYTES + 1];
  const uint8_t *value = mem_range(runtime, mem, ARG(1, 2), ARG(1, 3));
  if (mem_string(runtime, mem, ARG(1, 0), ARG(1, 1), key, sizeof key) || !value || host_key(key)) RETURN_I32(VSDK_E_ARG);
  FORWARD(kv_put, key, value, (size_t)ARG(1, 3));
}

SHIM(shim_kv_delete) {
  char key[KEY_MAX_BYTES + 1];
  if (mem_string(runtime, mem, ARG(1, 0), ARG(1, 1), key, sizeof key) || host_key(key)) RETURN_I32(VSDK_E_ARG);
  FORWARD(kv_delete, key);
}

/* --- crypto --- */

SHIM(shim_sha256) {
  const uint8_t *data = mem_range(runtime, mem, ARG(1, 0), ARG(1, 1));
  uint8_t *out = mem_range(runtime, mem, ARG(1, 2), 32);
  if (!data || !out) RETURN_I32(VSDK_E_ARG);
  FORWARD(sha256, data, (size_t)ARG(1, 1), out);
}

SHIM(shim_hmac_sha256) {
  const uint8_t *key = mem_range(runtime, mem, ARG(1, 0), ARG(1, 1));
  const uint8_t *msg = mem_range(runtime, mem, ARG(1, 2), ARG(1, 3));
  uint8_t *out = mem_range(runtime, mem, ARG(1, 4), 32);
  if (!key || !msg || !out) RETURN_I32(VSDK_E_ARG);
  FORWARD(hmac_sha256, key, (size_t)ARG(1, 1), msg, (size_t)ARG(1, 3), out);
}

/* --- events --- */

SHIM(shim_event) {
  (void)runtime; (void)mem;
  if (HOST->on_event) HOST->on_event(HOST->event_arg, ARG(0, 0), ARG(0, 1), ARG(0, 2));
  return m3Err_none;
}

/* --- OTA: the package's bytes come from the image; everything else is the runtime's --- */

#define OTA (HOST->ota)

SHIM(shim_ota_begin) {
  const uint8_t *id = mem_range(runtime, mem, ARG(1, 0), ARG(1, 1));
  if (!OTA) RETURN_I32(VSDK_E_UNSUPPORTED);
  if (!id) RETURN_I32(VSDK_E_ARG);
  RETURN_I32(OTA->begin(OTA->arg, id, (uint32_t)ARG(1, 1), ARG(1, 2)));
}

SHIM(shim_ota_write) {
  const uint8_t *data = mem_range(runtime, mem, ARG(1, 1), ARG(1, 2));
  if (!OTA) RETURN_I32(VSDK_E_UNSUPPORTED);
  if (!data) RETURN_I32(VSDK_E_ARG);
  RETURN_I32(OTA->write(OTA->arg, ARG(1, 0), data, ARG(1, 2)));
}

SHIM(shim_ota_finish) {
  (void)runtime; (void)mem;
  RETURN_I32(OTA ? OTA->finish(OTA->arg) : VSDK_E_UNSUPPORTED);
}

SHIM(shim_ota_confirm) {
  (void)runtime; (void)mem;
  RETURN_I32(OTA ? OTA->confirm(OTA->arg) : VSDK_E_UNSUPPORTED);
}

SHIM(shim_ota_status) {
  int32_t cap = ARG(1, 1);
  uint8_t *out = mem_range(runtime, mem, ARG(1, 0), cap);
  if (!OTA) RETURN_I32(VSDK_E_UNSUPPORTED);
  if (!out || cap < 16) RETURN_I32(VSDK_E_ARG);
  RETURN_I32(OTA->status(OTA->arg, out));
}

static const vsdk_shim_t shims[] = {
  { "log",         "v(iii)",   shim_log },
  { "clock_ms",    "i()",      shim_clock_ms },
  { "random",      "i(ii)",    shim_random },
  { "opus_encode", "i(iiiii)", shim_opus_encode },
  { "opus_decode", "i(iiiii)", shim_opus_decode },
  { "tls_connect", "i(iiii)",  shim_tls_connect },
  { "tls_send",    "i(iii)",   shim_tls_send },
  { "tls_recv",    "i(iii)",   shim_tls_recv },
  { "tls_close",   "i(i)",     shim_tls_close },
  { "udp_open",    "i(iii)",   shim_udp_open },
  { "udp_send",    "i(iii)",   shim_udp_send },
  { "udp_recv",    "i(iii)",   shim_udp_recv },
  { "udp_close",   "i(i)",     shim_udp_close },
  { "kv_get",      "i(iiii)",  shim_kv_get },
  { "kv_set",      "i(iiii)",  shim_kv_set },
  { "kv_delete",   "i(ii)",    shim_kv_delete },
  { "sha256",      "i(iii)",   shim_sha256 },
  { "hmac_sha256", "i(iiiii)", shim_hmac_sha256 },
  { "event",       "v(iii)",   shim_event },
  /* OTA (docs/ota.md, "Imports"): the runtime owns the slots, the verifier and the switch. */
  { "ota_begin",   "i(iii)",   shim_ota_begin },
  { "ota_write",   "i(iii)",   shim_ota_write },
  { "ota_finish",  "i()",      shim_ota_finish },
  { "ota_confirm", "i()",      shim_ota_confirm },
  { "ota_status",  "i(ii)",    shim_ota_status },
};

const vsdk_shim_t *vsdk_shims_find(const char *name) {
  for (size_t i = 0; i < sizeof shims / sizeof shims[0]; i++)
    if (strcmp(shims[i].name, name) == 0) return &shims[i];
  return NULL;
}

size_t vsdk_shims_count(void) { return sizeof shims / sizeof shims[0]; }
const vsdk_shim_t *vsdk_shims_at(size_t index) { return index < vsdk_shims_count() ? &shims[index] : NULL; }

void vsdk_shims_close_all(vsdk_shim_host_t *host) {
  const vsdk_platform_t *p = host->platform;
  for (int h = 0; h < 32; h++) {
    if ((host->tls_open >> h & 1u) && p && p->tls_close) p->tls_close(p->ctx, h);
    if ((host->udp_open >> h & 1u) && p && p->udp_close) p->udp_close(p->ctx, h);
  }
  host->tls_open = host->udp_open = 0;
}
