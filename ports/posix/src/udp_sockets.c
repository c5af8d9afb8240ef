/* UDP over non-blocking, connected BSD sockets (the kernel then delivers only the peer's
 * datagrams); a handle is an index into the port's small table. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "posix_internal.h"

/* Resolves host (name or dotted IPv4) and connects a socket of the given type to it. Name
 * resolution may block briefly; connect on a non-blocking TCP socket returns EINPROGRESS. */
int vsdk_posix_connect(const char *host, uint16_t port, int type) {
  struct addrinfo hints = { 0 }, *res = NULL;
  hints.ai_family = AF_INET;
  hints.ai_socktype = type;
  char service[8];
  snprintf(service, sizeof service, "%u", (unsigned)port);
  if (getaddrinfo(host, service, &hints, &res) != 0 || !res) return -1;
  int fd = socket(AF_INET, type, 0);
  if (fd >= 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) { close(fd); fd = -1; }
  if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS) { close(fd); fd = -1; }
  freeaddrinfo(res);
  return fd;
}

static int udp_open(void *ctx, const char *host, uint16_t port) {
  vsdk_posix_t *p = ctx;
  int slot = -1;
  for (int i = 0; i < VSDK_POSIX_MAX_UDP && slot < 0; i++) if (p->udp[i] < 0) slot = i;
  if (slot < 0) return VSDK_E_NOSPACE;
  int fd = vsdk_posix_connect(host, port, SOCK_DGRAM);
  if (fd < 0) return VSDK_E_IO;
  p->udp[slot] = fd;
  return slot;
}

static int fd_of(vsdk_posix_t *p, int handle) {
  return handle >= 0 && handle < VSDK_POSIX_MAX_UDP ? p->udp[handle] : -1;
}

static int udp_send(void *ctx, int handle, const uint8_t *data, size_t len) {
  int fd = fd_of(ctx, handle);
  if (fd < 0) return VSDK_E_ARG;
  ssize_t n = send(fd, data, len, 0);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED ? VSDK_E_AGAIN : VSDK_E_IO;
  return (int)n;
}

static int udp_recv(void *ctx, int handle, uint8_t *buf, size_t cap) {
  int fd = fd_of(ctx, handle);
  if (fd < 0) return VSDK_E_ARG;
  ssize_t n = recv(fd, buf, cap, 0);
  /* ECONNREFUSED: an ICMP error from an earlier send (the relay is not up yet); not fatal. */
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED ? VSDK_E_AGAIN : VSDK_E_IO;
  return (int)n;
}

static int udp_close(void *ctx, int handle) {
  vsdk_posix_t *p = ctx;
  int fd = fd_of(p, handle);
  if (fd < 0) return VSDK_E_ARG;
  close(fd);
  p->udp[handle] = -1;
  return VSDK_OK;
}

void vsdk_posix_udp_close_all(vsdk_posix_t *p) {
  for (int i = 0; i < VSDK_POSIX_MAX_UDP; i++) if (p->udp[i] >= 0) udp_close(p, i);
}

void vsdk_posix_udp_install(vsdk_platform_t *platform) {
  platform->udp_open = udp_open;
  platform->udp_send = udp_send;
  platform->udp_recv = udp_recv;
  platform->udp_close = udp_close;
}
