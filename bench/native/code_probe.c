/* How many bytes of wasm3 code each function of an image takes once compiled, for the functions
 * a G.711 media call runs (bench/wasm3.ts builds this with gcc -m32 and names the functions):
 *   code_probe IMAGE FRAMES [LOSE_EVERY]
 * First run: load the image through the engine (as the runtime does: device init, then a media
 * session of FRAMES frames, every LOSE_EVERY-th packet lost) and note which functions wasm3
 * compiled, at load and during the call. Second run, a fresh load: compile each function the
 * call compiled, one at a time, and measure the code lines it added to wasm3's pages.
 * Prints one line per function: "load|call INDEX WASM_BYTES CODE_BYTES" (function indices count
 * the imports; CODE_BYTES 0 for a function compiled at load, which the second load already has).
 * Reads wasm3's internals (m3_env.h): a measuring tool, not part of the runtime. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "engine.h"
#include "frame_signal.h"
#include "vsdk.h"
#include "probe_common.h"
#include "m3_env.h"
#include "m3_compile.h"

enum { SAMPLES = 160, PCM_IN = 0, PACKET = 320, PCM_OUT = 1024 };


static vsdk_platform_t platform;

static int load(vsdk_engine_t *e, const uint8_t *image, uint32_t len) {
  memset(e, 0, sizeof *e);
  e->stack_bytes = VSDK_DEFAULT_STACK_BYTES;
  e->memory_limit = VSDK_DEFAULT_MEMORY_LIMIT;
  e->host.platform = &platform;
  int rc = vsdk_engine_load(e, image, len);
  int32_t now = 0, started;
  if (rc == VSDK_OK) vsdk_engine_call(e, "vsdk_device_init", 1, &now, &started); /* as vsdk_init */
  return rc;
}

static int32_t call(vsdk_engine_t *e, const char *name, int argc, const int32_t *argv) {
  int32_t r = 0;
  int rc = vsdk_engine_call(e, name, argc, argv, &r);
  return rc == VSDK_OK ? r : rc;
}

static u32 lines_used(IM3Runtime r) {
  u32 used = 0;
  for (IM3CodePage p = r->pagesOpen; p; p = p->info.next) used += p->info.lineIndex;
  for (IM3CodePage p = r->pagesFull; p; p = p->info.next) used += p->info.lineIndex;
  return used;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: code_probe IMAGE FRAMES [LOSE_EVERY]\n"); return 2; }
  uint32_t len = 0;
  const uint8_t *image = probe_read_image(argv[1], &len);
  if (!image) return 2;
  uint32_t frames = (uint32_t)strtoul(argv[2], NULL, 10), lose = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 0;
  platform.clock_ms = probe_clock_ms;

  static vsdk_engine_t e;
  if (load(&e, image, len) != VSDK_OK) { fprintf(stderr, "load failed\n"); return 1; }
  u32 n = e.module->numFunctions;
  char *at_load = calloc(n, 1), *in_call = calloc(n, 1);
  for (u32 i = 0; i < n; i++) at_load[i] = e.module->functions[i].compiled != NULL;
  int32_t io = call(&e, "vsdk_io_buffer", 0, NULL);
  if (call(&e, "vsdk_media_start", 6, (int32_t[]){ 0, -1, 8000, 20, 0x1234, 0 }) != 0) { fprintf(stderr, "no media session\n"); return 1; }
  for (uint32_t k = 0; k < frames; k++) {
    int16_t pcm[SAMPLES];
    frame_signal(k, pcm, SAMPLES);
    uint32_t size;
    uint8_t *mem = vsdk_engine_memory(&e, &size);
    memcpy(mem + io + PCM_IN, pcm, sizeof pcm);
    int32_t sent = call(&e, "vsdk_media_capture", 4, (int32_t[]){ io + PCM_IN, SAMPLES, io + PACKET, 192 });
    if (!lose || k % lose != lose - 1) call(&e, "vsdk_media_receive", 3, (int32_t[]){ io + PACKET, sent, (int32_t)(k * 20) });
    if (call(&e, "vsdk_media_playout", 3, (int32_t[]){ (int32_t)(k * 20), io + PCM_OUT, SAMPLES }) < 0) { fprintf(stderr, "playout failed\n"); return 1; }
  }
  for (u32 i = 0; i < n; i++) in_call[i] = e.module->functions[i].compiled != NULL && !at_load[i];
  vsdk_engine_free(&e);

  if (load(&e, image, len) != VSDK_OK) return 1;
  for (u32 i = 0; i < n; i++) {
    IM3Function fn = &e.module->functions[i];
    if (fn->import.moduleUtf8 || !(at_load[i] || in_call[i])) continue;
    u32 before = lines_used(e.module->runtime);
    if (!fn->compiled && CompileFunction(fn) != m3Err_none) { fprintf(stderr, "function %u does not compile\n", i); return 1; }
    printf("%s %u %u %u\n", at_load[i] ? "load" : "call", i, (unsigned)(fn->wasmEnd - fn->wasm),
           (unsigned)((lines_used(e.module->runtime) - before) * sizeof(code_t)));
  }
  vsdk_engine_free(&e);
  free(at_load);
  free(in_call);
  return 0;
}
