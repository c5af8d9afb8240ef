/* vsdk-device: a device on a desktop, the C twin of the Node simulated device. It runs the image
 * through the C runtime on wasm3 with the posix port: files for storage, sockets and mbedTLS
 * for the network, WAV files for the microphone and the speaker.
 *
 *   vsdk-device [--data DIR] [--image FILE] [--ca PEM] [--register] [--call OPENID]
 *               [--video] [--payload TEXT] [--answer] [--in WAV] [--out WAV]
 *               [--seconds N] [--log-level 0..3] [--info]
 *   vsdk-device --stdio [--data DIR] [--image FILE] [--ca PEM] [--tick-ms N]
 * The first form runs the steps its options name and prints one line per event and a closing
 * line with the runtime's memory figures; it exits 0 when every step succeeded. The second is
 * driven line by line from standard input (device_stdio.c), for test drivers. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "image_file.h"
#include "vsdk.h"
#include "vsdk_posix.h"
#include "wav.h"

/* assembly/signal/events.ts: a user calls the device. */
#ifndef VSDK_EVENT_RING
#define VSDK_EVENT_RING 3
#endif

typedef struct {
  const char *data_dir, *image, *ca, *call, *payload, *in, *out;
  int do_register, video, answer, info, log_level, stdio, tick_ms;
  double seconds;
} options_t;

int vsdk_device_stdio(const vsdk_platform_t *platform, const uint8_t *image, uint32_t image_len, int tick_ms);

static int ringing;

static void on_event(void *arg, int kind, int a, int b) {
  (void)arg;
  printf("event %d %d %d\n", kind, a, b);
  fflush(stdout);
  if (kind == VSDK_EVENT_RING) ringing = 1;
}

static int parse(int argc, char **argv, options_t *o) {
  memset(o, 0, sizeof *o);
  o->data_dir = ".vsdk/device";
  o->log_level = 2;
  o->payload = "";
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define VALUE(field) if (!next) return -1; o->field = next; i++; continue
    if (!strcmp(a, "--data")) { VALUE(data_dir); }
    if (!strcmp(a, "--image")) { VALUE(image); }
    if (!strcmp(a, "--ca")) { VALUE(ca); }
    if (!strcmp(a, "--call")) { VALUE(call); }
    if (!strcmp(a, "--payload")) { VALUE(payload); }
    if (!strcmp(a, "--in")) { VALUE(in); }
    if (!strcmp(a, "--out")) { VALUE(out); }
#undef VALUE
    if (!strcmp(a, "--seconds") && next) { o->seconds = atof(next); i++; continue; }
    if (!strcmp(a, "--log-level") && next) { o->log_level = atoi(next); i++; continue; }
    if (!strcmp(a, "--register")) { o->do_register = 1; continue; }
    if (!strcmp(a, "--video")) { o->video = 1; continue; }
    if (!strcmp(a, "--answer")) { o->answer = 1; continue; }
    if (!strcmp(a, "--info")) { o->info = 1; continue; }
    if (!strcmp(a, "--stdio")) { o->stdio = 1; continue; }
    if (!strcmp(a, "--tick-ms") && next) { o->tick_ms = atoi(next); i++; continue; }
    return -1;
  }
  return 0;
}

static int step(const char *what, int rc) {
  printf("%s: %d (%s)\n", what, rc, vsdk_strerror(rc));
  return rc < 0;
}

static void sleep_ms(long ms) {
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
  options_t o;
  if (parse(argc, argv, &o) != 0) {
    fprintf(stderr, "usage: vsdk-device [--data DIR] [--image FILE] [--ca PEM] [--register] [--call OPENID] [--video]\n"
                    "                   [--payload TEXT] [--answer] [--in WAV] [--out WAV] [--seconds N] [--log-level N] [--info]\n");
    return 2;
  }
  vsdk_posix_t *port = vsdk_posix_new(o.data_dir, o.ca, o.log_level);
  if (!port) { fprintf(stderr, "vsdk-device: cannot use data folder %s or CA file\n", o.data_dir); return 1; }
  uint8_t *image = NULL;
  uint32_t image_len = 0;
  if (o.image && !(image = vsdk_read_file(o.image, VSDK_IMAGE_MAX_BYTES, &image_len))) {
    fprintf(stderr, "vsdk-device: cannot read %s\n", o.image);
    return 1;
  }
  if (o.stdio) {
    int rc = vsdk_device_stdio(vsdk_posix_platform(port), image, image_len, o.tick_ms > 0 ? o.tick_ms : 5);
    vsdk_posix_free(port);
    free(image);
    return rc;
  }
  vsdk_config_t config = { 0 };
  config.platform = vsdk_posix_platform(port);
  config.on_event = on_event;
  int failed = step("init", vsdk_init(&config, image, image_len));
  if (!failed && o.do_register) failed |= step("register", vsdk_register());
  if (!failed && o.call) failed |= step("call", vsdk_call(o.call, o.video, o.payload));

  wav_t in = { 0 }, out = { 0 };
  if (o.in && wav_open_read(&in, o.in) != 0) { fprintf(stderr, "vsdk-device: %s is not 16-bit mono PCM WAV\n", o.in); failed = 1; }
  uint32_t rate = in.f ? in.rate : 8000;
  if (o.out && wav_open_write(&out, o.out, rate) != 0) { fprintf(stderr, "vsdk-device: cannot write %s\n", o.out); failed = 1; }
  int frame = (int)(rate / 50);
  int16_t pcm[960];
  long frames = (long)(o.seconds * 50);
  uint32_t start = config.platform->clock_ms(config.platform->ctx);
  for (long f = 0; !failed && f < frames; f++) {
    vsdk_tick(config.platform->clock_ms(config.platform->ctx));
    if (ringing && o.answer) { ringing = 0; failed |= step("answer", vsdk_answer()); }
    if (in.f) {
      int n = wav_read(&in, pcm, frame);
      if (n < frame) memset(pcm + n, 0, (size_t)(frame - n) * 2);
      vsdk_audio_in(pcm, frame);
    }
    int got = vsdk_audio_out(pcm, frame);
    if (out.f && got > 0) wav_write(&out, pcm, got);
    long due = (long)(f + 1) * 20 - (long)(config.platform->clock_ms(config.platform->ctx) - start);
    if (due > 0) sleep_ms(due);
  }
  wav_close(&in);
  wav_close(&out);
  vsdk_stats_t stats;
  vsdk_get_stats(&stats);
  printf("image %u bytes, ABI %u.%u; linear memory %u bytes allocated, %u in use; wasm3 heap %zu now, %zu peak; traps %u\n",
         stats.image_bytes, stats.abi_version >> 16, stats.abi_version & 0xffff, stats.linear_memory_bytes,
         stats.linear_memory_used, stats.heap_in_use, stats.heap_peak, stats.traps);
  vsdk_deinit();
  vsdk_posix_free(port);
  free(image);
  return failed ? 1 : 0;
}
