// Writers for the RTCP packets a device sends: SR, RR, SDES with a CNAME, BYE. Each writes one
// packet into [out, out+cap) and returns its length (a multiple of 4), E_ARG or E_NOSPACE.
// A compound packet is these written back to back (RFC 3550 6.1: SR or RR first, then SDES
// with CNAME, BYE last); nothing is written when a packet does not fit.
import { E_ARG, E_NOSPACE } from "../abi/errors";
import { writeU32 } from "./bytes";
import {
  RTCP_BYE, RTCP_HEADER, RTCP_MAX_COUNT, RTCP_REPORT_BLOCK, RTCP_RR, RTCP_SDES, RTCP_SENDER_INFO,
  RTCP_SR, RtcpReportBlock, SDES_CNAME, reportBlockValid, reportBlockWrite, rtcpWriteHeader,
} from "./rtcp";

// `blocks` points to `count` RtcpReportBlock records laid out one after another.
function blocksValid(blocks: usize, count: i32): bool {
  if (<u32>count > <u32>RTCP_MAX_COUNT) return false;
  for (let i = 0; i < count; i++) {
    if (!reportBlockValid(changetype<RtcpReportBlock>(blocks + <usize>i * offsetof<RtcpReportBlock>()))) return false;
  }
  return true;
}

function writeBlocks(p: usize, blocks: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    reportBlockWrite(p + <usize>(i * RTCP_REPORT_BLOCK), changetype<RtcpReportBlock>(blocks + <usize>i * offsetof<RtcpReportBlock>()));
  }
}

// Sender report: our SSRC, the NTP and RTP timestamps of one instant, packets and payload
// octets sent so far, and up to 31 report blocks.
export function rtcpWriteSr(out: usize, cap: i32, ssrc: u32, ntpMsw: u32, ntpLsw: u32, rtpTimestamp: u32,
  packetCount: u32, octetCount: u32, blocks: usize, count: i32): i32 {
  if (!blocksValid(blocks, count)) return E_ARG;
  const bytes = RTCP_HEADER + 4 + RTCP_SENDER_INFO + count * RTCP_REPORT_BLOCK;
  if (bytes > cap) return E_NOSPACE;
  rtcpWriteHeader(out, count, RTCP_SR, bytes);
  writeU32(out + 4, ssrc);
  writeU32(out + 8, ntpMsw);
  writeU32(out + 12, ntpLsw);
  writeU32(out + 16, rtpTimestamp);
  writeU32(out + 20, packetCount);
  writeU32(out + 24, octetCount);
  writeBlocks(out + 28, blocks, count);
  return bytes;
}

// Receiver report: our SSRC and up to 31 report blocks (none is a valid, empty RR).
export function rtcpWriteRr(out: usize, cap: i32, ssrc: u32, blocks: usize, count: i32): i32 {
  if (!blocksValid(blocks, count)) return E_ARG;
  const bytes = RTCP_HEADER + 4 + count * RTCP_REPORT_BLOCK;
  if (bytes > cap) return E_NOSPACE;
  rtcpWriteHeader(out, count, RTCP_RR, bytes);
  writeU32(out + 4, ssrc);
  writeBlocks(out + 8, blocks, count);
  return bytes;
}

// SDES with one chunk: our SSRC and its CNAME (1..255 bytes), then the end item and zero
// padding to the next 32-bit boundary (at least one zero byte ends the item list).
export function rtcpWriteSdesCname(out: usize, cap: i32, ssrc: u32, cname: usize, cnameLength: i32): i32 {
  if (cnameLength < 1 || cnameLength > 255) return E_ARG;
  const items = 2 + cnameLength;
  const bytes = RTCP_HEADER + 4 + ((items + 4) & ~3); // +1 for the end item, rounded up
  if (bytes > cap) return E_NOSPACE;
  rtcpWriteHeader(out, 1, RTCP_SDES, bytes);
  writeU32(out + 4, ssrc);
  store<u8>(out + 8, SDES_CNAME);
  store<u8>(out + 9, cnameLength);
  memory.copy(out + 10, cname, <usize>cnameLength);
  memory.fill(out + 10 + <usize>cnameLength, 0, <usize>(bytes - 10 - cnameLength));
  return bytes;
}

// BYE for our SSRC, with an optional reason (0..255 bytes), zero-padded to 32 bits.
export function rtcpWriteBye(out: usize, cap: i32, ssrc: u32, reason: usize, reasonLength: i32): i32 {
  if (reasonLength < 0 || reasonLength > 255) return E_ARG;
  const bytes = RTCP_HEADER + 4 + (reasonLength > 0 ? (reasonLength + 4) & ~3 : 0);
  if (bytes > cap) return E_NOSPACE;
  rtcpWriteHeader(out, 1, RTCP_BYE, bytes);
  writeU32(out + 4, ssrc);
  if (reasonLength > 0) {
    store<u8>(out + 8, reasonLength);
    memory.copy(out + 9, reason, <usize>reasonLength);
    memory.fill(out + 9 + <usize>reasonLength, 0, <usize>(bytes - 9 - reasonLength));
  }
  return bytes;
}
