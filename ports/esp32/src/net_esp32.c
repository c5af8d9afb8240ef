/* The network for the image: a client TLS stream over esp-tls (certificate bundle) driven by
 * esp_tls_conn_new_async, and UDP over lwIP's BSD sockets, connected to the one peer. Handles
 * index small fixed tables.
 *
 * What blocks: esp-tls resolves the host name (lwIP getaddrinfo) and waits for the TCP connect
 * inside the first esp_tls_conn_new_async call, so that call holds the vsdk task for DNS plus
 * one round trip (up to lwIP's connect timeout when the server does not answer); the handshake
 * and all reads and writes after it do not block. udp_open also resolves its host in place. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "esp_crt_bundle.h"
#include "esp_tls.h"
#include "lwip/netdb.h"
#include "lwip/sockets.h"
#include "esp32_internal.h"

#define MAX_STREAMS 2
#define MAX_UDP 2
#define HOST_MAX 253

typedef enum { STREAM_CONNECTING, STREAM_READY, STREAM_FAILED } stream_state_t;

typedef struct {
  esp_tls_t *tls;
  esp_tls_cfg_t cfg; /* esp-tls reads it on every esp_tls_conn_new_async call: it lives here */
  char host[HOST_MAX + 1];
  uint16_t port;
  stream_state_t state;
} stream_t;

static stream_t streams[MAX_STREAMS];
static int udp_fds[MAX_UDP] = { -1, -1 };

static int tls_connect(void *ctx, const char *host, uint16_t port, int plain) {
  (void)ctx;
  /* esp-tls calls a plain stream connected while its non-blocking TCP connect is still under
   * way, and its plain reads and writes return -1 for "try again" as for a failure: plain TCP
   * (loopback tests only, docs/abi.md) is refused here rather than half supported. */
  if (plain) return VSDK_E_UNSUPPORTED;
  size_t host_len = host ? strlen(host) : 0;
  if (host_len == 0 || host_len > HOST_MAX) return VSDK_E_ARG;
  for (int i = 0; i < MAX_STREAMS; i++) {
    stream_t *s = &streams[i];
    if (s->tls) continue;
    memset(s, 0, sizeof *s);
    s->tls = esp_tls_init();
    if (!s->tls) return VSDK_E_NOSPACE;
    memcpy(s->host, host, host_len + 1);
    s->port = port;
    s->cfg.non_block = true;
    /* 0 on purpose: esp-tls waits for the TCP connect with select() on fd sets it fills only
     * once, so a positive timeout that expires first leaves it selecting on empty sets, in
     * progress for ever; with 0 that select waits until the connect succeeds or fails. */
    s->cfg.timeout_ms = 0;
    s->cfg.crt_bundle_attach = esp_crt_bundle_attach;
    s->state = STREAM_CONNECTING;
    return i;
  }
  return VSDK_E_NOSPACE;
}

static stream_t *stream_of(int handle) {
  return handle >= 0 && handle < MAX_STREAMS && streams[handle].tls ? &streams[handle] : NULL;
}

/* Advances the connect and the handshake; VSDK_OK once the stream is ready. esp_tls_conn_new_async
 * returns -1 failed, 0 in progress, 1 done. A failed stream stays failed (E_IO) until closed, so
 * the blocking name lookup is not repeated on every call. */
static int advance(stream_t *s) {
  if (s->state == STREAM_READY) return VSDK_OK;
  if (s->state == STREAM_FAILED) return VSDK_E_IO;
  int r = esp_tls_conn_new_async(s->host, (int)strlen(s->host), s->port, &s->cfg, s->tls);
  if (r == 0) return VSDK_E_AGAIN;
  s->state = r == 1 ? STREAM_READY : STREAM_FAILED;
  return r == 1 ? VSDK_OK : VSDK_E_IO;
}

static int again_or_io(ssize_t r) {
  return r == ESP_TLS_ERR_SSL_WANT_READ || r == ESP_TLS_ERR_SSL_WANT_WRITE ? VSDK_E_AGAIN : VSDK_E_IO;
}

static int tls_send(void *ctx, int handle, const uint8_t *data, size_t len) {
  (void)ctx;
  stream_t *s = stream_of(handle);
  if (!s) return VSDK_E_ARG;
  int rc = advance(s);
  if (rc != VSDK_OK) return rc;
  ssize_t n = esp_tls_conn_write(s->tls, data, len);
  return n >= 0 ? (int)n : again_or_io(n);
}

static int tls_recv(void *ctx, int handle, uint8_t *buf, size_t cap) {
  (void)ctx;
  stream_t *s = stream_of(handle);
  if (!s) return VSDK_E_ARG;
  int rc = advance(s);
  if (rc != VSDK_OK) return rc;
  ssize_t n = esp_tls_conn_read(s->tls, buf, cap);
  return n >= 0 ? (int)n : again_or_io(n); /* 0: the peer closed the stream */
}

static int tls_close(void *ctx, int handle) {
  (void)ctx;
  stream_t *s = stream_of(handle);
  if (!s) return VSDK_E_ARG;
  esp_tls_conn_destroy(s->tls);
  memset(s, 0, sizeof *s);
  return VSDK_OK;
}

static int udp_open(void *ctx, const char *host, uint16_t port) {
  (void)ctx;
  int slot = -1;
  for (int i = 0; i < MAX_UDP && slot < 0; i++) if (udp_fds[i] < 0) slot = i;
  if (slot < 0) return VSDK_E_NOSPACE;
  struct addrinfo hints = { 0 }, *res = NULL;
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  char service[8];
  snprintf(service, sizeof service, "%u", (unsigned)port);
  if (getaddrinfo(host, service, &hints, &res) != 0 || !res) return VSDK_E_IO;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd >= 0 && (fcntl(fd, F_SETFL, O_NONBLOCK) != 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0)) { close(fd); fd = -1; }
  freeaddrinfo(res);
  if (fd < 0) return VSDK_E_IO;
  udp_fds[slot] = fd;
  return slot;
}

static int udp_fd(int handle) { return handle >= 0 && handle < MAX_UDP ? udp_fds[handle] : -1; }

static int udp_send(void *ctx, int handle, const uint8_t *data, size_t len) {
  (void)ctx;
  int fd = udp_fd(handle);
  if (fd < 0) return VSDK_E_ARG;
  int n = send(fd, data, len, 0);
  return n >= 0 ? n : (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOMEM) ? VSDK_E_AGAIN : VSDK_E_IO;
}

static int udp_recv(void *ctx, int handle, uint8_t *buf, size_t cap) {
  (void)ctx;
  int fd = udp_fd(handle);
  if (fd < 0) return VSDK_E_ARG;
  int n = recv(fd, buf, cap, 0);
  return n >= 0 ? n : (errno == EAGAIN || errno == EWOULDBLOCK) ? VSDK_E_AGAIN : VSDK_E_IO;
}

static int udp_close(void *ctx, int handle) {
  (void)ctx;
  int fd = udp_fd(handle);
  if (fd < 0) return VSDK_E_ARG;
  close(fd);
  udp_fds[handle] = -1;
  return VSDK_OK;
}

void vsdk_esp32_net_install(vsdk_platform_t *p) {
  p->tls_connect = tls_connect;
  p->tls_send = tls_send;
  p->tls_recv = tls_recv;
  p->tls_close = tls_close;
  p->udp_open = udp_open;
  p->udp_send = udp_send;
  p->udp_recv = udp_recv;
  p->udp_close = udp_close;
}
