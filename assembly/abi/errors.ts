// Error codes returned by the image's exports. Zero or positive means success (often a count).
//
// WeChat's own call errors reach the firmware unchanged and negated (-1 .. -20, -10008), as the
// closed WeChat RTOS SDK returns them, so the SDK's own codes live in a range of their own,
// -1000 and below, and never collide. The C header `vsdk_errors.h` mirrors this file; a test
// checks they agree.
export const OK: i32 = 0;
export const E_ARG: i32 = -1001;          // an argument is out of range (null, negative length, unknown enum)
export const E_TRUNCATED: i32 = -1002;    // input ends before its own lengths say it should
export const E_MALFORMED: i32 = -1003;    // input is complete but violates its format
export const E_UNSUPPORTED: i32 = -1004;  // a well-formed input we do not handle (version, payload type)
export const E_NOSPACE: i32 = -1005;      // the output or a fixed ring is too small
export const E_STATE: i32 = -1006;        // not allowed in the current state (e.g. before init)
export const E_DUPLICATE: i32 = -1007;    // already seen (packet, nonce, event)
export const E_LATE: i32 = -1008;         // arrived after its playout time
export const E_AGAIN: i32 = -1009;        // nothing yet; call again later (non-blocking I/O)
export const E_IO: i32 = -1010;           // a host I/O import failed
export const E_STORAGE_CORRUPT: i32 = -1011; // persisted data fails its checksum
export const E_AUTH: i32 = -1012;         // the cloud refused our signature or identity
export const E_TIMEOUT: i32 = -1013;      // a deadline passed
export const E_NOT_REGISTERED: i32 = -1014; // the device has no registration yet
export const E_PROTOCOL: i32 = -1015;     // the peer broke HTTP/JSON/the device API contract
export const E_BUSY: i32 = -1016;         // a call is already in progress
export const E_CODEC: i32 = -1017;        // the codec import failed
