/* The C side agrees with the image's source of truth: vsdk_errors.h mirrors every code of
 * assembly/abi/errors.ts, and the shims link every import of assembly/abi/imports.ts with the
 * signature its declaration implies. Both files are read as text, so a code or an import added
 * to the image without its C twin fails here. */
#include <ctype.h>
#include <stdlib.h>
#include "check.h"
#include "vsdk_errors.h"
#include "vsdk_shims.h"

static const char *root;

static char *slurp(const char *relative) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", root, relative);
  FILE *f = fopen(path, "rb");
  if (!f) { fprintf(stderr, "cannot read %s\n", path); exit(2); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = calloc(1, (size_t)n + 1);
  if (fread(text, 1, (size_t)n, f) != (size_t)n) exit(2);
  fclose(f);
  return text;
}

static const struct { const char *name; int value; } c_codes[] = {
  { "OK", VSDK_OK }, { "E_ARG", VSDK_E_ARG }, { "E_TRUNCATED", VSDK_E_TRUNCATED },
  { "E_MALFORMED", VSDK_E_MALFORMED }, { "E_UNSUPPORTED", VSDK_E_UNSUPPORTED },
  { "E_NOSPACE", VSDK_E_NOSPACE }, { "E_STATE", VSDK_E_STATE }, { "E_DUPLICATE", VSDK_E_DUPLICATE },
  { "E_LATE", VSDK_E_LATE }, { "E_AGAIN", VSDK_E_AGAIN }, { "E_IO", VSDK_E_IO },
  { "E_STORAGE_CORRUPT", VSDK_E_STORAGE_CORRUPT }, { "E_AUTH", VSDK_E_AUTH },
  { "E_TIMEOUT", VSDK_E_TIMEOUT }, { "E_NOT_REGISTERED", VSDK_E_NOT_REGISTERED },
  { "E_PROTOCOL", VSDK_E_PROTOCOL }, { "E_BUSY", VSDK_E_BUSY }, { "E_CODEC", VSDK_E_CODEC },
};

static void error_codes_mirror_the_image(void) {
  char *text = slurp("assembly/abi/errors.ts");
  size_t found = 0;
  for (char *at = strstr(text, "export const "); at; at = strstr(at + 1, "export const ")) {
    char name[64];
    int value;
    if (sscanf(at, "export const %63[A-Z_]: i32 = %d;", name, &value) != 2) continue;
    found++;
    int matched = 0;
    for (size_t i = 0; i < sizeof c_codes / sizeof c_codes[0]; i++) {
      if (strcmp(c_codes[i].name, name) != 0) continue;
      matched = 1;
      if (c_codes[i].value != value) fprintf(stderr, "%s: image %d, C %d\n", name, value, c_codes[i].value);
      CHECK_EQ(c_codes[i].value, value);
    }
    if (!matched) fprintf(stderr, "%s = %d has no VSDK_%s in vsdk_errors.h\n", name, value, name);
    CHECK(matched);
  }
  CHECK_EQ(found, sizeof c_codes / sizeof c_codes[0]);
  free(text);
}

/* The wasm3 letter of an AssemblyScript type: every 32-bit integer and pointer is 'i'. */
static char letter(const char *type, size_t n) {
  static const char *const i32s[] = { "i32", "u32", "usize", "isize", "bool", "i8", "u8", "i16", "u16" };
  for (size_t i = 0; i < sizeof i32s / sizeof i32s[0]; i++)
    if (strlen(i32s[i]) == n && !strncmp(type, i32s[i], n)) return 'i';
  if ((n == 3 && !strncmp(type, "i64", 3)) || (n == 3 && !strncmp(type, "u64", 3))) return 'I';
  if (n == 4 && !strncmp(type, "void", 4)) return 'v';
  return '?';
}

/* "(level: i32, ptr: usize, len: i32): void" -> "v(iii)" */
static void signature_of(const char *decl, char *out) {
  const char *open = strchr(decl, '('), *close = strchr(decl, ')');
  char params[32];
  size_t np = 0;
  for (const char *p = open + 1; p < close; p++) {
    if (*p != ':') continue;
    const char *t = p + 1;
    while (*t == ' ') t++;
    size_t n = 0;
    while (isalnum((unsigned char)t[n])) n++;
    params[np++] = letter(t, n);
  }
  const char *r = close + 1;
  while (*r == ':' || *r == ' ') r++;
  size_t n = 0;
  while (isalnum((unsigned char)r[n])) n++;
  size_t k = 0;
  out[k++] = letter(r, n);
  out[k++] = '(';
  for (size_t i = 0; i < np; i++) out[k++] = params[i];
  out[k++] = ')';
  out[k] = 0;
}

static void shims_link_every_declared_import(void) {
  char *text = slurp("assembly/abi/imports.ts");
  size_t declared = 0;
  for (char *at = strstr(text, "@external(\"vsdk\", \""); at; at = strstr(at + 1, "@external(\"vsdk\", \"")) {
    char name[64];
    if (sscanf(at, "@external(\"vsdk\", \"%63[a-z0-9_]\")", name) != 1) continue;
    char *decl = strstr(at, "declare function");
    CHECK(decl != NULL);
    if (!decl) continue;
    char sig[40];
    signature_of(decl, sig);
    declared++;
    const vsdk_shim_t *shim = vsdk_shims_find(name);
    if (!shim) fprintf(stderr, "import vsdk.%s has no shim in host-shims/src/imports.c\n", name);
    else if (strcmp(shim->signature, sig)) fprintf(stderr, "import vsdk.%s: declared %s, shim %s\n", name, sig, shim->signature);
    CHECK(shim && !strcmp(shim->signature, sig));
  }
  CHECK(declared >= 5);
  /* And no shim for an import the image no longer declares. */
  CHECK_EQ(vsdk_shims_count(), declared);
  free(text);
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: test_mirror REPO_ROOT [case]\n"); return 2; }
  root = argv[1];
  static const test_case_t cases[] = {
    { "error_codes_mirror_the_image", error_codes_mirror_the_image },
    { "shims_link_every_declared_import", shims_link_every_declared_import },
  };
  return run_cases(cases, sizeof cases / sizeof cases[0], argc > 2 ? argv[2] : NULL);
}
