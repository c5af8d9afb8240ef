/* The full-duplex G.711 20 ms cycle on wasm3, through the C runtime, for callgrind:
 *   frame_wasm3 IMAGE FRAMES [--eager] [--primitives] [--alaw]
 * Each frame: encode 160 samples of µ-law into an RTP packet, then take that packet as the
 * peer's (parse, jitter buffer, decode, concealment) and play it: through the image's media
 * session (µ-law, or A-law with --alaw), or with --primitives through its codec, RTP and jitter
 * exports one by one
 * (frame_cycle.c). The instructions of
 * image_cycle() are the device's work per frame (the test signal and the checksums are the
 * driver's); bench/wasm3.ts subtracts a short run from a long one so that start-up cancels.
 * The receive path's decoding is also checked apart from the jitter buffer (rx_checksum).
 * start_and_first_frame() is the start-up cost (parse, load, link, start, and the lazy
 * compilation the first frame triggers). Prints checksums of what was sent and played (they
 * equal frame_native's: the same work) and the heap figures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "frame_cycle.h"
#include "frame_signal.h"
#include "image_file.h"
#include "vsdk.h"
#include "vsdk_posix.h"

enum { SAMPLES = VSDK_FRAME_SAMPLES };

static uint32_t checksum, tx_checksum, rx_checksum, played;
static int primitives; /* --primitives: the export-by-export path */

__attribute__((noinline)) int32_t image_cycle(uint32_t n, const int16_t *pcm, int16_t *out) {
  return vsdk_frame_cycle(n, pcm, out);
}

static void one_frame(uint32_t n) {
  int16_t pcm[SAMPLES], out[SAMPLES];
  frame_signal(n, pcm, SAMPLES);
  int32_t r = image_cycle(n, pcm, out);
  if (r < 0) { fprintf(stderr, "frame %u: %s\n", n, vsdk_strerror(r)); exit(1); }
  int32_t len = r & 0xffff;
  uint8_t sent[192];
  vsdk_io_read(sent, (uint32_t)len, VSDK_FRAME_PACKET_OFFSET);
  /* The payload (the header's sequence and timestamp start at random in the media session). */
  for (int32_t i = 12; i < len; i++) tx_checksum = tx_checksum * 31u + sent[i];
  /* The receive path's decoding, checked apart from the jitter buffer's timing policy: the
   * image parses the packet and decodes its payload (outside image_cycle, so not counted). */
  int32_t payload = 0, payload_len = 0, rx[3], io_base = 0, parsed = 0;
  vsdk_call_export("vsdk_io_buffer", 0, NULL, &io_base);
  vsdk_call_export("vsdk_rtp_parse", 2, (int32_t[]){ io_base + VSDK_FRAME_PACKET_OFFSET, len }, &parsed);
  vsdk_call_export("vsdk_rtp_get", 1, (int32_t[]){ 10 }, &payload);
  vsdk_call_export("vsdk_rtp_get", 1, (int32_t[]){ 11 }, &payload_len);
  int32_t io = 0;
  vsdk_call_export("vsdk_io_buffer", 0, NULL, &io);
  rx[0] = 0; rx[1] = payload; rx[2] = payload_len;
  int32_t decode_argv[4] = { rx[0], rx[1], rx[2], io + 1400 };
  int32_t decoded = 0;
  if (vsdk_call_export("vsdk_g711_decode", 4, decode_argv, &decoded) == VSDK_OK && decoded == SAMPLES) {
    int16_t pcm_rx[SAMPLES];
    vsdk_io_read(pcm_rx, sizeof pcm_rx, 1400);
    for (int i = 0; i < SAMPLES; i++) rx_checksum = rx_checksum * 31u + (uint16_t)pcm_rx[i];
  }
  if (r >> 16) {
    played++;
    for (int i = 0; i < SAMPLES; i++) checksum = checksum * 31u + (uint16_t)out[i];
  }
}

/* Separate, never-inlined functions so callgrind can collect each alone (--toggle-collect). */
__attribute__((noinline)) void start_and_first_frame(const vsdk_config_t *config, const uint8_t *image, uint32_t len) {
  int rc = vsdk_init(config, image, len);
  if (rc == VSDK_OK) rc = vsdk_frame_call_setup_with(primitives);
  if (rc != VSDK_OK) { fprintf(stderr, "start: %s\n", vsdk_strerror(rc)); exit(1); }
  one_frame(0);
}

__attribute__((noinline)) void run_frames(uint32_t first, uint32_t count) {
  for (uint32_t n = first; n < first + count; n++) one_frame(n);
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: frame_wasm3 IMAGE FRAMES [--eager] [--primitives] [--alaw]\n"); return 2; }
  uint32_t len;
  uint8_t *image = vsdk_read_file(argv[1], VSDK_IMAGE_MAX_BYTES, &len);
  if (!image) { fprintf(stderr, "cannot read %s\n", argv[1]); return 2; }
  uint32_t frames = (uint32_t)strtoul(argv[2], NULL, 10);
  vsdk_posix_t *port = vsdk_posix_new("/tmp/vsdk-bench-frame", NULL, 0);
  vsdk_config_t config = { 0 };
  config.platform = vsdk_posix_platform(port);
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "--eager")) config.compile_eagerly = 1;
    else if (!strcmp(argv[i], "--primitives")) primitives = 1;
    else if (!strcmp(argv[i], "--alaw")) vsdk_frame_set_alaw(1);
  }
  start_and_first_frame(&config, image, len);
  run_frames(1, frames);
  vsdk_stats_t s;
  vsdk_get_stats(&s);
  printf("{\"path\": \"%s\", \"tx_checksum\": %u, \"rx_checksum\": %u, \"played\": %u, \"checksum\": %u, \"frames\": %u, \"heap_peak\": %zu, \"heap_in_use\": %zu, \"linear_memory_bytes\": %u, "
         "\"linear_memory_used\": %u, \"stack_bytes\": %u}\n",
         vsdk_frame_uses_media_session() ? "media" : "primitives", tx_checksum, rx_checksum, played, checksum, frames + 1, s.heap_peak, s.heap_in_use, s.linear_memory_bytes, s.linear_memory_used, VSDK_DEFAULT_STACK_BYTES);
  vsdk_deinit();
  vsdk_posix_free(port);
  free(image);
  return 0;
}
