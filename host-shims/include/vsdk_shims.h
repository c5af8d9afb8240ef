/* The image's host imports (module "vsdk"), implemented over the platform interface.
 * One table row per import of assembly/abi/imports.ts: its name, its wasm3 signature and the
 * function. Adding an import is one small function in src/imports.c plus one row. */
#ifndef VSDK_SHIMS_H
#define VSDK_SHIMS_H

#include <stddef.h>
#include <stdint.h>
#include "wasm3.h"
#include "vsdk_platform.h"

/* The OTA imports, served by the runtime (runtime/src/ota_update.c): the slots, the verifier
 * and the switch are the root of trust, so they live beside the engine, not in a port. */
typedef struct vsdk_ota_imports {
  int (*begin)(void *arg, const uint8_t *id, uint32_t id_len, int32_t size);
  int (*write)(void *arg, int32_t offset, const uint8_t *data, int32_t len);
  int (*finish)(void *arg);
  int (*confirm)(void *arg);
  int (*status)(void *arg, uint8_t out[16]);
  void *arg;
} vsdk_ota_imports_t;

/* What the shims reach through the import context's userdata. */
typedef struct vsdk_shim_host {
  const vsdk_platform_t *platform;
  void (*on_event)(void *arg, int kind, int a, int b);
  void *event_arg;
  const vsdk_ota_imports_t *ota; /* NULL: the OTA imports answer E_UNSUPPORTED */
  /* Stream and UDP handles (0..31) the image opened and has not closed: when the runtime swaps
   * images, the old image's connections are closed for it (vsdk_shims_close_all). */
  uint32_t tls_open, udp_open;
} vsdk_shim_host_t;

/* Closes every stream and UDP socket the image left open (an image being replaced or stopped
 * cannot close them itself, and a port has only a few). */
void vsdk_shims_close_all(vsdk_shim_host_t *host);

typedef struct vsdk_shim {
  const char *name;       /* import name in module "vsdk" */
  const char *signature;  /* wasm3 form, e.g. "i(ii)" */
  M3RawCall fn;
} vsdk_shim_t;

/* The row for an import name, or NULL when no shim implements it. */
const vsdk_shim_t *vsdk_shims_find(const char *name);
size_t vsdk_shims_count(void);
const vsdk_shim_t *vsdk_shims_at(size_t index);

/* Answers VSDK_E_UNSUPPORTED (or nothing, for an import without a result): linked for imports
 * this build does not implement, as the Node host does, so media-only images still run. */
const void *vsdk_shim_unsupported(IM3Runtime runtime, IM3ImportContext ctx, uint64_t *sp, void *mem);

#endif
