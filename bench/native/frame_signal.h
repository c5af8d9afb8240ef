/* The test signal both frame benchmarks encode: a deterministic mix of two tones and a ramp,
 * integer-only, so the wasm3 path and the native reference see identical input. */
#ifndef VSDK_FRAME_SIGNAL_H
#define VSDK_FRAME_SIGNAL_H
#include <stdint.h>

static inline void frame_signal(uint32_t frame, int16_t *pcm, int samples) {
  for (int i = 0; i < samples; i++) {
    uint32_t t = frame * (uint32_t)samples + (uint32_t)i;
    int32_t a = (int32_t)((t * 37u) % 200u) * 120 - 12000;   /* sawtooth */
    int32_t b = ((t / 11u) & 1u) ? 5000 : -5000;              /* square */
    pcm[i] = (int16_t)((a + b) / 2);
  }
}
#endif
