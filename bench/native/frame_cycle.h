/* One full-duplex G.711 20 ms cycle through the image's media exports, shared by the frame
 * benchmark (frame_wasm3.c) and the long-run test (tests/c/test_cycles.c). When the image gains
 * one export for the whole cycle (assembly/media/), vsdk_frame_cycle() becomes that one call. */
#ifndef VSDK_FRAME_CYCLE_H
#define VSDK_FRAME_CYCLE_H
#include <stdint.h>

#define VSDK_FRAME_SAMPLES 160

/* Two ways through the image, chosen at setup:
 *   the media session (assembly/media/session.ts: capture -> RTP, RTP -> jitter buffer ->
 *   decode and concealment -> playout), three exports a frame: the device's real path;
 *   the primitives (G.711, RTP header, jitter buffer exports one by one), which an independent
 *   native reference reproduces bit for bit (frame_native.c, tests/c/frame_paths_agree.cmake).
 * Setup uses the media session when the image has it, unless primitives is set. Returns 0 or a
 * vsdk error. */
int vsdk_frame_call_setup_with(int primitives);
int vsdk_frame_call_setup(void);
/* Which path setup chose: 1 the media session, 0 the primitives. */
int vsdk_frame_uses_media_session(void);
/* Captured PCM in, played PCM out. Returns the bytes of the RTP packet sent, with bit 16 set
 * when a frame was played into out; or a negative vsdk error. The packet stays in the I/O
 * buffer at VSDK_FRAME_PACKET_OFFSET. */
int32_t vsdk_frame_cycle(uint32_t n, const int16_t *pcm, int16_t *out);
#define VSDK_FRAME_PACKET_OFFSET 320
/* Media session only: the packet of every `every`-th frame is lost (not received), so the
 * jitter buffer's loss handling and the concealment run too; 0 (the default) loses none. */
void vsdk_frame_set_loss(uint32_t every);
/* Media session only: A-law (PCMA) instead of µ-law (PCMU); set before setup. */
void vsdk_frame_set_alaw(int alaw);

#endif
