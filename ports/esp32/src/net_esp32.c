/* The network for the image: a client TLS stream over esp-tls (certificate bundle) and UDP over
 * lwIP's BSD sockets, connected to the one peer. Handles index small fixed tables.
 *
 * What blocks: nothing on the vsdk task. The connector (connector_esp32.c) resolves the host
 * and connects on its own task; until it hands over the socket, send and recv answer E_AGAIN.
 * esp-tls then takes the connected socket at its CONNECTING step, so it neither resolves nor
 * connects itself, and its handshake, reads and writes return at every "would block". */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include "esp_crt_bundle.h"
#include "esp_tls.h"
#include "lwip/sockets.h"
#include "esp32_internal.h"

#define MAX_STREAMS VSDK_ESP32_MAX_STREAMS
#define MAX_UDP VSDK_ESP32_MAX_UDP

/* CONNECTING: the connector's job is under way; HANDSHAKE: esp-tls owns the socket. */
typedef enum { STREAM_CONNECTING, STREAM_HANDSHAKE, STREAM_READY, STREAM_FAILED } stream_state_t;

typedef struct {
  esp_tls_t *tls; /* non-NULL while the handle is open */
  esp_tls_cfg_t cfg; /* esp-tls reads it on every esp_tls_conn_new_async call: it lives here */
  char host[VSDK_ESP32_HOST_MAX + 1]; /* the name the certificate must match (and SNI) */
  uint16_t port;
  stream_state_t state;
  int job;
} stream_t;

typedef enum { UDP_FREE, UDP_CONNECTING, UDP_READY, UDP_FAILED } udp_state_t;

typedef struct {
  udp_state_t state;
  int job; /* while CONNECTING */
  int fd;  /* while READY */
} udp_t;

static stream_t streams[MAX_STREAMS];
static udp_t udps[MAX_UDP];

static int tls_connect(void *ctx, const char *host, uint16_t port, int plain) {
  (void)ctx;
  /* Plain TCP is for loopback tests (docs/abi.md); a device speaks TLS only. */
  if (plain) return VSDK_E_UNSUPPORTED;
  size_t host_len = host ? strnlen(host, VSDK_ESP32_HOST_MAX + 1) : 0;
  if (host_len == 0 || host_len > VSDK_ESP32_HOST_MAX) return VSDK_E_ARG;
  for (int i = 0; i < MAX_STREAMS; i++) {
    stream_t *s = &streams[i];
    if (s->tls) continue;
    memset(s, 0, sizeof *s);
    s->tls = esp_tls_init();
    if (!s->tls) return VSDK_E_NOSPACE;
    s->job = vsdk_esp32_connect_begin(VSDK_ESP32_TCP, host, port);
    if (s->job < 0) {
      int rc = s->job;
      esp_tls_conn_destroy(s->tls);
      memset(s, 0, sizeof *s);
      return rc;
    }
    memcpy(s->host, host, host_len + 1);
    s->port = port;
    /* false on purpose: the socket comes connected (and non-blocking) from the connector and
     * esp-tls starts at CONNECTING, where non_block would make it select() on fd sets that only
     * its own connect step fills: empty, waiting for ever. The handshake returns at every
     * WANT_READ/WANT_WRITE either way (ESP-IDF 5.1-5.5). */
    s->cfg.non_block = false;
    s->cfg.crt_bundle_attach = esp_crt_bundle_attach;
    s->state = STREAM_CONNECTING;
    return i;
  }
  return VSDK_E_NOSPACE;
}

static stream_t *stream_of(int handle) {
  return handle >= 0 && handle < MAX_STREAMS && streams[handle].tls ? &streams[handle] : NULL;
}

/* Takes the connector's socket once it is there and hands it to esp-tls. */
static int take_socket(stream_t *s) {
  int fd = -1;
  int rc = vsdk_esp32_connect_poll(s->job, &fd);
  if (rc == VSDK_E_AGAIN) return rc;
  s->state = STREAM_FAILED;
  if (rc != VSDK_OK) return VSDK_E_IO;
  /* From here esp-tls owns the socket: esp_tls_conn_destroy closes it. */
  if (esp_tls_set_conn_sockfd(s->tls, fd) != ESP_OK) { close(fd); return VSDK_E_IO; }
  if (esp_tls_set_conn_state(s->tls, ESP_TLS_CONNECTING) != ESP_OK) return VSDK_E_IO;
  s->state = STREAM_HANDSHAKE;
  return VSDK_OK;
}

/* Advances the connect and the handshake; VSDK_OK once the stream is ready.
 * esp_tls_conn_new_async returns -1 failed, 0 in progress, 1 done. A failed stream stays
 * failed (E_IO) until closed. */
static int advance(stream_t *s) {
  if (s->state == STREAM_CONNECTING) {
    int rc = take_socket(s);
    if (rc != VSDK_OK) return rc;
  }
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

/* Also abandons a connect under way: the connector closes that socket when it is done. */
static int tls_close(void *ctx, int handle) {
  (void)ctx;
  stream_t *s = stream_of(handle);
  if (!s) return VSDK_E_ARG;
  if (s->state == STREAM_CONNECTING) vsdk_esp32_connect_cancel(s->job);
  esp_tls_conn_destroy(s->tls);
  memset(s, 0, sizeof *s);
  return VSDK_OK;
}

static int udp_open(void *ctx, const char *host, uint16_t port) {
  (void)ctx;
  for (int i = 0; i < MAX_UDP; i++) {
    udp_t *u = &udps[i];
    if (u->state != UDP_FREE) continue;
    int job = vsdk_esp32_connect_begin(VSDK_ESP32_UDP, host, port); /* checks the host */
    if (job < 0) return job;
    u->job = job;
    u->fd = -1;
    u->state = UDP_CONNECTING;
    return i;
  }
  return VSDK_E_NOSPACE;
}

static udp_t *udp_of(int handle) {
  return handle >= 0 && handle < MAX_UDP && udps[handle].state != UDP_FREE ? &udps[handle] : NULL;
}

/* VSDK_OK once the connector has handed over the socket; E_AGAIN until then (a datagram sent
 * meanwhile is dropped, as docs/abi.md allows), E_IO when the lookup failed. */
static int udp_ready(udp_t *u) {
  if (u->state == UDP_CONNECTING) {
    int rc = vsdk_esp32_connect_poll(u->job, &u->fd);
    if (rc == VSDK_E_AGAIN) return rc;
    u->state = rc == VSDK_OK ? UDP_READY : UDP_FAILED;
  }
  return u->state == UDP_READY ? VSDK_OK : VSDK_E_IO;
}

static int udp_send(void *ctx, int handle, const uint8_t *data, size_t len) {
  (void)ctx;
  udp_t *u = udp_of(handle);
  if (!u) return VSDK_E_ARG;
  int rc = udp_ready(u);
  if (rc != VSDK_OK) return rc;
  int n = send(u->fd, data, len, 0);
  return n >= 0 ? n : (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOMEM) ? VSDK_E_AGAIN : VSDK_E_IO;
}

static int udp_recv(void *ctx, int handle, uint8_t *buf, size_t cap) {
  (void)ctx;
  udp_t *u = udp_of(handle);
  if (!u) return VSDK_E_ARG;
  int rc = udp_ready(u);
  if (rc != VSDK_OK) return rc;
  int n = recv(u->fd, buf, cap, 0);
  return n >= 0 ? n : (errno == EAGAIN || errno == EWOULDBLOCK) ? VSDK_E_AGAIN : VSDK_E_IO;
}

static int udp_close(void *ctx, int handle) {
  (void)ctx;
  udp_t *u = udp_of(handle);
  if (!u) return VSDK_E_ARG;
  if (u->state == UDP_CONNECTING) vsdk_esp32_connect_cancel(u->job);
  if (u->state == UDP_READY) close(u->fd);
  memset(u, 0, sizeof *u);
  return VSDK_OK;
}

void vsdk_esp32_net_install(vsdk_platform_t *p) {
  vsdk_esp32_connector_start();
  p->tls_connect = tls_connect;
  p->tls_send = tls_send;
  p->tls_recv = tls_recv;
  p->tls_close = tls_close;
  p->udp_open = udp_open;
  p->udp_send = udp_send;
  p->udp_recv = udp_recv;
  p->udp_close = udp_close;
}
