/* G.711 oracle over spandsp (Debian libspandsp-dev). Its A-law agrees with the ITU-T STL on
 * every input; its µ-law does not (docs/g711.md), so the tests use it for A-law only.
 *   g711_spandsp encode mu|a  < 16-bit little-endian PCM  > G.711 bytes
 *   g711_spandsp decode mu|a  < G.711 bytes               > 16-bit little-endian PCM
 * Built by tests/node/g711.test.ts with: cc g711_spandsp.c -lspandsp */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <spandsp.h>

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  int encode = strcmp(argv[1], "encode") == 0;
  int mu = strcmp(argv[2], "mu") == 0;
  int c0, c1;
  if (encode) {
    while ((c0 = getchar()) != EOF && (c1 = getchar()) != EOF) {
      int16_t x = (int16_t)(uint16_t)(c0 | (c1 << 8));
      putchar(mu ? linear_to_ulaw(x) : linear_to_alaw(x));
    }
  } else {
    while ((c0 = getchar()) != EOF) {
      uint16_t y = (uint16_t)(mu ? ulaw_to_linear((uint8_t)c0) : alaw_to_linear((uint8_t)c0));
      putchar(y & 0xFF);
      putchar(y >> 8);
    }
  }
  return 0;
}
