/* Instructions per RTP operation on wasm3, through the C runtime's export call, for callgrind
 * (bench/rtp.ts builds this against build/native's libraries and runs it):
 *   rtp_wasm3 IMAGE OP COUNT      OP: call (an export that does nothing), parse, receive, write
 * Each OP runs COUNT times inside op_<OP>(); bench/rtp.ts subtracts a short run from a long
 * one, so start-up and lazy compilation cancel out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "image_file.h"
#include "vsdk.h"
#include "vsdk_posix.h"

enum { F_SEQUENCE = 2, F_PAYLOAD_PTR = 10, PACKET_BYTES = 172 };
static int32_t io;

static int32_t call(const char *name, int argc, const int32_t *argv) {
  int32_t r = 0;
  int rc = vsdk_call_export(name, argc, argv, &r);
  if (rc != VSDK_OK) { fprintf(stderr, "%s: %s\n", name, vsdk_strerror(rc)); exit(1); }
  return r;
}
#define X(name, ...) call(name, (int)(sizeof((int32_t[]){ __VA_ARGS__ }) / sizeof(int32_t)), (int32_t[]){ __VA_ARGS__ })

__attribute__((noinline)) void op_call(uint32_t n) { (void)n; call("vsdk_abi_version", 0, NULL); }
__attribute__((noinline)) void op_parse(uint32_t n) { (void)n; X("vsdk_rtp_parse", io, PACKET_BYTES); }
/* The packet stays in place: the stream sees duplicates after the first two, which take the
 * same path through the statistics as packets in order. */
__attribute__((noinline)) void op_receive(uint32_t n) { X("vsdk_rtp_rx_push", io, PACKET_BYTES, (int32_t)(n * 20)); }
__attribute__((noinline)) void op_write(uint32_t n) { (void)n; X("vsdk_rtp_write", io + 512, 256); }

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: rtp_wasm3 IMAGE call|parse|receive|write COUNT\n"); return 2; }
  uint32_t len = 0;
  uint8_t *image = vsdk_read_file(argv[1], VSDK_IMAGE_MAX_BYTES, &len);
  if (!image) { fprintf(stderr, "cannot read %s\n", argv[1]); return 1; }
  const char *op = argv[2];
  uint32_t count = (uint32_t)atoi(argv[3]);
  vsdk_posix_t *port = vsdk_posix_new("/tmp/vsdk-bench-rtp", NULL, 0);
  vsdk_config_t config = { 0 };
  config.platform = vsdk_posix_platform(port);
  if (vsdk_init(&config, image, len) != VSDK_OK) { fprintf(stderr, "vsdk_init failed\n"); return 1; }
  io = call("vsdk_io_buffer", 0, NULL);
  uint8_t packet[PACKET_BYTES] = { 0x80, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0x12, 0x34 };
  memset(packet + 12, 0xff, PACKET_BYTES - 12);
  vsdk_io_write(packet, PACKET_BYTES, 0);
  X("vsdk_rtp_rx_init", 0, 8000, 0x1234);
  X("vsdk_rtp_parse", io, PACKET_BYTES);           /* the header record: also the write template */
  X("vsdk_rtp_set", F_PAYLOAD_PTR, io + 512 + 12); /* payload in place: the writer moves nothing */
  for (uint32_t n = 0; n < count; n++) {
    if (!strcmp(op, "call")) op_call(n);
    else if (!strcmp(op, "parse")) op_parse(n);
    else if (!strcmp(op, "receive")) op_receive(n);
    else if (!strcmp(op, "write")) op_write(n);
    else { fprintf(stderr, "unknown op %s\n", op); return 2; }
  }
  vsdk_deinit();
  vsdk_posix_free(port);
  return 0;
}
