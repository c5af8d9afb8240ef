/* The runtime's package verifier (runtime/src/ota_package.c, with the key compiled in and the
 * posix port's mbedTLS) on every one-bit change and every truncation of a release package, one
 * verdict a line: "flip I CODE", "cut N CODE", "extra CODE", "whole CODE".
 * tests/c/test_ota_rules.test.ts compares each with ota/rules.ts, the release tool's own rules,
 * written independently in TypeScript over Node's crypto. Usage: test_ota_rules PACKAGE */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "image_file.h"
#include "ota_key.h"
#include "ota_package.h"
#include "vsdk.h"
#include "vsdk_posix.h"

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: test_ota_rules PACKAGE\n"); return 2; }
  uint32_t len = 0;
  uint8_t *pkg = vsdk_read_file(argv[1], 1u << 20, &len);
  char dir[] = "/tmp/vsdk-ota-rules-XXXXXX";
  if (!pkg || !mkdtemp(dir)) { fprintf(stderr, "cannot read %s\n", argv[1]); return 2; }
  vsdk_posix_t *port = vsdk_posix_new(dir, NULL, 0);
  const vsdk_platform_t *p = vsdk_posix_platform(port);
  /* A device running runtime 1.1.0 with ABI 1.0 that has confirmed nothing yet. */
  vsdk_ota_policy_t policy = { vsdk_ota_trusted_key, vsdk_ota_trusted_key_len, 1u << 16, VSDK_RUNTIME_VERSION, 0 };
  vsdk_ota_header_t h;
  uint8_t *copy = malloc(len + 1);
  for (uint32_t i = 0; i < len; i++) {
    memcpy(copy, pkg, len);
    copy[i] ^= (uint8_t)(1u << (i % 8));
    printf("flip %u %d\n", i, vsdk_ota_package_verify(p, copy, len, VSDK_POSIX_SLOT_BYTES, &policy, &h));
  }
  for (uint32_t n = 0; n < len; n++) printf("cut %u %d\n", n, vsdk_ota_package_verify(p, pkg, n, VSDK_POSIX_SLOT_BYTES, &policy, &h));
  memcpy(copy, pkg, len);
  copy[len] = 0;
  printf("extra %d\n", vsdk_ota_package_verify(p, copy, len + 1, VSDK_POSIX_SLOT_BYTES, &policy, &h));
  printf("whole %d\n", vsdk_ota_package_verify(p, pkg, len, VSDK_POSIX_SLOT_BYTES, &policy, &h));
  free(copy);
  free(pkg);
  vsdk_posix_free(port);
  rmdir(dir);
  return 0;
}
