/* Long-run memory test of the posix device: CYCLES consecutive media calls on the release
 * image through the C runtime on wasm3. A call: set up (RTP sender, jitter buffer), FRAMES
 * 20 ms full-duplex G.711 frames; every 100 calls the image is swapped for another copy (the
 * OTA path). Prints wasm3's heap, the image's linear memory in use and the process heap
 * before (after a warm-up call: wasm3 compiles functions on first use) and after; fails if any
 * grew. Run plainly and under valgrind's memcheck (CMakeLists.txt), which also finds leaks.
 *   test_cycles IMAGE CYCLES FRAMES
 * Signalling calls (register, call, answer, hang up against the vendor cloud) are not part of
 * the cycle yet: see docs/runtime.md. */
#include <malloc.h>
#include <stdlib.h>
#define CHECK_NO_CASES
#include "check.h"
#include "frame_cycle.h"
#include "frame_signal.h"
#include "image_file.h"
#include "vsdk.h"
#include "vsdk_posix.h"

typedef struct { size_t wasm3_heap, process_heap; uint32_t linear_used, linear_bytes; } snapshot_t;

static snapshot_t snap(void) {
  vsdk_stats_t s;
  vsdk_get_stats(&s);
  struct mallinfo2 m = mallinfo2();
  /* In-use chunks of the heap and in mmapped blocks: glibc moves large blocks between the two. */
  snapshot_t out = { s.heap_in_use, m.uordblks + m.hblkhd, s.linear_memory_used, s.linear_memory_bytes };
  return out;
}

static void call(uint32_t frames, uint32_t *played) {
  CHECK_EQ(vsdk_frame_call_setup(), 0);
  int16_t pcm[VSDK_FRAME_SAMPLES], out[VSDK_FRAME_SAMPLES];
  for (uint32_t n = 0; n < frames; n++) {
    frame_signal(n, pcm, VSDK_FRAME_SAMPLES);
    int32_t r = vsdk_frame_cycle(n, pcm, out);
    if (r < 0) { CHECK_EQ(r, 0); return; }
    *played += (uint32_t)(r >> 16);
  }
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: test_cycles IMAGE CYCLES FRAMES\n"); return 2; }
  uint32_t len, cycles = (uint32_t)atoi(argv[2]), frames = (uint32_t)atoi(argv[3]), played = 0;
  uint8_t *image = vsdk_read_file(argv[1], VSDK_IMAGE_MAX_BYTES, &len);
  if (!image) { fprintf(stderr, "cannot read %s\n", argv[1]); return 2; }
  uint8_t *copy = malloc(len);
  memcpy(copy, image, len);
  vsdk_posix_t *port = vsdk_posix_new("test-cycles-data", NULL, 0);
  vsdk_config_t config = { 0 };
  config.platform = vsdk_posix_platform(port);
  CHECK_EQ(vsdk_init(&config, image, len), VSDK_OK);
  call(frames, &played); /* warm-up: compiles the media functions */
  snapshot_t before = snap();
  int on_copy = 0;
  for (uint32_t c = 1; c <= cycles && !check_failures; c++) {
    if (c % 100 == 50) {
      /* OTA swap to the other copy: the old image's memory must all return. An even number of
       * swaps ends on the image the snapshot began with. */
      on_copy = !on_copy;
      CHECK_EQ(vsdk_load_image(on_copy ? copy : image, len, NULL), VSDK_OK);
    }
    call(frames, &played);
  }
  snapshot_t after = snap();
  printf("%u calls of %u frames (%u frames played)\n", cycles, frames, played);
  printf("wasm3 heap in use: %zu bytes before, %zu after\n", before.wasm3_heap, after.wasm3_heap);
  printf("image linear memory: %u bytes in use before, %u after (of %u allocated, %u after)\n",
         before.linear_used, after.linear_used, before.linear_bytes, after.linear_bytes);
  printf("process heap in use: %zu bytes before, %zu after\n", before.process_heap, after.process_heap);
  CHECK_EQ(after.wasm3_heap, before.wasm3_heap);
  CHECK_EQ(after.linear_used, before.linear_used);
  CHECK_EQ(after.linear_bytes, before.linear_bytes);
  /* glibc counts chunks parked in its per-thread caches as in use; CMakeLists.txt turns those
   * caches off for this test so the figure is exact. */
  CHECK(after.process_heap <= before.process_heap);
  CHECK(played >= (cycles + 1) * (frames - 1));
  vsdk_deinit();
  vsdk_stats_t s;
  vsdk_get_stats(&s);
  CHECK_EQ(s.heap_in_use, 0);
  vsdk_posix_free(port);
  free(copy);
  free(image);
  printf("%s\n", check_failures ? "FAIL" : "ok");
  return check_failures ? 1 : 0;
}
