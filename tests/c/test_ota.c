/* OTA on the posix device, through the five imports as the image calls them (the test image
 * tests/c/images/ota_probe.ts forwards them), real wasm3, the posix slots and key-value files.
 * Packages are made by the release tool (tests/c/ota_packages.cmake) with the development key
 * the runtime was built with; faults are made here by changing their bytes. Expected codes are
 * docs/ota.md's refusal table. The power-cut case forks: a child is cut at its Nth durable
 * write (VSDK_POWER_CUT_AT), and another child boots from what reached the disk.
 * With VSDK_TEST_FLASH_SLOTS=1 the same cases run over the raw-flash slot back-end of the
 * FreeRTOS port (ports/freertos/src/vsdk_flash_slots.c) on a simulated NOR flash: a file mapped
 * shared (so it survives the "reboot" into a new process), erased to 0xFF, programmed by AND. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "image_file.h"
#include "vsdk.h"
#include "vsdk_posix.h"
#include "vsdk_flash_slots.h"

#define V(a, b, c) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c))
#define CHUNK 200u

typedef struct { uint8_t *bytes; uint32_t len; } blob_t;

static const char *images_dir, *packages_dir;
static char state_dir[256];
static vsdk_posix_t *port;
static vsdk_platform_t platform;
static blob_t builtin;
static uint32_t fake_now;
static int use_fake_clock;
static uint32_t health_timeout_ms;
static int ready_events;

/* --- the simulated NOR flash (VSDK_TEST_FLASH_SLOTS=1) --- */

#define SECTOR 4096u
#define FLASH_SLOT_BYTES (((VSDK_POSIX_SLOT_BYTES + SECTOR - 1) / SECTOR) * SECTOR)
static int flash_mode;
static uint8_t *nor;
static vsdk_flash_slots_t flash_config;

static int nor_erase(void *ctx, uint32_t address, uint32_t len) {
  (void)ctx;
  if (address % SECTOR || len % SECTOR || address + len > 2 * FLASH_SLOT_BYTES) return VSDK_E_ARG;
  if (vsdk_posix_power_cut_point(port)) {
    memset(nor + address, 0xff, len / 2); /* the cut stops the erase halfway */
    msync(nor, 2 * FLASH_SLOT_BYTES, MS_SYNC);
    _exit(VSDK_POSIX_POWER_CUT_EXIT);
  }
  memset(nor + address, 0xff, len);
  return msync(nor, 2 * FLASH_SLOT_BYTES, MS_SYNC) == 0 ? VSDK_OK : VSDK_E_IO;
}

static int nor_program(void *ctx, uint32_t address, const uint8_t *data, size_t len) {
  (void)ctx;
  if (address + len > 2 * FLASH_SLOT_BYTES) return VSDK_E_ARG;
  size_t n = vsdk_posix_power_cut_point(port) ? len / 2 : len;
  for (size_t i = 0; i < n; i++) nor[address + i] &= data[i]; /* NOR: bits only go to 0 */
  if (msync(nor, 2 * FLASH_SLOT_BYTES, MS_SYNC) != 0) return VSDK_E_IO;
  if (n < len) _exit(VSDK_POSIX_POWER_CUT_EXIT);
  return VSDK_OK;
}

static void flash_attach(void) {
  char path[600];
  snprintf(path, sizeof path, "%s/nor-flash.bin", state_dir);
  int fresh = access(path, F_OK) != 0;
  int fd = open(path, O_RDWR | O_CREAT, 0600);
  if (fd < 0 || ftruncate(fd, 2 * FLASH_SLOT_BYTES) != 0) { perror(path); exit(2); }
  nor = mmap(NULL, 2 * FLASH_SLOT_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (nor == MAP_FAILED) { perror("mmap"); exit(2); }
  if (fresh) memset(nor, 0xff, 2 * FLASH_SLOT_BYTES); /* new flash comes erased */
  flash_config.slot_address[0] = 0;
  flash_config.slot_address[1] = FLASH_SLOT_BYTES;
  flash_config.slot_bytes = FLASH_SLOT_BYTES;
  flash_config.xip_base = nor;
  flash_config.erase = nor_erase;
  flash_config.program = nor_program;
}

static void flash_detach(void) {
  if (nor) munmap(nor, 2 * FLASH_SLOT_BYTES);
  nor = NULL;
}

static void set_slot_limit(uint32_t bytes) {
  if (flash_mode) flash_config.slot_bytes = bytes;
  else vsdk_posix_set_slot_size(port, bytes);
}

static blob_t read_blob(const char *dir, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  blob_t b = { NULL, 0 };
  b.bytes = vsdk_read_file(path, 1u << 20, &b.len);
  if (!b.bytes) { fprintf(stderr, "cannot read %s\n", path); exit(2); }
  return b;
}

static blob_t package(const char *name) {
  char file[128];
  snprintf(file, sizeof file, "%s.vota", name);
  return read_blob(packages_dir, file);
}

/* The previous case's storage goes: the folder holds only files. */
static void remove_state(void) {
  if (!state_dir[0]) return;
  DIR *d = opendir(state_dir);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) continue;
    char path[600];
    snprintf(path, sizeof path, "%s/%s", state_dir, e->d_name);
    unlink(path);
  }
  if (d) closedir(d);
  rmdir(state_dir);
  state_dir[0] = 0;
}

static void fresh_state(void) {
  remove_state();
  snprintf(state_dir, sizeof state_dir, "/tmp/vsdk-ota-XXXXXX");
  if (!mkdtemp(state_dir)) { perror("mkdtemp"); exit(2); }
}

static uint32_t fake_clock(void *ctx) { (void)ctx; return fake_now; }

static void on_event(void *arg, int kind, int a, int b) {
  (void)arg; (void)a; (void)b;
  if (kind == 10) ready_events++;
}

/* A boot of the device from its storage: the posix port over state_dir, the probe image as the
 * image linked into flash. */
static int boot(void) {
  port = vsdk_posix_new(state_dir, NULL, 0);
  if (!port) { fprintf(stderr, "cannot use %s\n", state_dir); exit(2); }
  platform = *vsdk_posix_platform(port);
  if (use_fake_clock) platform.clock_ms = fake_clock;
  if (flash_mode) {
    flash_attach();
    vsdk_flash_slots_install(&platform, &flash_config);
  }
  vsdk_config_t config = { 0 };
  config.platform = &platform;
  config.on_event = on_event;
  config.ota_health_timeout_ms = health_timeout_ms;
  return vsdk_init(&config, builtin.bytes, builtin.len);
}

static void power_off(void) {
  vsdk_deinit();
  vsdk_posix_free(port);
  port = NULL;
  flash_detach();
}

static int32_t image_call(const char *name, int argc, const int32_t *argv) {
  int32_t result = 0;
  int rc = vsdk_call_export(name, argc, argv, &result);
  return rc < 0 ? rc : result;
}

static int32_t io_ptr(void) { return image_call("vsdk_io_buffer", 0, NULL); }

/* ota_status through the import, as the image reads it; also checked against vsdk_ota_status. */
typedef struct { uint32_t running, confirmed, flags; int32_t reason; } status_t;
static status_t status(void) {
  status_t s = { 0, 0, 0, 0 };
  int32_t argv[2] = { io_ptr(), 16 };
  CHECK_EQ(image_call("probe_ota_status", 2, argv), 16);
  uint8_t b[16];
  vsdk_io_read(b, 16, 0);
  uint32_t w[4];
  for (int i = 0; i < 4; i++) w[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
  s.running = w[0];
  s.confirmed = w[1];
  s.flags = w[2];
  s.reason = (int32_t)w[3];
  vsdk_ota_status_t c;
  CHECK_EQ(vsdk_ota_status(&c), VSDK_OK);
  CHECK_EQ(c.running_version, s.running);
  CHECK_EQ(c.last_confirmed, s.confirmed);
  CHECK_EQ(c.flags, s.flags);
  CHECK_EQ(c.rollback_reason, s.reason);
  return s;
}

/* ota_begin for pkg (named by its SHA-256), declaring `declared` bytes. */
static int begin(const blob_t *pkg, uint32_t declared) {
  uint8_t id[32];
  platform.sha256(platform.ctx, pkg->bytes, pkg->len, id);
  vsdk_io_write(id, 32, 0);
  int32_t argv[3] = { io_ptr(), 32, (int32_t)declared };
  return image_call("probe_ota_begin", 3, argv);
}

/* ota_write of pkg's bytes from..to in chunks; the new durable length, or the first error. */
static int write_range(const blob_t *pkg, uint32_t from, uint32_t to) {
  uint32_t at = from;
  while (at < to) {
    uint32_t n = to - at < CHUNK ? to - at : CHUNK;
    vsdk_io_write(pkg->bytes + at, n, 0);
    int32_t argv[3] = { (int32_t)at, io_ptr(), (int32_t)n };
    int rc = image_call("probe_ota_write", 3, argv);
    if (rc < 0) return rc;
    CHECK_EQ(rc, at + n);
    at += n;
  }
  return (int)at;
}

static int finish(void) { return image_call("probe_ota_finish", 0, NULL); }
static int confirm(void) { return image_call("probe_ota_confirm", 0, NULL); }
static void raise_ready(void) { image_call("probe_ota_ready", 0, NULL); }

/* A whole download: begin, every byte, finish. */
static int install(const blob_t *pkg) {
  int rc = begin(pkg, pkg->len);
  if (rc < 0) return rc;
  rc = write_range(pkg, (uint32_t)rc, pkg->len);
  return rc < 0 ? rc : finish();
}

static blob_t state_file(const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", state_dir, name);
  blob_t b = { NULL, 0 };
  b.bytes = vsdk_read_file(path, 1u << 20, &b.len);
  return b;
}

/* What slot i holds: its file, or its region of the simulated flash. */
static blob_t slot_content(int slot) {
  if (!flash_mode) return state_file(slot ? "ota-slot-1.bin" : "ota-slot-0.bin");
  blob_t all = state_file("nor-flash.bin"), b = { malloc(FLASH_SLOT_BYTES), FLASH_SLOT_BYTES };
  memcpy(b.bytes, all.bytes + (slot ? FLASH_SLOT_BYTES : 0), FLASH_SLOT_BYTES);
  free(all.bytes);
  return b;
}

/* The slot holds pkg (followed, on flash, by erased bytes). */
static int slot_holds(int slot, const blob_t *pkg) {
  blob_t b = slot_content(slot);
  int ok = b.bytes && b.len >= pkg->len && memcmp(b.bytes, pkg->bytes, pkg->len) == 0;
  for (uint32_t i = pkg->len; ok && i < b.len; i++) ok = flash_mode && b.bytes[i] == 0xff;
  free(b.bytes);
  return ok;
}

static int same_blob(blob_t a, blob_t b) {
  return (!a.bytes && !b.bytes) || (a.bytes && b.bytes && a.len == b.len && memcmp(a.bytes, b.bytes, a.len) == 0);
}

/* --- cases --- */

static void happy_path_download_switch_trial_confirm(void) {
  fresh_state();
  blob_t pkg = package("probe-1.1.0");
  CHECK_EQ(boot(), VSDK_OK);
  status_t s = status();
  CHECK_EQ(s.running, 0);
  CHECK_EQ(s.confirmed, 0);
  CHECK_EQ(s.flags, 0);
  CHECK_EQ(confirm(), VSDK_E_STATE); /* the built-in image is not on trial */
  CHECK_EQ(finish(), VSDK_E_STATE);  /* nothing downloaded */
  long writes_before = vsdk_posix_durable_writes(port);
  CHECK_EQ(begin(&pkg, pkg.len), 0);
  CHECK_EQ(write_range(&pkg, 0, pkg.len), (int)pkg.len);
  CHECK_EQ(finish(), VSDK_OK);
  /* The package lies in slot 0 byte for byte, and nothing switched yet. */
  CHECK(slot_holds(0, &pkg));
  CHECK_EQ(status().running, 0);
  int count = image_call("test_count", 0, NULL);
  CHECK_EQ(count, 1);
  CHECK_EQ(vsdk_image_starts(), 1);
  raise_ready(); /* the switch happens right after this call */
  CHECK_EQ(ready_events, 1);
  CHECK_EQ(vsdk_image_starts(), 2);
  s = status();
  CHECK_EQ(s.running, V(1, 1, 0));
  CHECK_EQ(s.flags, VSDK_OTA_ON_TRIAL);
  CHECK_EQ(s.confirmed, 0);
  CHECK_EQ(image_call("test_count", 0, NULL), 1); /* a new instance: its counter starts again */
  /* While it started, the new image already saw itself running on trial. */
  CHECK_EQ((uint32_t)image_call("probe_boot_running", 0, NULL), V(1, 1, 0));
  CHECK_EQ(image_call("probe_boot_flags", 0, NULL), VSDK_OTA_ON_TRIAL);
  CHECK_EQ(confirm(), VSDK_OK);
  /* Durable writes of one update: begin (record, erase), two a chunk (slot, record), finish,
   * switch (the trial boot counted), confirm. */
  long chunks = (long)((pkg.len + CHUNK - 1) / CHUNK), writes = vsdk_posix_durable_writes(port) - writes_before;
  printf("one update of a %u-byte package in %u-byte chunks: %ld durable writes (%ld slot writes)\n", pkg.len, CHUNK,
         writes, chunks);
  CHECK_EQ(writes, 2 + 2 * chunks + 3);
  s = status();
  CHECK_EQ(s.flags, 0);
  CHECK_EQ(s.confirmed, V(1, 1, 0));
  CHECK_EQ(confirm(), VSDK_E_STATE);
  power_off();
  /* After a reboot the confirmed slot runs, not on trial. */
  CHECK_EQ(boot(), VSDK_OK);
  s = status();
  CHECK_EQ(s.running, V(1, 1, 0));
  CHECK_EQ(s.flags, 0);
  CHECK_EQ(s.confirmed, V(1, 1, 0));
  power_off();
  free(pkg.bytes);
}

/* A copy of pkg with one byte set. */
static blob_t with_byte(const blob_t *pkg, uint32_t at, uint8_t value) {
  blob_t b = { malloc(pkg->len + 1), pkg->len };
  memcpy(b.bytes, pkg->bytes, pkg->len);
  b.bytes[at] = value;
  return b;
}

static void put_le32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }

typedef struct {
  const char *what;
  blob_t pkg;
  uint32_t declared, written; /* bytes declared to ota_begin and written */
  int at_write;               /* refused by the write that completes the header (checks 1-5) */
  int code;
} refusal_t;

/* The slot the running image came from: a refused download must not touch it. */
static int running_slot = 0;

static void check_refusal(const refusal_t *r, int expected_count) {
  blob_t record = state_file("vsdk.ota.boot"), slot0 = slot_content(running_slot);
  status_t before = status();
  int rc = begin(&r->pkg, r->declared);
  CHECK_EQ(rc, 0);
  int w = write_range(&r->pkg, 0, r->written);
  if (r->at_write) {
    if (w != r->code) fprintf(stderr, "%s: write gave %d, expected %d\n", r->what, w, r->code);
    CHECK_EQ(w, r->code);
    CHECK_EQ(finish(), VSDK_E_STATE); /* the download is gone */
  } else {
    CHECK_EQ(w, (int)r->written);
    int f = finish();
    if (f != r->code) fprintf(stderr, "%s: finish gave %d, expected %d\n", r->what, f, r->code);
    CHECK_EQ(f, r->code);
  }
  /* Nothing changed: the boot record, the running image's slot, the status, the image. */
  blob_t record_after = state_file("vsdk.ota.boot"), slot0_after = slot_content(running_slot);
  CHECK(same_blob(record, record_after));
  CHECK(same_blob(slot0, slot0_after));
  status_t after = status();
  CHECK(memcmp(&before, &after, sizeof before) == 0);
  CHECK_EQ(image_call("test_count", 0, NULL), expected_count);
  free(record.bytes); free(record_after.bytes); free(slot0.bytes); free(slot0_after.bytes);
}

static void every_refusal_leaves_state_unchanged(void) {
  fresh_state();
  blob_t v110 = package("probe-1.1.0"), v120 = package("probe-1.2.0");
  CHECK_EQ(boot(), VSDK_OK);
  CHECK_EQ(install(&v110), VSDK_OK);
  raise_ready();
  CHECK_EQ(confirm(), VSDK_OK);
  CHECK_EQ(status().running, V(1, 1, 0));

  uint32_t n = v120.len, m = (uint32_t)v120.bytes[64] | (uint32_t)v120.bytes[65] << 8;
  uint32_t sig = 72 + m, image = 72 + m + (uint32_t)v120.bytes[66];
  blob_t oversize = with_byte(&v120, 0, 'V');
  put_le32(oversize.bytes + 20, 1u << 20);
  blob_t longer = with_byte(&v120, 0, 'V');
  longer.len = n + 1;
  longer.bytes[n] = 0;
  refusal_t cases[] = {
    { "magic", with_byte(&v120, 0, 'X'), n, n, 1, VSDK_E_MALFORMED },
    { "format version 2", with_byte(&v120, 4, 2), n, n, 1, VSDK_E_UNSUPPORTED },
    { "header size 73", with_byte(&v120, 6, 73), n, n, 1, VSDK_E_MALFORMED },
    { "reserved not zero", with_byte(&v120, 68, 1), n, n, 1, VSDK_E_MALFORMED },
    { "signature length 7", with_byte(&v120, 66, 7), n, n, 1, VSDK_E_MALFORMED },
    { "image larger than a slot", oversize, n, n, 1, VSDK_E_NOSPACE },
    { "header only, then finish", with_byte(&v120, 0, 'V'), 72, 72, 0, VSDK_E_TRUNCATED },
    { "one byte short (declared whole)", with_byte(&v120, 0, 'V'), n, n - 1, 0, VSDK_E_TRUNCATED },
    { "one byte short (declared short)", with_byte(&v120, 0, 'V'), n - 1, n - 1, 0, VSDK_E_TRUNCATED },
    { "a byte after the image", longer, n + 1, n + 1, 0, VSDK_E_MALFORMED },
    { "manifest not canonical", with_byte(&v120, 73, ' '), n, n, 0, VSDK_E_MALFORMED },
    { "header changed after signing", with_byte(&v120, 12, 9), n, n, 0, VSDK_E_MALFORMED },
    { "bad signature", with_byte(&v120, sig + 6, (uint8_t)(v120.bytes[sig + 6] ^ 0x40)), n, n, 0, VSDK_E_AUTH },
    { "image changed", with_byte(&v120, n - 1, (uint8_t)(v120.bytes[n - 1] ^ 1)), n, n, 0, VSDK_E_STORAGE_CORRUPT },
    { "image changed at its start", with_byte(&v120, image, (uint8_t)(v120.bytes[image] ^ 0x80)), n, n, 0, VSDK_E_STORAGE_CORRUPT },
    { "wrong key", package("other_key-1.1.0"), 0, 0, 0, VSDK_E_AUTH },
    { "ABI 2.0", package("abi2-1.1.0"), 0, 0, 0, VSDK_E_UNSUPPORTED },
    { "needs runtime 9.0.0", package("min_runtime-1.1.0"), 0, 0, 0, VSDK_E_UNSUPPORTED },
  };
  int count = image_call("test_count", 0, NULL);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    refusal_t *r = &cases[i];
    if (!r->declared) r->declared = r->written = r->pkg.len;
    check_refusal(r, ++count);
    free(r->pkg.bytes);
  }
  /* A signed package, but not the one begun (its id is another package's SHA-256). */
  {
    blob_t record_before = state_file("vsdk.ota.boot");
    CHECK_EQ(begin(&v110, v120.len), 0);
    CHECK_EQ(write_range(&v120, 0, v120.len), (int)v120.len);
    CHECK_EQ(finish(), VSDK_E_STORAGE_CORRUPT);
    blob_t record_now = state_file("vsdk.ota.boot");
    CHECK(same_blob(record_before, record_now));
    free(record_before.bytes); free(record_now.bytes);
  }
  /* Refused before anything is written: larger than a slot, a bad id, writes out of order. */
  blob_t record = state_file("vsdk.ota.boot");
  set_slot_limit(v120.len - 1);
  CHECK_EQ(begin(&v120, v120.len), VSDK_E_NOSPACE);
  set_slot_limit(flash_mode ? FLASH_SLOT_BYTES : VSDK_POSIX_SLOT_BYTES);
  int32_t bad_id[3] = { io_ptr(), 31, (int32_t)v120.len };
  CHECK_EQ(image_call("probe_ota_begin", 3, bad_id), VSDK_E_ARG);
  int32_t outside[3] = { 0x7ffffff0, 32, (int32_t)v120.len };
  CHECK_EQ(image_call("probe_ota_begin", 3, outside), VSDK_E_ARG);
  blob_t record_after = state_file("vsdk.ota.boot");
  CHECK(same_blob(record, record_after));
  CHECK_EQ(begin(&v120, v120.len), 0);
  int32_t skip[3] = { 10, io_ptr(), 10 };
  CHECK_EQ(image_call("probe_ota_write", 3, skip), VSDK_E_STATE);
  int32_t too_much[3] = { 0, io_ptr(), 0 };
  CHECK_EQ(image_call("probe_ota_write", 3, too_much), VSDK_E_ARG);

  /* The package without a fault is accepted; then going back to 1.1.0 is a downgrade. */
  CHECK_EQ(write_range(&v120, 0, v120.len), (int)v120.len);
  CHECK_EQ(finish(), VSDK_OK);
  raise_ready();
  CHECK_EQ(confirm(), VSDK_OK);
  CHECK_EQ(status().confirmed, V(1, 2, 0));
  refusal_t downgrade = { "downgrade", v110, v110.len, v110.len, 0, VSDK_E_STATE };
  running_slot = 1;
  check_refusal(&downgrade, 1); /* the 1.2.0 instance counts from 1 */
  running_slot = 0;
  /* The same version again is allowed (re-installing a damaged slot). */
  CHECK_EQ(install(&v120), VSDK_OK);
  power_off();
  free(record.bytes); free(record_after.bytes); free(v110.bytes); free(v120.bytes);
}

static void resumes_after_a_restart(void) {
  fresh_state();
  blob_t pkg = package("probe-1.1.0"), other = package("probe-1.2.0");
  CHECK_EQ(boot(), VSDK_OK);
  CHECK_EQ(begin(&pkg, pkg.len), 0);
  uint32_t half = (pkg.len / 2 / CHUNK) * CHUNK;
  CHECK_EQ(write_range(&pkg, 0, half), (int)half);
  power_off();
  CHECK_EQ(boot(), VSDK_OK);
  CHECK_EQ(status().running, 0);
  CHECK_EQ(begin(&pkg, pkg.len), (int)half);         /* resumes where it was */
  CHECK_EQ(begin(&pkg, pkg.len - 1), 0);             /* another size: another download */
  CHECK_EQ(begin(&pkg, pkg.len), 0);
  CHECK_EQ(write_range(&pkg, 0, half), (int)half);
  CHECK_EQ(begin(&other, other.len), 0);             /* another package starts afresh */
  CHECK_EQ(begin(&pkg, pkg.len), 0);
  CHECK_EQ(write_range(&pkg, 0, half), (int)half);
  CHECK_EQ(begin(&pkg, pkg.len), (int)half);
  CHECK_EQ(write_range(&pkg, half, pkg.len), (int)pkg.len);
  CHECK_EQ(finish(), VSDK_OK);
  raise_ready();
  CHECK_EQ(status().running, V(1, 1, 0));
  power_off();
  free(pkg.bytes); free(other.bytes);
}

static void trap_in_the_trial_image_rolls_back(void) {
  fresh_state();
  blob_t v110 = package("probe-1.1.0"), v120 = package("probe-1.2.0"), trap = package("trap_start-1.3.0");
  blob_t init_trap = package("init_trap-1.4.0");
  CHECK_EQ(boot(), VSDK_OK);
  CHECK_EQ(install(&v110), VSDK_OK);
  raise_ready();
  CHECK_EQ(confirm(), VSDK_OK);

  /* A trial image that traps in a call: back to 1.1.0 right after that call. */
  CHECK_EQ(install(&v120), VSDK_OK);
  raise_ready();
  CHECK_EQ(status().running, V(1, 2, 0));
  CHECK_EQ(image_call("probe_trap", 0, NULL), VSDK_E_TRAP);
  status_t s = status();
  CHECK_EQ(s.running, V(1, 1, 0));
  CHECK_EQ(s.confirmed, V(1, 1, 0));
  CHECK_EQ(s.flags, VSDK_OTA_ROLLED_BACK);
  CHECK_EQ(s.reason, VSDK_E_STATE);
  power_off();
  CHECK_EQ(boot(), VSDK_OK); /* and it stays rolled back */
  s = status();
  CHECK_EQ(s.running, V(1, 1, 0));
  CHECK_EQ(s.flags, VSDK_OTA_ROLLED_BACK);

  /* A trial image that traps while starting (tests/c/images/trap_start.ts): it never runs. */
  CHECK_EQ(install(&trap), VSDK_OK);
  raise_ready();
  s = status();
  CHECK_EQ(s.running, V(1, 1, 0));
  CHECK_EQ(s.flags, VSDK_OTA_ROLLED_BACK);
  CHECK_EQ(s.reason, VSDK_E_STATE);
  power_off();
  CHECK_EQ(boot(), VSDK_OK);
  CHECK_EQ(status().running, V(1, 1, 0));

  /* A trial image that starts but traps in vsdk_device_init: rolled back at once, not after the
   * health timeout. */
  CHECK_EQ(install(&init_trap), VSDK_OK);
  CHECK_EQ(status().flags, 0); /* staging cleared the last rollback */
  uint32_t starts = vsdk_image_starts();
  raise_ready();
  s = status();
  CHECK_EQ(s.running, V(1, 1, 0));
  CHECK_EQ(s.flags, VSDK_OTA_ROLLED_BACK);
  CHECK_EQ(s.reason, VSDK_E_STATE);
  CHECK_EQ(vsdk_image_starts(), starts + 2); /* the trial, then 1.1.0 again */
  CHECK_EQ(image_call("test_count", 0, NULL), 1);
  /* A later update that confirms clears the rollback. */
  CHECK_EQ(install(&v120), VSDK_OK);
  raise_ready();
  CHECK_EQ(confirm(), VSDK_OK);
  s = status();
  CHECK_EQ(s.flags, 0);
  CHECK_EQ(s.reason, 0);
  power_off();
  free(v110.bytes); free(v120.bytes); free(trap.bytes); free(init_trap.bytes);
}

static void no_confirm_rolls_back_after_the_health_timeout(void) {
  fresh_state();
  use_fake_clock = 1;
  health_timeout_ms = 5000;
  fake_now = 1000;
  blob_t pkg = package("probe-1.1.0");
  CHECK_EQ(boot(), VSDK_OK);
  CHECK_EQ(install(&pkg), VSDK_OK);
  fake_now = 2000;
  raise_ready();
  CHECK_EQ(status().flags, VSDK_OTA_ON_TRIAL);
  fake_now = 6999;
  image_call("test_count", 0, NULL);
  CHECK_EQ(status().flags, VSDK_OTA_ON_TRIAL);
  fake_now = 7000;
  image_call("test_count", 0, NULL); /* the rollback follows this call */
  status_t s = status();
  CHECK_EQ(s.running, 0);
  CHECK_EQ(s.flags, VSDK_OTA_ROLLED_BACK);
  CHECK_EQ(s.reason, VSDK_E_TIMEOUT);
  CHECK_EQ(confirm(), VSDK_E_STATE);
  power_off();
  /* The default is 120 s. */
  health_timeout_ms = 0;
  fresh_state();
  fake_now = 0;
  CHECK_EQ(boot(), VSDK_OK);
  CHECK_EQ(install(&pkg), VSDK_OK);
  raise_ready();
  fake_now = 119999;
  image_call("test_count", 0, NULL);
  CHECK_EQ(status().flags, VSDK_OTA_ON_TRIAL);
  fake_now = 120000;
  image_call("test_count", 0, NULL);
  CHECK_EQ(status().reason, VSDK_E_TIMEOUT);
  power_off();
  use_fake_clock = 0;
  free(pkg.bytes);
}

static void trial_boots_run_out(void) {
  fresh_state();
  blob_t v110 = package("probe-1.1.0"), v120 = package("probe-1.2.0");
  CHECK_EQ(boot(), VSDK_OK);
  CHECK_EQ(install(&v110), VSDK_OK);
  raise_ready();
  CHECK_EQ(confirm(), VSDK_OK);
  CHECK_EQ(install(&v120), VSDK_OK);
  raise_ready(); /* trial boot 1 of 3; the device then loses power before it confirms */
  CHECK_EQ(status().running, V(1, 2, 0));
  power_off();
  for (int boots = 2; boots <= 3; boots++) {
    CHECK_EQ(boot(), VSDK_OK);
    status_t s = status();
    CHECK_EQ(s.running, V(1, 2, 0));
    CHECK_EQ(s.flags, VSDK_OTA_ON_TRIAL);
    power_off();
  }
  CHECK_EQ(boot(), VSDK_OK); /* the fourth: no trial boot left */
  status_t s = status();
  CHECK_EQ(s.running, V(1, 1, 0));
  CHECK_EQ(s.confirmed, V(1, 1, 0));
  CHECK_EQ(s.flags, VSDK_OTA_ROLLED_BACK);
  CHECK_EQ(s.reason, VSDK_E_AGAIN);
  power_off();
  free(v110.bytes); free(v120.bytes);
}

static void without_slots_the_imports_answer_unsupported(void) {
  fresh_state();
  port = vsdk_posix_new(state_dir, NULL, 0);
  platform = *vsdk_posix_platform(port);
  platform.slot_map = NULL;
  vsdk_config_t config = { 0 };
  config.platform = &platform;
  CHECK_EQ(vsdk_init(&config, builtin.bytes, builtin.len), VSDK_OK);
  blob_t pkg = package("probe-1.1.0");
  CHECK_EQ(begin(&pkg, pkg.len), VSDK_E_UNSUPPORTED);
  CHECK_EQ(finish(), VSDK_E_UNSUPPORTED);
  CHECK_EQ(confirm(), VSDK_E_UNSUPPORTED);
  int32_t argv[2] = { io_ptr(), 16 };
  CHECK_EQ(image_call("probe_ota_status", 2, argv), VSDK_E_UNSUPPORTED);
  power_off();
  free(pkg.bytes);
}

/* The boot record is the host's: the image's key-value imports cannot read, change or delete it. */
static void the_image_cannot_touch_the_boot_record(void) {
  fresh_state();
  blob_t pkg = package("probe-1.1.0");
  CHECK_EQ(boot(), VSDK_OK);
  CHECK_EQ(install(&pkg), VSDK_OK);
  raise_ready();
  CHECK_EQ(confirm(), VSDK_OK);
  blob_t record = state_file("vsdk.ota.boot");
  CHECK(record.bytes != NULL);
  static const char key[] = "vsdk.ota.boot";
  uint8_t zeros[84] = { 0 };
  vsdk_io_write(key, sizeof key - 1, 0);
  vsdk_io_write(zeros, sizeof zeros, 64);
  int32_t io = io_ptr(), klen = (int32_t)sizeof key - 1;
  CHECK_EQ(image_call("probe_kv_set", 4, (int32_t[]){ io, klen, io + 64, 84 }), VSDK_E_ARG);
  CHECK_EQ(image_call("probe_kv_get", 4, (int32_t[]){ io, klen, io + 64, 84 }), VSDK_E_ARG);
  CHECK_EQ(image_call("probe_kv_delete", 2, (int32_t[]){ io, klen }), VSDK_E_ARG);
  /* Its own keys work as before. */
  vsdk_io_write("ota_staged", 10, 0);
  CHECK_EQ(image_call("probe_kv_set", 4, (int32_t[]){ io, 10, io + 64, 4 }), 4);
  blob_t after = state_file("vsdk.ota.boot");
  CHECK(same_blob(record, after));
  power_off();
  free(record.bytes); free(after.bytes); free(pkg.bytes);
}

/* --- power cuts --- */

/* In a child: the whole update, from download to confirm. */
static int whole_update(void) {
  blob_t pkg = package("probe-1.1.0");
  if (boot() != VSDK_OK || install(&pkg) != VSDK_OK) return 1;
  raise_ready();
  if (status().running != V(1, 1, 0) || confirm() != VSDK_OK) return 1;
  power_off();
  return check_failures ? 1 : 0;
}

/* In a child after a cut: the device boots a good image, and the update can be finished. */
static int reboot_and_finish(void) {
  blob_t pkg = package("probe-1.1.0");
  int rc = boot();
  CHECK_EQ(rc, VSDK_OK);
  if (rc != VSDK_OK) return 1;
  CHECK(image_call("test_count", 0, NULL) >= 1);
  status_t s = status();
  CHECK(s.running == 0 || s.running == V(1, 1, 0));
  if (s.flags & VSDK_OTA_ON_TRIAL) CHECK_EQ(confirm(), VSDK_OK);
  else if (s.confirmed != V(1, 1, 0)) {
    int from = begin(&pkg, pkg.len);
    CHECK(from >= 0);
    CHECK_EQ(write_range(&pkg, from < 0 ? 0 : (uint32_t)from, pkg.len), (int)pkg.len);
    CHECK_EQ(finish(), VSDK_OK);
    raise_ready();
    CHECK_EQ(confirm(), VSDK_OK);
  }
  power_off();
  CHECK_EQ(boot(), VSDK_OK);
  s = status();
  CHECK_EQ(s.running, V(1, 1, 0));
  CHECK_EQ(s.confirmed, V(1, 1, 0));
  CHECK_EQ(s.flags, 0);
  power_off();
  return check_failures ? 1 : 0;
}

static int run_child(int (*fn)(void), long cut_at) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    if (cut_at > 0) {
      char text[32];
      snprintf(text, sizeof text, "%ld", cut_at);
      setenv("VSDK_POWER_CUT_AT", text, 1);
    } else unsetenv("VSDK_POWER_CUT_AT");
    int rc = fn();
    fflush(NULL);
    _exit(rc);
  }
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + (WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
}

static void power_cut_at_every_durable_write(void) {
  long cuts = 0, failed = 0;
  for (long n = 1; n < 1000; n++) {
    fresh_state();
    int rc = run_child(whole_update, n);
    if (rc == 0) break; /* the update finished before write n: every write was cut once */
    CHECK_EQ(rc, VSDK_POSIX_POWER_CUT_EXIT);
    if (rc != VSDK_POSIX_POWER_CUT_EXIT) break;
    cuts++;
    int after = run_child(reboot_and_finish, 0);
    if (after != 0) fprintf(stderr, "cut at durable write %ld: the reboot and the update after it failed (%d)\n", n, after);
    CHECK_EQ(after, 0);
    failed += after != 0;
  }
  printf("power cut at each of %ld durable writes (download, finish, switch, confirm): after %ld of them the device "
         "booted a good image and finished the update\n", cuts, cuts - failed);
  CHECK(cuts >= 10);
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: test_ota IMAGES_DIR PACKAGES_DIR [case]\n"); return 2; }
  images_dir = argv[1];
  packages_dir = argv[2];
  builtin = read_blob(images_dir, "ota_probe.wasm");
  flash_mode = getenv("VSDK_TEST_FLASH_SLOTS") && atoi(getenv("VSDK_TEST_FLASH_SLOTS")) == 1;
  static const test_case_t cases[] = {
    { "happy_path_download_switch_trial_confirm", happy_path_download_switch_trial_confirm },
    { "every_refusal_leaves_state_unchanged", every_refusal_leaves_state_unchanged },
    { "resumes_after_a_restart", resumes_after_a_restart },
    { "trap_in_the_trial_image_rolls_back", trap_in_the_trial_image_rolls_back },
    { "no_confirm_rolls_back_after_the_health_timeout", no_confirm_rolls_back_after_the_health_timeout },
    { "trial_boots_run_out", trial_boots_run_out },
    { "without_slots_the_imports_answer_unsupported", without_slots_the_imports_answer_unsupported },
    { "the_image_cannot_touch_the_boot_record", the_image_cannot_touch_the_boot_record },
    { "power_cut_at_every_durable_write", power_cut_at_every_durable_write },
  };
  int rc = run_cases(cases, sizeof cases / sizeof cases[0], argc > 3 ? argv[3] : NULL);
  remove_state();
  return rc;
}
