/* wasm3's heap for the release image with pointers of the size the build has: the bench
 * compiles this with -m32 as well, as the nearest stand-in for a 32-bit MCU it can run here.
 *   heap_probe IMAGE FRAMES [--eager] [--memory-limit=BYTES] [--stack=BYTES] [--lose-every=N]
 * Prints JSON: wasm3's heap after loading (before any call), and its peak after FRAMES media
 * frames (frame_cycle.c), both including the image's linear memory and wasm3's stack. The
 * platform is a clock only: no network, storage or codec, so signalling stays idle. The limits
 * default to the runtime's (VSDK_DEFAULT_MEMORY_LIMIT, VSDK_DEFAULT_STACK_BYTES). --lose-every
 * drops every Nth packet, so the loss paths (jitter buffer, concealment) are compiled and counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "frame_cycle.h"
#include "frame_signal.h"
#include "vsdk.h"
#include "probe_common.h"


int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: heap_probe IMAGE FRAMES [--eager] [--memory-limit=BYTES] [--stack=BYTES] [--lose-every=N]\n"); return 2; }
  uint32_t len = 0;
  const uint8_t *image = probe_read_image(argv[1], &len);
  if (!image) return 2;
  vsdk_platform_t platform;
  memset(&platform, 0, sizeof platform);
  platform.clock_ms = probe_clock_ms;
  vsdk_config_t config = { 0 };
  config.platform = &platform;
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "--eager")) config.compile_eagerly = 1;
    else if (!strncmp(argv[i], "--memory-limit=", 15)) config.memory_limit_bytes = (uint32_t)strtoul(argv[i] + 15, NULL, 10);
    else if (!strncmp(argv[i], "--stack=", 8)) config.stack_bytes = (uint32_t)strtoul(argv[i] + 8, NULL, 10);
    else if (!strncmp(argv[i], "--lose-every=", 13)) vsdk_frame_set_loss((uint32_t)strtoul(argv[i] + 13, NULL, 10));
    else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
  }
  int rc = vsdk_init(&config, image, len);
  if (rc != VSDK_OK) { fprintf(stderr, "init: %s\n", vsdk_strerror(rc)); return 1; }
  vsdk_stats_t loaded;
  vsdk_get_stats(&loaded);
  rc = vsdk_frame_call_setup();
  int16_t pcm[VSDK_FRAME_SAMPLES], out[VSDK_FRAME_SAMPLES];
  for (uint32_t n = 0; rc >= 0 && n < (uint32_t)atoi(argv[2]); n++) {
    frame_signal(n, pcm, VSDK_FRAME_SAMPLES);
    rc = vsdk_frame_cycle(n, pcm, out);
  }
  if (rc < 0) { fprintf(stderr, "frames: %s\n", vsdk_strerror(rc)); return 1; }
  vsdk_stats_t s;
  vsdk_get_stats(&s);
  printf("{\"pointer_bytes\": %u, \"heap_after_load\": %lu, \"heap_peak\": %lu, \"linear_memory_bytes\": %u, \"linear_memory_used\": %u, \"stack_bytes\": %u}\n",
         (unsigned)sizeof(void *), (unsigned long)loaded.heap_in_use, (unsigned long)s.heap_peak, s.linear_memory_bytes,
         s.linear_memory_used, config.stack_bytes ? config.stack_bytes : VSDK_DEFAULT_STACK_BYTES);
  vsdk_deinit();
  return 0;
}
