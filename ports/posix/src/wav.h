/* 16-bit mono PCM WAV files, read and written a frame at a time (for the posix device's audio). */
#ifndef VSDK_WAV_H
#define VSDK_WAV_H

#include <stdint.h>
#include <stdio.h>

typedef struct { FILE *f; uint32_t rate; uint32_t samples; int writing; } wav_t;

/* Opens a WAV for reading; fails unless PCM, 16 bits, one channel. Returns 0 or -1. */
int wav_open_read(wav_t *w, const char *path);
int wav_open_write(wav_t *w, const char *path, uint32_t rate);
/* Reads up to n samples; fewer at the end of the file. */
int wav_read(wav_t *w, int16_t *pcm, int n);
int wav_write(wav_t *w, const int16_t *pcm, int n);
/* Closes, fixing the header's lengths when writing. */
void wav_close(wav_t *w);

#endif
