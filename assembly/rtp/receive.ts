// One received RTP datagram, from the socket to the jitter buffer: the depacketiser checks it
// (payload type, source, payload format) and keeps the statistics, and a packet of the valid
// stream goes on to assembly/jitter/ with its sequence number, timestamp and arrival time.
// The buffer's codec says which payload format to check.
import { CODEC_OPUS, JitterBuffer, jitterPut, jitterSource } from "../jitter/buffer";
import { RtpDepacketiser } from "./depacketiser";
import { g711Receive } from "./payload_g711";
import { opusReceive } from "./payload_opus";

// Returns 1 when the packet went into the buffer, 0 while the source is on probation (the
// packet is counted but not played), or an error code from either step.
export function receiveIntoJitter(d: RtpDepacketiser, jb: JitterBuffer, ptr: usize, len: i32, arrivalMs: u32): i32 {
  const status = jb.codec == CODEC_OPUS ? opusReceive(d, ptr, len, arrivalMs) : g711Receive(d, ptr, len, arrivalMs);
  if (status != 1) return status;
  jitterSource(jb, d.ssrc);
  const put = jitterPut(jb, <u32>d.sequence, d.timestamp, arrivalMs, d.payloadPtr, d.payloadLength);
  return put < 0 ? put : 1;
}
