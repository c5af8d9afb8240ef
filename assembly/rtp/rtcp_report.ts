// The receiver's side of RTCP for one source: what its sender reports tell us (the LSR
// reference and when it arrived) and the report block we send back about it (RFC 3550 6.4.1).
import { arenaAlloc } from "../util/arena";
import { RtcpReportBlock, ntpMiddle } from "./rtcp";
import {
  RtpReceiverStats, receiverExtendedMax, receiverJitter, receiverLost, receiverTakeFractionLost,
} from "./receiver";

@unmanaged
export class RtcpSourceReports {
  lsr: u32;          // middle 32 bits of the NTP time in the source's last SR, 0 before any
  srArrivalMs: u32;  // our clock when that SR arrived
}

export function sourceReportsNew(): RtcpSourceReports {
  return changetype<RtcpSourceReports>(arenaAlloc(offsetof<RtcpSourceReports>()));
}

// Notes a sender report from the source.
export function sourceReportsOnSr(r: RtcpSourceReports, ntpMsw: u32, ntpLsw: u32, arrivalMs: u32): void {
  r.lsr = ntpMiddle(ntpMsw, ntpLsw);
  r.srArrivalMs = arrivalMs;
}

// Fills `out` with the report block about `ssrc` at `nowMs`, and starts a new interval for
// the fraction lost. DLSR is the time since the last SR in 1/65536 s (0 when none came).
export function sourceReportsBlock(r: RtcpSourceReports, s: RtpReceiverStats, ssrc: u32, nowMs: u32, out: RtcpReportBlock): void {
  out.ssrc = ssrc;
  out.fractionLost = receiverTakeFractionLost(s);
  out.cumulativeLost = receiverLost(s);
  out.extHighestSeq = receiverExtendedMax(s);
  out.jitter = receiverJitter(s);
  out.lsr = r.lsr;
  out.dlsr = r.lsr == 0 ? 0 : <u32>((<u64>(nowMs - r.srArrivalMs) << 16) / 1000);
}
