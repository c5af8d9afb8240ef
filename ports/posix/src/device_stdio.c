/* vsdk-device --stdio: the posix device driven line by line, so a test driver in any language
 * can run the same scenarios against it as against the Node host's simulated device. After
 * "start" the device ticks every tick_ms between commands. Commands (one per line) and their replies:
 *   provision JSON | init | register | is_registered | answer | reject | cancel | hangup
 *   | phase | state | timeouts WAIT CALL RING REQUEST      -> "= RESULT"
 *   call ROOM OPENID [PAYLOAD [QUERY]]  (fields separated by one tab)  -> "= RESULT"
 *   report | device                      -> "= JSON" (the image's call or device report) or "= ERROR"
 *   stats                                -> "= {heap_in_use, heap_peak, linear_memory_used, ..., durable_writes}"
 *   start                                -> "= 0": ticking begins (as the Node device's start())
 *   tone HZ FRAMES                       -> "= 0": from now on, every 20 ms, one frame of a sine at
 *                                           HZ goes to vsdk_audio_in and one frame is taken from
 *                                           vsdk_audio_out, FRAMES times (the microphone and the
 *                                           speaker of a talking call)
 *   played                               -> "= {frames, rate, pcm}": what the speaker got so far,
 *                                           pcm as base64 of 16-bit little-endian samples
 *   ota                                  -> "= {running, confirmed, flags, reason}": vsdk_ota_status()
 *                                           (versions packed; flags 1 on trial, 2 rolled back)
 *   quit
 * Events are printed as they are raised, after the call into the image returned:
 *   "event KIND A B". */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vsdk.h"
#include "vsdk_posix.h"

#define LINE_MAX_BYTES 4096
#define PLAYED_MAX_SAMPLES (8000 * 10) /* 10 s at 8 kHz */
#define FRAME_MAX_SAMPLES 960
#define EVENT_RING 64

static struct { int kind, a, b; } events[EVENT_RING];
static unsigned event_count, events_dropped;
static const vsdk_platform_t *platform;
static int ticking;
/* The last "timeouts" given, set again on each new image (an OTA switch or rollback). */
static int32_t timeouts[4];
static int timeouts_set;
static uint32_t image_starts_seen;
static uint32_t last_tick;
/* The microphone and the speaker during "tone". */
static struct { int hz, frames_left, frames_done, rate; uint32_t phase, last_ms; } tone;
static int16_t played[PLAYED_MAX_SAMPLES];
static size_t played_samples;

/* Runs inside the image: only records; printed once the image has returned. */
static void on_event(void *arg, int kind, int a, int b) {
  (void)arg;
  if (event_count == EVENT_RING) { events_dropped++; return; }
  events[event_count].kind = kind;
  events[event_count].a = a;
  events[event_count].b = b;
  event_count++;
}

static void flush_events(void) {
  for (unsigned i = 0; i < event_count; i++) printf("event %d %d %d\n", events[i].kind, events[i].a, events[i].b);
  if (events_dropped) printf("event -1 %u 0\n", events_dropped);
  event_count = events_dropped = 0;
}

static int32_t now(void) { return (int32_t)platform->clock_ms(platform->ctx); }

static int export_call(const char *name, int argc, const int32_t *argv) {
  int32_t r = 0;
  int rc = vsdk_call_export(name, argc, argv, &r);
  return rc < 0 ? rc : r;
}

/* A new image starts with its defaults: the driver's settings are given to it again. */
static void after_restart(void) {
  uint32_t starts = vsdk_image_starts();
  if (starts == image_starts_seen) return;
  image_starts_seen = starts;
  if (timeouts_set) export_call("vsdk_signal_set_timeouts", 4, timeouts);
}

static int timed(const char *name) {
  int32_t t = now();
  return export_call(name, 1, &t);
}

/* A report export writes JSON into the I/O buffer and returns its length. */
static void print_report(const char *name) {
  int32_t io = 0, cap = 0;
  vsdk_call_export("vsdk_io_buffer", 0, NULL, &io);
  vsdk_call_export("vsdk_io_capacity", 0, NULL, &cap);
  int32_t argv[2] = { io, cap };
  int n = export_call(name, 2, argv);
  if (n < 0) { printf("= %d\n", n); return; }
  char *text = malloc((size_t)n + 1);
  if (!text || vsdk_io_read(text, (uint32_t)n, 0) != n) { printf("= %d\n", VSDK_E_NOSPACE); free(text); return; }
  text[n] = 0;
  printf("= %s\n", text);
  free(text);
}

static int do_call(char *args) {
  char *fields[4] = { 0 };
  int count = 0;
  for (char *p = args; p && count < 4; count++) {
    fields[count] = p;
    p = strchr(p, '\t');
    if (p) *p++ = 0;
  }
  if (count < 2) return VSDK_E_ARG;
  const char *openid = fields[1], *payload = fields[2] ? fields[2] : "", *query = fields[3] ? fields[3] : "";
  size_t lo = strlen(openid), lp = strlen(payload), lq = strlen(query);
  int32_t io = 0, cap = 0;
  vsdk_call_export("vsdk_io_buffer", 0, NULL, &io);
  vsdk_call_export("vsdk_io_capacity", 0, NULL, &cap);
  if (lo + lp + lq > (size_t)cap) return VSDK_E_NOSPACE;
  char *joined = malloc(lo + lp + lq + 1);
  if (!joined) return VSDK_E_NOSPACE;
  memcpy(joined, openid, lo);
  memcpy(joined + lo, payload, lp);
  memcpy(joined + lo + lp, query, lq);
  vsdk_io_write(joined, (uint32_t)(lo + lp + lq), 0);
  free(joined);
  int32_t argv[6] = { now(), atoi(fields[0]), io, (int32_t)lo, (int32_t)lp, (int32_t)lq };
  return export_call("vsdk_signal_call", 6, argv);
}

/* A sine of integer math (the Bhaskara approximation), amplitude ~8000: enough for a tone test. */
static int16_t sine_at(uint32_t phase16) {
  int32_t x = (int32_t)(phase16 % 32768u) * 180 / 32768; /* degrees in the half period */
  int32_t v = 4 * x * (180 - x) * 8000 / (40500 - x * (180 - x));
  return (int16_t)(phase16 & 32768u ? -v : v);
}

/* One 20 ms frame each way, when the tone is on and a frame is due. */
static void audio_frame(void) {
  uint32_t t = (uint32_t)now();
  if (tone.frames_left <= 0 || t - tone.last_ms < 20u) return;
  tone.last_ms = t;
  int samples = export_call("vsdk_media_frame_samples", 0, NULL);
  if (samples <= 0 || samples > FRAME_MAX_SAMPLES) samples = tone.rate / 50;
  int16_t frame[FRAME_MAX_SAMPLES];
  uint32_t step = (uint32_t)((uint64_t)tone.hz * 65536u / (uint32_t)tone.rate);
  for (int i = 0; i < samples; i++) { frame[i] = sine_at(tone.phase); tone.phase += step; }
  vsdk_audio_in(frame, samples);
  int got = vsdk_audio_out(frame, samples);
  for (int i = 0; i < got && played_samples < PLAYED_MAX_SAMPLES; i++) played[played_samples++] = frame[i];
  tone.frames_left--;
  tone.frames_done++;
}

static void print_played(void) {
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const uint8_t *bytes = (const uint8_t *)played;
  size_t n = played_samples * 2;
  printf("= {\"frames\":%d,\"rate\":%d,\"pcm\":\"", tone.frames_done, tone.rate);
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)bytes[i] << 16 | (i + 1 < n ? (uint32_t)bytes[i + 1] << 8 : 0) | (i + 2 < n ? bytes[i + 2] : 0);
    putchar(b64[v >> 18 & 63]);
    putchar(b64[v >> 12 & 63]);
    putchar(i + 1 < n ? b64[v >> 6 & 63] : '=');
    putchar(i + 2 < n ? b64[v & 63] : '=');
  }
  printf("\"}\n");
}

/* Runs one command line; returns 0 to go on, 1 to quit. */
static int command(char *line) {
  char *args = strchr(line, ' ');
  if (args) *args++ = 0;
  if (!strcmp(line, "quit")) return 1;
  if (!strcmp(line, "provision")) printf("= %d\n", args ? vsdk_provision(args) : VSDK_E_ARG);
  else if (!strcmp(line, "init")) printf("= %d\n", timed("vsdk_device_init"));
  else if (!strcmp(line, "start")) { ticking = 1; last_tick = (uint32_t)now(); printf("= 0\n"); }
  else if (!strcmp(line, "register")) printf("= %d\n", vsdk_register());
  else if (!strcmp(line, "is_registered")) printf("= %d\n", vsdk_is_registered());
  else if (!strcmp(line, "answer")) printf("= %d\n", vsdk_answer());
  else if (!strcmp(line, "reject")) printf("= %d\n", vsdk_reject());
  else if (!strcmp(line, "cancel")) printf("= %d\n", timed("vsdk_signal_cancel"));
  else if (!strcmp(line, "hangup")) printf("= %d\n", vsdk_hangup());
  else if (!strcmp(line, "phase")) printf("= %d\n", export_call("vsdk_signal_phase", 0, NULL));
  else if (!strcmp(line, "state")) printf("= %d\n", export_call("vsdk_signal_state", 0, NULL));
  else if (!strcmp(line, "call")) printf("= %d\n", do_call(args));
  else if (!strcmp(line, "report")) print_report("vsdk_signal_report");
  else if (!strcmp(line, "device")) print_report("vsdk_device_report");
  else if (!strcmp(line, "timeouts")) {
    int32_t t[4] = { 0, 0, 0, 10000 };
    int n = args ? sscanf(args, "%d %d %d %d", &t[0], &t[1], &t[2], &t[3]) : 0;
    int rc = n >= 3 ? export_call("vsdk_signal_set_timeouts", 4, t) : VSDK_E_ARG;
    if (rc == 0) { memcpy(timeouts, t, sizeof timeouts); timeouts_set = 1; }
    printf("= %d\n", rc);
  } else if (!strcmp(line, "tone")) {
    int hz = 0, frames = 0;
    if (!args || sscanf(args, "%d %d", &hz, &frames) != 2 || hz <= 0 || frames < 0) { printf("= %d\n", VSDK_E_ARG); return 0; }
    int rate = vsdk_audio_rate();
    if (rate <= 0) { printf("= %d\n", rate < 0 ? rate : VSDK_E_STATE); return 0; }
    tone.hz = hz;
    tone.rate = rate;
    tone.frames_left = frames;
    tone.frames_done = 0;
    tone.last_ms = (uint32_t)now() - 20u;
    played_samples = 0;
    printf("= 0\n");
  } else if (!strcmp(line, "played")) {
    print_played();
  } else if (!strcmp(line, "ota")) {
    vsdk_ota_status_t st;
    int rc = vsdk_ota_status(&st);
    if (rc != VSDK_OK) printf("= %d\n", rc);
    else printf("= {\"running\":%u,\"confirmed\":%u,\"flags\":%u,\"reason\":%d}\n", (unsigned)st.running_version,
                (unsigned)st.last_confirmed, (unsigned)st.flags, (int)st.rollback_reason);
  } else if (!strcmp(line, "stats")) {
    vsdk_stats_t s;
    vsdk_get_stats(&s);
    printf("= {\"heap_in_use\":%zu,\"heap_peak\":%zu,\"linear_memory_used\":%u,\"linear_memory_bytes\":%u,\"traps\":%u,"
           "\"durable_writes\":%ld}\n",
           s.heap_in_use, s.heap_peak, s.linear_memory_used, s.linear_memory_bytes, s.traps,
           vsdk_posix_durable_writes((vsdk_posix_t *)platform->ctx));
  } else printf("= %d\n", VSDK_E_ARG);
  return 0;
}

int vsdk_device_stdio(const vsdk_platform_t *p, const uint8_t *image, uint32_t image_len, int tick_ms) {
  platform = p;
  setvbuf(stdout, NULL, _IOLBF, 0);
  vsdk_config_t config = { 0 };
  config.platform = p;
  config.on_event = on_event;
  int rc = vsdk_init(&config, image, image_len);
  printf("ready %d\n", rc);
  if (rc != VSDK_OK) return 1;
  image_starts_seen = vsdk_image_starts();
  char line[LINE_MAX_BYTES];
  size_t used = 0;
  int quit = 0;
  while (!quit) {
    struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
    if (poll(&pfd, 1, tick_ms) > 0) {
      ssize_t n = read(STDIN_FILENO, line + used, sizeof line - 1 - used);
      if (n <= 0) break; /* the driver went away */
      used += (size_t)n;
      char *nl;
      while (!quit && (nl = memchr(line, '\n', used))) {
        *nl = 0;
        quit = command(line);
        flush_events();
        size_t rest = used - (size_t)(nl + 1 - line);
        memmove(line, nl + 1, rest);
        used = rest;
      }
      if (used == sizeof line - 1) used = 0; /* an over-long line is dropped */
    }
    /* Ticks on a fixed period, like the Node device's timer, not after every command. */
    uint32_t t = (uint32_t)now();
    if (ticking && t - last_tick >= (uint32_t)tick_ms) {
      last_tick = t;
      vsdk_tick(t);
    }
    audio_frame();
    after_restart();
    flush_events();
  }
  vsdk_deinit();
  return 0;
}
