// Receiver statistics of one RTP source, as RFC 3550 appendix A describes them:
//   A.1  source validation (probation), sequence-number cycles, restart after a big jump;
//   A.3  expected and lost packets, the fraction lost since the previous report;
//   A.8  interarrival jitter, kept in integer arithmetic scaled by 16.
// Arrival times come in RTP timestamp units of the stream's clock (see rtpUnitsFromMs), so
// jitter needs no division and no floating point.
import { arenaAlloc } from "../util/arena";

const SEQ_MOD: u32 = 1 << 16;
// A source is valid after this many packets in sequence (RFC 3550 A.1 suggests 2).
export const MIN_SEQUENTIAL: i32 = 2;
// A forward jump up to this is loss; a backward jump up to MAX_MISORDER is reordering; anything
// else is a jump that must be confirmed by the next packet before the stream restarts.
export const MAX_DROPOUT: u32 = 3000;
export const MAX_MISORDER: u32 = 100;
const JITTER_STEP_CAP: i32 = 1 << 27;

// What update says about one packet.
export const PACKET_COUNTED: i32 = 1;   // valid source: counted, hand it on
export const PACKET_PROBATION: i32 = 0; // not yet a valid source, or a jump awaiting confirmation

@unmanaged
export class RtpReceiverStats {
  maxSeq: u32;        // highest sequence number seen (16 bits)
  cycles: u32;        // wraps of the sequence number, shifted left by 16
  baseSeq: u32;       // first sequence number counted
  badSeq: u32;        // the sequence number after an unconfirmed jump (SEQ_MOD + 1: none)
  probation: i32;     // packets still needed in sequence before the source is valid
  received: u32;      // packets counted (duplicates included, as RFC 3550 counts them)
  expectedPrior: u32; // expected and received at the previous report, for the fraction lost
  receivedPrior: u32;
  transit: u32;       // arrival minus RTP timestamp of the previous packet
  jitter: u32;        // interarrival jitter in RTP units, scaled by 16
  hasTransit: i32;    // 0 until the first counted packet set `transit`
  started: i32;       // 0 before the first packet
}

export function receiverStatsNew(): RtpReceiverStats {
  const s = changetype<RtpReceiverStats>(arenaAlloc(offsetof<RtpReceiverStats>()));
  receiverReset(s);
  return s;
}

// Back to the state before the first packet (a new call or a new SSRC).
export function receiverReset(s: RtpReceiverStats): void {
  memory.fill(changetype<usize>(s), 0, offsetof<RtpReceiverStats>());
  s.badSeq = SEQ_MOD + 1;
}

// The stream (re)starts at `seq`: counting begins again from it. Jitter goes on: it describes
// the network path, which a sender restart does not change (RFC 3550 A.1 keeps it too).
function restartAt(s: RtpReceiverStats, seq: u32): void {
  s.baseSeq = seq;
  s.maxSeq = seq;
  s.badSeq = SEQ_MOD + 1;
  s.cycles = 0;
  s.received = 0;
  s.receivedPrior = 0;
  s.expectedPrior = 0;
}

// Updates the sequence state for one packet (A.1). Returns PACKET_COUNTED or PACKET_PROBATION.
function updateSequence(s: RtpReceiverStats, seq: u32): i32 {
  if (!s.started) {
    s.started = 1;
    restartAt(s, seq);
    s.maxSeq = (seq - 1) & 0xffff;
    s.probation = MIN_SEQUENTIAL;
  }
  const forward = (seq - s.maxSeq) & 0xffff;
  if (s.probation > 0) {
    if (seq == ((s.maxSeq + 1) & 0xffff)) {
      s.probation--;
      s.maxSeq = seq;
      if (s.probation == 0) {
        restartAt(s, seq);
        s.received = 1;
        return PACKET_COUNTED;
      }
    } else {
      s.probation = MIN_SEQUENTIAL - 1;
      s.maxSeq = seq;
    }
    return PACKET_PROBATION;
  }
  if (forward < MAX_DROPOUT) {
    if (seq < s.maxSeq) s.cycles += SEQ_MOD; // in order, across the wrap
    s.maxSeq = seq;
  } else if (forward <= SEQ_MOD - MAX_MISORDER) {
    // A big jump: the sender may have restarted. Believe it only when the next packet follows.
    if (seq != s.badSeq) {
      s.badSeq = (seq + 1) & 0xffff;
      return PACKET_PROBATION;
    }
    restartAt(s, seq);
  }
  // else: a duplicate or a packet reordered by less than MAX_MISORDER; counted, max unchanged.
  s.received++;
  return PACKET_COUNTED;
}

// One received packet: its sequence number, RTP timestamp and arrival time in RTP units.
// Returns PACKET_COUNTED when the packet belongs to a valid stream, else PACKET_PROBATION.
export function receiverUpdate(s: RtpReceiverStats, seq: i32, timestamp: u32, arrival: u32): i32 {
  const verdict = updateSequence(s, <u32>seq & 0xffff);
  if (verdict != PACKET_COUNTED) return verdict;
  // A.8: J += (|D| - J) / 16, with J kept scaled by 16 so the division is a rounding shift.
  const transit = arrival - timestamp;
  if (s.hasTransit) {
    let d = <i32>(transit - s.transit);
    if (d < 0) d = -d;
    // Beyond 2^27 units the timestamps are nonsense anyway; the cap keeps 16 x jitter in 32 bits.
    if (d > JITTER_STEP_CAP) d = JITTER_STEP_CAP;
    s.jitter += <u32>d - ((s.jitter + 8) >> 4);
  }
  s.transit = transit;
  s.hasTransit = 1;
  return PACKET_COUNTED;
}

// Extended highest sequence number received: cycles plus the highest sequence number.
export function receiverExtendedMax(s: RtpReceiverStats): u32 { return s.cycles + s.maxSeq; }

// Packets expected since the stream (re)started (A.3).
export function receiverExpected(s: RtpReceiverStats): u32 {
  return s.probation > 0 || !s.started ? 0 : receiverExtendedMax(s) - s.baseSeq + 1;
}

// Cumulative packets lost, clamped to RTCP's signed 24-bit field (duplicates make it negative).
export function receiverLost(s: RtpReceiverStats): i32 {
  const lost = <i64>receiverExpected(s) - <i64>s.received;
  if (lost > 0x7fffff) return 0x7fffff;
  if (lost < -0x800000) return -0x800000;
  return <i32>lost;
}

// Interarrival jitter in RTP units, as an RTCP report block carries it.
export function receiverJitter(s: RtpReceiverStats): u32 { return s.jitter >> 4; }

// The fraction lost since the previous call, in 1/256 (0 when packets arrived twice), and the
// start of a new reporting interval (A.3).
export function receiverTakeFractionLost(s: RtpReceiverStats): i32 {
  const expected = receiverExpected(s);
  const expectedInterval = expected - s.expectedPrior;
  const receivedInterval = s.received - s.receivedPrior;
  s.expectedPrior = expected;
  s.receivedPrior = s.received;
  const lostInterval = <i64>expectedInterval - <i64>receivedInterval;
  if (expectedInterval == 0 || lostInterval <= 0) return 0;
  const fraction = <i32>((lostInterval << 8) / <i64>expectedInterval);
  return fraction > 255 ? 255 : fraction;
}

// Milliseconds of a host clock in RTP units of a `clockRate` Hz clock, modulo 2^32. For the
// rates that are whole kHz (8000, 16000, 48000) the result wraps together with the millisecond
// clock, so differences stay right across its wrap.
export function rtpUnitsFromMs(ms: u32, clockRate: i32): u32 {
  if (clockRate % 1000 == 0) return ms * <u32>(clockRate / 1000);
  return <u32>((<u64>ms * <u64>clockRate) / 1000);
}
