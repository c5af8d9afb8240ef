// The RTP fixed header and its optional parts (RFC 3550 5.1, 5.3.1), read from and written to
// bytes in linear memory. The same RtpHeader describes a parsed packet and the packet to write,
// so parse followed by write reproduces a packet.
//
//  0                   1                   2                   3
//  V=2 P X  CC  | M   PT       |        sequence number        |
//  timestamp                                                    |
//  SSRC                                                         |
//  CSRC list (CC x 32 bits), then if X: profile(16) length(16, in 32-bit words) data,
//  then the payload, then if P: padding whose last byte counts the padding bytes.
import { E_ARG, E_MALFORMED, E_NOSPACE, E_TRUNCATED, E_UNSUPPORTED } from "../abi/errors";
import { arenaAlloc } from "../util/arena";
import { readU16, readU32, writeU16, writeU32 } from "./bytes";

export const RTP_VERSION: i32 = 2;
export const RTP_FIXED_HEADER: i32 = 12;
export const RTP_MAX_CSRC: i32 = 15;

@unmanaged
export class RtpHeader {
  payloadType: i32;   // 0..127
  marker: i32;        // 0 or 1
  sequence: i32;      // 0..65535
  timestamp: u32;
  ssrc: u32;
  csrcCount: i32;     // 0..15
  csrcPtr: usize;     // the CSRC list as it is on the wire (big-endian), csrcCount x 4 bytes
  extProfile: i32;    // -1 when there is no header extension, else the 16-bit profile value
  extPtr: usize;      // the extension's data (after its 4-byte header)
  extLength: i32;     // bytes of extension data, a multiple of 4
  payloadPtr: usize;
  payloadLength: i32;
  paddingLength: i32; // 0, or the padding bytes including the count byte (1..255)
  headerLength: i32;  // bytes before the payload
}

// A zeroed header from the arena (init time only).
export function rtpHeaderNew(): RtpHeader {
  const h = changetype<RtpHeader>(arenaAlloc(offsetof<RtpHeader>()));
  h.extProfile = -1;
  return h;
}

// Parses the packet at [ptr, ptr+len) into `out`. Returns the header length (the payload's
// offset) or E_TRUNCATED / E_MALFORMED / E_UNSUPPORTED; on error `out` keeps what it held.
export function rtpParse(ptr: usize, len: i32, out: RtpHeader): i32 {
  if (len < RTP_FIXED_HEADER) return E_TRUNCATED;
  const b0 = <i32>load<u8>(ptr);
  if ((b0 >> 6) != RTP_VERSION) return E_UNSUPPORTED;
  const csrcCount = b0 & 0x0f;
  let header = RTP_FIXED_HEADER + (csrcCount << 2);
  if (header > len) return E_TRUNCATED;
  let extProfile = -1;
  let extLength = 0;
  let extPtr: usize = 0;
  if (b0 & 0x10) {
    if (header + 4 > len) return E_TRUNCATED;
    extProfile = readU16(ptr + <usize>header);
    extLength = readU16(ptr + <usize>header + 2) << 2;
    extPtr = ptr + <usize>header + 4;
    header += 4 + extLength;
    if (header > len) return E_TRUNCATED;
  }
  let padding = 0;
  if (b0 & 0x20) {
    padding = <i32>load<u8>(ptr + <usize>len - 1);
    // The count includes itself, so zero is impossible; padding may not eat into the header.
    if (padding == 0 || header + padding > len) return E_MALFORMED;
  }
  const b1 = <i32>load<u8>(ptr, 1);
  out.payloadType = b1 & 0x7f;
  out.marker = b1 >> 7;
  out.sequence = readU16(ptr + 2);
  out.timestamp = readU32(ptr + 4);
  out.ssrc = readU32(ptr + 8);
  out.csrcCount = csrcCount;
  out.csrcPtr = ptr + RTP_FIXED_HEADER;
  out.extProfile = extProfile;
  out.extPtr = extPtr;
  out.extLength = extLength;
  out.payloadPtr = ptr + <usize>header;
  out.payloadLength = len - header - padding;
  out.paddingLength = padding;
  out.headerLength = header;
  return header;
}

// The i-th CSRC of a parsed header (0 <= i < csrcCount).
export function rtpCsrc(h: RtpHeader, i: i32): u32 { return readU32(h.csrcPtr + (<usize>i << 2)); }

// Writes the packet `h` describes (header, CSRCs, extension, payload, padding) into
// [out, out+cap). The payload may already sit in place at out + header length (then it is not
// moved). Returns the packet length, E_ARG for a field out of range, or E_NOSPACE.
export function rtpWrite(out: usize, cap: i32, h: RtpHeader): i32 {
  if (<u32>h.payloadType > 127 || <u32>h.marker > 1 || <u32>h.sequence > 0xffff) return E_ARG;
  if (<u32>h.csrcCount > <u32>RTP_MAX_CSRC || h.payloadLength < 0 || <u32>h.paddingLength > 255) return E_ARG;
  const hasExt = h.extProfile >= 0;
  if (hasExt && (h.extProfile > 0xffff || h.extLength < 0 || (h.extLength & 3) != 0 || h.extLength > 0x3fffc)) return E_ARG;
  let header = RTP_FIXED_HEADER + (h.csrcCount << 2);
  if (hasExt) header += 4 + h.extLength;
  const total = <i64>header + <i64>h.payloadLength + <i64>h.paddingLength;
  if (cap < 0 || total > <i64>cap) return E_NOSPACE;
  // Payload first: a payload passed in place or overlapping the header area must be moved
  // before the header bytes overwrite it.
  const payloadDst = out + <usize>header;
  if (h.payloadLength > 0 && h.payloadPtr != payloadDst) memory.copy(payloadDst, h.payloadPtr, <usize>h.payloadLength);
  store<u8>(out, (RTP_VERSION << 6) | (h.paddingLength > 0 ? 0x20 : 0) | (hasExt ? 0x10 : 0) | h.csrcCount);
  store<u8>(out, (h.marker << 7) | h.payloadType, 1);
  writeU16(out + 2, h.sequence);
  writeU32(out + 4, h.timestamp);
  writeU32(out + 8, h.ssrc);
  if (h.csrcCount > 0) memory.copy(out + RTP_FIXED_HEADER, h.csrcPtr, <usize>(h.csrcCount << 2));
  if (hasExt) {
    const ext = out + RTP_FIXED_HEADER + (<usize>h.csrcCount << 2);
    writeU16(ext, h.extProfile);
    writeU16(ext + 2, h.extLength >> 2);
    if (h.extLength > 0) memory.copy(ext + 4, h.extPtr, <usize>h.extLength);
  }
  if (h.paddingLength > 0) {
    const pad = payloadDst + <usize>h.payloadLength;
    memory.fill(pad, 0, <usize>(h.paddingLength - 1));
    store<u8>(pad + <usize>(h.paddingLength - 1), <u8>h.paddingLength);
  }
  return <i32>total;
}

// The common case on the send path: a 12-byte header with no CSRC, extension or padding,
// written in front of a payload the caller has already placed at out + 12.
@inline
export function rtpWriteFixedHeader(out: usize, payloadType: i32, marker: i32, sequence: i32, timestamp: u32, ssrc: u32): void {
  store<u8>(out, RTP_VERSION << 6);
  store<u8>(out, (marker << 7) | payloadType, 1);
  writeU16(out + 2, sequence);
  writeU32(out + 4, timestamp);
  writeU32(out + 8, ssrc);
}
