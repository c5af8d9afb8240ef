/* A firmware-shaped program for the cross-compiled size report (bench/wasm3.ts): it calls every
 * public entry point, so --gc-sections keeps exactly what firmware would link. Built twice:
 * with -DSIZE_WASM3_ONLY it uses wasm3's API alone (the interpreter's share); without, the whole
 * runtime, shims and WeChat-shaped layer. The image itself (flash data) is left out: a stub. */
#include <stdint.h>
#include <stddef.h>
#ifdef SIZE_WASM3_ONLY
#include "wasm3.h"
#else
#include "vsdk.h"
#include "vsdk_wx.h"
#endif

const uint8_t vsdk_sdk_wasm[1] = { 0 };
const uint32_t vsdk_sdk_wasm_len = 1;
volatile uint32_t sink;

#ifdef SIZE_WASM3_ONLY
static const void *raw(IM3Runtime r, IM3ImportContext c, uint64_t *sp, void *mem) { (void)r; (void)c; (void)sp; (void)mem; return 0; }

int main(void) {
  IM3Environment env = m3_NewEnvironment();
  IM3Runtime runtime = m3_NewRuntime(env, 4096, NULL);
  IM3Module module;
  if (m3_ParseModule(env, &module, vsdk_sdk_wasm, vsdk_sdk_wasm_len)) return 1;
  if (m3_LoadModule(runtime, module)) return 1;
  m3_LinkRawFunctionEx(module, "vsdk", "log", "v(iii)", raw, NULL);
  m3_CompileModule(module);
  m3_RunStart(module);
  IM3Function fn;
  if (m3_FindFunction(&fn, runtime, "vsdk_abi_version")) return 1;
  int32_t arg = 1, result = 0;
  const void *args[1] = { &arg };
  if (m3_Call(fn, m3_GetArgCount(fn), args)) return 1;
  m3_GetResultsV(fn, &result);
  uint32_t size;
  sink = (uint32_t)result + m3_GetMemory(runtime, &size, 0)[0] + m3_GetMemorySize(runtime) + m3_GetRetCount(fn);
  sink += (uint32_t)(uintptr_t)m3_GetFunctionName(fn);
  m3_FreeRuntime(runtime);
  m3_FreeEnvironment(env);
  return 0;
}
#else
static uint32_t clock_ms(void *ctx) { (void)ctx; return sink; }
static void on_event(void *arg, int kind, int a, int b) { (void)arg; sink = (uint32_t)(kind + a + b); }

int main(void) {
  static vsdk_platform_t platform;
  platform.clock_ms = clock_ms;
  int16_t pcm[160] = { 0 };
  if (wx_init("wx0", "model", "sn", "data", &platform, on_event, NULL)) return 1;
  wx_device_register(NULL);
  wx_registration_t reg;
  wx_device_is_registered(&reg);
  wx_cloudvoip_client_call(WX_ROOM_TYPE_VOICE, "me", "openid", "", "payload");
  wx_cloudvoip_client_join("room", "");
  wx_cloudvoip_client_hangup();
  vsdk_provision("{}");
  vsdk_reject();
  vsdk_tick(sink);
  vsdk_audio_in(pcm, 160);
  sink += (uint32_t)vsdk_audio_out(pcm, 160);
  vsdk_load_image(vsdk_sdk_wasm, vsdk_sdk_wasm_len, NULL);
  int32_t r;
  vsdk_call_export("x", 0, NULL, &r);
  vsdk_io_write(pcm, 4, 0);
  vsdk_io_read(pcm, 4, 0);
  uint32_t line;
  vsdk_last_trap(&line, NULL, NULL);
  vsdk_stats_t stats;
  vsdk_get_stats(&stats);
  sink += (uint32_t)(uintptr_t)vsdk_strerror(-1001);
  vsdk_deinit();
  return 0;
}
#endif
