/* Key-value storage as one file per key in the data folder. A put writes a temporary file,
 * flushes it to disk and renames it over the old one: rename is atomic, so a power cut leaves
 * the old value or the new one. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "posix_internal.h"

/* Keys are short names of [0-9A-Za-z_.-], never starting with '.', so they cannot leave the folder. */
static int key_path(vsdk_posix_t *port, const char *key, const char *suffix, char *out, size_t cap) {
  size_t n = key ? strlen(key) : 0;
  if (n == 0 || n > 64 || key[0] == '.') return VSDK_E_ARG;
  for (size_t i = 0; i < n; i++) {
    char c = key[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' || c == '.'))
      return VSDK_E_ARG;
  }
  int w = snprintf(out, cap, "%s/%s%s", port->data_dir, key, suffix);
  return w < 0 || (size_t)w >= cap ? VSDK_E_ARG : VSDK_OK;
}

static int kv_get(void *ctx, const char *key, uint8_t *buf, size_t cap) {
  char path[640];
  int rc = key_path(ctx, key, "", path, sizeof path);
  if (rc) return rc;
  int fd = open(path, O_RDONLY);
  if (fd < 0) return errno == ENOENT ? 0 : VSDK_E_IO;
  off_t size = lseek(fd, 0, SEEK_END);
  if (size < 0 || size > 0x7fffffff) { close(fd); return VSDK_E_IO; }
  if ((size_t)size > cap) { close(fd); return VSDK_E_NOSPACE; }
  ssize_t got = pread(fd, buf, (size_t)size, 0);
  close(fd);
  return got == size ? (int)size : VSDK_E_IO;
}

static int kv_put(void *ctx, const char *key, const uint8_t *data, size_t len) {
  char path[640], tmp[640];
  int rc = key_path(ctx, key, "", path, sizeof path);
  if (!rc) rc = key_path(ctx, key, ".tmp", tmp, sizeof tmp);
  if (rc) return rc;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return VSDK_E_IO;
  if (vsdk_posix_power_cut_due(ctx)) {
    /* Cut mid-put: half the new value in the temporary file, never renamed into place. */
    if (write(fd, data, len / 2) < 0) { /* the cut happens either way */ }
    fsync(fd);
    vsdk_posix_power_cut();
  }
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, data + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += (size_t)n;
  }
  int ok = done == len && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) { unlink(tmp); return VSDK_E_IO; }
  return (int)len;
}

static int kv_delete(void *ctx, const char *key) {
  char path[640];
  int rc = key_path(ctx, key, "", path, sizeof path);
  if (rc) return rc;
  if (vsdk_posix_power_cut_due(ctx)) vsdk_posix_power_cut();
  return unlink(path) == 0 || errno == ENOENT ? VSDK_OK : VSDK_E_IO;
}

void vsdk_posix_kv_install(vsdk_platform_t *p) {
  p->kv_get = kv_get;
  p->kv_put = kv_put;
  p->kv_delete = kv_delete;
}
