/* A simulated power cut (vsdk_posix.h): every durable write passes here first, so a test can
 * stop the process at any one of them and then "reboot" from what reached the disk. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>
#include "posix_internal.h"

void vsdk_posix_power_cut_arm(vsdk_posix_t *port) {
  const char *at = getenv("VSDK_POWER_CUT_AT");
  port->cut_at = at ? atol(at) : 0;
  port->durable_writes = 0;
}

int vsdk_posix_power_cut_due(vsdk_posix_t *port) {
  port->durable_writes++;
  return port->cut_at > 0 && port->durable_writes == port->cut_at;
}

void vsdk_posix_power_cut(void) { _exit(VSDK_POSIX_POWER_CUT_EXIT); }

long vsdk_posix_durable_writes(const vsdk_posix_t *port) { return port->durable_writes; }

int vsdk_posix_power_cut_point(vsdk_posix_t *port) { return vsdk_posix_power_cut_due(port); }
