/* Every byte wasm3 allocates goes through here (runtime/wasm3.cmake renames its calloc, realloc
 * and free), so the runtime can report wasm3's heap, in use and at its peak, and refuse to grow
 * past a limit: wasm3 then fails cleanly with "memory allocation failed" instead of exhausting
 * the device's heap. A port may route these to its own allocator (e.g. internal RAM). */
#ifndef VSDK_HEAP_H
#define VSDK_HEAP_H

#include <stddef.h>

void *vsdk_heap_calloc(size_t count, size_t size);
void *vsdk_heap_realloc(void *ptr, size_t size);
void vsdk_heap_free(void *ptr);

size_t vsdk_heap_in_use(void);
size_t vsdk_heap_peak(void);
void vsdk_heap_reset_peak(void);
/* 0 = no limit. */
void vsdk_heap_set_limit(size_t bytes);

#endif
