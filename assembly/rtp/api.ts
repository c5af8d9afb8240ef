// The RTP/RTCP surface for hosts and tests, behind the vsdk_rtp_* and vsdk_rtcp_* exports in
// assembly/abi/exports.ts. Pointers are offsets into linear memory (usually the I/O buffer);
// every region a host names is checked, so a bad pointer is E_ARG, never a trap. State lives
// in a few records placed at init: one RTP header (parse result and write template), one
// receive stream, one RTCP summary.
import { E_ARG, E_NOSPACE } from "../abi/errors";
import { inMemory } from "./bytes";
import { RtpHeader, rtpHeaderNew, rtpParse, rtpWrite } from "./packet";
import { RtpDepacketiser, depacketiserInit, depacketiserNew, depacketiserOnRtcp, depacketiserPush } from "./depacketiser";
import { receiverExpected, receiverExtendedMax, receiverJitter, receiverLost } from "./receiver";
import { RtcpReportBlock, reportBlockNew, reportBlockRead, RTCP_REPORT_BLOCK } from "./rtcp";
import { RtcpSummary, rtcpParse, rtcpSummaryNew } from "./rtcp_parse";
import { rtcpWriteBye, rtcpWriteRr, rtcpWriteSdesCname, rtcpWriteSr } from "./rtcp_write";
import { sourceReportsBlock } from "./rtcp_report";
import { G711_CLOCK_RATE, PT_PCMA, PT_PCMU, g711Receive } from "./payload_g711";
import { OPUS_CLOCK_RATE, opusReceive } from "./payload_opus";

const header: RtpHeader = rtpHeaderNew();
const rx: RtpDepacketiser = depacketiserNew();
const summary: RtcpSummary = rtcpSummaryNew();
const block: RtcpReportBlock = reportBlockNew();

// --- RTP header: vsdk_rtp_parse / _get / _set / _write ---
// Field numbers of the header record (the host mirrors them).
export const RTP_FIELD_PAYLOAD_TYPE: i32 = 0;
export const RTP_FIELD_MARKER: i32 = 1;
export const RTP_FIELD_SEQUENCE: i32 = 2;
export const RTP_FIELD_TIMESTAMP: i32 = 3;
export const RTP_FIELD_SSRC: i32 = 4;
export const RTP_FIELD_CSRC_COUNT: i32 = 5;
export const RTP_FIELD_CSRC_PTR: i32 = 6;
export const RTP_FIELD_EXT_PROFILE: i32 = 7;
export const RTP_FIELD_EXT_PTR: i32 = 8;
export const RTP_FIELD_EXT_LENGTH: i32 = 9;
export const RTP_FIELD_PAYLOAD_PTR: i32 = 10;
export const RTP_FIELD_PAYLOAD_LENGTH: i32 = 11;
export const RTP_FIELD_PADDING_LENGTH: i32 = 12;
export const RTP_FIELD_HEADER_LENGTH: i32 = 13;
const RTP_FIELDS: i32 = 14;

export function apiRtpParse(ptr: usize, len: i32): i32 {
  if (!inMemory(ptr, len)) return E_ARG;
  return rtpParse(ptr, len, header);
}

// Every field is a 32-bit word of the record, in the order of the numbers above.
export function apiRtpGet(field: i32): i32 {
  if (<u32>field >= <u32>RTP_FIELDS) return E_ARG;
  return load<i32>(changetype<usize>(header) + (<usize>field << 2));
}

export function apiRtpSet(field: i32, value: i32): i32 {
  if (<u32>field >= <u32>RTP_FIELDS) return E_ARG;
  store<i32>(changetype<usize>(header) + (<usize>field << 2), value);
  return 0;
}

export function apiRtpWrite(out: usize, cap: i32): i32 {
  if (!inMemory(out, cap)) return E_ARG;
  if (!inMemory(header.csrcPtr, header.csrcCount << 2) || !inMemory(header.payloadPtr, header.payloadLength)) return E_ARG;
  if (header.extProfile >= 0 && !inMemory(header.extPtr, header.extLength)) return E_ARG;
  return rtpWrite(out, cap, header);
}

// --- one receive stream: vsdk_rtp_rx_init / _push / _rtcp / _report / _get ---
export const RX_FIELD_SEQUENCE: i32 = 0;
export const RX_FIELD_EXTENDED_SEQUENCE: i32 = 1;
export const RX_FIELD_TIMESTAMP: i32 = 2;
export const RX_FIELD_ARRIVAL: i32 = 3;
export const RX_FIELD_MARKER: i32 = 4;
export const RX_FIELD_PAYLOAD_PTR: i32 = 5;
export const RX_FIELD_PAYLOAD_LENGTH: i32 = 6;
export const RX_FIELD_RECEIVED: i32 = 7;
export const RX_FIELD_EXPECTED: i32 = 8;
export const RX_FIELD_LOST: i32 = 9;
export const RX_FIELD_JITTER: i32 = 10;
export const RX_FIELD_EXTENDED_MAX: i32 = 11;
export const RX_FIELD_SSRC: i32 = 12;
export const RX_FIELD_PROBATION: i32 = 13;

// The payload format of the receive stream decides how a payload is checked: PT 0 and 8 are
// G.711 (8 kHz), a 48 kHz stream on a dynamic type is Opus, anything else is taken as it is.
const RX_GENERIC: i32 = 0;
const RX_G711: i32 = 1;
const RX_OPUS: i32 = 2;
let rxFormat: i32 = RX_GENERIC;

export function apiRxInit(payloadType: i32, clockRate: i32, ssrc: u32): i32 {
  const g711 = payloadType == PT_PCMU || payloadType == PT_PCMA;
  if (g711 && clockRate != G711_CLOCK_RATE) return E_ARG;
  const status = depacketiserInit(rx, payloadType, clockRate, ssrc);
  if (status < 0) return status;
  rxFormat = g711 ? RX_G711 : payloadType >= 96 && clockRate == OPUS_CLOCK_RATE ? RX_OPUS : RX_GENERIC;
  return 0;
}

export function apiRxPush(ptr: usize, len: i32, arrivalMs: u32): i32 {
  if (!inMemory(ptr, len)) return E_ARG;
  if (rxFormat == RX_G711) return g711Receive(rx, ptr, len, arrivalMs);
  if (rxFormat == RX_OPUS) return opusReceive(rx, ptr, len, arrivalMs);
  return depacketiserPush(rx, ptr, len, arrivalMs);
}

// An RTCP compound from the peer: parsed into the summary (as vsdk_rtcp_parse), and the peer's
// SR noted for our next report. Returns the number of parts or an error.
export function apiRxRtcp(ptr: usize, len: i32, ourSsrc: u32, arrivalMs: u32): i32 {
  const parts = apiRtcpParse(ptr, len, ourSsrc);
  if (parts < 0) return parts;
  depacketiserOnRtcp(rx, summary, arrivalMs);
  return parts;
}

// Writes an RR from `ourSsrc` with one block about the stream at `nowMs`.
export function apiRxReport(out: usize, cap: i32, ourSsrc: u32, nowMs: u32): i32 {
  if (!inMemory(out, cap)) return E_ARG;
  if (cap < 8 + RTCP_REPORT_BLOCK) return E_NOSPACE; // before the block starts a new interval
  sourceReportsBlock(rx.reports, rx.stats, rx.ssrc, nowMs, block);
  return rtcpWriteRr(out, cap, ourSsrc, changetype<usize>(block), 1);
}

export function apiRxGet(field: i32): i32 {
  switch (field) {
    case RX_FIELD_SEQUENCE: return rx.sequence;
    case RX_FIELD_EXTENDED_SEQUENCE: return <i32>rx.extendedSequence;
    case RX_FIELD_TIMESTAMP: return <i32>rx.timestamp;
    case RX_FIELD_ARRIVAL: return <i32>rx.arrival;
    case RX_FIELD_MARKER: return rx.marker;
    case RX_FIELD_PAYLOAD_PTR: return <i32>rx.payloadPtr;
    case RX_FIELD_PAYLOAD_LENGTH: return rx.payloadLength;
    case RX_FIELD_RECEIVED: return <i32>rx.stats.received;
    case RX_FIELD_EXPECTED: return <i32>receiverExpected(rx.stats);
    case RX_FIELD_LOST: return receiverLost(rx.stats);
    case RX_FIELD_JITTER: return <i32>receiverJitter(rx.stats);
    case RX_FIELD_EXTENDED_MAX: return <i32>receiverExtendedMax(rx.stats);
    case RX_FIELD_SSRC: return <i32>rx.ssrc;
    case RX_FIELD_PROBATION: return rx.stats.probation;
  }
  return E_ARG;
}

// --- RTCP: vsdk_rtcp_parse / _get / _block and the writers ---
export const RTCP_FIELD_PARTS: i32 = 0;
const RTCP_FIELDS: i32 = 18; // the summary's words, in its declaration order

export function apiRtcpParse(ptr: usize, len: i32, ourSsrc: u32): i32 {
  if (!inMemory(ptr, len)) return E_ARG;
  return rtcpParse(ptr, len, ourSsrc, summary);
}

export function apiRtcpGet(field: i32): i32 {
  if (<u32>field >= <u32>RTCP_FIELDS) return E_ARG;
  return load<i32>(changetype<usize>(summary) + (<usize>field << 2));
}

// Field `field` (0 ssrc, 1 fraction lost, 2 cumulative lost, 3 extended highest sequence,
// 4 jitter, 5 LSR, 6 DLSR) of report block `index` of the last parsed compound's first report.
// Read from the packet bytes, so valid until the host reuses that buffer.
export function apiRtcpBlock(index: i32, field: i32): i32 {
  if (<u32>index >= <u32>summary.blockCount || <u32>field >= 7) return E_ARG;
  reportBlockRead(summary.blocksPtr + <usize>(index * RTCP_REPORT_BLOCK), block);
  return load<i32>(changetype<usize>(block) + (<usize>field << 2));
}

function blocksInMemory(blocks: usize, count: i32): bool {
  return count >= 0 && count <= 31 && inMemory(blocks, count * <i32>offsetof<RtcpReportBlock>());
}

export function apiRtcpWriteSr(out: usize, cap: i32, ssrc: u32, ntpMsw: u32, ntpLsw: u32, rtpTimestamp: u32,
  packets: u32, octets: u32, blocks: usize, count: i32): i32 {
  if (!inMemory(out, cap) || !blocksInMemory(blocks, count)) return E_ARG;
  return rtcpWriteSr(out, cap, ssrc, ntpMsw, ntpLsw, rtpTimestamp, packets, octets, blocks, count);
}

export function apiRtcpWriteRr(out: usize, cap: i32, ssrc: u32, blocks: usize, count: i32): i32 {
  if (!inMemory(out, cap) || !blocksInMemory(blocks, count)) return E_ARG;
  return rtcpWriteRr(out, cap, ssrc, blocks, count);
}

export function apiRtcpWriteSdes(out: usize, cap: i32, ssrc: u32, cname: usize, cnameLength: i32): i32 {
  if (!inMemory(out, cap) || !inMemory(cname, cnameLength)) return E_ARG;
  return rtcpWriteSdesCname(out, cap, ssrc, cname, cnameLength);
}

export function apiRtcpWriteBye(out: usize, cap: i32, ssrc: u32, reason: usize, reasonLength: i32): i32 {
  if (!inMemory(out, cap) || !inMemory(reason, reasonLength)) return E_ARG;
  return rtcpWriteBye(out, cap, ssrc, reason, reasonLength);
}
