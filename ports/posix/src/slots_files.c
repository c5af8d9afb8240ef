/* The OTA slots as two files in the data folder. A write or an erase is fsync'd (and the
 * folder too when the file is created) before it returns, as the platform interface asks of a
 * flash driver. A "mapping" is a copy in memory: wasm3 runs an image from it. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "posix_internal.h"

static int slot_path(vsdk_posix_t *port, int slot, char *out, size_t cap) {
  if (slot != 0 && slot != 1) return VSDK_E_ARG;
  int n = snprintf(out, cap, "%s/ota-slot-%d.bin", port->data_dir, slot);
  return n < 0 || (size_t)n >= cap ? VSDK_E_ARG : VSDK_OK;
}

static int sync_folder(vsdk_posix_t *port) {
  int fd = open(port->data_dir, O_RDONLY);
  if (fd < 0) return VSDK_E_IO;
  int ok = fsync(fd) == 0;
  close(fd);
  return ok ? VSDK_OK : VSDK_E_IO;
}

static void slot_unmap(void *ctx, int slot) {
  vsdk_posix_t *port = ctx;
  if (slot != 0 && slot != 1) return;
  free(port->slot_map[slot]);
  port->slot_map[slot] = NULL;
  port->slot_mapped_len[slot] = 0;
}

static int slot_size(void *ctx, int slot) {
  vsdk_posix_t *port = ctx;
  return slot == 0 || slot == 1 ? (int)port->slot_capacity : VSDK_E_ARG;
}

static int slot_erase(void *ctx, int slot) {
  vsdk_posix_t *port = ctx;
  char path[640];
  int rc = slot_path(port, slot, path, sizeof path);
  if (rc) return rc;
  slot_unmap(port, slot);
  int fd = open(path, O_WRONLY | O_CREAT, 0600);
  if (fd < 0) return VSDK_E_IO;
  if (vsdk_posix_power_cut_due(port)) {
    /* Cut mid-erase: part of the old contents is gone. */
    off_t size = lseek(fd, 0, SEEK_END);
    if (ftruncate(fd, size > 0 ? size / 2 : 0) != 0) { /* the cut happens either way */ }
    fsync(fd);
    vsdk_posix_power_cut();
  }
  int ok = ftruncate(fd, 0) == 0 && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  return ok && sync_folder(port) == VSDK_OK ? VSDK_OK : VSDK_E_IO;
}

static int write_all(int fd, const uint8_t *data, size_t len, off_t at) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = pwrite(fd, data + done, len - done, at + (off_t)done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    done += (size_t)n;
  }
  return 0;
}

static int slot_write(void *ctx, int slot, uint32_t offset, const uint8_t *data, size_t len) {
  vsdk_posix_t *port = ctx;
  char path[640];
  int rc = slot_path(port, slot, path, sizeof path);
  if (rc) return rc;
  if (offset > port->slot_capacity || len > port->slot_capacity - offset) return VSDK_E_NOSPACE;
  slot_unmap(port, slot);
  int fd = open(path, O_WRONLY | O_CREAT, 0600);
  if (fd < 0) return VSDK_E_IO;
  if (vsdk_posix_power_cut_due(port)) {
    /* Cut mid-write: the first half of the bytes reached the flash. */
    write_all(fd, data, len / 2, (off_t)offset);
    fsync(fd);
    vsdk_posix_power_cut();
  }
  int ok = write_all(fd, data, len, (off_t)offset) == 0 && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  return ok ? (int)len : VSDK_E_IO;
}

static const uint8_t *slot_map(void *ctx, int slot, uint32_t len) {
  vsdk_posix_t *port = ctx;
  char path[640];
  if (slot_path(port, slot, path, sizeof path) != VSDK_OK || len == 0 || len > port->slot_capacity) return NULL;
  /* A slot already mapped stays where it is: wasm3 may be running from it. */
  if (port->slot_map[slot]) return port->slot_mapped_len[slot] == len ? port->slot_map[slot] : NULL;
  int fd = open(path, O_RDONLY);
  if (fd < 0) return NULL;
  uint8_t *copy = malloc(len);
  size_t done = 0;
  while (copy && done < len) {
    ssize_t n = pread(fd, copy + done, len - done, (off_t)done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += (size_t)n;
  }
  close(fd);
  if (!copy || done != len) { free(copy); return NULL; }
  port->slot_map[slot] = copy;
  port->slot_mapped_len[slot] = len;
  return copy;
}

void vsdk_posix_set_slot_size(vsdk_posix_t *port, uint32_t bytes) { port->slot_capacity = bytes; }

void vsdk_posix_slots_install(vsdk_posix_t *port) {
  vsdk_platform_t *p = &port->platform;
  port->slot_capacity = VSDK_POSIX_SLOT_BYTES;
  p->slot_size = slot_size;
  p->slot_erase = slot_erase;
  p->slot_write = slot_write;
  p->slot_map = slot_map;
  p->slot_unmap = slot_unmap;
}

void vsdk_posix_slots_free(vsdk_posix_t *port) {
  slot_unmap(port, 0);
  slot_unmap(port, 1);
}
