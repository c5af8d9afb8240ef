// G.711 over RTP (RFC 3551 4.5.14): PCMU is static payload type 0, PCMA 8, both on an 8 kHz
// clock, one byte per sample, so the timestamp advances by the payload length. 20 ms (160
// bytes) is the default packet time; a sender may choose 10..60 ms, and a receiver takes any.
import { E_ARG, E_MALFORMED } from "../abi/errors";
import { RtpPacketiser, packetiserWrite } from "./packetiser";
import { RtpDepacketiser, depacketiserCheck, depacketiserCommit } from "./depacketiser";

export const PT_PCMU: i32 = 0;
export const PT_PCMA: i32 = 8;
export const G711_CLOCK_RATE: i32 = 8000;
export const G711_DEFAULT_PTIME_MS: i32 = 20;
export const G711_MIN_PTIME_MS: i32 = 10;
export const G711_MAX_PTIME_MS: i32 = 60;

// Samples (and payload bytes) in a packet of `ptimeMs`, or E_ARG outside 10..60 ms.
export function g711SamplesPerPacket(ptimeMs: i32): i32 {
  if (ptimeMs < G711_MIN_PTIME_MS || ptimeMs > G711_MAX_PTIME_MS) return E_ARG;
  return ptimeMs * (G711_CLOCK_RATE / 1000);
}

// Sends one G.711 payload (one sample per byte). Returns the packet length or an error.
export function g711Send(p: RtpPacketiser, out: usize, cap: i32, payload: usize, length: i32): i32 {
  if (length <= 0) return E_ARG;
  return packetiserWrite(p, out, cap, payload, length, length);
}

// Receives one packet of a G.711 stream: 1 published, 0 on probation, or an error (an empty
// payload is E_MALFORMED: a G.711 packet always carries samples).
export function g711Receive(d: RtpDepacketiser, ptr: usize, len: i32, arrivalMs: u32): i32 {
  const length = depacketiserCheck(d, ptr, len);
  if (length < 0) return length;
  if (length == 0) return E_MALFORMED;
  return depacketiserCommit(d, arrivalMs);
}
