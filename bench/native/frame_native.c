/* The native C reference of frame_wasm3's cycle, written plainly as a firmware engineer would:
 * µ-law encode (ITU-T G.711 segment coding, as the STL rounds), a 12-byte RTP header written and parsed (RFC 3550),
 * a small jitter buffer indexed by sequence number, µ-law decode.
 *   frame_native FRAMES
 * native_cycle() is what callgrind counts. Prints the same JSON shape as frame_wasm3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "frame_signal.h"

enum { SAMPLES = 160, SLOTS = 16 };

/* µ-law as the ITU-T reference software (STL) codes it: on the 14-bit magnitude, where a
 * negative sample's magnitude is its one's complement, so results match the image bit for bit. */
static uint8_t ulaw_encode(int16_t sample) {
  int32_t magnitude = (sample < 0 ? ~(int32_t)sample : sample) >> 2;
  magnitude += 33;                     /* the bias, 132 in 16-bit terms */
  if (magnitude > 0x1fff) magnitude = 0x1fff;
  int segment = 1;
  for (int32_t rest = magnitude >> 6; rest; rest >>= 1) segment++;
  uint8_t code = (uint8_t)(((8 - segment) << 4) | (15 - ((magnitude >> segment) & 15)));
  return sample >= 0 ? (uint8_t)(code | 0x80) : code;
}

static int16_t ulaw_decode(uint8_t code) {
  code = (uint8_t)~code;
  int32_t magnitude = ((((int32_t)code & 0x0f) << 3) + 0x84) << ((code >> 4) & 7);
  return (int16_t)((code & 0x80) ? 0x84 - magnitude : magnitude - 0x84);
}

static int rtp_write(uint8_t *out, uint16_t seq, uint32_t ts, uint32_t ssrc, const uint8_t *payload, int len) {
  out[0] = 0x80; out[1] = 0; /* version 2, PT 0 (PCMU) */
  out[2] = (uint8_t)(seq >> 8); out[3] = (uint8_t)seq;
  out[4] = (uint8_t)(ts >> 24); out[5] = (uint8_t)(ts >> 16); out[6] = (uint8_t)(ts >> 8); out[7] = (uint8_t)ts;
  out[8] = (uint8_t)(ssrc >> 24); out[9] = (uint8_t)(ssrc >> 16); out[10] = (uint8_t)(ssrc >> 8); out[11] = (uint8_t)ssrc;
  if (payload != out + 12) memcpy(out + 12, payload, (size_t)len);
  return 12 + len;
}

/* Returns the payload offset, or -1; fills seq and the payload length. */
static int rtp_parse(const uint8_t *p, int len, uint16_t *seq, uint32_t *ts, int *payload_len) {
  if (len < 12 || (p[0] >> 6) != 2) return -1;
  int offset = 12 + 4 * (p[0] & 0x0f);
  if (p[0] & 0x10) {
    if (len < offset + 4) return -1;
    offset += 4 + 4 * ((p[offset + 2] << 8) | p[offset + 3]);
  }
  int padding = (p[0] & 0x20) ? p[len - 1] : 0;
  if (offset + padding > len) return -1;
  *seq = (uint16_t)((p[2] << 8) | p[3]);
  *ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
  *payload_len = len - offset - padding;
  return offset;
}

/* A sequence-indexed ring: put stores, get hands out the next expected frame once one more
 * frame has arrived behind it (one frame of playout delay, where the image's adaptive buffer
 * settles on this loss-free, jitter-free stream). */
static struct { uint8_t data[SLOTS][SAMPLES]; int len[SLOTS]; uint16_t seq[SLOTS]; uint16_t next, newest; int started; } jb;

static void jb_put(uint16_t seq, const uint8_t *payload, int len) {
  if (len > SAMPLES) return;
  int slot = seq % SLOTS;
  memcpy(jb.data[slot], payload, (size_t)len);
  jb.len[slot] = len;
  jb.seq[slot] = seq;
  jb.newest = seq;
  if (!jb.started) { jb.next = seq; jb.started = 1; }
}

static int jb_get(uint8_t *out) {
  int slot = jb.next % SLOTS;
  if (!jb.started || jb.newest == jb.next || jb.len[slot] == 0 || jb.seq[slot] != jb.next) return 0;
  int len = jb.len[slot];
  memcpy(out, jb.data[slot], (size_t)len);
  jb.len[slot] = 0;
  jb.next++;
  return len;
}

static uint32_t checksum, tx_checksum, rx_checksum, played;

static uint8_t packet[12 + SAMPLES];
static const uint8_t *last_payload;
static int last_payload_len;

/* The device's part of one frame: what callgrind counts. Returns the samples played. */
__attribute__((noinline)) int native_cycle(uint32_t n, const int16_t *pcm, int16_t *out) {
  uint8_t frame[SAMPLES];
  for (int i = 0; i < SAMPLES; i++) packet[12 + i] = ulaw_encode(pcm[i]);
  int len = rtp_write(packet, (uint16_t)n, n * SAMPLES, 0x1234, packet + 12, SAMPLES);
  uint16_t seq;
  uint32_t ts;
  int payload_len;
  int offset = rtp_parse(packet, len, &seq, &ts, &payload_len);
  last_payload = offset >= 0 ? packet + offset : NULL;
  last_payload_len = offset >= 0 ? payload_len : 0;
  if (offset >= 0) jb_put(seq, packet + offset, payload_len);
  int got = jb_get(frame);
  for (int i = 0; i < got; i++) out[i] = ulaw_decode(frame[i]);
  return got;
}

static void one_frame(uint32_t n) {
  int16_t pcm[SAMPLES], out[SAMPLES];
  frame_signal(n, pcm, SAMPLES);
  int got = native_cycle(n, pcm, out);
  for (int i = 12; i < 12 + SAMPLES; i++) tx_checksum = tx_checksum * 31u + packet[i];
  /* The decoding of the parsed payload, apart from the jitter buffer (as frame_wasm3 does). */
  if (last_payload_len == SAMPLES)
    for (int i = 0; i < SAMPLES; i++) rx_checksum = rx_checksum * 31u + (uint16_t)ulaw_decode(last_payload[i]);
  played += got > 0;
  if (got > 0) for (int i = 0; i < SAMPLES; i++) checksum = checksum * 31u + (uint16_t)out[i];
}

__attribute__((noinline)) void run_frames(uint32_t first, uint32_t count) {
  for (uint32_t n = first; n < first + count; n++) one_frame(n);
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: frame_native FRAMES\n"); return 2; }
  uint32_t frames = (uint32_t)strtoul(argv[1], NULL, 10);
  one_frame(0);
  run_frames(1, frames);
  printf("{\"tx_checksum\": %u, \"rx_checksum\": %u, \"played\": %u, \"checksum\": %u, \"frames\": %u}\n",
         tx_checksum, rx_checksum, played, checksum, frames + 1);
  return 0;
}
