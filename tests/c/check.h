/* A minimal test harness: each test program runs one named case (argv[2]) or all of them, and
 * exits non-zero when any CHECK failed; CMake registers one CTest test per case. */
#ifndef VSDK_CHECK_H
#define VSDK_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond) do { if (!(cond)) { check_failures++; fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); if (_a != _b) { check_failures++; \
  fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, _a, _b); } } while (0)

#ifndef CHECK_NO_CASES
typedef struct { const char *name; void (*fn)(void); } test_case_t;

/* Runs the case named by `which` (NULL: all) and reports. */
static int run_cases(const test_case_t *cases, size_t n, const char *which) {
  int ran = 0;
  for (size_t i = 0; i < n; i++) {
    if (which && strcmp(which, cases[i].name) != 0) continue;
    int before = check_failures;
    cases[i].fn();
    printf("%s %s\n", check_failures == before ? "ok" : "FAIL", cases[i].name);
    ran++;
  }
  if (!ran) { fprintf(stderr, "no test case named %s\n", which ? which : "(any)"); return 2; }
  return check_failures ? 1 : 0;
}
#endif

#endif
