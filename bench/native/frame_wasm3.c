/* The full-duplex G.711 20 ms cycle on wasm3, through the C runtime, for callgrind:
 *   frame_wasm3 IMAGE FRAMES
 * Each frame: encode 160 samples of µ-law, write the RTP packet, then take that packet as the
 * peer's (parse, jitter buffer put and get), and decode it. The instructions of run_frames()
 * divided by FRAMES are the cost of one frame (image_cycle() alone: the test signal and the
 * checksums are the driver's, not the device's); start_and_first_frame() is the start-up cost
 * (parse, load, link, start, and the lazy compilation the first frame triggers).
 * Prints the PCM checksum (it must equal frame_native's: the same work) and the heap figures.
 *
 * The cycle uses the image's media exports one by one; when the image gains one export for the
 * whole cycle (assembly/media/), FRAME_EXPORTS below becomes that single call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "frame_signal.h"
#include "image_file.h"
#include "vsdk.h"
#include "vsdk_posix.h"

enum { SAMPLES = 160, PT_PCMU = 0 };
/* RTP header record fields (assembly/rtp/api.ts). */
enum { F_PT = 0, F_SEQ = 2, F_TS = 3, F_SSRC = 4, F_PAYLOAD_PTR = 10, F_PAYLOAD_LEN = 11 };

static int32_t io, io_cap;

static int32_t x(const char *name, int argc, const int32_t *argv) {
  int32_t r = 0;
  int rc = vsdk_call_export(name, argc, argv, &r);
  if (rc != VSDK_OK) { fprintf(stderr, "%s: %s\n", name, vsdk_strerror(rc)); exit(1); }
  return r;
}
#define X(name, ...) x(name, (int)(sizeof((int32_t[]){ __VA_ARGS__ }) / sizeof(int32_t)), (int32_t[]){ __VA_ARGS__ })
#define X0(name) x(name, 0, NULL)

/* I/O buffer layout: [0,320) captured PCM, [320,512) our packet, [512,672) jitter output,
 * [1024,1344) played PCM. */
enum { PCM_IN = 0, PACKET = 320, JB_OUT = 512, PCM_OUT = 1024 };

static uint32_t checksum, tx_checksum, played;

/* The image's part of one frame: what callgrind counts. Captured PCM in, played PCM out. */
__attribute__((noinline)) int32_t image_cycle(uint32_t n, const int16_t *pcm, int16_t *out) {
  vsdk_io_write(pcm, SAMPLES * 2, PCM_IN);
  /* Send: µ-law encode in place after the 12-byte header room, then the header. */
  X("vsdk_g711_encode", 0, io + PCM_IN, SAMPLES, io + PACKET + 12);
  X("vsdk_rtp_set", F_SEQ, (int32_t)(n & 0xffff));
  X("vsdk_rtp_set", F_TS, (int32_t)(n * SAMPLES));
  X("vsdk_rtp_set", F_PAYLOAD_PTR, io + PACKET + 12);
  X("vsdk_rtp_set", F_PAYLOAD_LEN, SAMPLES);
  int32_t len = X("vsdk_rtp_write", io + PACKET, 192);
  /* Receive the same packet as the peer's. */
  X("vsdk_rtp_parse", io + PACKET, len);
  int32_t payload = X("vsdk_rtp_get", F_PAYLOAD_PTR), payload_len = X("vsdk_rtp_get", F_PAYLOAD_LEN);
  uint32_t now = n * 20u;
  X("vsdk_jitter_put", (int32_t)(n & 0xffff), (int32_t)(n * SAMPLES), (int32_t)now, payload, payload_len);
  int32_t got = X("vsdk_jitter_get", (int32_t)now, io + JB_OUT, 192);
  int32_t bytes = got >> 8, kind = got & 0xff;
  if (kind != 1 || bytes <= 0 || bytes > SAMPLES) return len;
  X("vsdk_g711_decode", 0, io + JB_OUT, bytes, io + PCM_OUT);
  vsdk_io_read(out, (uint32_t)bytes * 2u, PCM_OUT);
  return len | 1 << 16;
}

static void one_frame(uint32_t n) {
  int16_t pcm[SAMPLES], out[SAMPLES];
  frame_signal(n, pcm, SAMPLES);
  int32_t r = image_cycle(n, pcm, out);
  int32_t len = r & 0xffff;
  uint8_t sent[192];
  vsdk_io_read(sent, (uint32_t)len, PACKET);
  for (int32_t i = 0; i < len; i++) tx_checksum = tx_checksum * 31u + sent[i];
  if (r >> 16) {
    played++;
    for (int i = 0; i < SAMPLES; i++) checksum = checksum * 31u + (uint16_t)out[i];
  }
}

static void setup_call(void) {
  io = X0("vsdk_io_buffer");
  io_cap = X0("vsdk_io_capacity");
  if (io_cap < 1344) { fprintf(stderr, "I/O buffer too small\n"); exit(1); }
  X("vsdk_rtp_set", F_PT, PT_PCMU);
  X("vsdk_rtp_set", F_SSRC, 0x1234);
  if (X("vsdk_jitter_init", 0, 20, 16) < 0) { fprintf(stderr, "jitter init failed\n"); exit(1); }
}

/* Separate, never-inlined functions so callgrind can collect each alone (--toggle-collect). */
__attribute__((noinline)) void start_and_first_frame(const vsdk_config_t *config, const uint8_t *image, uint32_t len) {
  int rc = vsdk_init(config, image, len);
  if (rc != VSDK_OK) { fprintf(stderr, "init: %s\n", vsdk_strerror(rc)); exit(1); }
  setup_call();
  one_frame(0);
}

__attribute__((noinline)) void run_frames(uint32_t first, uint32_t count) {
  for (uint32_t n = first; n < first + count; n++) one_frame(n);
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: frame_wasm3 IMAGE FRAMES [--eager]\n"); return 2; }
  uint32_t len;
  uint8_t *image = vsdk_read_file(argv[1], VSDK_IMAGE_MAX_BYTES, &len);
  if (!image) { fprintf(stderr, "cannot read %s\n", argv[1]); return 2; }
  uint32_t frames = (uint32_t)strtoul(argv[2], NULL, 10);
  vsdk_posix_t *port = vsdk_posix_new("/tmp/vsdk-bench-frame", NULL, 0);
  vsdk_config_t config = { 0 };
  config.platform = vsdk_posix_platform(port);
  config.compile_eagerly = argc > 3 && !strcmp(argv[3], "--eager");
  start_and_first_frame(&config, image, len);
  run_frames(1, frames);
  vsdk_stats_t s;
  vsdk_get_stats(&s);
  printf("{\"tx_checksum\": %u, \"played\": %u, \"checksum\": %u, \"frames\": %u, \"heap_peak\": %zu, \"heap_in_use\": %zu, \"linear_memory_bytes\": %u, "
         "\"linear_memory_used\": %u, \"stack_bytes\": %u}\n",
         tx_checksum, played, checksum, frames + 1, s.heap_peak, s.heap_in_use, s.linear_memory_bytes, s.linear_memory_used, VSDK_DEFAULT_STACK_BYTES);
  vsdk_deinit();
  vsdk_posix_free(port);
  free(image);
  return 0;
}
