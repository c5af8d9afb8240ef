/* The engine: one running image on wasm3, and the checked swap to a new one. Internal to the
 * runtime; firmware uses vsdk.h. */
#ifndef VSDK_ENGINE_H
#define VSDK_ENGINE_H

#include <stdint.h>
#include "vsdk_shims.h"

#define VSDK_EXPORT_CACHE 24

typedef struct vsdk_engine {
  IM3Environment env;
  IM3Runtime runtime;
  IM3Module module;
  const uint8_t *image;
  uint32_t image_len;
  uint32_t abi_version;
  uint32_t stack_bytes, memory_limit;
  int compile_eagerly;
  vsdk_shim_host_t host;
  /* Exports looked up once per image (wasm3's own lookup is a linear search by name). */
  struct { const char *caller, *name; IM3Function fn; } cache[VSDK_EXPORT_CACHE];
  uint32_t trap_line, trap_column, traps, refused;
  int busy; /* inside a call into the image (an import is running) */
  const char *trap_message;
} vsdk_engine_t;

/* Checks and starts an image; on success it replaces the running one (which is freed), on
 * failure the running one is untouched. */
int vsdk_engine_load(vsdk_engine_t *e, const uint8_t *image, uint32_t len);
void vsdk_engine_free(vsdk_engine_t *e);

/* Calls an export with i32 arguments (at most 8). VSDK_E_UNSUPPORTED when the image lacks it,
 * VSDK_E_TRAP when it trapped (the engine stays usable). */
int vsdk_engine_call(vsdk_engine_t *e, const char *name, int argc, const int32_t *argv, int32_t *result);

/* The running image's linear memory and its size. */
uint8_t *vsdk_engine_memory(vsdk_engine_t *e, uint32_t *size);

#endif
