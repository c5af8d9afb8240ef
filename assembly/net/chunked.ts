// HTTP/1.1 chunked transfer coding (RFC 9112, section 7.1), decoded in place: the decoded body
// is never longer than its encoding, so it can be written over it from the front.
import { E_AGAIN, E_MALFORMED } from "../abi/errors";
import { hexValue } from "./writer";

// Decodes the chunked body of n bytes at p. With write false it only checks whether the body is
// complete. Returns the decoded length (the body then sits at p), E_AGAIN when more bytes are
// needed, or E_MALFORMED. Chunk extensions and trailer fields are skipped.
export function dechunk(p: usize, n: i32, write: bool): i32 {
  let i: i32 = 0;
  let out: i32 = 0;
  while (true) {
    // chunk-size in hex, at most 6 digits (a device never takes a body of 16 MiB).
    let size: i32 = 0;
    let digits: i32 = 0;
    while (i < n) {
      const d = hexValue(load<u8>(p + <usize>i));
      if (d < 0) break;
      if (++digits > 6) return E_MALFORMED;
      size = (size << 4) | d;
      i++;
    }
    if (i >= n) return E_AGAIN;
    if (digits == 0) return E_MALFORMED;
    // Skip an extension up to the end of the line.
    while (i < n && load<u8>(p + <usize>i) != 0x0a) i++;
    if (i >= n) return E_AGAIN;
    if (load<u8>(p + <usize>(i - 1)) != 0x0d) return E_MALFORMED;
    i++;
    if (size == 0) break;
    if (i + size + 2 > n) return E_AGAIN;
    if (load<u8>(p + <usize>(i + size)) != 0x0d || load<u8>(p + <usize>(i + size + 1)) != 0x0a) return E_MALFORMED;
    if (write) memory.copy(p + <usize>out, p + <usize>i, <usize>size);
    out += size;
    i += size + 2;
  }
  // Trailer section: lines until an empty one.
  while (true) {
    const lineStart = i;
    while (i < n && load<u8>(p + <usize>i) != 0x0a) i++;
    if (i >= n) return E_AGAIN;
    i++;
    if (i - lineStart == 2 && load<u8>(p + <usize>lineStart) == 0x0d) return out;
    if (i - lineStart == 1) return E_MALFORMED;
  }
  return out;
}
