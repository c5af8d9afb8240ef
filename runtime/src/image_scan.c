#include <string.h>
#include "image_scan.h"
#include "vsdk_errors.h"

#define NAME_MAX_BYTES 64   /* longer import/export names are refused: ours are short */
#define SIG_MAX_PARAMS 16

typedef struct { const uint8_t *p; uint32_t left; int bad; } reader_t;

static uint32_t read_u8(reader_t *r) {
  if (r->left < 1) { r->bad = 1; return 0; }
  r->left--;
  return *r->p++;
}

/* Unsigned LEB128, at most 5 bytes for 32 bits. */
static uint32_t read_u32(reader_t *r) {
  uint32_t value = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    uint32_t byte = read_u8(r);
    if (r->bad) return 0;
    value |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) return value;
  }
  r->bad = 1;
  return 0;
}

static const uint8_t *read_bytes(reader_t *r, uint32_t n) {
  if (r->left < n) { r->bad = 1; return NULL; }
  const uint8_t *at = r->p;
  r->p += n;
  r->left -= n;
  return at;
}

/* A name copied NUL-terminated into out (NAME_MAX_BYTES + 1 bytes). */
static void read_name(reader_t *r, char *out) {
  uint32_t n = read_u32(r);
  if (n > NAME_MAX_BYTES) { r->bad = 1; n = 0; }
  const uint8_t *s = read_bytes(r, n);
  if (!s) n = 0;
  memcpy(out, s ? (const char *)s : "", n);
  out[n] = 0;
}

static char value_type_letter(uint32_t t) {
  switch (t) {
    case 0x7f: return 'i';
    case 0x7e: return 'I';
    case 0x7d: return 'f';
    case 0x7c: return 'F';
    default: return 0;
  }
}

int vsdk_image_scan(const uint8_t *wasm, uint32_t len, vsdk_image_info_t *info) {
  static const uint8_t header[8] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00 };
  memset(info, 0, sizeof *info);
  if (!wasm || len < 8 || memcmp(wasm, header, 8) != 0) return VSDK_E_IMAGE;
  info->wasm = wasm;
  info->len = len;
  reader_t r = { wasm + 8, len - 8, 0 };
  while (r.left > 0) {
    uint32_t id = read_u8(&r);
    uint32_t size = read_u32(&r);
    const uint8_t *payload = read_bytes(&r, size);
    if (r.bad || id > 12) return VSDK_E_IMAGE;
    uint32_t off = (uint32_t)(payload - wasm);
    if (id == 1) { info->type_off = off; info->type_len = size; }
    if (id == 2) { info->import_off = off; info->import_len = size; }
    if (id == 7) { info->export_off = off; info->export_len = size; }
  }
  return VSDK_OK;
}

/* The wasm3 signature of type `index`, e.g. "i(ii)". */
static int signature_of(const vsdk_image_info_t *info, uint32_t index, char *sig, size_t cap) {
  reader_t r = { info->wasm + info->type_off, info->type_len, 0 };
  uint32_t count = read_u32(&r);
  if (r.bad || index >= count) return VSDK_E_IMAGE;
  for (uint32_t t = 0; t <= index; t++) {
    if (read_u8(&r) != 0x60) return VSDK_E_IMAGE;
    uint32_t nparams = read_u32(&r);
    if (r.bad || nparams > SIG_MAX_PARAMS || nparams + 4 > cap) return VSDK_E_IMAGE;
    char params[SIG_MAX_PARAMS];
    for (uint32_t i = 0; i < nparams; i++) params[i] = value_type_letter(read_u8(&r));
    uint32_t nresults = read_u32(&r);
    if (r.bad || nresults > 1) return VSDK_E_IMAGE;
    char result = nresults ? value_type_letter(read_u8(&r)) : 'v';
    if (r.bad) return VSDK_E_IMAGE;
    if (t < index) continue;
    size_t n = 0;
    sig[n++] = result;
    sig[n++] = '(';
    for (uint32_t i = 0; i < nparams; i++) {
      if (!params[i]) return VSDK_E_IMAGE;
      sig[n++] = params[i];
    }
    sig[n++] = ')';
    sig[n] = 0;
    return result ? VSDK_OK : VSDK_E_IMAGE;
  }
  return VSDK_E_IMAGE;
}

int vsdk_image_each_import(const vsdk_image_info_t *info, vsdk_import_visitor visit, void *arg) {
  if (!info->import_off) return VSDK_OK;
  reader_t r = { info->wasm + info->import_off, info->import_len, 0 };
  uint32_t count = read_u32(&r);
  char module[NAME_MAX_BYTES + 1], name[NAME_MAX_BYTES + 1], sig[SIG_MAX_PARAMS + 4];
  for (uint32_t i = 0; i < count && !r.bad; i++) {
    read_name(&r, module);
    read_name(&r, name);
    uint32_t kind = read_u8(&r);
    if (r.bad || kind != 0) return VSDK_E_IMAGE;
    uint32_t type = read_u32(&r);
    if (r.bad || signature_of(info, type, sig, sizeof sig) != VSDK_OK) return VSDK_E_IMAGE;
    int rc = visit(arg, module, name, sig);
    if (rc < 0) return rc;
  }
  return r.bad ? VSDK_E_IMAGE : VSDK_OK;
}

int vsdk_image_has_export(const vsdk_image_info_t *info, const char *want, uint8_t want_kind) {
  if (!info->export_off) return 0;
  reader_t r = { info->wasm + info->export_off, info->export_len, 0 };
  uint32_t count = read_u32(&r);
  char name[NAME_MAX_BYTES + 1];
  for (uint32_t i = 0; i < count && !r.bad; i++) {
    read_name(&r, name);
    uint32_t kind = read_u8(&r);
    read_u32(&r);
    if (!r.bad && kind == want_kind && strcmp(name, want) == 0) return 1;
  }
  return 0;
}
