/* Native Opus through libopus: one encoder and one decoder, created on first use for a rate and
 * kept (re-created only if the call's rate changes), mono, VoIP tuning. */
#include <stdlib.h>
#include <opus/opus.h>
#include "posix_internal.h"

struct opus_state {
  OpusEncoder *enc;
  OpusDecoder *dec;
  int enc_rate, dec_rate;
};

static int valid_rate(int rate) { return rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 || rate == 48000; }

static int opus_encode_pcm(void *ctx, const int16_t *pcm, int samples, int rate, uint8_t *out, size_t cap) {
  struct opus_state *s = ((vsdk_posix_t *)ctx)->opus;
  if (!valid_rate(rate)) return VSDK_E_ARG;
  if (s->enc_rate != rate) {
    if (s->enc) opus_encoder_destroy(s->enc);
    int err;
    s->enc = opus_encoder_create(rate, 1, OPUS_APPLICATION_VOIP, &err);
    s->enc_rate = s->enc ? rate : 0;
    if (!s->enc) return VSDK_E_CODEC;
  }
  int n = opus_encode(s->enc, pcm, samples, out, cap > 0x7fffffff ? 0x7fffffff : (opus_int32)cap);
  return n < 0 ? (n == OPUS_BUFFER_TOO_SMALL ? VSDK_E_NOSPACE : VSDK_E_CODEC) : n;
}

static int opus_decode_pkt(void *ctx, const uint8_t *pkt, size_t len, int16_t *pcm, int max_samples, int fec) {
  struct opus_state *s = ((vsdk_posix_t *)ctx)->opus;
  /* The decoder runs at 48 kHz unless an encoder set another rate for this call. */
  int rate = s->enc_rate ? s->enc_rate : 48000;
  if (s->dec_rate != rate) {
    if (s->dec) opus_decoder_destroy(s->dec);
    int err;
    s->dec = opus_decoder_create(rate, 1, &err);
    s->dec_rate = s->dec ? rate : 0;
    if (!s->dec) return VSDK_E_CODEC;
  }
  int n = opus_decode(s->dec, len ? pkt : NULL, (opus_int32)len, pcm, max_samples, fec ? 1 : 0);
  return n < 0 ? (n == OPUS_BUFFER_TOO_SMALL ? VSDK_E_NOSPACE : VSDK_E_CODEC) : n;
}

int vsdk_posix_opus_install(vsdk_posix_t *port) {
  port->opus = calloc(1, sizeof *port->opus);
  if (!port->opus) return -1;
  port->platform.opus_encode = opus_encode_pcm;
  port->platform.opus_decode = opus_decode_pkt;
  return 0;
}

void vsdk_posix_opus_free(vsdk_posix_t *port) {
  if (!port->opus) return;
  if (port->opus->enc) opus_encoder_destroy(port->opus->enc);
  if (port->opus->dec) opus_decoder_destroy(port->opus->dec);
  free(port->opus);
  port->opus = NULL;
}
