// Every host import of sdk.wasm, in one place. Module name "vsdk". Each import is thin: the image
// keeps protocol logic and state, the host only moves bytes, tells time, stores and computes
// what an MCU accelerates. Pointers are offsets into the image's linear memory; lengths are bytes
// unless a name says samples. Every import returns a count (>= 0) or a negative error code.
// docs/abi.md documents each one for host authors; a test checks both hosts link all of them.

// Log a UTF-8 message at a level (0 error, 1 warn, 2 info, 3 debug).
@external("vsdk", "log")
export declare function host_log(level: i32, ptr: usize, len: i32): void;

// Monotonic milliseconds since an arbitrary origin (wraps after ~49 days; callers use differences).
@external("vsdk", "clock_ms")
export declare function host_clock_ms(): u32;

// Fill [ptr, ptr+len) with cryptographically secure random bytes. Returns len or an error.
@external("vsdk", "random")
export declare function host_random(ptr: usize, len: i32): i32;

// Opus encode of `samples` 16-bit mono PCM at `rate` Hz into out (cap bytes). Returns bytes.
// `samples` is one Opus frame (2.5 to 60 ms at `rate`); rate is 8000, 12000, 16000, 24000 or
// 48000. Errors: E_ARG (rate, size, pointers), E_NOSPACE, E_CODEC. Host: host-node/opus.ts.
@external("vsdk", "opus_encode")
export declare function host_opus_encode(pcm: usize, samples: i32, rate: i32, out: usize, cap: i32): i32;

// Opus decode of one packet (len 0 = conceal a lost packet, fec 1 = decode FEC of the next packet
// for the lost one) into at most `maxSamples` samples. Returns samples.
// The decoder runs at the rate of the last opus_encode (48 kHz before any). For len 0 and for
// fec 1, maxSamples is exactly the lost duration to produce (a multiple of 2.5 ms), as libopus
// defines it. Errors: E_ARG, E_NOSPACE (maxSamples too small), E_CODEC (malformed packet).
@external("vsdk", "opus_decode")
export declare function host_opus_decode(pkt: usize, len: i32, pcm: usize, maxSamples: i32, fec: i32): i32;

// --- network: TLS byte stream (assembly/net/) ---
// One stream per handle; every call is non-blocking. The host verifies the server's certificate
// against its trust store and the host name given to connect (SNI + name check); the image sees
// only plaintext bytes.

// Stream flag for tls_connect: plain TCP without TLS. Only for loopback tests and debugging;
// a production host may refuse it with E_UNSUPPORTED.
export const STREAM_PLAIN_TCP: i32 = 1;

// Start connecting to host:port (host = UTF-8 name or dotted IPv4, not NUL-terminated).
// Returns a handle >= 0 at once, while the connection is still being made, or E_ARG / E_NOSPACE
// (no free handle) / E_IO. DNS, TCP and the TLS handshake proceed in the background; failures
// show up as E_IO from tls_send/tls_recv.
@external("vsdk", "tls_connect")
export declare function host_tls_connect(host: usize, hostLen: i32, port: i32, flags: i32): i32;

// Queue up to len bytes for sending. Returns the number accepted (1..len; the image resends the
// rest later), E_AGAIN while the handshake is not finished or the send buffer is full, E_IO when
// the connection failed or was reset, E_ARG for an unknown handle.
@external("vsdk", "tls_send")
export declare function host_tls_send(handle: i32, ptr: usize, len: i32): i32;

// Copy up to cap received bytes into ptr. Returns the count (> 0), 0 when the peer closed the
// stream in order (end of data, after everything was read), E_AGAIN when nothing has arrived yet
// (also while connecting), E_IO when the connection failed, E_ARG for an unknown handle.
@external("vsdk", "tls_recv")
export declare function host_tls_recv(handle: i32, ptr: usize, cap: i32): i32;

// Close the stream and free the handle (no further calls with it). Returns OK or E_ARG.
@external("vsdk", "tls_close")
export declare function host_tls_close(handle: i32): i32;

// --- network: UDP datagrams (RTP/RTCP to the cloud's relay) ---

// Open a UDP socket bound to an ephemeral local port and tied to one remote host:port (like a
// connected socket: only datagrams from that peer are delivered). Returns a handle >= 0, or
// E_ARG / E_NOSPACE / E_IO. Name resolution may finish later; sends before it answer E_AGAIN.
@external("vsdk", "udp_open")
export declare function host_udp_open(host: usize, hostLen: i32, port: i32): i32;

// Send one datagram of len bytes. Returns len, E_AGAIN (not ready or buffer full: the datagram is
// dropped, as UDP may), E_IO, E_ARG.
@external("vsdk", "udp_send")
export declare function host_udp_send(handle: i32, ptr: usize, len: i32): i32;

// Receive one datagram into ptr (cap bytes; a longer datagram is truncated to cap and its tail
// lost). Returns its length, E_AGAIN when none is waiting, E_IO, E_ARG.
@external("vsdk", "udp_recv")
export declare function host_udp_recv(handle: i32, ptr: usize, cap: i32): i32;

// Close the socket and free the handle. Returns OK or E_ARG.
@external("vsdk", "udp_close")
export declare function host_udp_close(handle: i32): i32;

// --- persistent storage: key-value (assembly/device/) ---
// Keys are ASCII [a-z0-9_.], 1..32 bytes; values 1..512 bytes. The image checksums what it stores
// (it detects corruption itself); the host only has to be atomic per key.

// Read the value of key into out (cap bytes). Returns its length, 0 when the key does not exist
// (the image never stores empty values), E_NOSPACE when the value is longer than cap (nothing
// copied), E_IO when the medium fails.
@external("vsdk", "kv_get")
export declare function host_kv_get(key: usize, keyLen: i32, out: usize, cap: i32): i32;

// Store value under key, atomically: after a power cut at any moment, a later kv_get returns
// either the whole old value (or absence) or the whole new one, never a mix. Returns len, or
// E_ARG / E_NOSPACE (medium full) / E_IO.
@external("vsdk", "kv_set")
export declare function host_kv_set(key: usize, keyLen: i32, value: usize, len: i32): i32;

// Delete key, atomically. Returns OK (also when it did not exist) or E_IO.
@external("vsdk", "kv_delete")
export declare function host_kv_delete(key: usize, keyLen: i32): i32;

// --- crypto primitives an MCU accelerates ---

// SHA-256 of [ptr, ptr+len) into out (32 bytes). Returns 32 or an error.
@external("vsdk", "sha256")
export declare function host_sha256(ptr: usize, len: i32, out: usize): i32;

// HMAC-SHA256 (RFC 2104) of msg under key into out (32 bytes). Returns 32 or an error.
@external("vsdk", "hmac_sha256")
export declare function host_hmac_sha256(key: usize, keyLen: i32, msg: usize, msgLen: i32, out: usize): i32;

// --- events to the firmware (assembly/signal/) ---

// Tell the host that something happened, so firmware need not poll: kind is one of
// assembly/signal/events.ts (registered, ring, call state, media ready, link up/down, error);
// a and b are its two small integer arguments (documented per kind in docs/abi.md). Details
// (openid, call id, media parameters) are read back through vsdk_signal_* exports. Returns nothing;
// the host must not call into the image from inside this import.
@external("vsdk", "event")
export declare function host_event(kind: i32, a: i32, b: i32): void;

// --- over-the-air updates (assembly/ota/; docs/ota.md, "The update protocol") ---
// The image downloads a release package; the host owns the slots, verifies the package with the
// public key it was built with, and switches images (the root of trust no update replaces).

// Prepare the inactive slot for a package of `size` bytes named by its SHA-256 (32 raw bytes at
// id). Returns the bytes of this same package already stored durably (resume; 0 = fresh start),
// or E_NOSPACE (larger than a slot), E_ARG, E_IO.
@external("vsdk", "ota_begin")
export declare function host_ota_begin(id: usize, idLen: i32, size: i32): i32;

// Append len bytes at offset, which must equal the stored length (E_STATE otherwise). Returns the
// new durable length, or E_IO / E_NOSPACE.
@external("vsdk", "ota_write")
export declare function host_ota_write(offset: i32, ptr: usize, len: i32): i32;

// Every byte is stored: verify (docs/ota.md's refusal table) and stage the slot to boot next.
// OK, or the refusal code (the slot is then discarded and nothing else changes).
@external("vsdk", "ota_finish")
export declare function host_ota_finish(): i32;

// The running trial image passed its health check. OK; E_STATE when not on trial.
@external("vsdk", "ota_confirm")
export declare function host_ota_confirm(): i32;

// Writes 16 bytes (u32 LE each): running image version (packed, 0 = built-in), last confirmed
// version, flags (bit 0 on trial, bit 1 a rollback happened before this boot), the rollback's
// reason code. Returns 16.
@external("vsdk", "ota_status")
export declare function host_ota_status(out: usize, cap: i32): i32;
