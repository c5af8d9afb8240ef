// Opus over RTP (RFC 7587): the RTP clock is 48 kHz whatever rate the encoder codes at, the
// payload type is dynamic (111 by default here, as most stacks offer it), and each payload is
// exactly one Opus packet (RFC 6716 3), whose TOC byte says how many samples it holds.
import { opusPacketSamples } from "../codec/opus_toc";
import { RtpPacketiser, packetiserWrite } from "./packetiser";
import { RtpDepacketiser, depacketiserCheck, depacketiserCommit } from "./depacketiser";

export const PT_OPUS_DEFAULT: i32 = 111;
export const OPUS_CLOCK_RATE: i32 = 48000;

// Samples per channel at 48 kHz in the one Opus packet at [ptr, ptr+len) (120..5760), or the
// error the framing rules give (an empty payload included).
@inline export function opusPayloadSamples(ptr: usize, len: i32): i32 { return opusPacketSamples(ptr, len); }

// Sends one Opus packet; the timestamp advances by its duration at 48 kHz.
export function opusSend(p: RtpPacketiser, out: usize, cap: i32, payload: usize, length: i32): i32 {
  const samples = opusPayloadSamples(payload, length);
  if (samples < 0) return samples;
  return packetiserWrite(p, out, cap, payload, length, samples);
}

// Receives one packet of an Opus stream: 1 published, 0 on probation, or an error when the
// payload is not one valid Opus packet (the packet is then not counted).
export function opusReceive(d: RtpDepacketiser, ptr: usize, len: i32, arrivalMs: u32): i32 {
  const length = depacketiserCheck(d, ptr, len);
  if (length < 0) return length;
  const samples = opusPayloadSamples(d.parsed.payloadPtr, length);
  if (samples < 0) return samples;
  return depacketiserCommit(d, arrivalMs);
}
