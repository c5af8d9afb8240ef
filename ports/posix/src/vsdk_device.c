/* vsdk-device: a device on a desktop, the C twin of the Node simulated device (`vsdk device`),
 * with the same verbs and options. It runs the image through the C runtime on wasm3 with the
 * posix port: files for storage, sockets and mbedTLS for the network, WAV files for audio.
 *
 *   vsdk-device <verb> --storage DIR [options]
 *     provision --sn SN --secret HEX --cloud URL   (or --identity FILE, the JSON `vsdk provision`
 *                                                  prints, plus --cloud)
 *     register | status
 *     call OPENID [--payload P] [--query Q] [--hangup-after S]
 *     listen [--answer | --reject] [--hangup-after S] [--calls N]
 *   --storage DIR  --ca FILE  --wait S  --json        as `vsdk device`
 *   --image FILE   run this image instead of the one linked in
 * OTA: the runtime boots the image the boot record names (docs/ota.md, "C runtime"): a staged or
 * trial package in STORAGE/ota-slot-N.bin, else the confirmed one, else the image linked in (or
 * --image). VSDK_POWER_CUT_AT=N cuts power at the Nth durable write (tests).
 * Older form, still honoured: STORAGE/ota-image.wasm with its SHA-256 in STORAGE/ota-image.sha256
 * (64 hex digits), checked like any image (vsdk_load_image); when refused the booted image runs on.
 *   --in WAV --out WAV   microphone and speaker while talking (16-bit mono at the call's rate)
 *   --log-level 0..3
 *   vsdk-device --stdio --storage DIR [--image FILE] [--ca PEM] [--tick-ms N]
 *     line-driven, for test drivers (device_stdio.c)
 * Exit status: 0 when the verb succeeded, 1 with the error printed otherwise, 2 for bad usage. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "image_file.h"
#include "vsdk.h"
#include "vsdk_posix.h"
#include "wav.h"

int vsdk_device_stdio(const vsdk_platform_t *platform, const uint8_t *image, uint32_t image_len, int tick_ms);

/* assembly/signal/events.ts and assembly/signal/call.ts */
enum { EVENT_LINK = 1, EVENT_REGISTERED = 2, EVENT_RING = 3, EVENT_STATE = 4, EVENT_MEDIA = 5, EVENT_COMMAND = 6, EVENT_BUSY_SENT = 7 };
enum { PHASE_TALKING = 5, PHASE_ENDED = 7 };
static const char *const state_names[] = { "idle", "calling", "talking", "rejected", "cancelled", "caller hung up",
                                           "callee hung up", "aborted", "busy", "no answer" };

typedef struct {
  const char *verb, *arg, *storage, *ca, *image, *in, *out, *sn, *secret, *cloud, *identity, *payload, *query;
  int json, answer, reject, stdio, tick_ms, log_level, wait_s;
  double hangup_after;
  long calls;
} options_t;

static options_t o;
static const vsdk_platform_t *platform;
static struct timespec t0;
static struct { int kind, a, b; } pending[64];
static unsigned pending_count;

static const char *usage =
  "usage: vsdk-device <verb> --storage DIR [options]   (verbs: provision, register, status, call OPENID, listen)\n"
  "       vsdk-device --stdio --storage DIR [--image FILE] [--ca PEM] [--tick-ms N]\n";

static int parse(int argc, char **argv) {
  memset(&o, 0, sizeof o);
  o.storage = ".vsdk/device";
  o.log_level = 1;
  o.calls = -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
    const char **text = NULL;
    if (!strcmp(a, "--storage") || !strcmp(a, "--data")) text = &o.storage;
    else if (!strcmp(a, "--ca")) text = &o.ca;
    else if (!strcmp(a, "--image")) text = &o.image;
    else if (!strcmp(a, "--in")) text = &o.in;
    else if (!strcmp(a, "--out")) text = &o.out;
    else if (!strcmp(a, "--sn")) text = &o.sn;
    else if (!strcmp(a, "--secret")) text = &o.secret;
    else if (!strcmp(a, "--cloud")) text = &o.cloud;
    else if (!strcmp(a, "--identity")) text = &o.identity;
    else if (!strcmp(a, "--payload")) text = &o.payload;
    else if (!strcmp(a, "--query")) text = &o.query;
    if (text) { if (!next) return -1; *text = next; i++; continue; }
    if (!strcmp(a, "--json")) { o.json = 1; continue; }
    if (!strcmp(a, "--answer")) { o.answer = 1; continue; }
    if (!strcmp(a, "--reject")) { o.reject = 1; continue; }
    if (!strcmp(a, "--stdio")) { o.stdio = 1; continue; }
    if (next && !strcmp(a, "--hangup-after")) { o.hangup_after = atof(next); i++; continue; }
    if (next && !strcmp(a, "--calls")) { o.calls = atol(next); i++; continue; }
    if (next && !strcmp(a, "--wait")) { o.wait_s = atoi(next); i++; continue; }
    if (next && !strcmp(a, "--tick-ms")) { o.tick_ms = atoi(next); i++; continue; }
    if (next && !strcmp(a, "--log-level")) { o.log_level = atoi(next); i++; continue; }
    if (a[0] == '-') return -1;
    if (!o.verb) o.verb = a;
    else if (!o.arg) o.arg = a;
    else return -1;
  }
  return 0;
}

/* One line of the timeline: readable, or one JSON object with --json. extra is JSON members. */
static void say(const char *what, const char *extra) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  long ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
  if (o.json) printf("{\"t_ms\":%ld,\"what\":\"%s\"%s%s}\n", ms, what, extra && *extra ? "," : "", extra ? extra : "");
  else printf("%8.3f s  %s%s%s%s\n", ms / 1000.0, what, extra && *extra ? "  {" : "", extra ? extra : "", extra && *extra ? "}" : "");
  fflush(stdout);
}

static int fail(const char *what, int code) {
  char extra[160], line[160];
  snprintf(extra, sizeof extra, "\"code\":%d,\"error\":\"%s\"", code, vsdk_strerror(code));
  snprintf(line, sizeof line, "%s failed", what);
  say(line, extra);
  return 1;
}

/* Runs inside the image: noted, and told after the call into the image returned. */
static void on_event(void *arg, int kind, int a, int b) {
  (void)arg;
  if (pending_count < sizeof pending / sizeof pending[0]) {
    pending[pending_count].kind = kind;
    pending[pending_count].a = a;
    pending[pending_count].b = b;
    pending_count++;
  }
}

static int ringing, registered_result = 1, talking;
static const char *running_image = "flash";

static void tell_events(void) {
  char line[160], extra[160];
  for (unsigned i = 0; i < pending_count; i++) {
    int kind = pending[i].kind, a = pending[i].a, b = pending[i].b;
    if (kind == EVENT_STATE) {
      snprintf(line, sizeof line, "call state %d (%s), reason %d", a, a >= 0 && a <= 9 ? state_names[a] : "?", b);
      say(line, "");
      if (a == 2) talking = 1;
    } else if (kind == EVENT_RING) {
      snprintf(line, sizeof line, "ring (%s)", a ? "video" : "voice");
      say(line, "");
      ringing = 1;
    } else if (kind == EVENT_REGISTERED) {
      registered_result = a;
    } else if (kind == EVENT_MEDIA) {
      snprintf(extra, sizeof extra, "\"relay_port\":%d,\"payload_type\":%d", a, b);
      say("media ready", extra);
    } else if (kind == EVENT_LINK) {
      snprintf(extra, sizeof extra, "\"code\":%d", b);
      say(a ? "cloud reachable" : "cloud unreachable, retrying", a ? "" : extra);
    } else if (kind == EVENT_COMMAND && b != 0) {
      snprintf(line, sizeof line, "command %d failed", a);
      snprintf(extra, sizeof extra, "\"code\":%d,\"error\":\"%s\"", b, vsdk_strerror(b));
      say(line, extra);
    } else if (kind == EVENT_BUSY_SENT) {
      say("told a second caller the device is busy", "");
    }
  }
  pending_count = 0;
}

static uint32_t now(void) { return platform->clock_ms(platform->ctx); }

static int export_i32(const char *name, int argc, const int32_t *argv) {
  int32_t r = 0;
  int rc = vsdk_call_export(name, argc, argv, &r);
  return rc < 0 ? rc : r;
}

static void sleep_ms(long ms) {
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

/* The value of "key" in a small flat JSON object, copied into out; 0 or -1. */
static int json_string(const char *json, const char *key, char *out, size_t cap) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\"", key);
  const char *at = strstr(json, pattern);
  if (!at) return -1;
  at = strchr(at + strlen(pattern), '"');
  if (!at) return -1;
  const char *end = strchr(++at, '"');
  if (!end || (size_t)(end - at) >= cap) return -1;
  memcpy(out, at, (size_t)(end - at));
  out[end - at] = 0;
  return 0;
}

static int provision(void) {
  char sn[160] = "", secret[160] = "", json[512];
  if (o.identity) {
    uint32_t n;
    char *text = (char *)vsdk_read_file(o.identity, 8192, &n);
    if (!text) { fprintf(stderr, "vsdk-device: cannot read %s\n", o.identity); return 2; }
    char *z = realloc(text, n + 1);
    if (!z) { free(text); return 2; }
    z[n] = 0;
    json_string(z, "sn", sn, sizeof sn);
    json_string(z, "secret", secret, sizeof secret);
    free(z);
  }
  if (o.sn) snprintf(sn, sizeof sn, "%s", o.sn);
  if (o.secret) snprintf(secret, sizeof secret, "%s", o.secret);
  if (!sn[0] || !secret[0] || !o.cloud) { fputs(usage, stderr); return 2; }
  snprintf(json, sizeof json, "{\"sn\":\"%s\",\"secret\":\"%s\",\"cloud\":\"%s\"}", sn, secret, o.cloud);
  int rc = vsdk_provision(json);
  if (rc < 0) return fail("provision", rc);
  char extra[600];
  snprintf(extra, sizeof extra, "\"sn\":\"%s\",\"cloud\":\"%s\",\"storage\":\"%s\"", sn, o.cloud, o.storage);
  say("provisioned", extra);
  return 0;
}

/* The image's device report (JSON), for status and register. */
static void say_report(const char *what) {
  int32_t io = export_i32("vsdk_io_buffer", 0, NULL), cap = export_i32("vsdk_io_capacity", 0, NULL);
  int n = export_i32("vsdk_device_report", 2, (int32_t[]){ io, cap });
  char text[1024] = "";
  if (n > 2 && n < (int)sizeof text && vsdk_io_read(text, (uint32_t)n, 0) == n) {
    text[n - 1] = 0; /* drop the closing brace: the members go into our own object */
    char extra[1100];
    snprintf(extra, sizeof extra, "%s,\"image\":\"%s\"", text + 1, running_image);
    say(what, extra);
  } else say(what, "");
}

/* Ticks until `done` says so (or the deadline), moving audio every 20 ms while talking. */
typedef int (*until_fn)(void);
static wav_t mic, speaker;

static int run_until(until_fn done, uint32_t timeout_ms) {
  uint32_t start = now(), last_audio = start, hangup_at = 0;
  int hung_up = 0;
  int16_t pcm[960];
  while (!done()) {
    uint32_t t = now();
    if (t - start > timeout_ms) return -1;
    vsdk_tick(t);
    tell_events();
    /* An OTA switch or rollback started a new image with its defaults: --wait again. */
    static uint32_t starts_seen;
    if (vsdk_image_starts() != starts_seen) {
      if (starts_seen && o.wait_s > 0) export_i32("vsdk_signal_set_timeouts", 4, (int32_t[]){ o.wait_s, 60000, 60000, 10000 });
      starts_seen = vsdk_image_starts();
    }
    int phase = export_i32("vsdk_signal_phase", 0, NULL);
    /* --hangup-after: armed when a call starts talking, fired once per call. */
    if (phase != PHASE_TALKING) { hangup_at = 0; hung_up = 0; }
    else if (o.hangup_after > 0 && !hung_up) {
      if (!hangup_at) hangup_at = t + (uint32_t)(o.hangup_after * 1000) + 1;
      else if ((int32_t)(t - hangup_at) >= 0) { say("hanging up", ""); vsdk_hangup(); hung_up = 1; }
    }
    if (phase == PHASE_TALKING && t - last_audio >= 20) {
      last_audio = t;
      int rate = vsdk_audio_rate(), samples = rate > 0 ? rate / 50 : 0;
      if (samples > 0 && samples <= 960) {
        int got = mic.f ? wav_read(&mic, pcm, samples) : 0;
        if (got < samples) memset(pcm + got, 0, (size_t)(samples - got) * 2);
        vsdk_audio_in(pcm, samples);
        int played = vsdk_audio_out(pcm, samples);
        if (speaker.f && played > 0) wav_write(&speaker, pcm, played);
      }
    }
    sleep_ms(5);
  }
  return 0;
}

static int registered_done(void) { return registered_result != 1; }
static int call_ended(void) { return export_i32("vsdk_signal_phase", 0, NULL) == PHASE_ENDED; }
static int rang(void) { return ringing; }

static void say_call_over(const char *what) {
  char extra[200];
  snprintf(extra, sizeof extra, "\"state\":%d,\"reason\":%d,\"error\":%d", export_i32("vsdk_signal_state", 0, NULL),
           export_i32("vsdk_signal_reason", 0, NULL), export_i32("vsdk_signal_error", 0, NULL));
  say(what, extra);
}

static int verb_main(void) {
  if (!strcmp(o.verb, "provision")) return provision();
  int init = export_i32("vsdk_device_init", 1, (int32_t[]){ (int32_t)now() });
  if (init != 0) return fail("init (is the device provisioned?)", init);
  if (o.wait_s > 0) export_i32("vsdk_signal_set_timeouts", 4, (int32_t[]){ o.wait_s, 60000, 60000, 10000 });
  if (!strcmp(o.verb, "status")) {
    say_report("status");
    return vsdk_is_registered() == 1 ? 0 : 1;
  }
  if (!strcmp(o.verb, "register")) {
    int rc = vsdk_register();
    if (rc != 0) return fail("register", rc);
    if (run_until(registered_done, 60000) != 0) return fail("register", VSDK_E_TIMEOUT);
    if (registered_result != 0) return fail("register", registered_result);
    say_report("registered");
    return 0;
  }
  if (o.in && wav_open_read(&mic, o.in) != 0) { fprintf(stderr, "vsdk-device: %s is not 16-bit mono PCM WAV\n", o.in); return 2; }
  if (o.out && wav_open_write(&speaker, o.out, 8000) != 0) { fprintf(stderr, "vsdk-device: cannot write %s\n", o.out); return 2; }
  int result = 2;
  if (!strcmp(o.verb, "call") && o.arg) {
    int32_t io = export_i32("vsdk_io_buffer", 0, NULL);
    const char *payload = o.payload ? o.payload : "", *query = o.query ? o.query : "";
    size_t lo = strlen(o.arg), lp = strlen(payload), lq = strlen(query);
    char joined[1024];
    if (lo + lp + lq >= sizeof joined) return fail("call", VSDK_E_ARG);
    memcpy(joined, o.arg, lo);
    memcpy(joined + lo, payload, lp);
    memcpy(joined + lo + lp, query, lq);
    vsdk_io_write(joined, (uint32_t)(lo + lp + lq), 0);
    int rc = export_i32("vsdk_signal_call", 6, (int32_t[]){ (int32_t)now(), 0, io, (int32_t)lo, (int32_t)lp, (int32_t)lq });
    if (rc != 0) return fail("call", rc);
    char line[300];
    snprintf(line, sizeof line, "calling %s", o.arg);
    say(line, "");
    if (run_until(call_ended, 600000) != 0) return fail("call", VSDK_E_TIMEOUT);
    say_call_over("call over");
    result = export_i32("vsdk_signal_error", 0, NULL) == 0 ? 0 : 1;
  } else if (!strcmp(o.verb, "listen")) {
    say("waiting for calls", "");
    for (long n = 0; o.calls < 0 || n < o.calls; n++) {
      ringing = 0;
      if (run_until(rang, 24u * 3600u * 1000u) != 0) break;
      if (o.reject) vsdk_reject();
      else if (o.answer) vsdk_answer();
      if (run_until(call_ended, 600000) != 0) return fail("listen", VSDK_E_TIMEOUT);
      say_call_over("call over");
    }
    result = 0;
  } else fputs(usage, stderr);
  if (speaker.f) speaker.rate = (uint32_t)(vsdk_audio_rate() > 0 ? vsdk_audio_rate() : 8000);
  wav_close(&mic);
  wav_close(&speaker);
  return result;
}

/* The storage's OTA image and its digest, or NULL (the caller frees the image). */
static uint8_t *ota_image(uint32_t *len, uint8_t sha[32]) {
  char path[600], hex[80];
  snprintf(path, sizeof path, "%s/ota-image.sha256", o.storage);
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  int ok = fscanf(f, "%64s", hex) == 1 && strlen(hex) == 64;
  fclose(f);
  for (int i = 0; ok && i < 32; i++) { unsigned v; ok = sscanf(hex + 2 * i, "%2x", &v) == 1; sha[i] = (uint8_t)v; }
  if (!ok) return NULL;
  snprintf(path, sizeof path, "%s/ota-image.wasm", o.storage);
  return vsdk_read_file(path, VSDK_IMAGE_MAX_BYTES, len);
}

int main(int argc, char **argv) {
  if (parse(argc, argv) != 0 || (!o.stdio && !o.verb)) { fputs(usage, stderr); return 2; }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  vsdk_posix_t *port = vsdk_posix_new(o.storage, o.ca, o.log_level);
  if (!port) { fprintf(stderr, "vsdk-device: cannot use storage %s or CA file %s\n", o.storage, o.ca ? o.ca : "(system)"); return 1; }
  platform = vsdk_posix_platform(port);
  uint8_t *image = NULL;
  uint32_t image_len = 0;
  if (o.image && !(image = vsdk_read_file(o.image, VSDK_IMAGE_MAX_BYTES, &image_len))) {
    fprintf(stderr, "vsdk-device: cannot read %s\n", o.image);
    return 1;
  }
  int rc;
  if (o.stdio) rc = vsdk_device_stdio(platform, image, image_len, o.tick_ms > 0 ? o.tick_ms : 5);
  else {
    vsdk_config_t config = { 0 };
    config.platform = platform;
    config.on_event = on_event;
    rc = vsdk_init(&config, image, image_len);
    uint8_t sha[32];
    uint32_t ota_len = 0;
    uint8_t *ota = rc == VSDK_OK && !o.image ? ota_image(&ota_len, sha) : NULL;
    vsdk_ota_status_t ota_state;
    if (rc == VSDK_OK && vsdk_ota_status(&ota_state) == VSDK_OK && ota_state.running_version) running_image = "slot";
    if (ota) {
      int swapped = vsdk_load_image(ota, ota_len, sha);
      if (swapped == VSDK_OK) running_image = "ota";
      else fail("the OTA image (the image linked in runs)", swapped);
    }
    if (rc != VSDK_OK) rc = fail("start", rc);
    else {
      pending_count = 0; /* what the start raised before provisioning is not news */
      rc = verb_main();
      vsdk_deinit();
    }
    free(ota); /* wasm3 reads an image in place: freed only after the runtime is gone */
  }
  vsdk_posix_free(port);
  free(image);
  return rc;
}
