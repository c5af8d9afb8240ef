/* The FreeRTOS port: the vsdk task, which owns every call into the image, over FreeRTOS tasks,
 * a recursive mutex and a command queue. The integrator supplies the I/O half of the platform
 * (TLS stream and UDP over lwIP or FreeRTOS+TCP with mbedTLS, key-value storage over their
 * flash, SHA-256/HMAC, log, random): the port fills in the clock and the lock. */
#ifndef VSDK_FREERTOS_H
#define VSDK_FREERTOS_H

#include <stdint.h>
#include "vsdk.h"

typedef struct vsdk_freertos_config {
  vsdk_platform_t platform;       /* I/O entries; clock_ms, lock and unlock are set by the port */
  const uint8_t *image;           /* NULL: the image linked into flash (vsdk_sdk_wasm[]) */
  uint32_t image_len;
  uint32_t task_stack_words;      /* 0: VSDK_FREERTOS_STACK_WORDS */
  uint32_t task_priority;         /* 0: tskIDLE_PRIORITY + 2 */
  uint32_t tick_period_ms;        /* how often vsdk_tick runs; 0: 10 */
  uint32_t memory_limit_bytes;    /* 0: VSDK_DEFAULT_MEMORY_LIMIT */
  uint32_t stack_bytes;           /* wasm3 value stack; 0: VSDK_DEFAULT_STACK_BYTES */
  uint32_t heap_limit_bytes;      /* cap on wasm3's heap; 0: none */
  int compile_eagerly;            /* see vsdk_config_t */
  vsdk_event_cb on_event;         /* runs on the vsdk task */
  void *event_arg;
} vsdk_freertos_config_t;

#define VSDK_FREERTOS_STACK_WORDS 2048u

/* What firmware asks the vsdk task to do; results come back as events. */
typedef enum {
  VSDK_CMD_REGISTER, VSDK_CMD_CALL, VSDK_CMD_ANSWER, VSDK_CMD_REJECT, VSDK_CMD_HANGUP, VSDK_CMD_STOP,
} vsdk_command_kind_t;

typedef struct {
  vsdk_command_kind_t kind;
  int room_type;                   /* VSDK_CMD_CALL */
  char openid[64];                 /* VSDK_CMD_CALL */
  char payload[128];               /* VSDK_CMD_CALL */
} vsdk_command_t;

/* Starts the vsdk task (which calls vsdk_init). The config is copied. Returns VSDK_OK, or
 * VSDK_E_NOSPACE when FreeRTOS cannot create the task, mutex or queue. */
int vsdk_freertos_start(const vsdk_freertos_config_t *config);
/* Queues a command for the vsdk task; VSDK_E_AGAIN when the queue stays full for wait_ms. */
int vsdk_freertos_post(const vsdk_command_t *command, uint32_t wait_ms);
/* The result of the vsdk task's vsdk_init, once it ran (VSDK_E_AGAIN before). */
int vsdk_freertos_init_result(void);
/* Blocks until the vsdk task has stopped (after VSDK_CMD_STOP) and freed the runtime. */
void vsdk_freertos_wait_stopped(void);

#endif
