/* A bounded walk over a wasm binary, before wasm3 sees it: checks the header and the section
 * framing, and finds imports (with their signatures, for linking) and exports (to check that
 * the required ones are there). Never allocates; every read is checked against the length. */
#ifndef VSDK_IMAGE_SCAN_H
#define VSDK_IMAGE_SCAN_H

#include <stdint.h>

typedef struct vsdk_image_info {
  const uint8_t *wasm;
  uint32_t len;
  uint32_t type_off, type_len;     /* type section payload, 0 when absent */
  uint32_t import_off, import_len; /* import section payload */
  uint32_t export_off, export_len; /* export section payload */
} vsdk_image_info_t;

/* Checks framing and fills info. Returns VSDK_OK or VSDK_E_IMAGE. */
int vsdk_image_scan(const uint8_t *wasm, uint32_t len, vsdk_image_info_t *info);

/* Calls visit for each function import with NUL-terminated names and a wasm3 signature
 * ("i(ii)"). Stops at the first negative result and returns it. Non-function imports (memory,
 * table, global) are refused with VSDK_E_IMAGE: the image owns its memory. */
typedef int (*vsdk_import_visitor)(void *arg, const char *module, const char *name, const char *signature);
int vsdk_image_each_import(const vsdk_image_info_t *info, vsdk_import_visitor visit, void *arg);

/* 1 when the image exports `name` with kind (0 function, 2 memory), else 0. */
int vsdk_image_has_export(const vsdk_image_info_t *info, const char *name, uint8_t kind);

#endif
