/* The runtime refuses bad images with an error code and keeps the previous image running:
 * truncated, corrupt, wrong ABI, missing export, trap while starting, unlinkable import, float
 * opcodes on a float-free wasm3. A trap inside a call is reported with the image's own line
 * and the runtime goes on. Images: the release build/sdk.wasm and the fixtures in tests/c/images/. */
#include <stdlib.h>
#include "check.h"
#include "image_file.h"
#include "vsdk.h"
#include "vsdk_posix.h"
#include "vsdk_wx.h"

static const char *images_dir, *release_image;
static vsdk_posix_t *port;

static uint8_t *load(const char *name, uint32_t *len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.wasm", images_dir, name);
  uint8_t *bytes = vsdk_read_file(path, VSDK_IMAGE_MAX_BYTES, len);
  if (!bytes) { fprintf(stderr, "cannot read %s\n", path); exit(2); }
  return bytes;
}

/* Whether a cut after `cut` bytes falls inside a section (independent of the runtime's scanner:
 * a plain walk over the section headers, which must all be well-formed in the whole image). */
static int ends_inside_section(const uint8_t *wasm, uint32_t cut) {
  if (cut < 8) return 1;
  uint32_t at = 8;
  while (at < cut) {
    uint32_t size = 0, shift = 0, i = at + 1;
    do { size |= (uint32_t)(wasm[i] & 0x7f) << shift; shift += 7; } while (wasm[i++] & 0x80);
    at = i + size;
  }
  return at != cut;
}

static int start(const uint8_t *image, uint32_t len, int eager) {
  vsdk_config_t config = { 0 };
  config.platform = vsdk_posix_platform(port);
  config.compile_eagerly = eager;
  return vsdk_init(&config, image, len);
}

/* The running image is the fixture good.ts and answers as it should. */
static void check_good_running(int expected_count) {
  int32_t result = 0;
  CHECK_EQ(vsdk_call_export("test_count", 0, NULL, &result), VSDK_OK);
  CHECK_EQ(result, expected_count);
  vsdk_stats_t stats;
  vsdk_get_stats(&stats);
  CHECK_EQ(stats.abi_version, 1u << 16);
}

static void refused_keeps_previous(void) {
  uint32_t good_len, len;
  uint8_t *good = load("good", &good_len);
  CHECK_EQ(start(good, good_len, 1), VSDK_OK);
  check_good_running(1);
  size_t heap_before = 0;
  vsdk_stats_t stats;
  vsdk_get_stats(&stats);
  heap_before = stats.heap_in_use;

  /* Truncated at every length, with the OTA digest of the whole image: never accepted, never
   * a crash. Without the digest, a cut inside a section is refused by the structure check. */
  uint8_t digest[32];
  vsdk_posix_platform(port)->sha256(port, good, good_len, digest);
  int count = 1, refusals = 0, structural = 0;
  for (uint32_t cut = 0; cut < good_len; cut++) {
    int rc = vsdk_load_image(good, cut, digest);
    CHECK(rc < 0);
    refusals += rc < 0;
    if (!ends_inside_section(good, cut)) continue;
    rc = vsdk_load_image(good, cut, NULL);
    CHECK(rc < 0);
    refusals += rc < 0;
    structural++;
  }
  CHECK(structural > (int)good_len / 2);
  check_good_running(++count);
  /* The whole image with its digest is accepted (and restarts: the count begins again). */
  CHECK_EQ(vsdk_load_image(good, good_len, digest), VSDK_OK);
  count = 0;
  check_good_running(++count);
  vsdk_get_stats(&stats);
  heap_before = stats.heap_in_use;

  /* Corrupt: a valid header and garbage, and a flipped magic. */
  uint8_t *bad = malloc(good_len);
  memcpy(bad, good, good_len);
  for (uint32_t i = 8; i < good_len; i++) bad[i] = (uint8_t)(i * 37u + 11u);
  CHECK(vsdk_load_image(bad, good_len, NULL) < 0);
  memcpy(bad, good, good_len);
  bad[1] = 'x';
  CHECK_EQ(vsdk_load_image(bad, good_len, NULL), VSDK_E_IMAGE);
  check_good_running(++count);

  const struct { const char *name; int code; } cases[] = {
    { "abi2", VSDK_E_ABI },
    { "no_memory_used", VSDK_E_IMAGE },
    { "trap_start", VSDK_E_TRAP },
    { "bad_signature", VSDK_E_IMPORT },
    { "float_math", VSDK_E_ENGINE },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t *image = load(cases[i].name, &len);
    int rc = vsdk_load_image(image, len, NULL);
    if (rc != cases[i].code) fprintf(stderr, "%s: got %d (%s)\n", cases[i].name, rc, vsdk_strerror(rc));
    CHECK_EQ(rc, cases[i].code);
    check_good_running(++count);
    free(image);
  }
  vsdk_get_stats(&stats);
  CHECK_EQ(stats.images_refused, (uint32_t)(refusals + 2 + (int)(sizeof cases / sizeof cases[0])));
  /* Refusals free everything they allocated. */
  CHECK_EQ(stats.heap_in_use, heap_before);
  printf("wasm3 heap with the good image running: %zu bytes, before and after %u refusals\n",
         stats.heap_in_use, stats.images_refused);
  vsdk_deinit();
  CHECK_EQ(vsdk_get_stats(&stats), VSDK_OK);
  CHECK_EQ(stats.heap_in_use, 0);
  free(bad);
  free(good);
}

static void trap_is_reported_and_survived(void) {
  uint32_t len;
  uint8_t *good = load("good", &len);
  CHECK_EQ(start(good, len, 0), VSDK_OK);
  int32_t argv[1] = { 1 }, result = 0;
  CHECK_EQ(vsdk_call_export("test_trap", 1, argv, &result), VSDK_E_TRAP);
  uint32_t line = 0, column = 0;
  const char *message = NULL;
  CHECK_EQ(vsdk_last_trap(&line, &column, &message), VSDK_OK);
  /* The assert in good.ts is on its line 7. */
  CHECK_EQ(line, 7);
  CHECK(column > 0);
  CHECK(message && strstr(message, "unreachable"));
  printf("trap at good.ts:%u:%u (%s)\n", line, column, message ? message : "?");
  argv[0] = 0;
  CHECK_EQ(vsdk_call_export("test_trap", 1, argv, &result), VSDK_OK);
  CHECK_EQ(result, 7);
  check_good_running(1);
  vsdk_deinit();
  free(good);
}

static void lazy_float_fails_the_call_not_the_runtime(void) {
  uint32_t len;
  uint8_t *image = load("float_math", &len);
  CHECK_EQ(start(image, len, 0), VSDK_OK);
  int32_t argv[1] = { 10 }, result = 0;
  CHECK_EQ(vsdk_call_export("test_half", 1, argv, &result), VSDK_E_ENGINE);
  CHECK_EQ(vsdk_call_export("vsdk_io_capacity", 0, NULL, &result), VSDK_OK);
  CHECK_EQ(result, 256);
  vsdk_deinit();
  free(image);
}

static void unknown_import_answers_unsupported(void) {
  uint32_t len;
  uint8_t *image = load("unknown_import", &len);
  CHECK_EQ(start(image, len, 1), VSDK_OK);
  int32_t result = 0;
  CHECK_EQ(vsdk_call_export("test_future", 0, NULL, &result), VSDK_OK);
  CHECK_EQ(result, VSDK_E_UNSUPPORTED);
  vsdk_deinit();
  free(image);
}

/* The release image: accepted with every function compiled on a float-free wasm3 (so it holds
 * no float opcode: float_math above shows such an image is refused), ABI major 1, and its
 * linear memory in use stays within 32 KiB. */
static void release_image_is_float_free_and_small(void) {
  uint32_t len;
  uint8_t *image = vsdk_read_file(release_image, VSDK_IMAGE_MAX_BYTES, &len);
  CHECK(image != NULL);
  if (!image) return;
  int rc = start(image, len, 1);
  if (rc) fprintf(stderr, "release image: %d (%s)\n", rc, vsdk_strerror(rc));
  CHECK_EQ(rc, VSDK_OK);
  vsdk_stats_t stats;
  vsdk_get_stats(&stats);
  CHECK_EQ(stats.abi_version >> 16, VSDK_RUNTIME_ABI_MAJOR);
  CHECK(stats.linear_memory_used > 0 && stats.linear_memory_used <= 32768);
  printf("release image %u bytes: linear memory in use %u; wasm3 heap (all functions compiled) %zu\n",
         stats.image_bytes, stats.linear_memory_used, stats.heap_in_use);
  vsdk_deinit();
  free(image);
}

static void api_checks_arguments(void) {
  CHECK_EQ(vsdk_init(NULL, NULL, 0), VSDK_E_ARG);
  CHECK_EQ(vsdk_load_image(NULL, 0, NULL), VSDK_E_NOT_INIT);
  uint32_t len;
  uint8_t *good = load("good", &len);
  CHECK_EQ(start(good, len, 0), VSDK_OK);
  CHECK_EQ(start(good, len, 0), VSDK_E_STATE);
  CHECK_EQ(vsdk_call(NULL, 0, NULL), VSDK_E_ARG);
  CHECK_EQ(vsdk_call("o1", 7, NULL), VSDK_E_ARG);
  CHECK_EQ(vsdk_audio_in(NULL, 160), VSDK_E_ARG);
  int32_t argv[9] = { 0 };
  CHECK_EQ(vsdk_call_export("test_trap", 9, argv, NULL), VSDK_E_ARG);
  CHECK_EQ(vsdk_call_export("test_trap", 0, NULL, NULL), VSDK_E_ARG); /* wrong arity */
  CHECK_EQ(vsdk_call_export("no_such_export", 0, NULL, NULL), VSDK_E_UNSUPPORTED);
  /* The good image has no signalling: the verbs say so instead of failing oddly. */
  CHECK_EQ(vsdk_register(), VSDK_E_UNSUPPORTED);
  uint8_t big[300] = { 0 };
  CHECK_EQ(vsdk_io_write(big, sizeof big, 0), VSDK_E_NOSPACE);
  CHECK_EQ(vsdk_io_write(big, 10, 250), VSDK_E_NOSPACE);
  CHECK_EQ(vsdk_io_write(big, 10, 246), 10);
  CHECK(strcmp(vsdk_strerror(VSDK_E_TRUNCATED), vsdk_strerror(VSDK_E_MALFORMED)) != 0);
  CHECK(strstr(vsdk_strerror(-9), "wechat") != NULL);
  vsdk_deinit();
  free(good);
}

/* The WeChat-RTOS-shaped layer over the release image linked into "flash" (build/sdk_wasm.c). */
static void wx_layer_maps_to_the_image(void) {
  system("rm -rf test-wx-data");
  vsdk_posix_t *wx_port = vsdk_posix_new("test-wx-data", NULL, 0);
  CHECK_EQ(wx_init("wx0123456789abcdef", "model", "SN_WX", "test-wx-data", vsdk_posix_platform(wx_port), NULL, NULL), 0);
  wx_registration_t reg = WX_DEVICE_REGISTERED;
  /* Not provisioned yet: the image has no identity, so it cannot say. */
  CHECK_EQ(wx_device_is_registered(&reg), VSDK_E_STATE);
  CHECK_EQ(wx_device_is_registered(NULL), VSDK_E_ARG);
  CHECK(vsdk_provision("{\"sn\":\"SN_WX\",\"secret\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"cloud\":\"https://127.0.0.1:9\"}") >= 0);
  int32_t now = 0, started = 0;
  CHECK_EQ(vsdk_call_export("vsdk_device_init", 1, &now, &started), VSDK_OK);
  CHECK_EQ(started, 0);
  CHECK_EQ(wx_device_is_registered(&reg), 0);
  CHECK_EQ(reg, WX_DEVICE_NOT_REGISTERED);
  /* Calls before registration are refused by the image, with its code, and no request. */
  CHECK_EQ(wx_cloudvoip_client_call(WX_ROOM_TYPE_VOICE, "me", "o_user", "", "p"), VSDK_E_NOT_REGISTERED);
  CHECK_EQ(wx_cloudvoip_client_call((wx_room_type_t)5, "me", "o_user", "", "p"), VSDK_E_ARG);
  CHECK_EQ(wx_cloudvoip_client_join("c_1", ""), VSDK_E_STATE);
  vsdk_deinit();
  vsdk_posix_free(wx_port);
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: test_images IMAGES_DIR RELEASE_WASM [case]\n"); return 2; }
  images_dir = argv[1];
  release_image = argv[2];
  port = vsdk_posix_new("test-images-data", NULL, 0);
  static const test_case_t cases[] = {
    { "refused_keeps_previous", refused_keeps_previous },
    { "trap_is_reported_and_survived", trap_is_reported_and_survived },
    { "lazy_float_fails_the_call_not_the_runtime", lazy_float_fails_the_call_not_the_runtime },
    { "unknown_import_answers_unsupported", unknown_import_answers_unsupported },
    { "release_image_is_float_free_and_small", release_image_is_float_free_and_small },
    { "api_checks_arguments", api_checks_arguments },
    { "wx_layer_maps_to_the_image", wx_layer_maps_to_the_image },
  };
  int rc = run_cases(cases, sizeof cases / sizeof cases[0], argc > 3 ? argv[3] : NULL);
  vsdk_posix_free(port);
  return rc;
}
