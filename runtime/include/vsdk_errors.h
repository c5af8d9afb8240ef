/* Error codes of the vsdk C API. Zero or positive means success (often a count).
 *
 * The first block mirrors assembly/abi/errors.ts one for one (tests/c/test_errors_mirror.c checks
 * that they agree), so a code the image returns reaches the firmware unchanged. WeChat's own call
 * errors arrive negated (-1 .. -20, -10008), as the closed WeChat RTOS SDK returns them.
 * The second block (-1100 and below) is the runtime's own: things only a host can see. */
#ifndef VSDK_ERRORS_H
#define VSDK_ERRORS_H

#define VSDK_OK                   0
#define VSDK_E_ARG                (-1001)
#define VSDK_E_TRUNCATED          (-1002)
#define VSDK_E_MALFORMED          (-1003)
#define VSDK_E_UNSUPPORTED        (-1004)
#define VSDK_E_NOSPACE            (-1005)
#define VSDK_E_STATE              (-1006)
#define VSDK_E_DUPLICATE          (-1007)
#define VSDK_E_LATE               (-1008)
#define VSDK_E_AGAIN              (-1009)
#define VSDK_E_IO                 (-1010)
#define VSDK_E_STORAGE_CORRUPT    (-1011)
#define VSDK_E_AUTH               (-1012)
#define VSDK_E_TIMEOUT            (-1013)
#define VSDK_E_NOT_REGISTERED     (-1014)
#define VSDK_E_PROTOCOL           (-1015)
#define VSDK_E_BUSY               (-1016)
#define VSDK_E_CODEC              (-1017)

/* Runtime-only codes. */
#define VSDK_E_IMAGE              (-1101) /* the image is not valid wasm, or lacks a required export */
#define VSDK_E_ABI                (-1102) /* the image speaks another ABI version */
#define VSDK_E_TRAP               (-1103) /* the image trapped; vsdk_last_trap() says where */
#define VSDK_E_ENGINE             (-1104) /* wasm3 refused the image or ran out of its memory */
#define VSDK_E_NOT_INIT           (-1105) /* vsdk_init() has not succeeded yet */
#define VSDK_E_IMPORT             (-1106) /* the image imports a host function with another signature */

/* A constant, readable name for a code ("E_TRUNCATED", "wechat error", ...). Never NULL. */
const char *vsdk_strerror(int code);

#endif
