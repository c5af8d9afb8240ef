// RTCP (RFC 3550 6.4-6.6): packet types, the common header, and the 24-byte report block that
// SR and RR packets carry, one per source heard.
//
// common header:  V=2 P  count(5) | packet type(8) | length(16) = 32-bit words - 1
// report block:   SSRC | fraction lost(8) cumulative lost(24, signed) | extended highest seq |
//                 interarrival jitter | LSR (middle 32 bits of the last SR's NTP time) |
//                 DLSR (delay since that SR, 1/65536 s)
import { E_ARG } from "../abi/errors";
import { arenaAlloc } from "../util/arena";
import { readU32, writeU16, writeU32 } from "./bytes";

export const RTCP_SR: i32 = 200;
export const RTCP_RR: i32 = 201;
export const RTCP_SDES: i32 = 202;
export const RTCP_BYE: i32 = 203;
export const RTCP_APP: i32 = 204;
export const SDES_END: i32 = 0;
export const SDES_CNAME: i32 = 1;

export const RTCP_HEADER: i32 = 4;
export const RTCP_REPORT_BLOCK: i32 = 24;
export const RTCP_SENDER_INFO: i32 = 20;
export const RTCP_MAX_COUNT: i32 = 31;

@unmanaged
export class RtcpReportBlock {
  ssrc: u32;           // the source this block reports on
  fractionLost: i32;   // 0..255, in 1/256 since the previous report
  cumulativeLost: i32; // -0x800000..0x7fffff
  extHighestSeq: u32;
  jitter: u32;         // RTP timestamp units
  lsr: u32;
  dlsr: u32;
}

export function reportBlockNew(): RtcpReportBlock {
  return changetype<RtcpReportBlock>(arenaAlloc(offsetof<RtcpReportBlock>()));
}

// True when the second byte says RTCP: packet types 192..223 (RFC 5761 4). With RTP and RTCP
// on one port this tells them apart, since RTP payload types 64..95 are never used.
export function looksLikeRtcp(ptr: usize, len: i32): bool {
  if (len < 2) return false;
  const pt = <i32>load<u8>(ptr, 1);
  return pt >= 192 && pt <= 223;
}

// Common header of a packet of `bytes` bytes (a multiple of 4, at least 4).
@inline
export function rtcpWriteHeader(out: usize, count: i32, packetType: i32, bytes: i32): void {
  store<u8>(out, (2 << 6) | count);
  store<u8>(out, packetType, 1);
  writeU16(out + 2, (bytes >> 2) - 1);
}

export function reportBlockValid(b: RtcpReportBlock): bool {
  return <u32>b.fractionLost <= 255 && b.cumulativeLost >= -0x800000 && b.cumulativeLost <= 0x7fffff;
}

// Writes one block; E_ARG when a field does not fit its wire width.
export function reportBlockWrite(out: usize, b: RtcpReportBlock): i32 {
  if (!reportBlockValid(b)) return E_ARG;
  writeU32(out, b.ssrc);
  writeU32(out + 4, (<u32>b.fractionLost << 24) | (<u32>b.cumulativeLost & 0xffffff));
  writeU32(out + 8, b.extHighestSeq);
  writeU32(out + 12, b.jitter);
  writeU32(out + 16, b.lsr);
  writeU32(out + 20, b.dlsr);
  return RTCP_REPORT_BLOCK;
}

export function reportBlockRead(p: usize, out: RtcpReportBlock): void {
  out.ssrc = readU32(p);
  const word = readU32(p + 4);
  out.fractionLost = <i32>(word >> 24);
  out.cumulativeLost = (<i32>(word << 8)) >> 8; // sign-extend the 24-bit field
  out.extHighestSeq = readU32(p + 8);
  out.jitter = readU32(p + 12);
  out.lsr = readU32(p + 16);
  out.dlsr = readU32(p + 20);
}

// The middle 32 bits of a 64-bit NTP timestamp: what LSR carries.
@inline export function ntpMiddle(msw: u32, lsw: u32): u32 { return (msw << 16) | (lsw >> 16); }

// Round-trip time in 1/65536 s from a report block received at `arrivalMiddle` (the middle 32
// bits of our NTP clock then), RFC 3550 6.4.1; -1 when the block carries no SR reference.
export function rtcpRoundTrip(arrivalMiddle: u32, lsr: u32, dlsr: u32): i64 {
  if (lsr == 0) return -1;
  const rtt = <i32>(arrivalMiddle - lsr - dlsr);
  return rtt < 0 ? 0 : <i64>rtt;
}
