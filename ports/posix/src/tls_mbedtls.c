/* A non-blocking client stream: TLS over mbedTLS, or plain TCP when asked (loopback tests).
 * connect resolves the name (which may block briefly) and starts a non-blocking TCP connect;
 * the connect and then the handshake advance inside send/recv, which answer VSDK_E_AGAIN until
 * the stream is ready. The peer's certificate is verified against the CA file given to
 * vsdk_posix_new (or the system store) and the host name. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <mbedtls/asn1.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "posix_internal.h"

#define SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

typedef struct {
  int used, connected, handshaken, plain;
  int is_ip;                 /* the host is an IPv4 literal: check the certificate's IP SANs */
  unsigned char ip[4];
  mbedtls_net_context net;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config conf;
} tls_conn_t;

struct tls_state {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt ca;
  int ca_loaded;
  tls_conn_t conn[VSDK_POSIX_MAX_TLS];
};

/* Whether the certificate names this IPv4 address in its subjectAltName (iPAddress, [7]).
 * mbedTLS 2.28 matches only DNS names against the host, so an IP host is checked here: the
 * extensions are walked with mbedTLS's ASN.1 readers, bounded by their lengths. */
static int ip_in_san(const mbedtls_x509_crt *crt, const unsigned char ip[4]) {
  static const unsigned char san_oid[] = { 0x55, 0x1d, 0x11 }; /* 2.5.29.17 */
  unsigned char *p = crt->v3_ext.p, *end = p + crt->v3_ext.len;
  size_t len;
  /* v3_ext may start at the [3] wrapper or at the SEQUENCE of extensions. */
  if (p < end && *p == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 3) &&
      mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 3) != 0) return 0;
  if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) return 0;
  end = p + len;
  while (p < end) {
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) return 0;
    unsigned char *ext_end = p + len;
    size_t oid_len;
    if (mbedtls_asn1_get_tag(&p, ext_end, &oid_len, MBEDTLS_ASN1_OID) != 0) return 0;
    int is_san = oid_len == sizeof san_oid && memcmp(p, san_oid, sizeof san_oid) == 0;
    p += oid_len;
    if (is_san) {
      int critical;
      if (p < ext_end && *p == MBEDTLS_ASN1_BOOLEAN && mbedtls_asn1_get_bool(&p, ext_end, &critical) != 0) return 0;
      size_t n;
      if (mbedtls_asn1_get_tag(&p, ext_end, &n, MBEDTLS_ASN1_OCTET_STRING) != 0) return 0;
      if (mbedtls_asn1_get_tag(&p, ext_end, &n, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) return 0;
      unsigned char *names_end = p + n;
      while (p < names_end) {
        unsigned char tag = *p++;
        if (mbedtls_asn1_get_len(&p, names_end, &n) != 0) return 0;
        if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && n == 4 && memcmp(p, ip, 4) == 0) return 1;
        p += n;
      }
      return 0;
    }
    p = ext_end;
  }
  return 0;
}

static int verify_ip(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags) {
  const tls_conn_t *c = arg;
  if (depth == 0 && !ip_in_san(crt, c->ip)) *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  return 0;
}

static int again_or_io(int rc) {
  return rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE ? VSDK_E_AGAIN : VSDK_E_IO;
}

static void conn_free(tls_conn_t *c) {
  if (!c->used) return;
  mbedtls_ssl_free(&c->ssl);
  mbedtls_ssl_config_free(&c->conf);
  mbedtls_net_free(&c->net);
  memset(c, 0, sizeof *c);
}

static int tls_connect(void *ctx, const char *host, uint16_t port_number, int plain) {
  struct tls_state *s = ((vsdk_posix_t *)ctx)->tls;
  if (!host) return VSDK_E_ARG;
  int slot = -1;
  for (int i = 0; i < VSDK_POSIX_MAX_TLS && slot < 0; i++) if (!s->conn[i].used) slot = i;
  if (slot < 0) return VSDK_E_NOSPACE;
  tls_conn_t *c = &s->conn[slot];
  c->used = 1;
  c->plain = plain;
  mbedtls_net_init(&c->net);
  mbedtls_ssl_init(&c->ssl);
  mbedtls_ssl_config_init(&c->conf);
  c->net.fd = vsdk_posix_connect(host, port_number, SOCK_STREAM);
  int rc = c->net.fd >= 0 ? 0 : -1;
  if (rc == 0 && !plain) {
    rc = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc == 0) {
      mbedtls_ssl_conf_authmode(&c->conf, s->ca_loaded ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
      mbedtls_ssl_conf_ca_chain(&c->conf, &s->ca, NULL);
      mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &s->drbg);
      rc = mbedtls_ssl_setup(&c->ssl, &c->conf);
    }
    /* A name is checked by mbedTLS (and sent as SNI); an IPv4 literal by verify_ip. */
    c->is_ip = inet_pton(AF_INET, host, c->ip) == 1;
    if (rc == 0 && c->is_ip) mbedtls_ssl_conf_verify(&c->conf, verify_ip, c);
    if (rc == 0 && !c->is_ip) rc = mbedtls_ssl_set_hostname(&c->ssl, host);
    mbedtls_ssl_set_bio(&c->ssl, &c->net, mbedtls_net_send, mbedtls_net_recv, NULL);
  }
  if (rc != 0) { conn_free(c); return VSDK_E_IO; }
  return slot;
}

static tls_conn_t *conn_of(void *ctx, int handle) {
  struct tls_state *s = ((vsdk_posix_t *)ctx)->tls;
  return handle >= 0 && handle < VSDK_POSIX_MAX_TLS && s->conn[handle].used ? &s->conn[handle] : NULL;
}

/* Advances the TCP connect and then the handshake; VSDK_OK once the stream is ready. */
static int handshake(tls_conn_t *c) {
  if (c->handshaken) return VSDK_OK;
  if (!c->connected) {
    struct pollfd pfd = { c->net.fd, POLLOUT, 0 };
    if (poll(&pfd, 1, 0) == 0) return VSDK_E_AGAIN;
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->net.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) return VSDK_E_IO;
    c->connected = 1;
  }
  if (c->plain) { c->handshaken = 1; return VSDK_OK; }
  int rc = mbedtls_ssl_handshake(&c->ssl);
  if (rc != 0) return again_or_io(rc);
  c->handshaken = 1;
  return VSDK_OK;
}

static int tls_send(void *ctx, int handle, const uint8_t *data, size_t len) {
  tls_conn_t *c = conn_of(ctx, handle);
  if (!c) return VSDK_E_ARG;
  int rc = handshake(c);
  if (rc != VSDK_OK) return rc;
  if (c->plain) {
    ssize_t n = send(c->net.fd, data, len, MSG_NOSIGNAL);
    return n >= 0 ? (int)n : errno == EAGAIN || errno == EWOULDBLOCK ? VSDK_E_AGAIN : VSDK_E_IO;
  }
  rc = mbedtls_ssl_write(&c->ssl, data, len);
  return rc >= 0 ? rc : again_or_io(rc);
}

static int tls_recv(void *ctx, int handle, uint8_t *buf, size_t cap) {
  tls_conn_t *c = conn_of(ctx, handle);
  if (!c) return VSDK_E_ARG;
  int rc = handshake(c);
  if (rc != VSDK_OK) return rc;
  if (c->plain) {
    ssize_t n = recv(c->net.fd, buf, cap, 0);
    return n >= 0 ? (int)n : errno == EAGAIN || errno == EWOULDBLOCK ? VSDK_E_AGAIN : VSDK_E_IO;
  }
  rc = mbedtls_ssl_read(&c->ssl, buf, cap);
  if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return 0; /* end of stream */
  return rc >= 0 ? rc : again_or_io(rc);
}

static int tls_close(void *ctx, int handle) {
  tls_conn_t *c = conn_of(ctx, handle);
  if (!c) return VSDK_E_ARG;
  if (c->handshaken && !c->plain) mbedtls_ssl_close_notify(&c->ssl);
  conn_free(c);
  return VSDK_OK;
}

int vsdk_posix_tls_install(vsdk_posix_t *port) {
  struct tls_state *s = calloc(1, sizeof *s);
  if (!s) return -1;
  port->tls = s;
  mbedtls_entropy_init(&s->entropy);
  mbedtls_ctr_drbg_init(&s->drbg);
  mbedtls_x509_crt_init(&s->ca);
  if (mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy, (const unsigned char *)"vsdk", 4) != 0) return -1;
  /* Without any trust anchor the stream still encrypts but cannot authenticate the server; the
   * device's log says so, and `vsdk-device --ca` is how tests pin the local cloud's certificate. */
  const char *ca = port->ca_file[0] ? port->ca_file : SYSTEM_CA_FILE;
  s->ca_loaded = mbedtls_x509_crt_parse_file(&s->ca, ca) >= 0 && s->ca.version != 0;
  if (!s->ca_loaded && port->ca_file[0]) return -1;
  port->platform.tls_connect = tls_connect;
  port->platform.tls_send = tls_send;
  port->platform.tls_recv = tls_recv;
  port->platform.tls_close = tls_close;
  return 0;
}

void vsdk_posix_tls_free(vsdk_posix_t *port) {
  struct tls_state *s = port->tls;
  if (!s) return;
  for (int i = 0; i < VSDK_POSIX_MAX_TLS; i++) conn_free(&s->conn[i]);
  mbedtls_x509_crt_free(&s->ca);
  mbedtls_ctr_drbg_free(&s->drbg);
  mbedtls_entropy_free(&s->entropy);
  free(s);
  port->tls = NULL;
}
