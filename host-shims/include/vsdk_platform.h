/* The platform interface: everything a port supplies so that the host shims can implement the
 * image's imports. Like FreeRTOS coreHTTP's transport interface, it is a table of function
 * pointers plus one opaque context that the port defines; the shims (host-shims/src/) are shared
 * and tested once. Every function is non-blocking and returns a count (>= 0) or a negative
 * vsdk error code (vsdk_errors.h); VSDK_E_AGAIN means "nothing yet, ask again on a later tick".
 * An entry left NULL makes its imports answer VSDK_E_UNSUPPORTED. */
#ifndef VSDK_PLATFORM_H
#define VSDK_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include "vsdk_errors.h"

typedef struct vsdk_platform {
  void *ctx; /* handed back as the first argument of every entry */

  /* Basics. level: 0 error, 1 warn, 2 info, 3 debug. msg is not NUL-terminated. */
  void (*log)(void *ctx, int level, const char *msg, size_t len);
  uint32_t (*clock_ms)(void *ctx);                     /* monotonic, wraps after ~49 days */
  int (*random)(void *ctx, uint8_t *buf, size_t len);  /* cryptographically secure */

  /* Key-value storage: a put replaces the whole value atomically (a reset mid-write leaves the
   * old or the new value, never a mix). get returns the value's length, or 0 when the key is
   * absent, or VSDK_E_NOSPACE (copying nothing) when cap is too small. Keys are [a-z0-9_.]. */
  int (*kv_get)(void *ctx, const char *key, uint8_t *buf, size_t cap);
  int (*kv_put)(void *ctx, const char *key, const uint8_t *data, size_t len);
  int (*kv_delete)(void *ctx, const char *key);

  /* A client byte stream, TLS unless plain != 0 (plain TCP, for loopback tests only; a
   * production port may refuse it with VSDK_E_UNSUPPORTED). connect returns a handle >= 0 at
   * once; name resolution, TCP and the handshake proceed in the background, and send/recv
   * answer VSDK_E_AGAIN until the stream is ready. recv returns 0 at the end of the stream. */
  int (*tls_connect)(void *ctx, const char *host, uint16_t port, int plain);
  int (*tls_send)(void *ctx, int handle, const uint8_t *data, size_t len);
  int (*tls_recv)(void *ctx, int handle, uint8_t *buf, size_t cap);
  int (*tls_close)(void *ctx, int handle);

  /* A UDP socket tied to one remote host:port: only that peer's datagrams are delivered. recv
   * truncates a longer datagram to cap. */
  int (*udp_open)(void *ctx, const char *host, uint16_t port);
  int (*udp_send)(void *ctx, int handle, const uint8_t *data, size_t len);
  int (*udp_recv)(void *ctx, int handle, uint8_t *buf, size_t cap);
  int (*udp_close)(void *ctx, int handle);

  /* Crypto that MCUs accelerate. out holds 32 bytes; both return 32. */
  int (*sha256)(void *ctx, const uint8_t *data, size_t len, uint8_t *out);
  int (*hmac_sha256)(void *ctx, const uint8_t *key, size_t key_len, const uint8_t *data, size_t len, uint8_t *out);

  /* Optional native Opus (mono, 16-bit PCM). decode with len 0 conceals a lost packet. */
  int (*opus_encode)(void *ctx, const int16_t *pcm, int samples, int rate, uint8_t *out, size_t cap);
  int (*opus_decode)(void *ctx, const uint8_t *pkt, size_t len, int16_t *pcm, int max_samples, int fec);

  /* Optional: serialise every call into the image when several tasks use the C API. */
  void (*lock)(void *ctx);
  void (*unlock)(void *ctx);

  /* OTA (docs/ota.md): two image slots, 0 and 1, each holding one release package. All four
   * slot entries and ecdsa_p256_verify are needed, else the OTA imports answer E_UNSUPPORTED.
   * slot_size: the slot's capacity in bytes. slot_erase: the slot is empty afterwards.
   * slot_write: len bytes at offset. Both are durable when they return (a power cut afterwards
   * keeps them); a cut during one may leave any part of it done. slot_map: the first len bytes
   * of the slot, readable in place (wasm3 runs an image from there) until slot_unmap, or the
   * slot's next erase or write; NULL when they cannot be read. */
  int (*slot_size)(void *ctx, int slot);
  int (*slot_erase)(void *ctx, int slot);
  int (*slot_write)(void *ctx, int slot, uint32_t offset, const uint8_t *data, size_t len);
  const uint8_t *(*slot_map)(void *ctx, int slot, uint32_t len);
  void (*slot_unmap)(void *ctx, int slot);
  /* ECDSA over P-256: VSDK_OK when sig (DER) signs hash (SHA-256, 32 bytes) under the public
   * key spki (DER SubjectPublicKeyInfo), else VSDK_E_AUTH. */
  int (*ecdsa_p256_verify)(void *ctx, const uint8_t *spki, size_t spki_len, const uint8_t *hash,
                           const uint8_t *sig, size_t sig_len);
} vsdk_platform_t;

#endif
