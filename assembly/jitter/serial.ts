// Wrap-aware distances between RTP sequence numbers (16 bits) and timestamps (32 bits): the
// shorter way round the circle, signed, so 65535 -> 0 is +1 and 0 -> 65535 is -1 (RFC 3550's
// serial-number arithmetic). Every comparison of seq or timestamp in jitter/ goes through here.

// How far `b` is ahead of `a`, in packets, in [-32768, 32767].
@inline export function seqAhead(a: u32, b: u32): i32 {
  return <i32><i16>(<u16>(b - a));
}

// How far `b` is ahead of `a`, in timestamp units, in [-2^31, 2^31).
@inline export function tsAhead(a: u32, b: u32): i32 {
  return <i32>(b - a);
}
