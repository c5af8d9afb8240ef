/* The posix port: a vsdk_platform_t over POSIX sockets, mbedTLS, files and libopus. */
#ifndef VSDK_POSIX_H
#define VSDK_POSIX_H

#include "vsdk_platform.h"

#define VSDK_POSIX_MAX_UDP 4
#define VSDK_POSIX_MAX_TLS 2

typedef struct vsdk_posix vsdk_posix_t;

/* A platform whose key-value store is the folder data_dir (created if absent), whose TLS trusts
 * ca_file (PEM; NULL: the system's store) and which logs at or below log_level to stderr.
 * Returns NULL when data_dir cannot be used. Free with vsdk_posix_free. */
vsdk_posix_t *vsdk_posix_new(const char *data_dir, const char *ca_file, int log_level);
const vsdk_platform_t *vsdk_posix_platform(vsdk_posix_t *port);
void vsdk_posix_free(vsdk_posix_t *port);

#endif
