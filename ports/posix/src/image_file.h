/* Reads a whole image file into memory (the posix stand-in for an OTA slot). */
#ifndef VSDK_IMAGE_FILE_H
#define VSDK_IMAGE_FILE_H
#include <stdint.h>
/* Returns a malloc'd buffer (free it) and its length, or NULL. At most max_len bytes. */
uint8_t *vsdk_read_file(const char *path, uint32_t max_len, uint32_t *len);
#endif
