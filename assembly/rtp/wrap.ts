// Arithmetic on RTP's wrapping counters: 16-bit sequence numbers and 32-bit timestamps.
// Comparisons go through a signed difference, so they stay right across the wrap as long as
// the two values are less than half the counter's range apart (RFC 3550 5.1, RFC 1982 style).

// b -> a distance in sequence numbers, in -32768..32767 (positive: a is newer than b).
@inline export function seqDelta(a: i32, b: i32): i32 { return <i32><i16>(a - b); }

// True when sequence number a comes after b.
@inline export function seqNewer(a: i32, b: i32): bool { return <i16>(a - b) > 0; }

// b -> a distance in timestamp units (positive: a is later than b).
@inline export function tsDelta(a: u32, b: u32): i32 { return <i32>(a - b); }

// True when timestamp a is later than b.
@inline export function tsNewer(a: u32, b: u32): bool { return <i32>(a - b) > 0; }

// The 32-bit extended sequence number (cycles << 16 | seq) of `seq`, taken as the one nearest
// to `reference`, an extended number seen before. A packet just before the first one of the
// stream extends below zero, which wraps like every other RTP counter.
@inline export function seqExtend(reference: u32, seq: i32): u32 {
  return reference + <u32>seqDelta(seq & 0xffff, <i32>(reference & 0xffff));
}
