/* The FreeRTOS port on the kernel's POSIX simulator: the vsdk task runs the release image
 * (linked into "flash", build/sdk_wasm.c) while a media task plays the role of the audio
 * driver, sending FRAMES full-duplex G.711 frames through the image every tick; the host's
 * sockets, files and mbedTLS stand in for lwIP and flash (the posix port's platform).
 *   vsdk-freertos-sim [FRAMES]
 * Exits 0 when the image started, every frame went through and the task stopped cleanly. */
#include <stdio.h>
#include <stdlib.h>
#include "FreeRTOS.h"
#include "task.h"
#include "frame_cycle.h"
#include "frame_signal.h"
#include "vsdk_freertos.h"
#include "vsdk_posix.h"

static uint32_t frames = 100;
static int exit_code = 1;

static void media_task(void *arg) {
  (void)arg;
  while (vsdk_freertos_init_result() == VSDK_E_AGAIN) vTaskDelay(1);
  int rc = vsdk_freertos_init_result();
  uint32_t played = 0, n = 0;
  if (rc == VSDK_OK) rc = vsdk_frame_call_setup();
  int16_t pcm[VSDK_FRAME_SAMPLES], out[VSDK_FRAME_SAMPLES];
  for (; rc >= 0 && n < frames; n++) {
    frame_signal(n, pcm, VSDK_FRAME_SAMPLES);
    rc = vsdk_frame_cycle(n, pcm, out); /* serialised with the vsdk task by the port's lock */
    if (rc >= 0) played += (uint32_t)(rc >> 16);
    vTaskDelay(1);
  }
  vsdk_stats_t stats;
  vsdk_get_stats(&stats);
  printf("FreeRTOS simulator: image ABI %u.%u, %u of %u frames played, last result %d (%s); wasm3 heap %zu bytes, linear memory %u in use\n",
         stats.abi_version >> 16, stats.abi_version & 0xffff, played, frames, rc < 0 ? rc : 0,
         vsdk_strerror(rc < 0 ? rc : 0), stats.heap_in_use, stats.linear_memory_used);
  vsdk_command_t stop = { .kind = VSDK_CMD_STOP };
  vsdk_freertos_post(&stop, 1000);
  vsdk_freertos_wait_stopped();
  exit_code = rc >= 0 && played + 1 >= frames ? 0 : 1;
  fflush(stdout);
  exit(exit_code); /* the POSIX simulator has no clean way back out of the scheduler */
}

int main(int argc, char **argv) {
  if (argc > 1) frames = (uint32_t)atoi(argv[1]);
  vsdk_posix_t *host = vsdk_posix_new("freertos-sim-data", NULL, 1);
  if (!host) return 2;
  vsdk_freertos_config_t config = { 0 };
  config.platform = *vsdk_posix_platform(host);
  if (vsdk_freertos_start(&config) != VSDK_OK) return 2;
  xTaskCreate(media_task, "media", configMINIMAL_STACK_SIZE * 4, NULL, tskIDLE_PRIORITY + 1, NULL);
  vTaskStartScheduler();
  return exit_code;
}
