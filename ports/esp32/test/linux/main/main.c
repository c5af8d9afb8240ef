/* The ESP32 port's network on ESP-IDF's linux target (run.sh): esp-tls, mbedTLS and FreeRTOS are
 * ESP-IDF's own, Linux sockets stand in for lwIP's, and the certificate bundle holds only the test
 * CA. A "vsdk" task drives the platform's entries every 10 ms, as the image does, and times each
 * call: none may wait for the network. Prints "N passed, N failed"; exits 1 on a failure. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "esp32_internal.h"

static int passed, failed;
static double worst_ms;
#define CHECK(cond, ...) do { if (cond) passed++; else { failed++; printf("FAIL line %d: ", __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static int open_fds(void) { int n = 0; DIR *d = opendir("/proc/self/fd"); while (readdir(d)) n++; closedir(d); return n; }

static vsdk_platform_t p;
#define TIMED(expr) ({ double s_ = now_ms(); int r_ = (expr); double d_ = now_ms() - s_; if (d_ > worst_ms) worst_ms = d_; r_; })

/* Sends until the stream takes the bytes or fails; returns the last result and the time taken. */
static int send_when_ready(int h, const char *msg, int limit_ms, double *took) {
  double s = now_ms();
  int r;
  while ((r = TIMED(p.tls_send(NULL, h, (const uint8_t *)msg, strlen(msg)))) == VSDK_E_AGAIN && now_ms() - s < limit_ms)
    vTaskDelay(pdMS_TO_TICKS(10));
  *took = now_ms() - s;
  return r;
}

static int recv_some(int h, char *buf, int cap, int limit_ms) {
  double s = now_ms();
  int r;
  while ((r = TIMED(p.tls_recv(NULL, h, (uint8_t *)buf, cap))) == VSDK_E_AGAIN && now_ms() - s < limit_ms)
    vTaskDelay(pdMS_TO_TICKS(10));
  return r;
}

static int listener(uint16_t *port, int type, int backlog) {
  int fd = socket(AF_INET, type, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  bind(fd, (struct sockaddr *)&a, sizeof a);
  if (type == SOCK_STREAM) listen(fd, backlog);
  socklen_t len = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &len);
  *port = ntohs(a.sin_port);
  return fd;
}

static void scenarios(void) {
  uint16_t tls_port = (uint16_t)atoi(getenv("TLS_PORT"));
  int fds_before = open_fds();
  uint16_t hole_port, udp_port;
  /* A listener whose accept queue is full: Linux drops further SYNs, so nobody answers them. */
  int hole = listener(&hole_port, SOCK_STREAM, 0), fillers[2];
  for (int i = 0; i < 2; i++) {
    fillers[i] = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(hole_port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    fcntl(fillers[i], F_SETFL, O_NONBLOCK);
    connect(fillers[i], (struct sockaddr *)&a, sizeof a);
  }
  int udp_peer = listener(&udp_port, SOCK_DGRAM, 0);
  vTaskDelay(pdMS_TO_TICKS(50));
  double took;
  char buf[64];

  /* Arguments. */
  CHECK(p.tls_connect(NULL, "localhost", tls_port, 1) == VSDK_E_UNSUPPORTED, "plain refused");
  CHECK(p.tls_connect(NULL, "", tls_port, 0) == VSDK_E_ARG, "empty host");
  CHECK(p.tls_send(NULL, 5, (const uint8_t *)"x", 1) == VSDK_E_ARG, "bad handle");
  CHECK(p.udp_send(NULL, 0, (const uint8_t *)"x", 1) == VSDK_E_ARG, "closed udp handle");

  /* A whole TLS exchange: connect returns at once, E_AGAIN until ready, then the echo. */
  int h = TIMED(p.tls_connect(NULL, "localhost", tls_port, 0));
  CHECK(h >= 0, "connect %d", h);
  int r = send_when_ready(h, "ping over esp-tls\n", 5000, &took);
  CHECK(r == 18, "send r=%d", r);
  printf("TLS to localhost ready and sent after %.1f ms\n", took);
  int n = recv_some(h, buf, sizeof buf, 3000);
  CHECK(n == 18 && memcmp(buf, "ping over esp-tls\n", 18) == 0, "echo n=%d", n);
  CHECK(TIMED(p.tls_close(NULL, h)) == VSDK_OK, "close");
  CHECK(p.tls_close(NULL, h) == VSDK_E_ARG, "closed twice");

  /* The certificate's name must match the host asked for. */
  h = p.tls_connect(NULL, "127.0.0.1", tls_port, 0);
  r = send_when_ready(h, "x", 5000, &took);
  CHECK(r == VSDK_E_IO, "name mismatch r=%d", r);
  CHECK(p.tls_recv(NULL, h, (uint8_t *)buf, sizeof buf) == VSDK_E_IO, "a failed stream stays failed");
  p.tls_close(NULL, h);
  printf("certificate for another name: E_IO after %.1f ms\n", took);

  /* Refused, and an unanswered SYN (E_IO after the connect timeout, nothing held). */
  h = p.tls_connect(NULL, "127.0.0.1", 1, 0);
  r = send_when_ready(h, "x", 5000, &took);
  CHECK(r == VSDK_E_IO, "refused r=%d", r);
  p.tls_close(NULL, h);
  double worst_before = worst_ms;
  h = p.tls_connect(NULL, "127.0.0.1", hole_port, 0);
  r = send_when_ready(h, "x", 8000, &took);
  CHECK(r == VSDK_E_IO && took > 1900 && took < 2700, "unanswered SYN r=%d after %.1f ms", r, took);
  p.tls_close(NULL, h);
  printf("unanswered SYN: E_IO after %.1f ms; worst platform call meanwhile %.3f ms (before %.3f)\n", took, worst_ms, worst_before);

  /* Two streams at once, a third refused; one abandoned mid-connect, then a new one works. */
  int a = p.tls_connect(NULL, "127.0.0.1", hole_port, 0);
  int b = p.tls_connect(NULL, "localhost", tls_port, 0);
  CHECK(a >= 0 && b >= 0 && p.tls_connect(NULL, "localhost", tls_port, 0) == VSDK_E_NOSPACE, "two streams");
  vTaskDelay(pdMS_TO_TICKS(300));
  CHECK(p.tls_send(NULL, b, (const uint8_t *)"x", 1) == VSDK_E_AGAIN, "b waits behind a's connect");
  double abandon_at = now_ms();
  CHECK(TIMED(p.tls_close(NULL, a)) == VSDK_OK, "abandon a");
  r = send_when_ready(b, "after abandon\n", 5000, &took);
  CHECK(r == 14, "b after abandon r=%d", r);
  printf("a stream waiting behind an abandoned connect was ready %.1f ms after the abandon\n", now_ms() - abandon_at);
  n = recv_some(b, buf, sizeof buf, 3000);
  CHECK(n == 14, "b echo n=%d", n);
  p.tls_close(NULL, b);

  /* Closed at every point of a connect: no leak, no crash. */
  for (int i = 0; i < 40; i++) {
    h = p.tls_connect(NULL, "localhost", tls_port, 0);
    for (int k = 0; k < i % 8; k++) { p.tls_recv(NULL, h, (uint8_t *)buf, sizeof buf); vTaskDelay(pdMS_TO_TICKS(2)); }
    CHECK(p.tls_close(NULL, h) == VSDK_OK, "close at step %d", i % 8);
  }

  /* UDP to an address: ready at once; by name: E_AGAIN until the connector is done. */
  int u = TIMED(p.udp_open(NULL, "127.0.0.1", udp_port));
  CHECK(u >= 0 && p.udp_send(NULL, u, (const uint8_t *)"rtp", 3) == 3, "udp to an address sends at once");
  struct sockaddr_in from; socklen_t fl = sizeof from;
  CHECK(recvfrom(udp_peer, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl) == 3, "datagram arrives");
  sendto(udp_peer, "back", 4, 0, (struct sockaddr *)&from, fl);
  vTaskDelay(pdMS_TO_TICKS(20));
  CHECK(p.udp_recv(NULL, u, (uint8_t *)buf, sizeof buf) == 4, "datagram back");
  CHECK(p.udp_recv(NULL, u, (uint8_t *)buf, sizeof buf) == VSDK_E_AGAIN, "nothing more");
  int v = p.udp_open(NULL, "localhost", udp_port);
  int first = p.udp_send(NULL, v, (const uint8_t *)"n", 1);
  double s = now_ms();
  while ((r = p.udp_send(NULL, v, (const uint8_t *)"name", 4)) == VSDK_E_AGAIN && now_ms() - s < 3000) vTaskDelay(pdMS_TO_TICKS(10));
  CHECK(first == VSDK_E_AGAIN && r == 4, "udp by name: first %d then %d", first, r);
  CHECK(recvfrom(udp_peer, buf, sizeof buf, 0, NULL, NULL) == 4, "datagram by name arrives");
  CHECK(p.udp_open(NULL, "127.0.0.1", udp_port) == VSDK_E_NOSPACE, "third udp");
  p.udp_close(NULL, u);
  p.udp_close(NULL, v);
  int w = p.udp_open(NULL, "no-such-host.invalid", udp_port);
  s = now_ms();
  while ((r = p.udp_recv(NULL, w, (uint8_t *)buf, sizeof buf)) == VSDK_E_AGAIN && now_ms() - s < 30000) vTaskDelay(pdMS_TO_TICKS(10));
  CHECK(r == VSDK_E_IO, "unknown name r=%d", r);
  p.udp_close(NULL, w);

  /* A lookup the DNS server never answers (run.sh as root): the stream waits in the connector,
   * every call returns at once, and UDP to an address does not queue behind it. */
  const char *slow = getenv("SLOW_NAME");
  if (slow) {
    worst_ms = 0;
    h = TIMED(p.tls_connect(NULL, slow, 443, 0));
    u = TIMED(p.udp_open(NULL, "127.0.0.1", udp_port));
    CHECK(TIMED(p.udp_send(NULL, u, (const uint8_t *)"rtp", 3)) == 3, "udp to an address during the lookup");
    CHECK(recvfrom(udp_peer, buf, sizeof buf, 0, NULL, NULL) == 3, "its datagram arrives");
    r = send_when_ready(h, "x", 30000, &took);
    CHECK(r == VSDK_E_IO && took > 1000, "unanswered lookup r=%d after %.1f ms", r, took);
    CHECK(worst_ms < took / 10, "calls while the lookup stalled: worst %.3f ms", worst_ms);
    printf("unanswered DNS: E_IO after %.1f ms; worst platform call meanwhile %.3f ms\n", took, worst_ms);
    p.tls_close(NULL, h);
    p.udp_close(NULL, u);
  }

  vTaskDelay(pdMS_TO_TICKS(2500));
  close(hole); close(fillers[0]); close(fillers[1]); close(udp_peer);
  int fds_after = open_fds();
  CHECK(fds_after == fds_before, "fds %d before, %d after", fds_before, fds_after);
  printf("open fds before %d, after %d; worst platform call %.3f ms\n", fds_before, fds_after, worst_ms);
  printf("%d passed, %d failed\n", passed, failed);
  fflush(stdout);
  exit(failed ? 1 : 0);
}

static void vsdk_task(void *arg) { (void)arg; scenarios(); }

void app_main(void) {
  vsdk_esp32_net_install(&p);
  xTaskCreate(vsdk_task, "vsdk", 65536, NULL, CONFIG_VSDK_TASK_PRIORITY, NULL);
}
