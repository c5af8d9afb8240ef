/* The ESP32 port's parts, one concept per file, each filling its entries of the platform. */
#ifndef VSDK_ESP32_INTERNAL_H
#define VSDK_ESP32_INTERNAL_H

#include "vsdk_platform.h"

void vsdk_esp32_kv_install(vsdk_platform_t *p);   /* kv_nvs.c */
void vsdk_esp32_net_install(vsdk_platform_t *p);  /* net_esp32.c: esp-tls stream, lwIP UDP */

/* connector_esp32.c: host name lookup and connect on a task of their own, so that neither
 * holds the vsdk task. A job gives one connected, non-blocking socket. */
#define VSDK_ESP32_MAX_STREAMS 2
#define VSDK_ESP32_MAX_UDP 2
#define VSDK_ESP32_HOST_MAX 253
typedef enum { VSDK_ESP32_TCP, VSDK_ESP32_UDP } vsdk_esp32_transport_t;
void vsdk_esp32_connector_start(void); /* once; later calls do nothing */
/* A job >= 0 at once (for UDP to an IPv4 address, already done), or VSDK_E_ARG (host empty or longer than VSDK_ESP32_HOST_MAX),
 * VSDK_E_NOSPACE, VSDK_E_STATE (no connector). */
int vsdk_esp32_connect_begin(vsdk_esp32_transport_t transport, const char *host, uint16_t port);
/* VSDK_E_AGAIN while under way; then VSDK_OK with the socket in *fd (the caller's to close) or
 * VSDK_E_IO (lookup or connect failed, or timed out), and the job is over. */
int vsdk_esp32_connect_poll(int job, int *fd);
/* Ends a job the caller no longer wants (any state); its socket is closed, now or when the
 * connector finishes with it. */
void vsdk_esp32_connect_cancel(int job);

/* image_slot.c: the OTA partition's image mapped into the address space, or NULL. */
const uint8_t *vsdk_esp32_slot_image(uint32_t *len);

#endif
