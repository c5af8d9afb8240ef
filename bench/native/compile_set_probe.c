/* wasm3's heap with a given set of the image's functions compiled, for the RAM of a whole call in
 * a build with the pointer size of this one (bench/wasm3.ts builds it with gcc -m32):
 *   compile_set_probe IMAGE FILE
 * FILE lists function indices (imports counted), one a line: those a call compiled on the posix
 * device (bench/wasm3_full_call.ts reads them from the running device with gdb). The image is
 * loaded as the runtime loads it (device init included, default limits), then each listed
 * function not compiled yet is compiled. Prints JSON: wasm3's heap in use and at its peak
 * (linear memory and value stack included). Reads wasm3's internals (m3_env.h): a measuring
 * tool, not part of the runtime. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "engine.h"
#include "heap.h"
#include "vsdk.h"
#include "probe_common.h"
#include "m3_env.h"
#include "m3_compile.h"


int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: compile_set_probe IMAGE FILE\n"); return 2; }
  uint32_t len = 0;
  const uint8_t *image = probe_read_image(argv[1], &len);
  if (!image) return 2;
  static vsdk_platform_t platform;
  platform.clock_ms = probe_clock_ms;
  static vsdk_engine_t e;
  e.stack_bytes = VSDK_DEFAULT_STACK_BYTES;
  e.memory_limit = VSDK_DEFAULT_MEMORY_LIMIT;
  e.host.platform = &platform;
  if (vsdk_engine_load(&e, image, len) != VSDK_OK) { fprintf(stderr, "load failed\n"); return 1; }
  int32_t now = 0, started;
  vsdk_engine_call(&e, "vsdk_device_init", 1, &now, &started); /* as vsdk_init does */
  FILE *list = fopen(argv[2], "r");
  if (!list) return 2;
  unsigned index, compiled = 0;
  while (fscanf(list, "%u", &index) == 1) {
    if (index >= e.module->numFunctions) { fprintf(stderr, "no function %u\n", index); return 1; }
    IM3Function fn = &e.module->functions[index];
    if (fn->import.moduleUtf8 || fn->compiled) continue;
    if (CompileFunction(fn) != m3Err_none) { fprintf(stderr, "function %u does not compile\n", index); return 1; }
    compiled++;
  }
  fclose(list);
  printf("{\"compiled\": %u, \"heap_in_use\": %lu, \"heap_peak\": %lu}\n", compiled,
         (unsigned long)vsdk_heap_in_use(), (unsigned long)vsdk_heap_peak());
  vsdk_engine_free(&e);
  return 0;
}
