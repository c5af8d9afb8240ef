/* An independent verifier of vsdk release packages (docs/ota.md), in C over mbedTLS as the
 * device runtime will be: byte-wise header parsing, the canonical manifest rebuilt with
 * snprintf, ECDSA P-256 through mbedtls_pk_verify, SHA-256 of the image. Only the checks that
 * need no device state (structure, key, signature, hash). Usage: ota_verify_mbedtls PUB.pem PKG
 * Prints "accepted" (exit 0) or "refused CODE" (exit 1); exit 2 on usage or I/O errors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

#define HEADER 72
#define E_TRUNCATED (-1002)
#define E_MALFORMED (-1003)
#define E_UNSUPPORTED (-1004)
#define E_STORAGE_CORRUPT (-1011)
#define E_AUTH (-1012)

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }

static void sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
#if MBEDTLS_VERSION_MAJOR >= 3
  mbedtls_sha256(data, len, out, 0);
#else
  mbedtls_sha256_ret(data, len, out, 0);
#endif
}

static void hex(char *out, const uint8_t *bytes, size_t n) {
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", bytes[i]);
}

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0, got;
  uint8_t *buf = malloc(cap + 1);
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) buf = realloc(buf, (cap *= 2) + 1);
  }
  fclose(f);
  if (buf) buf[n] = 0; /* PEM parsing wants a terminating zero */
  *len = n;
  return buf;
}

static int verify(mbedtls_pk_context *pk, const uint8_t *p, size_t len) {
  if (len < HEADER) return E_TRUNCATED;
  if (memcmp(p, "VOTA", 4) != 0) return E_MALFORMED;
  if (le16(p + 4) != 1) return E_UNSUPPORTED;
  uint32_t abi = le32(p + 8), ver = le32(p + 12), minrt = le32(p + 16), size = le32(p + 20);
  uint32_t mlen = le16(p + 64), slen = le16(p + 66);
  if (le16(p + 6) != HEADER || le32(p + 68) != 0 || mlen == 0 || mlen > 512 || slen < 8 || slen > 72 || size == 0) return E_MALFORMED;
  uint64_t total = (uint64_t)HEADER + mlen + slen + size;
  if (len < total) return E_TRUNCATED;
  if (len > total) return E_MALFORMED;

  char keyid[17], digest[65], manifest[600];
  hex(keyid, p + 56, 8);
  hex(digest, p + 24, 32);
  int n = snprintf(manifest, sizeof manifest,
    "{\"abi_version\":%u,\"format\":1,\"image_version\":\"%u.%u.%u\",\"key_id\":\"%s\","
    "\"min_runtime_version\":\"%u.%u.%u\",\"sha256\":\"%s\",\"size\":%u}",
    abi, ver >> 24, (ver >> 16) & 0xff, ver & 0xffff, keyid,
    minrt >> 24, (minrt >> 16) & 0xff, minrt & 0xffff, digest, size);
  if (n < 0 || (uint32_t)n != mlen || memcmp(manifest, p + HEADER, mlen) != 0) return E_MALFORMED;

  /* key id: SHA-256 of the DER SubjectPublicKeyInfo; mbedtls writes it at the buffer's end */
  uint8_t der[200], id[32];
  int dlen = mbedtls_pk_write_pubkey_der(pk, der, sizeof der);
  if (dlen <= 0) return E_AUTH;
  sha256(der + sizeof der - dlen, (size_t)dlen, id);
  if (memcmp(id, p + 56, 8) != 0) return E_AUTH;

  uint8_t mhash[32], ihash[32];
  sha256(p + HEADER, mlen, mhash);
  if (mbedtls_pk_verify(pk, MBEDTLS_MD_SHA256, mhash, 32, p + HEADER + mlen, slen) != 0) return E_AUTH;
  sha256(p + HEADER + mlen + slen, size, ihash);
  if (memcmp(ihash, p + 24, 32) != 0) return E_STORAGE_CORRUPT;
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: %s PUB.pem PACKAGE\n", argv[0]); return 2; }
  size_t keylen, len;
  uint8_t *key = slurp(argv[1], &keylen), *pkg = slurp(argv[2], &len);
  if (!key || !pkg) { fprintf(stderr, "cannot read input\n"); return 2; }
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  if (mbedtls_pk_parse_public_key(&pk, key, keylen + 1) != 0 || !mbedtls_pk_can_do(&pk, MBEDTLS_PK_ECDSA)) {
    fprintf(stderr, "not an EC public key\n");
    return 2;
  }
  int code = verify(&pk, pkg, len);
  mbedtls_pk_free(&pk);
  free(key);
  free(pkg);
  if (code == 0) { puts("accepted"); return 0; }
  printf("refused %d\n", code);
  return 1;
}
