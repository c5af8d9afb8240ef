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
@external("vsdk", "opus_encode")
export declare function host_opus_encode(pcm: usize, samples: i32, rate: i32, out: usize, cap: i32): i32;

// Opus decode of one packet (len 0 = conceal a lost packet, fec 1 = decode FEC of the next packet
// for the lost one) into at most `maxSamples` samples. Returns samples.
@external("vsdk", "opus_decode")
export declare function host_opus_decode(pkt: usize, len: i32, pcm: usize, maxSamples: i32, fec: i32): i32;
