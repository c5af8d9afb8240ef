/* The vsdk task: runs vsdk_init, then alternates between queued commands and vsdk_tick. Other
 * tasks (the audio driver's) may call vsdk_audio_in/out directly: the recursive mutex the port
 * installs as the platform lock serialises them with this task's calls into the image. */
#include <string.h>
#ifdef ESP_PLATFORM /* ESP-IDF keeps the kernel's headers under freertos/ */
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/semphr.h"
#include "freertos/task.h"
#else
#include "FreeRTOS.h"
#include "queue.h"
#include "semphr.h"
#include "task.h"
#endif
#include "vsdk_freertos.h"

#define COMMAND_QUEUE_LENGTH 4

static vsdk_freertos_config_t cfg;
static SemaphoreHandle_t lock_mutex, stopped;
static QueueHandle_t commands;
static volatile int init_result = VSDK_E_AGAIN;

static uint32_t rtos_clock_ms(void *ctx) {
  (void)ctx;
  return (uint32_t)((uint64_t)xTaskGetTickCount() * 1000u / configTICK_RATE_HZ);
}

static void rtos_lock(void *ctx) { (void)ctx; xSemaphoreTakeRecursive(lock_mutex, portMAX_DELAY); }
static void rtos_unlock(void *ctx) { (void)ctx; xSemaphoreGiveRecursive(lock_mutex); }

static void run_command(const vsdk_command_t *c) {
  switch (c->kind) {
    case VSDK_CMD_REGISTER: vsdk_register(); break;
    case VSDK_CMD_CALL: vsdk_call(c->openid, c->room_type, c->payload); break;
    case VSDK_CMD_ANSWER: vsdk_answer(); break;
    case VSDK_CMD_REJECT: vsdk_reject(); break;
    case VSDK_CMD_HANGUP: vsdk_hangup(); break;
    case VSDK_CMD_STOP: break;
  }
}

static void vsdk_task(void *arg) {
  (void)arg;
  vsdk_config_t config = { 0 };
  config.platform = &cfg.platform;
  config.memory_limit_bytes = cfg.memory_limit_bytes;
  config.stack_bytes = cfg.stack_bytes;
  config.heap_limit_bytes = cfg.heap_limit_bytes;
  config.compile_eagerly = cfg.compile_eagerly;
  config.on_event = cfg.on_event;
  config.event_arg = cfg.event_arg;
  init_result = vsdk_init(&config, cfg.image, cfg.image_len);
  const TickType_t period = pdMS_TO_TICKS(cfg.tick_period_ms) ? pdMS_TO_TICKS(cfg.tick_period_ms) : 1;
  vsdk_command_t command;
  for (;;) {
    /* Wait for a command at most until the next tick is due. */
    if (xQueueReceive(commands, &command, period) == pdTRUE) {
      if (command.kind == VSDK_CMD_STOP) break;
      if (init_result == VSDK_OK) run_command(&command);
    }
    if (init_result == VSDK_OK) vsdk_tick(rtos_clock_ms(NULL));
  }
  vsdk_deinit();
  xSemaphoreGive(stopped);
  vTaskDelete(NULL);
}

int vsdk_freertos_start(const vsdk_freertos_config_t *config) {
  if (!config) return VSDK_E_ARG;
  cfg = *config;
  if (!cfg.tick_period_ms) cfg.tick_period_ms = 10;
  cfg.platform.clock_ms = rtos_clock_ms;
  cfg.platform.lock = rtos_lock;
  cfg.platform.unlock = rtos_unlock;
  lock_mutex = xSemaphoreCreateRecursiveMutex();
  stopped = xSemaphoreCreateBinary();
  commands = xQueueCreate(COMMAND_QUEUE_LENGTH, sizeof(vsdk_command_t));
  if (!lock_mutex || !stopped || !commands) return VSDK_E_NOSPACE;
  uint32_t stack = cfg.task_stack_words ? cfg.task_stack_words : VSDK_FREERTOS_STACK_WORDS;
  UBaseType_t priority = cfg.task_priority ? cfg.task_priority : tskIDLE_PRIORITY + 2;
  if (xTaskCreate(vsdk_task, "vsdk", (configSTACK_DEPTH_TYPE)stack, NULL, priority, NULL) != pdPASS) return VSDK_E_NOSPACE;
  return VSDK_OK;
}

int vsdk_freertos_post(const vsdk_command_t *command, uint32_t wait_ms) {
  if (!command || !commands) return VSDK_E_ARG;
  return xQueueSend(commands, command, pdMS_TO_TICKS(wait_ms)) == pdTRUE ? VSDK_OK : VSDK_E_AGAIN;
}

int vsdk_freertos_init_result(void) { return init_result; }

void vsdk_freertos_wait_stopped(void) { xSemaphoreTake(stopped, portMAX_DELAY); }
