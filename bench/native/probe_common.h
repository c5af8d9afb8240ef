/* What every memory probe in bench/native needs before it measures: a monotonic clock for the
 * platform, and the image read from a file into a static buffer. Header-only, so each probe stays
 * one compile command in bench/wasm3.ts. */
#ifndef VSDK_PROBE_COMMON_H
#define VSDK_PROBE_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "vsdk.h"

static uint32_t probe_clock_ms(void *ctx) {
  (void)ctx;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* The image at `path` (at most VSDK_IMAGE_MAX_BYTES), or NULL when it cannot be read. */
static const uint8_t *probe_read_image(const char *path, uint32_t *len) {
  static uint8_t image[VSDK_IMAGE_MAX_BYTES];
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  *len = (uint32_t)fread(image, 1, sizeof image, f);
  fclose(f);
  return image;
}
#endif
