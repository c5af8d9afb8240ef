#include <stdio.h>
#include <stdlib.h>
#include "image_file.h"

uint8_t *vsdk_read_file(const char *path, uint32_t max_len, uint32_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (size >= 0 && (unsigned long)size <= max_len && fseek(f, 0, SEEK_SET) == 0) {
    buf = malloc(size ? (size_t)size : 1);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) { free(buf); buf = NULL; }
  }
  fclose(f);
  if (buf) *len = (uint32_t)size;
  return buf;
}
