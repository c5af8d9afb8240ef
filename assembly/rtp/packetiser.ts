// The sending side of one RTP stream: numbers packets, stamps them with the media clock and
// sets the marker, so payload writers (payload_g711.ts, payload_opus.ts) only say how many
// samples each payload holds. RFC 3550 5.1 wants the first sequence number and timestamp
// random: the caller passes them (from host_random) at init.
//
// Marker: RFC 3551 4.1 sets it on the first packet of a talkspurt when silence is not sent,
// and never otherwise; packetiserSkip (silence not sent) and packetiserTalkspurt arm it.
import { E_ARG, E_NOSPACE } from "../abi/errors";
import { arenaAlloc } from "../util/arena";
import { RTP_FIXED_HEADER, rtpWriteFixedHeader } from "./packet";

@unmanaged
export class RtpPacketiser {
  payloadType: i32;
  ssrc: u32;
  sequence: i32;      // of the next packet
  timestamp: u32;     // of the next packet
  markNext: i32;      // 1: the next packet starts a talkspurt
  packetCount: u32;   // sent so far, for the sender report
  octetCount: u32;    // payload bytes sent so far, for the sender report
  lastTimestamp: u32; // of the last packet sent
}

export function packetiserNew(): RtpPacketiser {
  return changetype<RtpPacketiser>(arenaAlloc(offsetof<RtpPacketiser>()));
}

// Starts a stream. E_ARG for a payload type or sequence number out of range.
export function packetiserInit(p: RtpPacketiser, payloadType: i32, ssrc: u32, firstSequence: i32, firstTimestamp: u32): i32 {
  if (<u32>payloadType > 127 || <u32>firstSequence > 0xffff) return E_ARG;
  p.payloadType = payloadType;
  p.ssrc = ssrc;
  p.sequence = firstSequence;
  p.timestamp = firstTimestamp;
  p.lastTimestamp = firstTimestamp;
  p.markNext = 0;
  p.packetCount = 0;
  p.octetCount = 0;
  return 0;
}

// Writes the next packet into [out, out+cap): header, then the payload of `samples` samples
// (payload may already sit at out + 12; then nothing moves). Returns the packet length, or
// E_ARG / E_NOSPACE with the stream unchanged.
export function packetiserWrite(p: RtpPacketiser, out: usize, cap: i32, payload: usize, payloadLength: i32, samples: i32): i32 {
  if (payloadLength < 0 || samples < 0) return E_ARG;
  const total = RTP_FIXED_HEADER + payloadLength;
  if (cap < total || total < RTP_FIXED_HEADER) return E_NOSPACE;
  const dst = out + RTP_FIXED_HEADER;
  if (payloadLength > 0 && payload != dst) memory.copy(dst, payload, <usize>payloadLength);
  rtpWriteFixedHeader(out, p.payloadType, p.markNext, p.sequence, p.timestamp, p.ssrc);
  p.lastTimestamp = p.timestamp;
  p.sequence = (p.sequence + 1) & 0xffff;
  p.timestamp += <u32>samples;
  p.markNext = 0;
  p.packetCount++;
  p.octetCount += <u32>payloadLength;
  return total;
}

// `samples` of silence were not sent: time moves on, and the next packet starts a talkspurt.
export function packetiserSkip(p: RtpPacketiser, samples: i32): i32 {
  if (samples < 0) return E_ARG;
  p.timestamp += <u32>samples;
  p.markNext = 1;
  return 0;
}

// The next packet starts a talkspurt (e.g. the first one of a call with voice activity detection).
export function packetiserTalkspurt(p: RtpPacketiser): void { p.markNext = 1; }
