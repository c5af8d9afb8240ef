/* The release key the runtime trusts: DER SubjectPublicKeyInfo of an ECDSA P-256 key, compiled
 * in. The definition is generated at configure time (runtime/src/ota_key.cmake) from
 * VSDK_OTA_PUBLIC_KEY_PEM, or from a development key made in the build folder. */
#ifndef VSDK_OTA_KEY_H
#define VSDK_OTA_KEY_H
#include <stdint.h>
extern const uint8_t vsdk_ota_trusted_key[];
extern const uint32_t vsdk_ota_trusted_key_len;
#endif
