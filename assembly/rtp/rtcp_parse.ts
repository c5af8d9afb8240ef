// Parses a compound RTCP packet (RFC 3550 6.1 and the validity checks of A.2): every part is
// walked and checked (version 2, lengths that add up exactly, padding only in the last part,
// the first part an SR or RR), and what a device uses is gathered into an RtcpSummary: the
// first report's sender info and report blocks, the first CNAME, and whether a BYE came.
// Unknown packet types (APP, feedback, XR) are checked for length and skipped.
import { E_MALFORMED, E_TRUNCATED, E_UNSUPPORTED } from "../abi/errors";
import { arenaAlloc } from "../util/arena";
import { readU16, readU32 } from "./bytes";
import {
  RTCP_APP, RTCP_BYE, RTCP_HEADER, RTCP_REPORT_BLOCK, RTCP_RR, RTCP_SDES, RTCP_SENDER_INFO, RTCP_SR,
  SDES_CNAME, SDES_END,
} from "./rtcp";

@unmanaged
export class RtcpSummary {
  parts: i32;          // packets in the compound
  reportType: i32;     // RTCP_SR or RTCP_RR: the first part
  senderSsrc: u32;     // SSRC of the first report's sender
  ntpMsw: u32;         // sender info, when reportType is RTCP_SR
  ntpLsw: u32;
  rtpTimestamp: u32;
  packetCount: u32;
  octetCount: u32;
  blockCount: i32;     // report blocks of the first report
  blocksPtr: usize;    // where they start (24 bytes each), for reportBlockRead
  ourBlock: i32;       // index of the block about the SSRC asked for, or -1
  cnameSsrc: u32;      // first SDES CNAME item: its source and text
  cnamePtr: usize;
  cnameLength: i32;    // -1 when no CNAME came
  byeCount: i32;       // sources leaving in the first BYE, -1 when there is no BYE
  byeSsrc: u32;        // the first of them
  reasonPtr: usize;
  reasonLength: i32;   // 0 when the BYE gives no reason
}

export function rtcpSummaryNew(): RtcpSummary {
  return changetype<RtcpSummary>(arenaAlloc(offsetof<RtcpSummary>()));
}

// Where a parse collects its findings before they are copied out: a failed parse must leave
// the caller's summary as it was. Placed at init, never per packet.
const scratch: usize = arenaAlloc(offsetof<RtcpSummary>());

// Checks the chunks of an SDES body [p, end) and notes the first CNAME. Returns 0 or an error.
function walkSdes(p: usize, end: usize, chunks: i32, s: RtcpSummary): i32 {
  for (let c = 0; c < chunks; c++) {
    const chunkStart = p;
    if (p + 4 > end) return E_MALFORMED;
    const ssrc = readU32(p);
    p += 4;
    // Items until a zero type byte; every item but the end item has a length byte and text.
    while (true) {
      if (p >= end) return E_MALFORMED;
      const type = <i32>load<u8>(p);
      if (type == SDES_END) break;
      if (p + 2 > end) return E_MALFORMED;
      const length = <i32>load<u8>(p, 1);
      if (p + 2 + <usize>length > end) return E_MALFORMED;
      if (type == SDES_CNAME && s.cnameLength < 0) {
        s.cnameSsrc = ssrc;
        s.cnamePtr = p + 2;
        s.cnameLength = length;
      }
      p += 2 + <usize>length;
    }
    // The end item, then zeros up to the chunk's next 32-bit boundary.
    p = chunkStart + ((p + 1 - chunkStart + 3) & ~3);
    if (p > end) return E_MALFORMED;
  }
  return 0;
}

// Checks one part [p, p+bytes) of type `type` with `count` in its first byte (padding already
// removed from `body`, the bytes after the 4-byte header).
function walkPart(p: usize, body: i32, type: i32, count: i32, s: RtcpSummary, ourSsrc: u32): i32 {
  const b = p + RTCP_HEADER;
  if (type == RTCP_SR || type == RTCP_RR) {
    const info = type == RTCP_SR ? RTCP_SENDER_INFO : 0;
    if (body < 4 + info + count * RTCP_REPORT_BLOCK) return E_MALFORMED;
    if (s.parts == 0) {
      s.reportType = type;
      s.senderSsrc = readU32(b);
      if (type == RTCP_SR) {
        s.ntpMsw = readU32(b + 4);
        s.ntpLsw = readU32(b + 8);
        s.rtpTimestamp = readU32(b + 12);
        s.packetCount = readU32(b + 16);
        s.octetCount = readU32(b + 20);
      }
      s.blockCount = count;
      s.blocksPtr = b + 4 + <usize>info;
      for (let i = 0; i < count; i++) {
        if (readU32(s.blocksPtr + <usize>(i * RTCP_REPORT_BLOCK)) == ourSsrc) { s.ourBlock = i; break; }
      }
    }
    return 0;
  }
  if (s.parts == 0) return E_MALFORMED; // a compound starts with SR or RR
  if (type == RTCP_SDES) return walkSdes(b, b + <usize>body, count, s);
  if (type == RTCP_BYE) {
    if (body < count * 4) return E_MALFORMED;
    let reasonPtr: usize = 0;
    let reasonLength = 0;
    if (body > count * 4) {
      reasonLength = <i32>load<u8>(b + <usize>(count * 4));
      reasonPtr = b + <usize>(count * 4) + 1;
      if (count * 4 + 1 + reasonLength > body) return E_MALFORMED;
    }
    if (s.byeCount < 0) {
      s.byeCount = count;
      s.byeSsrc = count > 0 ? readU32(b) : 0;
      s.reasonPtr = reasonPtr;
      s.reasonLength = reasonLength;
    }
    return 0;
  }
  if (type == RTCP_APP && body < 8) return E_MALFORMED; // SSRC and a 4-byte name at least
  return 0;
}

// Parses the compound at [ptr, ptr+len) into `out`; `ourSsrc` picks the report block that
// reports on us. Returns the number of parts, or E_TRUNCATED / E_MALFORMED / E_UNSUPPORTED
// with `out` untouched.
export function rtcpParse(ptr: usize, len: i32, ourSsrc: u32, out: RtcpSummary): i32 {
  const s = changetype<RtcpSummary>(scratch);
  memory.fill(scratch, 0, offsetof<RtcpSummary>());
  s.ourBlock = -1;
  s.cnameLength = -1;
  s.byeCount = -1;
  if (len < RTCP_HEADER + 4) return E_TRUNCATED;
  let offset = 0;
  while (offset < len) {
    if (offset + RTCP_HEADER > len) return E_TRUNCATED;
    const p = ptr + <usize>offset;
    const b0 = <i32>load<u8>(p);
    if ((b0 >> 6) != 2) return E_UNSUPPORTED;
    const type = <i32>load<u8>(p, 1);
    if (type < 192 || type > 223) return E_MALFORMED;
    const bytes = (readU16(p + 2) + 1) << 2;
    if (offset + bytes > len) return E_TRUNCATED;
    let body = bytes - RTCP_HEADER;
    if (b0 & 0x20) {
      // Only the last part may be padded; the last byte counts the padding, itself included.
      if (offset + bytes != len) return E_MALFORMED;
      const padding = <i32>load<u8>(p + <usize>bytes - 1);
      if (padding == 0 || padding > body) return E_MALFORMED;
      body -= padding;
    }
    const status = walkPart(p, body, type, b0 & 0x1f, s, ourSsrc);
    if (status < 0) return status;
    s.parts++;
    offset += bytes;
  }
  memory.copy(changetype<usize>(out), scratch, offsetof<RtcpSummary>());
  return s.parts;
}
