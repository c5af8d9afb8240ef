// The receiving side of one RTP stream: accepts only the negotiated payload type and the
// peer's SSRC, keeps the receiver statistics (receiver.ts) and leaves, for the jitter buffer,
// the packet's sequence number, timestamp, arrival time and payload.
//
// Two steps so payload formats can validate in between (payload_opus.ts checks the TOC):
// depacketiserCheck parses and filters without changing any state but the parse scratch;
// depacketiserCommit counts the packet and publishes it. depacketiserPush does both.
import { E_ARG, E_UNSUPPORTED } from "../abi/errors";
import { arenaAlloc } from "../util/arena";
import { RtpHeader, rtpHeaderNew, rtpParse } from "./packet";
import { PACKET_COUNTED, RtpReceiverStats, receiverReset, receiverStatsNew, receiverUpdate, rtpUnitsFromMs } from "./receiver";
import { RTCP_SR } from "./rtcp";
import { RtcpSummary } from "./rtcp_parse";
import { RtcpSourceReports, sourceReportsNew, sourceReportsOnSr } from "./rtcp_report";
import { seqExtend } from "./wrap";

@unmanaged
export class RtpDepacketiser {
  payloadType: i32;
  clockRate: i32;
  unitsPerMs: i32;    // clockRate / 1000 when whole (8, 16, 48), else 0: the per-packet conversion
  ssrc: u32;          // the source we accept
  ssrcKnown: i32;     // 0: take the SSRC of the first packet
  parsed: RtpHeader;  // parse scratch of the last packet looked at
  stats: RtpReceiverStats;
  reports: RtcpSourceReports;
  // The last packet published for playout:
  sequence: i32;
  extendedSequence: u32;
  timestamp: u32;
  arrival: u32;       // RTP units of clockRate
  marker: i32;
  payloadPtr: usize;
  payloadLength: i32;
}

// A depacketiser and its statistics, from the arena (init time only).
export function depacketiserNew(): RtpDepacketiser {
  const d = changetype<RtpDepacketiser>(arenaAlloc(offsetof<RtpDepacketiser>()));
  d.parsed = rtpHeaderNew();
  d.stats = receiverStatsNew();
  d.reports = sourceReportsNew();
  return d;
}

// Starts receiving a stream: payload type, clock rate, and the peer's SSRC (0 when signalling
// did not give one; then the first packet's SSRC is taken). Statistics start afresh.
export function depacketiserInit(d: RtpDepacketiser, payloadType: i32, clockRate: i32, ssrc: u32): i32 {
  if (<u32>payloadType > 127 || clockRate <= 0) return E_ARG;
  d.payloadType = payloadType;
  d.clockRate = clockRate;
  d.unitsPerMs = clockRate % 1000 == 0 ? clockRate / 1000 : 0;
  d.ssrc = ssrc;
  d.ssrcKnown = ssrc != 0 ? 1 : 0;
  receiverReset(d.stats);
  d.reports.lsr = 0;
  d.reports.srArrivalMs = 0;
  d.payloadPtr = 0;
  d.payloadLength = 0;
  return 0;
}

// Parses and filters a packet. Returns the payload length or an error (E_TRUNCATED,
// E_MALFORMED, E_UNSUPPORTED for another payload type or source); nothing is counted yet.
export function depacketiserCheck(d: RtpDepacketiser, ptr: usize, len: i32): i32 {
  const h = d.parsed;
  const status = rtpParse(ptr, len, h);
  if (status < 0) return status;
  if (h.payloadType != d.payloadType) return E_UNSUPPORTED;
  if (d.ssrcKnown && h.ssrc != d.ssrc) return E_UNSUPPORTED;
  return h.payloadLength;
}

// Counts the packet depacketiserCheck accepted. Returns 1 when it is published for playout,
// 0 while the source is still on probation (RFC 3550 A.1) or after an unconfirmed jump.
export function depacketiserCommit(d: RtpDepacketiser, arrivalMs: u32): i32 {
  const h = d.parsed;
  if (!d.ssrcKnown) { d.ssrc = h.ssrc; d.ssrcKnown = 1; }
  // A multiplication for the usual clocks; the general conversion divides (slow under wasm3).
  const arrival = d.unitsPerMs != 0 ? arrivalMs * <u32>d.unitsPerMs : rtpUnitsFromMs(arrivalMs, d.clockRate);
  if (receiverUpdate(d.stats, h.sequence, h.timestamp, arrival) != PACKET_COUNTED) return 0;
  d.sequence = h.sequence;
  d.extendedSequence = seqExtend(d.stats.cycles + d.stats.maxSeq, h.sequence);
  d.timestamp = h.timestamp;
  d.arrival = arrival;
  d.marker = h.marker;
  d.payloadPtr = h.payloadPtr;
  d.payloadLength = h.payloadLength;
  return 1;
}

// Check and commit in one step, for payload formats that need no validation of their own.
export function depacketiserPush(d: RtpDepacketiser, ptr: usize, len: i32, arrivalMs: u32): i32 {
  const status = depacketiserCheck(d, ptr, len);
  if (status < 0) return status;
  return depacketiserCommit(d, arrivalMs);
}

// Takes note of an RTCP compound from the peer: its sender report gives the LSR reference our
// next report block echoes. Returns 1 when it was the peer's SR, else 0.
export function depacketiserOnRtcp(d: RtpDepacketiser, s: RtcpSummary, arrivalMs: u32): i32 {
  if (s.reportType != RTCP_SR || !d.ssrcKnown || s.senderSsrc != d.ssrc) return 0;
  sourceReportsOnSr(d.reports, s.ntpMsw, s.ntpLsw, arrivalMs);
  return 1;
}
