/* The posix platform: clock, randomness, log and the lock; the rest is installed by the files
 * beside this one. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include "posix_internal.h"

static void posix_log(void *ctx, int level, const char *msg, size_t len) {
  vsdk_posix_t *port = ctx;
  static const char *const names[] = { "error", "warn", "info", "debug" };
  if (level > port->log_level) return;
  fprintf(stderr, "[vsdk:%s] %.*s\n", names[level < 0 ? 0 : level > 3 ? 3 : level], (int)len, msg);
}

static uint32_t posix_clock_ms(void *ctx) {
  (void)ctx;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static int posix_random(void *ctx, uint8_t *buf, size_t len) {
  (void)ctx;
  size_t done = 0;
  while (done < len) {
    ssize_t n = getrandom(buf + done, len - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return VSDK_E_IO;
    done += (size_t)n;
  }
  return (int)len;
}

static void posix_lock(void *ctx) { pthread_mutex_lock(&((vsdk_posix_t *)ctx)->lock); }
static void posix_unlock(void *ctx) { pthread_mutex_unlock(&((vsdk_posix_t *)ctx)->lock); }

vsdk_posix_t *vsdk_posix_new(const char *data_dir, const char *ca_file, int log_level) {
  if (!data_dir || strlen(data_dir) >= sizeof ((vsdk_posix_t *)0)->data_dir) return NULL;
  if (ca_file && strlen(ca_file) >= sizeof ((vsdk_posix_t *)0)->ca_file) return NULL;
  if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) return NULL;
  vsdk_posix_t *port = calloc(1, sizeof *port);
  if (!port) return NULL;
  strcpy(port->data_dir, data_dir);
  if (ca_file) strcpy(port->ca_file, ca_file);
  port->log_level = log_level;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&port->lock, &attr);
  pthread_mutexattr_destroy(&attr);
  for (int i = 0; i < VSDK_POSIX_MAX_UDP; i++) port->udp[i] = -1;
  vsdk_platform_t *p = &port->platform;
  p->ctx = port;
  p->log = posix_log;
  p->clock_ms = posix_clock_ms;
  p->random = posix_random;
  p->lock = posix_lock;
  p->unlock = posix_unlock;
  vsdk_posix_kv_install(p);
  vsdk_posix_udp_install(p);
  vsdk_posix_crypto_install(p);
  vsdk_posix_slots_install(port);
  vsdk_posix_power_cut_arm(port);
  if (vsdk_posix_tls_install(port) != 0 || vsdk_posix_opus_install(port) != 0) {
    vsdk_posix_free(port);
    return NULL;
  }
  return port;
}

const vsdk_platform_t *vsdk_posix_platform(vsdk_posix_t *port) { return &port->platform; }

void vsdk_posix_free(vsdk_posix_t *port) {
  if (!port) return;
  vsdk_posix_udp_close_all(port);
  vsdk_posix_tls_free(port);
  vsdk_posix_opus_free(port);
  vsdk_posix_slots_free(port);
  pthread_mutex_destroy(&port->lock);
  free(port);
}
