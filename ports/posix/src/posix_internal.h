/* The posix port's state, shared by its files (one concept each). */
#ifndef VSDK_POSIX_INTERNAL_H
#define VSDK_POSIX_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include "vsdk_posix.h"

struct opus_state;
struct tls_state;

struct vsdk_posix {
  vsdk_platform_t platform;
  char data_dir[512];
  char ca_file[512];
  int log_level;
  pthread_mutex_t lock;
  int udp[VSDK_POSIX_MAX_UDP];         /* socket fds, -1 when free */
  struct tls_state *tls;               /* VSDK_POSIX_MAX_TLS connections */
  struct opus_state *opus;
  /* OTA slots: files in data_dir; the mapped copy of each (slots_files.c). */
  uint32_t slot_capacity;
  uint8_t *slot_map[2];
  uint32_t slot_mapped_len[2];
  /* Durable writes so far, and the one a simulated power cut stops at (power_cut.c). */
  long durable_writes, cut_at;
};

/* Each file fills its part of the platform table and releases what it holds. */
/* A non-blocking socket of type (SOCK_STREAM, SOCK_DGRAM) connecting to host:port, or -1. */
int vsdk_posix_connect(const char *host, uint16_t port, int type);
void vsdk_posix_kv_install(vsdk_platform_t *p);
void vsdk_posix_udp_install(vsdk_platform_t *p);
void vsdk_posix_udp_close_all(vsdk_posix_t *port);
void vsdk_posix_crypto_install(vsdk_platform_t *p);
int vsdk_posix_tls_install(vsdk_posix_t *port);
void vsdk_posix_tls_free(vsdk_posix_t *port);
int vsdk_posix_opus_install(vsdk_posix_t *port);
void vsdk_posix_opus_free(vsdk_posix_t *port);
void vsdk_posix_slots_install(vsdk_posix_t *port);
void vsdk_posix_slots_free(vsdk_posix_t *port);
void vsdk_posix_power_cut_arm(vsdk_posix_t *port);
/* Counts a durable write; 1 when this one is to be cut (the caller does part of it, then
 * calls vsdk_posix_power_cut()). */
int vsdk_posix_power_cut_due(vsdk_posix_t *port);
void vsdk_posix_power_cut(void);

#endif
