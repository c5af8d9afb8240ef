/* The host shims through real wasm3 and the real posix port: a probe image (images/probe.ts)
 * calls each import with arguments the test chooses. Checked against independent facts:
 * FIPS 180-2 and RFC 4231 vectors, a real UDP and TCP peer on loopback, files on disk, libopus. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "image_file.h"
#include "vsdk.h"
#include "vsdk_posix.h"

static vsdk_posix_t *port;
static int32_t io; /* the probe image's I/O buffer (256 bytes) */
static int last_kind, last_a, last_b;

static void on_event(void *arg, int kind, int a, int b) { (void)arg; last_kind = kind; last_a = a; last_b = b; }

static int32_t probe(const char *name, int argc, const int32_t *argv) {
  int32_t result = 0;
  int rc = vsdk_call_export(name, argc, argv, &result);
  return rc == VSDK_OK ? result : rc;
}
#define PROBE(name, ...) probe(name, (int)(sizeof((int32_t[]){ __VA_ARGS__ }) / sizeof(int32_t)), (int32_t[]){ __VA_ARGS__ })

static void put(const void *data, uint32_t len, uint32_t offset) { CHECK_EQ(vsdk_io_write(data, len, offset), (int)len); }
static void get(void *data, uint32_t len, uint32_t offset) { CHECK_EQ(vsdk_io_read(data, len, offset), (int)len); }

static void sleep_ms(long ms) { struct timespec ts = { 0, ms * 1000000L }; nanosleep(&ts, NULL); }

static void crypto_matches_standard_vectors(void) {
  /* FIPS 180-2 appendix B.1: SHA-256("abc"). */
  static const uint8_t abc_digest[32] = {
    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad };
  /* RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?". */
  static const uint8_t hmac_digest[32] = {
    0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
    0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43 };
  uint8_t out[32];
  put("abc", 3, 0);
  CHECK_EQ(PROBE("probe_sha256", io, 3, io + 64), 32);
  get(out, 32, 64);
  CHECK(memcmp(out, abc_digest, 32) == 0);
  const char *data = "what do ya want for nothing?";
  put("Jefe", 4, 0);
  put(data, (uint32_t)strlen(data), 8);
  CHECK_EQ(PROBE("probe_hmac_sha256", io, 4, io + 8, (int32_t)strlen(data), io + 64), 32);
  get(out, 32, 64);
  CHECK(memcmp(out, hmac_digest, 32) == 0);
  /* Output or input outside linear memory: refused, nothing written. */
  CHECK_EQ(PROBE("probe_sha256", io, 3, 32768 - 16), VSDK_E_ARG);
  CHECK_EQ(PROBE("probe_sha256", 32760, 100, io), VSDK_E_ARG);
  CHECK_EQ(PROBE("probe_sha256", io, -1, io), VSDK_E_ARG);
  CHECK_EQ(PROBE("probe_hmac_sha256", -4, 4, io, 1, io + 64), VSDK_E_ARG);
}

static void basics_work(void) {
  uint8_t a[32], b[32];
  CHECK_EQ(PROBE("probe_random", io, 32), 32);
  get(a, 32, 0);
  CHECK_EQ(PROBE("probe_random", io, 32), 32);
  get(b, 32, 0);
  CHECK(memcmp(a, b, 32) != 0);
  CHECK_EQ(PROBE("probe_random", 0x7ffffff0, 32), VSDK_E_ARG);
  uint32_t t0 = (uint32_t)PROBE("probe_clock_ms");
  sleep_ms(30);
  uint32_t t1 = (uint32_t)PROBE("probe_clock_ms");
  CHECK(t1 - t0 >= 25 && t1 - t0 < 2000);
  put("hello", 5, 0);
  CHECK_EQ(PROBE("probe_log", 3, io, 5), 0);
  CHECK_EQ(PROBE("probe_log", 3, 40000, 5), 0); /* out of range: ignored, no trap */
  CHECK_EQ(PROBE("probe_event", 3, 1, -7), 0);
  CHECK_EQ(last_kind, 3);
  CHECK_EQ(last_a, 1);
  CHECK_EQ(last_b, -7);
}

static void kv_is_atomic_files(void) {
  const char *key = "reg.v1";
  uint8_t value[100], back[100];
  for (int i = 0; i < 100; i++) value[i] = (uint8_t)(i * 7);
  put(key, 6, 0);
  put(value, 100, 16);
  CHECK_EQ(PROBE("probe_kv_get", io, 6, io + 128, 100), 0); /* absent */
  CHECK_EQ(PROBE("probe_kv_set", io, 6, io + 16, 100), 100);
  CHECK_EQ(PROBE("probe_kv_get", io, 6, io + 128, 99), VSDK_E_NOSPACE);
  CHECK_EQ(PROBE("probe_kv_get", io, 6, io + 128, 100), 100);
  get(back, 100, 128);
  CHECK(memcmp(value, back, 100) == 0);
  /* The value is a file named by the key in the data folder, with no temporary left over. */
  FILE *f = fopen("test-shims-data/reg.v1", "rb");
  CHECK(f != NULL);
  if (f) { CHECK_EQ(fread(back, 1, 100, f), 100); fclose(f); CHECK(memcmp(value, back, 100) == 0); }
  CHECK(access("test-shims-data/reg.v1.tmp", F_OK) != 0);
  CHECK_EQ(PROBE("probe_kv_delete", io, 6), VSDK_OK);
  CHECK_EQ(PROBE("probe_kv_get", io, 6, io + 128, 100), 0);
  CHECK_EQ(PROBE("probe_kv_delete", io, 6), VSDK_OK);
  /* Keys that could escape the folder, and empty keys, are refused. */
  put("../x", 4, 0);
  CHECK_EQ(PROBE("probe_kv_set", io, 4, io + 16, 10), VSDK_E_ARG);
  CHECK_EQ(PROBE("probe_kv_set", io, 0, io + 16, 10), VSDK_E_ARG);
  CHECK_EQ(PROBE("probe_kv_set", io, 6, 32767, 10), VSDK_E_ARG);
}

static void udp_talks_to_a_real_peer(void) {
  int peer = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in addr = { 0 };
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK_EQ(bind(peer, (struct sockaddr *)&addr, sizeof addr), 0);
  socklen_t alen = sizeof addr;
  getsockname(peer, (struct sockaddr *)&addr, &alen);
  put("127.0.0.1", 9, 0);
  int32_t h = PROBE("probe_udp_open", io, 9, ntohs(addr.sin_port));
  CHECK(h >= 0);
  CHECK_EQ(PROBE("probe_udp_recv", h, io + 64, 64), VSDK_E_AGAIN);
  put("ping!", 5, 16);
  CHECK_EQ(PROBE("probe_udp_send", h, io + 16, 5), 5);
  char buf[16] = { 0 };
  struct sockaddr_in from;
  socklen_t flen = sizeof from;
  CHECK_EQ(recvfrom(peer, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen), 5);
  CHECK(memcmp(buf, "ping!", 5) == 0);
  CHECK_EQ(sendto(peer, "pong, longer", 12, 0, (struct sockaddr *)&from, flen), 12);
  int32_t got = VSDK_E_AGAIN;
  for (int i = 0; i < 100 && got == VSDK_E_AGAIN; i++) { got = PROBE("probe_udp_recv", h, io + 64, 4); if (got == VSDK_E_AGAIN) sleep_ms(2); }
  CHECK_EQ(got, 4); /* truncated to cap */
  get(buf, 4, 64);
  CHECK(memcmp(buf, "pong", 4) == 0);
  CHECK_EQ(PROBE("probe_udp_send", 99, io, 5), VSDK_E_ARG);
  CHECK_EQ(PROBE("probe_udp_close", h), VSDK_OK);
  CHECK_EQ(PROBE("probe_udp_close", h), VSDK_E_ARG);
  close(peer);
}

static void *echo_once(void *arg) {
  int listener = *(int *)arg;
  int c = accept(listener, NULL, NULL);
  char buf[64];
  ssize_t n = recv(c, buf, sizeof buf, 0);
  if (n > 0) send(c, buf, (size_t)n, 0);
  close(c); /* orderly end of stream */
  return NULL;
}

static void stream_talks_to_a_real_peer(void) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = { 0 };
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK_EQ(bind(listener, (struct sockaddr *)&addr, sizeof addr), 0);
  listen(listener, 1);
  socklen_t alen = sizeof addr;
  getsockname(listener, (struct sockaddr *)&addr, &alen);
  pthread_t thread;
  pthread_create(&thread, NULL, echo_once, &listener);
  put("127.0.0.1", 9, 0);
  int32_t h = PROBE("probe_tls_connect", io, 9, ntohs(addr.sin_port), 1 /* plain TCP */);
  CHECK(h >= 0);
  put("hello stream", 12, 16);
  int32_t sent = VSDK_E_AGAIN;
  for (int i = 0; i < 200 && sent == VSDK_E_AGAIN; i++) { sent = PROBE("probe_tls_send", h, io + 16, 12); if (sent == VSDK_E_AGAIN) sleep_ms(2); }
  CHECK_EQ(sent, 12);
  char buf[16] = { 0 };
  int32_t got = 0, total = 0, eof = 0;
  for (int i = 0; i < 500 && !eof; i++) {
    got = PROBE("probe_tls_recv", h, io + 64 + total, 64 - total);
    if (got > 0) total += got;
    else if (got == 0) eof = 1;
    else if (got == VSDK_E_AGAIN) sleep_ms(2);
    else break;
  }
  CHECK_EQ(total, 12);
  CHECK(eof);
  get(buf, 12, 64);
  CHECK(memcmp(buf, "hello stream", 12) == 0);
  CHECK_EQ(PROBE("probe_tls_close", h), VSDK_OK);
  CHECK_EQ(PROBE("probe_tls_send", h, io, 1), VSDK_E_ARG);
  CHECK_EQ(PROBE("probe_tls_connect", io, 9, 0, 1), VSDK_E_ARG);
  CHECK_EQ(PROBE("probe_tls_connect", io, 300, 443, 0), VSDK_E_ARG);
  pthread_join(thread, NULL);
  close(listener);
}

static void opus_round_trip_through_libopus(void) {
  /* 10 ms of a 400 Hz square wave at 8 kHz (80 samples fill 160 of the probe's 256 I/O bytes):
   * encode into the rest, then decode, as the image would. */
  int16_t pcm[80];
  for (int i = 0; i < 80; i++) pcm[i] = (int16_t)(((i / 10) & 1) ? 8000 : -8000);
  put(pcm, sizeof pcm, 0);
  CHECK(PROBE("probe_opus_encode", io, 80, 8000, io + 160, 0) < 0); /* no room for the packet */
  int32_t bytes = PROBE("probe_opus_encode", io, 80, 8000, io + 160, 96);
  CHECK(bytes > 0 && bytes <= 96);
  CHECK_EQ(PROBE("probe_opus_encode", io, 80, 44100, io + 160, 96), VSDK_E_ARG);
  /* Decode at the encoder's rate: 80 samples; too small an output is an error, not a write. */
  CHECK(PROBE("probe_opus_decode", io + 160, bytes, io, 40, 0) < 0);
  CHECK_EQ(PROBE("probe_opus_decode", io + 160, bytes, io, 80, 0), 80);
  CHECK_EQ(PROBE("probe_opus_decode", 0, 0, io, 80, 0), 80); /* concealment of a lost packet */
  CHECK_EQ(PROBE("probe_opus_decode", io, 10, io + 1, 10, 0), VSDK_E_ARG); /* misaligned PCM */
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: test_shims IMAGES_DIR [case]\n"); return 2; }
  char path[1024];
  snprintf(path, sizeof path, "%s/probe.wasm", argv[1]);
  uint32_t len;
  uint8_t *image = vsdk_read_file(path, VSDK_IMAGE_MAX_BYTES, &len);
  if (!image) { fprintf(stderr, "cannot read %s\n", path); return 2; }
  system("rm -rf test-shims-data");
  port = vsdk_posix_new("test-shims-data", NULL, 0);
  vsdk_config_t config = { 0 };
  config.platform = vsdk_posix_platform(port);
  config.on_event = on_event;
  if (vsdk_init(&config, image, len) != VSDK_OK) { fprintf(stderr, "probe image refused\n"); return 1; }
  vsdk_call_export("vsdk_io_buffer", 0, NULL, &io);
  static const test_case_t cases[] = {
    { "crypto_matches_standard_vectors", crypto_matches_standard_vectors },
    { "basics_work", basics_work },
    { "kv_is_atomic_files", kv_is_atomic_files },
    { "udp_talks_to_a_real_peer", udp_talks_to_a_real_peer },
    { "stream_talks_to_a_real_peer", stream_talks_to_a_real_peer },
    { "opus_round_trip_through_libopus", opus_round_trip_through_libopus },
  };
  int rc = run_cases(cases, sizeof cases / sizeof cases[0], argc > 2 ? argv[2] : NULL);
  vsdk_deinit();
  vsdk_posix_free(port);
  free(image);
  return rc;
}
