// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), bit by bit: stored records are small and
// written rarely, so a 1 KiB table would cost more memory than the time it saves.
export function crc32(p: usize, n: i32): u32 {
  let crc: u32 = 0xffffffff;
  for (let i = 0; i < n; i++) {
    crc ^= <u32>load<u8>(p + <usize>i);
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & (0 - (crc & 1)));
  }
  return ~crc;
}
