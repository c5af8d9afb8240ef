/* The connector: a task of its own that resolves a host name and opens a connected,
 * non-blocking socket to it, so that neither the DNS lookup (lwIP's getaddrinfo waits for its
 * DNS servers: about 7 s for each configured one that does not answer) nor the TCP connect (an
 * unanswered SYN) ever holds the vsdk task, which also runs the call's audio and signalling.
 *
 * Jobs live in a fixed table; each has one owner at a time, who alone may close its socket:
 *   QUEUED   the caller's; the connector takes the oldest and makes it RUNNING;
 *   RUNNING  the connector's; the caller may only mark it abandoned, and the connector then
 *            closes what it opened and frees the entry itself;
 *   DONE     the caller's again: vsdk_esp32_connect_poll hands over the socket (or the error),
 *            vsdk_esp32_connect_cancel closes it; either frees the entry.
 * One job runs at a time, so the callers' live jobs plus one abandoned running job always fit;
 * a job waits while the one before it is looked up. A UDP peer given as an address skips the
 * queue: its job is DONE when it begins.
 * The task, its stack, the lock and the table are static: nothing is allocated after init (lwIP
 * and the VFS allocate a socket, a lookup's result and select()'s state, as inside esp-tls). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "lwip/netdb.h"
#include "lwip/sockets.h"
#include "freertos/FreeRTOS.h"
#include "freertos/semphr.h"
#include "freertos/task.h"
#include "sdkconfig.h"
#include "esp32_internal.h"

#define JOBS (VSDK_ESP32_MAX_STREAMS + VSDK_ESP32_MAX_UDP + 1)
/* How often a connect under way looks whether it is still wanted: an abandoned one frees the
 * connector for the next job within this. */
#define SLICE_MS 100

typedef enum { JOB_FREE, JOB_QUEUED, JOB_RUNNING, JOB_DONE } job_state_t;

typedef struct {
  job_state_t state;
  bool abandoned;
  vsdk_esp32_transport_t transport;
  uint16_t port;
  uint32_t order;  /* queued jobs run oldest first */
  int result;      /* DONE: the socket, or a vsdk error */
  char host[VSDK_ESP32_HOST_MAX + 1];
} job_t;

static job_t jobs[JOBS];
static uint32_t next_order;
static SemaphoreHandle_t lock;
static StaticSemaphore_t lock_buffer;
static TaskHandle_t connector;
static StaticTask_t connector_tcb;
static StackType_t connector_stack[CONFIG_VSDK_CONNECTOR_STACK / sizeof(StackType_t)];

static job_t *claim_oldest(void) {
  xSemaphoreTake(lock, portMAX_DELAY);
  job_t *oldest = NULL;
  for (int i = 0; i < JOBS; i++) {
    job_t *j = &jobs[i];
    if (j->state == JOB_QUEUED && (!oldest || (int32_t)(j->order - oldest->order) < 0)) oldest = j;
  }
  if (oldest) oldest->state = JOB_RUNNING;
  xSemaphoreGive(lock);
  return oldest;
}

static bool abandoned(const job_t *job) {
  xSemaphoreTake(lock, portMAX_DELAY);
  bool gone = job->abandoned;
  xSemaphoreGive(lock);
  return gone;
}

/* Waits for a non-blocking connect in slices, so that an abandoned job stops early; bounded by
 * CONFIG_VSDK_CONNECT_TIMEOUT_MS, as lwIP alone would retry an unanswered SYN for minutes. */
static int wait_connected(const job_t *job, int fd) {
  TickType_t start = xTaskGetTickCount();
  while (!abandoned(job)) {
    fd_set writable, failed;
    FD_ZERO(&writable);
    FD_SET(fd, &writable);
    failed = writable;
    struct timeval slice = { .tv_sec = 0, .tv_usec = SLICE_MS * 1000 };
    int n = select(fd + 1, NULL, &writable, &failed, &slice);
    if (n < 0 && errno != EINTR) return VSDK_E_IO;
    if (n > 0) {
      int err = 0;
      socklen_t len = sizeof err;
      return getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0 ? VSDK_OK : VSDK_E_IO;
    }
    if (xTaskGetTickCount() - start >= pdMS_TO_TICKS(CONFIG_VSDK_CONNECT_TIMEOUT_MS)) return VSDK_E_IO;
  }
  return VSDK_E_IO; /* nobody waits for it any more */
}

/* The port as decimal text for getaddrinfo; newlib's snprintf would take much of this stack. */
static void port_text(uint16_t port, char out[6]) {
  char digits[5];
  int n = 0;
  do {
    digits[n++] = (char)('0' + port % 10);
    port /= 10;
  } while (port);
  for (int i = 0; i < n; i++) out[i] = digits[n - 1 - i];
  out[n] = '\0';
}

/* Runs on the connector only. The job's host, port and transport are not written while it
 * runs, so they are read without the lock. */
static int open_socket(const job_t *job) {
  struct addrinfo hints = { 0 }, *found = NULL;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = job->transport == VSDK_ESP32_TCP ? SOCK_STREAM : SOCK_DGRAM;
  char service[6];
  port_text(job->port, service);
  if (getaddrinfo(job->host, service, &hints, &found) != 0 || !found) return VSDK_E_IO;
  int rc = VSDK_E_IO;
  int fd = abandoned(job) ? -1 : socket(found->ai_family, hints.ai_socktype, 0);
  if (fd >= 0 && fcntl(fd, F_SETFL, O_NONBLOCK) == 0) {
    /* UDP's connect only ties the socket to the peer; TCP's is under way when it returns. */
    if (connect(fd, found->ai_addr, found->ai_addrlen) == 0) rc = VSDK_OK;
    else if (errno == EINPROGRESS) rc = wait_connected(job, fd);
  }
  freeaddrinfo(found);
  if (rc == VSDK_OK) return fd;
  if (fd >= 0) close(fd);
  return rc;
}

/* A UDP peer given as an IPv4 address needs no lookup and no wait (UDP's connect only ties the
 * socket to it), so its socket opens on the caller's task: the call's media never queues behind
 * a slow lookup. VSDK_E_AGAIN for a name (the connector's work), else the socket or E_IO. */
static int open_udp_literal(const char *host, uint16_t port) {
  struct sockaddr_in peer = { 0 };
  peer.sin_family = AF_INET;
  peer.sin_port = htons(port);
  if (inet_pton(AF_INET, host, &peer.sin_addr) != 1) return VSDK_E_AGAIN;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd >= 0 && fcntl(fd, F_SETFL, O_NONBLOCK) == 0 && connect(fd, (struct sockaddr *)&peer, sizeof peer) == 0) return fd;
  if (fd >= 0) close(fd);
  return VSDK_E_IO;
}

static void finish(job_t *job, int result) {
  xSemaphoreTake(lock, portMAX_DELAY);
  bool gone = job->abandoned;
  job->result = result;
  job->state = gone ? JOB_FREE : JOB_DONE; /* a freed entry may be reused at once: not read again */
  xSemaphoreGive(lock);
  if (gone && result >= 0) close(result);
}

static void connector_task(void *arg) {
  (void)arg;
  for (;;) {
    ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
    job_t *job;
    while ((job = claim_oldest()) != NULL) finish(job, open_socket(job));
  }
}

void vsdk_esp32_connector_start(void) {
  if (connector) return; /* one connector for the firmware's life, whatever restarts the vsdk task */
  lock = xSemaphoreCreateMutexStatic(&lock_buffer);
  /* Below the vsdk task: it mostly waits on lwIP, and must never take the CPU from the call. */
  UBaseType_t priority = CONFIG_VSDK_TASK_PRIORITY > 1 ? CONFIG_VSDK_TASK_PRIORITY - 1 : 1;
  connector = xTaskCreateStatic(connector_task, "vsdk_connect", sizeof connector_stack / sizeof connector_stack[0],
                                NULL, priority, connector_stack, &connector_tcb);
}

int vsdk_esp32_connect_begin(vsdk_esp32_transport_t transport, const char *host, uint16_t port) {
  size_t host_len = host ? strnlen(host, VSDK_ESP32_HOST_MAX + 1) : 0;
  if (host_len == 0 || host_len > VSDK_ESP32_HOST_MAX) return VSDK_E_ARG;
  if (!connector) return VSDK_E_STATE;
  int ready = transport == VSDK_ESP32_UDP ? open_udp_literal(host, port) : VSDK_E_AGAIN;
  int id = VSDK_E_NOSPACE;
  xSemaphoreTake(lock, portMAX_DELAY);
  for (int i = 0; i < JOBS && id < 0; i++) {
    job_t *j = &jobs[i];
    if (j->state != JOB_FREE) continue;
    j->abandoned = false;
    j->transport = transport;
    j->port = port;
    j->order = next_order++;
    j->result = ready;
    memcpy(j->host, host, host_len + 1);
    j->state = ready == VSDK_E_AGAIN ? JOB_QUEUED : JOB_DONE;
    id = i;
  }
  xSemaphoreGive(lock);
  if (id < 0 && ready >= 0) close(ready);
  if (id >= 0 && ready == VSDK_E_AGAIN) xTaskNotifyGive(connector);
  return id;
}

int vsdk_esp32_connect_poll(int id, int *fd) {
  if (id < 0 || id >= JOBS || !fd) return VSDK_E_ARG;
  job_t *job = &jobs[id];
  xSemaphoreTake(lock, portMAX_DELAY);
  int rc = VSDK_E_AGAIN;
  if (job->state == JOB_FREE || job->abandoned) rc = VSDK_E_ARG;
  else if (job->state == JOB_DONE) {
    rc = job->result >= 0 ? VSDK_OK : job->result;
    *fd = job->result;
    job->state = JOB_FREE;
  }
  xSemaphoreGive(lock);
  return rc;
}

void vsdk_esp32_connect_cancel(int id) {
  if (id < 0 || id >= JOBS) return;
  job_t *job = &jobs[id];
  int fd = -1;
  xSemaphoreTake(lock, portMAX_DELAY);
  if (job->state == JOB_QUEUED) job->state = JOB_FREE;
  else if (job->state == JOB_RUNNING) job->abandoned = true;
  else if (job->state == JOB_DONE) {
    fd = job->result;
    job->state = JOB_FREE;
  }
  xSemaphoreGive(lock);
  if (fd >= 0) close(fd);
}
