/* The RIFF/WAVE layout as the format defines it: a RIFF header, a "fmt " chunk, a "data" chunk,
 * little-endian. Only what the device needs: 16-bit mono PCM. */
#include <string.h>
#include "wav.h"

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

int wav_open_read(wav_t *w, const char *path) {
  memset(w, 0, sizeof *w);
  w->f = fopen(path, "rb");
  uint8_t h[12], chunk[8], fmt[16];
  if (!w->f || fread(h, 1, 12, w->f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4)) goto fail;
  int have_fmt = 0;
  while (fread(chunk, 1, 8, w->f) == 8) {
    uint32_t size = le32(chunk + 4);
    if (!memcmp(chunk, "fmt ", 4)) {
      if (size < 16 || fread(fmt, 1, 16, w->f) != 16) goto fail;
      if (le16(fmt) != 1 || le16(fmt + 2) != 1 || le16(fmt + 14) != 16) goto fail;
      w->rate = le32(fmt + 4);
      have_fmt = 1;
      if (fseek(w->f, (long)(size - 16 + (size & 1)), SEEK_CUR)) goto fail;
    } else if (!memcmp(chunk, "data", 4)) {
      if (!have_fmt) goto fail;
      w->samples = size / 2;
      return 0;
    } else if (fseek(w->f, (long)(size + (size & 1)), SEEK_CUR)) goto fail;
  }
fail:
  if (w->f) fclose(w->f);
  w->f = NULL;
  return -1;
}

int wav_open_write(wav_t *w, const char *path, uint32_t rate) {
  memset(w, 0, sizeof *w);
  w->f = fopen(path, "wb");
  if (!w->f) return -1;
  w->rate = rate;
  w->writing = 1;
  uint8_t h[44] = { 0 };
  fwrite(h, 1, 44, w->f); /* filled in by wav_close */
  return 0;
}

int wav_read(wav_t *w, int16_t *pcm, int n) {
  uint8_t buf[2 * 960];
  int done = 0;
  while (done < n) {
    int chunk = n - done > 960 ? 960 : n - done;
    size_t got = fread(buf, 2, (size_t)chunk, w->f);
    for (size_t i = 0; i < got; i++) pcm[done + (int)i] = (int16_t)le16(buf + 2 * i);
    done += (int)got;
    if ((int)got < chunk) break;
  }
  return done;
}

int wav_write(wav_t *w, const int16_t *pcm, int n) {
  uint8_t buf[2];
  for (int i = 0; i < n; i++) {
    put16(buf, (uint16_t)pcm[i]);
    if (fwrite(buf, 1, 2, w->f) != 2) return -1;
  }
  w->samples += (uint32_t)n;
  return n;
}

void wav_close(wav_t *w) {
  if (!w->f) return;
  if (w->writing) {
    uint8_t h[44];
    memcpy(h, "RIFF", 4); put32(h + 4, 36 + w->samples * 2); memcpy(h + 8, "WAVEfmt ", 8);
    put32(h + 16, 16); put16(h + 20, 1); put16(h + 22, 1); put32(h + 24, w->rate);
    put32(h + 28, w->rate * 2); put16(h + 32, 2); put16(h + 34, 16);
    memcpy(h + 36, "data", 4); put32(h + 40, w->samples * 2);
    fseek(w->f, 0, SEEK_SET);
    fwrite(h, 1, 44, w->f);
  }
  fclose(w->f);
  w->f = NULL;
}
