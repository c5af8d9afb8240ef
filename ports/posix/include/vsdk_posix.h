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

/* OTA slots are the files ota-slot-0.bin and ota-slot-1.bin in data_dir, written with fsync.
 * Their capacity (default VSDK_POSIX_SLOT_BYTES) can be lowered, e.g. to test oversize refusals. */
#define VSDK_POSIX_SLOT_BYTES (256u * 1024u + 1024u)
void vsdk_posix_set_slot_size(vsdk_posix_t *port, uint32_t bytes);

/* Power cuts, for tests: with VSDK_POWER_CUT_AT=N in the environment when the port is made,
 * the Nth durable write (slot erase, slot write, key-value put or delete) is done only in part
 * (half of a slot write, a put's temporary file half written and never renamed, a delete not
 * done) and the process leaves at once with _exit(VSDK_POSIX_POWER_CUT_EXIT), as a device
 * losing power would. vsdk_posix_durable_writes counts the durable writes so far. */
#define VSDK_POSIX_POWER_CUT_EXIT 86
long vsdk_posix_durable_writes(const vsdk_posix_t *port);
/* For a durable store outside the port (a test's simulated flash): counts one durable write
 * and returns 1 when it is the one to cut (do part of it, then _exit as above). */
int vsdk_posix_power_cut_point(vsdk_posix_t *port);

#endif
