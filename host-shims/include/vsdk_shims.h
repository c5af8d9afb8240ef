/* The image's host imports (module "vsdk"), implemented over the platform interface.
 * One table row per import of assembly/abi/imports.ts: its name, its wasm3 signature and the
 * function. Adding an import is one small function in src/imports.c plus one row. */
#ifndef VSDK_SHIMS_H
#define VSDK_SHIMS_H

#include <stddef.h>
#include "wasm3.h"
#include "vsdk_platform.h"

/* What the shims reach through the import context's userdata. */
typedef struct vsdk_shim_host {
  const vsdk_platform_t *platform;
  void (*on_event)(void *arg, int kind, int a, int b);
  void *event_arg;
} vsdk_shim_host_t;

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
