// Network byte order (big-endian) reads and writes on linear memory. Wasm memory is
// little-endian, so every 16/32-bit field of RTP and RTCP goes through a byte swap. Inlined:
// under wasm3 a call costs more than the swap itself.

@inline export function readU16(p: usize): i32 { return <i32>bswap<u16>(load<u16>(p)); }
@inline export function readU32(p: usize): u32 { return bswap<u32>(load<u32>(p)); }
@inline export function writeU16(p: usize, v: i32): void { store<u16>(p, bswap<u16>(<u16>v)); }
@inline export function writeU32(p: usize, v: u32): void { store<u32>(p, bswap<u32>(v)); }

// True when [ptr, ptr+len) lies inside linear memory. Exports check host-supplied regions with
// it, so a wrong pointer becomes E_ARG instead of an out-of-bounds trap.
export function inMemory(ptr: usize, len: i32): bool {
  if (len < 0) return false;
  const end = <u64>ptr + <u64>len;
  return end <= (<u64>memory.size() << 16);
}
