#include "frame_cycle.h"
#include "vsdk.h"

enum { SAMPLES = VSDK_FRAME_SAMPLES, PT_PCMU = 0 };
/* RTP header record fields (assembly/rtp/api.ts). */
enum { F_PT = 0, F_SEQ = 2, F_TS = 3, F_SSRC = 4, F_PAYLOAD_PTR = 10, F_PAYLOAD_LEN = 11 };
/* I/O buffer layout: [0,320) captured PCM, [320,512) our packet, [512,672) jitter output,
 * [1024,1344) played PCM. */
enum { PCM_IN = 0, PACKET = VSDK_FRAME_PACKET_OFFSET, JB_OUT = 512, PCM_OUT = 1024 };

static int32_t io;
static int failed, media_session;
static uint32_t lose_every;
static int32_t law; /* the media session's codec: 0 PCMU, 1 PCMA */

void vsdk_frame_set_loss(uint32_t every) { lose_every = every; }
void vsdk_frame_set_alaw(int alaw) { law = alaw ? 1 : 0; }

static int32_t x(const char *name, int argc, const int32_t *argv) {
  int32_t r = 0;
  int rc = vsdk_call_export(name, argc, argv, &r);
  if (rc != VSDK_OK) { failed = rc; return rc; }
  return r;
}
#define X(name, ...) x(name, (int)(sizeof((int32_t[]){ __VA_ARGS__ }) / sizeof(int32_t)), (int32_t[]){ __VA_ARGS__ })

int vsdk_frame_uses_media_session(void) { return media_session; }
int vsdk_frame_call_setup(void) { return vsdk_frame_call_setup_with(0); }

int vsdk_frame_call_setup_with(int primitives) {
  int32_t cap = 0;
  failed = 0;
  io = x("vsdk_io_buffer", 0, NULL);
  cap = x("vsdk_io_capacity", 0, NULL);
  if (failed) return failed;
  if (cap < 1344) return VSDK_E_NOSPACE;
  /* PCMU, the usual payload type, 8 kHz PCM, 20 ms, our SSRC, any peer (the loop sends to itself). */
  media_session = 0;
  if (!primitives) {
    int32_t r = 0;
    int rc = vsdk_call_export("vsdk_media_start", 6, (int32_t[]){ law, -1, 8000, 20, 0x1234, 0 }, &r);
    if (rc == VSDK_OK && r == 0) { media_session = 1; return 0; }
    if (rc != VSDK_E_UNSUPPORTED) return rc < 0 ? rc : r;
  }
  X("vsdk_rtp_set", F_PT, PT_PCMU);
  X("vsdk_rtp_set", F_SSRC, 0x1234);
  int32_t jb = X("vsdk_jitter_init", 0, 20, 16);
  return failed ? failed : jb < 0 ? jb : 0;
}

/* One never-inlined function per export, so callgrind can count each alone
 * (--toggle-collect=frame_capture etc.; bench/wasm3.ts breaks the frame down with them). */
__attribute__((noinline)) int32_t frame_capture(void) {
  return X("vsdk_media_capture", io + PCM_IN, SAMPLES, io + PACKET, 192);
}
__attribute__((noinline)) int32_t frame_receive(int32_t len, uint32_t now) {
  return X("vsdk_media_receive", io + PACKET, len, (int32_t)now);
}
__attribute__((noinline)) int32_t frame_playout(uint32_t now) {
  return X("vsdk_media_playout", (int32_t)now, io + PCM_OUT, SAMPLES);
}

__attribute__((noinline)) int32_t prim_encode(void) {
  return X("vsdk_g711_encode", 0, io + PCM_IN, SAMPLES, io + PACKET + 12);
}
__attribute__((noinline)) int32_t prim_jitter_get(uint32_t now) {
  return X("vsdk_jitter_get", (int32_t)now, io + JB_OUT, 192);
}
__attribute__((noinline)) int32_t prim_decode(int32_t bytes) {
  return X("vsdk_g711_decode", 0, io + JB_OUT, bytes, io + PCM_OUT);
}

/* The media session's frame: capture into a packet, receive that packet as the peer's, play. */
static int32_t media_cycle(uint32_t n, const int16_t *pcm, int16_t *out) {
  uint32_t now = n * 20u;
  vsdk_io_write(pcm, SAMPLES * 2, PCM_IN);
  int32_t len = frame_capture();
  if (!lose_every || n % lose_every != lose_every - 1) frame_receive(len, now);
  int32_t got = frame_playout(now);
  if (failed) return failed;
  if (got != SAMPLES) return len;
  vsdk_io_read(out, SAMPLES * 2u, PCM_OUT);
  return len | 1 << 16;
}

int32_t vsdk_frame_cycle(uint32_t n, const int16_t *pcm, int16_t *out) {
  failed = 0;
  if (media_session) return media_cycle(n, pcm, out);
  vsdk_io_write(pcm, SAMPLES * 2, PCM_IN);
  /* Send: µ-law encode after the 12-byte header room, then the header. */
  prim_encode();
  X("vsdk_rtp_set", F_SEQ, (int32_t)(n & 0xffff));
  X("vsdk_rtp_set", F_TS, (int32_t)(n * SAMPLES));
  X("vsdk_rtp_set", F_PAYLOAD_PTR, io + PACKET + 12);
  X("vsdk_rtp_set", F_PAYLOAD_LEN, SAMPLES);
  int32_t len = X("vsdk_rtp_write", io + PACKET, 192);
  /* Receive the same packet as the peer's. */
  X("vsdk_rtp_parse", io + PACKET, len);
  int32_t payload = X("vsdk_rtp_get", F_PAYLOAD_PTR), payload_len = X("vsdk_rtp_get", F_PAYLOAD_LEN);
  uint32_t now = n * 20u;
  X("vsdk_jitter_put", (int32_t)(n & 0xffff), (int32_t)(n * SAMPLES), (int32_t)now, payload, payload_len);
  int32_t got = prim_jitter_get(now);
  if (failed) return failed;
  int32_t bytes = got >> 8, kind = got & 0xff;
  if (kind != 1 || bytes <= 0 || bytes > SAMPLES) return len;
  prim_decode(bytes);
  vsdk_io_read(out, (uint32_t)bytes * 2u, PCM_OUT);
  return failed ? failed : len | 1 << 16;
}
