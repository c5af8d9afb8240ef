/* Opus packet framing oracle over libopus (Debian libopus-dev): for each packet on stdin, one
 * line with libopus's answer, in the form tests/node/opus-toc.test.ts prints the image's:
 *   "invalid"                                   opus_packet_parse refused it
 *   "<frames> <samples> <off>:<len> ..."        frame count, samples per channel at 48 kHz,
 *                                               then each frame's offset and length
 * Input: packets as a 2-byte little-endian length followed by that many bytes.
 * Built by the test with: cc opus_packet_libopus.c $(pkg-config --cflags --libs opus) */
#include <stdio.h>
#include <opus.h>

int main(void) {
  static unsigned char packet[65536];
  int lo, hi;
  while ((lo = getchar()) != EOF && (hi = getchar()) != EOF) {
    int len = lo | (hi << 8);
    if ((int)fread(packet, 1, (size_t)len, stdin) != len) return 2;
    unsigned char toc;
    const unsigned char *frames[48];
    opus_int16 sizes[48];
    int payload_offset;
    int count = opus_packet_parse(packet, len, &toc, frames, sizes, &payload_offset);
    if (count < 0) { puts("invalid"); continue; }
    /* A parsed packet's frame count and duration, as libopus reports them from its TOC. */
    int nb_frames = opus_packet_get_nb_frames(packet, len);
    int nb_samples = opus_packet_get_nb_samples(packet, len, 48000);
    if (nb_frames != count) { printf("frame count mismatch %d %d\n", nb_frames, count); continue; }
    printf("%d %d", count, nb_samples);
    for (int i = 0; i < count; i++) printf(" %d:%d", (int)(frames[i] - packet), sizes[i]);
    putchar('\n');
  }
  return 0;
}
