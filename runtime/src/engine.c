#include <string.h>
#include "engine.h"
#include "image_scan.h"
#include "vsdk.h"
/* wasm3's internal runtime struct: its public header has no setter for the memory limit. */
#include "m3_env.h"

/* Exports every image must have, whatever else it offers. */
static const char *const required_exports[] = {
  "vsdk_abi_version", "vsdk_io_buffer", "vsdk_io_capacity", "vsdk_last_trap_line",
  "vsdk_last_trap_column", "vsdk_memory_used",
};

typedef struct { IM3Module module; vsdk_shim_host_t *host; } link_ctx_t;

static int link_import(void *arg, const char *module, const char *name, const char *signature) {
  link_ctx_t *link = arg;
  if (strcmp(module, "vsdk") != 0) return VSDK_E_IMPORT;
  const vsdk_shim_t *shim = vsdk_shims_find(name);
  M3RawCall fn = shim ? shim->fn : vsdk_shim_unsupported;
  if (shim && strcmp(shim->signature, signature) != 0) return VSDK_E_IMPORT;
  /* An import this runtime does not implement answers E_UNSUPPORTED, as in the Node host; it
   * must then return i32 or nothing, so that answer is well-typed. */
  if (!shim && !(signature[0] == 'i' || signature[0] == 'v')) return VSDK_E_IMPORT;
  M3Result r = m3_LinkRawFunctionEx(link->module, module, name, signature, fn, link->host);
  return r == m3Err_none ? VSDK_OK : VSDK_E_ENGINE;
}

static int call_u32(IM3Module module, const char *name, uint32_t *out) {
  IM3Function fn;
  if (m3_FindFunction(&fn, module->runtime, name) != m3Err_none) return VSDK_E_IMAGE;
  if (m3_GetArgCount(fn) != 0 || m3_GetRetCount(fn) != 1) return VSDK_E_IMAGE;
  if (m3_CallV(fn) != m3Err_none) return VSDK_E_TRAP;
  return m3_GetResultsV(fn, out) == m3Err_none ? VSDK_OK : VSDK_E_ENGINE;
}

/* Same major; a minor at least ours (the image may add exports we do not call). */
static int abi_supported(uint32_t abi) {
  uint32_t minor = abi & 0xffffu;
  return (abi >> 16) == VSDK_RUNTIME_ABI_MAJOR && minor + 1u > VSDK_RUNTIME_ABI_MINOR;
}

int vsdk_engine_load(vsdk_engine_t *e, const uint8_t *image, uint32_t len) {
  vsdk_image_info_t info;
  if (e->busy) return VSDK_E_STATE;
  int rc = VSDK_OK;
  if (len > VSDK_IMAGE_MAX_BYTES) rc = VSDK_E_IMAGE;
  if (rc == VSDK_OK) rc = vsdk_image_scan(image, len, &info);
  for (size_t i = 0; rc == VSDK_OK && i < sizeof required_exports / sizeof required_exports[0]; i++)
    if (!vsdk_image_has_export(&info, required_exports[i], 0)) rc = VSDK_E_IMAGE;
  if (rc == VSDK_OK && !vsdk_image_has_export(&info, "memory", 2)) rc = VSDK_E_IMAGE;
  if (rc != VSDK_OK) { e->refused++; return rc; }

  IM3Environment env = m3_NewEnvironment();
  IM3Runtime runtime = env ? m3_NewRuntime(env, e->stack_bytes, NULL) : NULL;
  IM3Module module = NULL;
  if (!runtime) rc = VSDK_E_ENGINE;
  if (rc == VSDK_OK) {
    runtime->memoryLimit = e->memory_limit;
    if (m3_ParseModule(env, &module, image, len) != m3Err_none) rc = VSDK_E_IMAGE;
  }
  if (rc == VSDK_OK && m3_LoadModule(runtime, module) != m3Err_none) {
    m3_FreeModule(module); /* not yet owned by the runtime */
    rc = VSDK_E_ENGINE;
  }
  if (rc == VSDK_OK) {
    /* Loading copied the data segments into linear memory; wasm3 never reads their records
     * again (20 bytes each with 4-byte pointers, one per static of the image: ~5 KB). */
    m3_Free(module->dataSegments);
    module->numDataSegments = 0;
  }
  if (rc == VSDK_OK) {
    link_ctx_t link = { module, &e->host };
    rc = vsdk_image_each_import(&info, link_import, &link);
  }
  /* Eagerly: a function wasm3 cannot run (a float opcode in a float-free build, an over-deep
   * stack) refuses the image here rather than failing its first call, and no code pages are
   * allocated later. Lazily, a function is compiled on its first call. */
  if (rc == VSDK_OK && e->compile_eagerly && m3_CompileModule(module) != m3Err_none) rc = VSDK_E_ENGINE;
  if (rc == VSDK_OK && m3_RunStart(module) != m3Err_none) rc = VSDK_E_TRAP;
  uint32_t abi = 0;
  if (rc == VSDK_OK) rc = call_u32(module, "vsdk_abi_version", &abi);
  if (rc == VSDK_OK && !abi_supported(abi)) rc = VSDK_E_ABI;
  if (rc != VSDK_OK) {
    if (runtime) m3_FreeRuntime(runtime);
    if (env) m3_FreeEnvironment(env);
    e->refused++;
    return rc;
  }
  vsdk_engine_free(e);
  e->env = env;
  e->runtime = runtime;
  e->module = module;
  e->image = image;
  e->image_len = len;
  e->abi_version = abi;
  return VSDK_OK;
}

void vsdk_engine_free(vsdk_engine_t *e) {
  if (e->runtime) m3_FreeRuntime(e->runtime);
  if (e->env) m3_FreeEnvironment(e->env);
  e->env = NULL;
  e->runtime = NULL;
  e->module = NULL;
  e->image = NULL;
  e->image_len = 0;
  e->abi_version = 0;
  memset(e->cache, 0, sizeof e->cache);
}

/* The export's function (compiled now if it was not yet: wasm3 compiles on lookup), or an
 * error: VSDK_E_UNSUPPORTED when the image has no such export, VSDK_E_ENGINE when it cannot be
 * compiled (a float opcode on a float-free build, wasm3 out of heap). */
static int lookup(vsdk_engine_t *e, const char *name, IM3Function *out) {
  /* Callers pass literals, so the caller's pointer usually matches (no string compare on the
   * per-frame path); otherwise the module's own copy of the name (it lives as long as the
   * image) is compared as text. */
  for (size_t i = 0; i < VSDK_EXPORT_CACHE && e->cache[i].name; i++)
    if (e->cache[i].caller == name) { *out = e->cache[i].fn; return VSDK_OK; }
  size_t free_slot = VSDK_EXPORT_CACHE;
  for (size_t i = 0; i < VSDK_EXPORT_CACHE; i++) {
    if (!e->cache[i].name) { free_slot = i; break; }
    if (strcmp(e->cache[i].name, name) == 0) { *out = e->cache[i].fn; return VSDK_OK; }
  }
  IM3Function fn = NULL;
  M3Result r = m3_FindFunction(&fn, e->runtime, name);
  if (r == m3Err_functionLookupFailed) return VSDK_E_UNSUPPORTED;
  if (r != m3Err_none) return VSDK_E_ENGINE;
  if (free_slot < VSDK_EXPORT_CACHE) {
    e->cache[free_slot].caller = name;
    e->cache[free_slot].name = m3_GetFunctionName(fn);
    e->cache[free_slot].fn = fn;
  }
  *out = fn;
  return VSDK_OK;
}

int vsdk_engine_call(vsdk_engine_t *e, const char *name, int argc, const int32_t *argv, int32_t *result) {
  if (!e->runtime) return VSDK_E_NOT_INIT;
  if (e->busy) return VSDK_E_STATE; /* re-entered from an import (an event callback) */
  if (argc < 0 || argc > 8 || (argc && !argv)) return VSDK_E_ARG;
  IM3Function fn = NULL;
  int found = lookup(e, name, &fn);
  if (found != VSDK_OK) return found;
  if ((int)m3_GetArgCount(fn) != argc || m3_GetRetCount(fn) > 1) return VSDK_E_ARG;
  const void *ptrs[8];
  for (int i = 0; i < argc; i++) ptrs[i] = &argv[i];
  e->busy = 1;
  M3Result r = m3_Call(fn, (uint32_t)argc, ptrs);
  e->busy = 0;
  /* Lazy compilation failed (or wasm3 ran out of heap): not a trap in the image. */
  if (r == m3Err_mallocFailed || r == m3Err_mallocFailedCodePage || r == m3Err_unknownOpcode ||
      r == m3Err_noCompiler || r == m3Err_functionStackOverflow) return VSDK_E_ENGINE;
  if (r != m3Err_none) {
    /* The image's own abort stored where it failed; a plain wasm trap leaves 0. The runtime and
     * the image stay usable: wasm3 unwinds the call, linear memory is as the trap left it. */
    e->traps++;
    e->trap_message = r;
    e->trap_line = e->trap_column = 0;
    call_u32(e->module, "vsdk_last_trap_line", &e->trap_line);
    call_u32(e->module, "vsdk_last_trap_column", &e->trap_column);
    return VSDK_E_TRAP;
  }
  int32_t value = 0;
  if (m3_GetRetCount(fn) == 1 && m3_GetResultsV(fn, &value) != m3Err_none) return VSDK_E_ENGINE;
  if (result) *result = value;
  return VSDK_OK;
}

uint8_t *vsdk_engine_memory(vsdk_engine_t *e, uint32_t *size) {
  if (!e->runtime) { *size = 0; return NULL; }
  return m3_GetMemory(e->runtime, size, 0);
}
