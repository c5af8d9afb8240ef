#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "heap.h"

/* Each block carries its size in front, kept aligned for any type wasm3 stores. */
#if UINTPTR_MAX > 0xffffffffu
#define HEADER 16u
#else
#define HEADER 8u
#endif

static size_t in_use, peak, limit;

static void *account(unsigned char *block, size_t size) {
  memcpy(block, &size, sizeof size);
  in_use += size;
  if (in_use > peak) peak = in_use;
  return block + HEADER;
}

static size_t size_of(void *ptr) {
  size_t size;
  memcpy(&size, (unsigned char *)ptr - HEADER, sizeof size);
  return size;
}

static int over_limit(size_t more) { return limit && more > limit - (in_use < limit ? in_use : limit); }

void *vsdk_heap_calloc(size_t count, size_t size) {
  if (size && count > (SIZE_MAX - HEADER) / size) return NULL;
  size_t bytes = count * size;
  if (over_limit(bytes)) return NULL;
  unsigned char *block = calloc(1, bytes + HEADER);
  return block ? account(block, bytes) : NULL;
}

void *vsdk_heap_realloc(void *ptr, size_t size) {
  if (!ptr) return vsdk_heap_calloc(1, size);
  size_t old = size_of(ptr);
  if (size > old && over_limit(size - old)) return NULL;
  if (size > SIZE_MAX - HEADER) return NULL;
  unsigned char *block = realloc((unsigned char *)ptr - HEADER, size + HEADER);
  if (!block) return NULL;
  in_use -= old;
  return account(block, size);
}

void vsdk_heap_free(void *ptr) {
  if (!ptr) return;
  in_use -= size_of(ptr);
  free((unsigned char *)ptr - HEADER);
}

size_t vsdk_heap_in_use(void) { return in_use; }
size_t vsdk_heap_peak(void) { return peak; }
void vsdk_heap_reset_peak(void) { peak = in_use; }
void vsdk_heap_set_limit(size_t bytes) { limit = bytes; }
