// Every export of sdk.wasm, in one place: the image's whole surface for hosts. docs/abi.md
// documents each one; hosts check `vsdk_abi_version` before calling anything else.
// Naming: vsdk_<module>_<verb>. Results are counts (>= 0) or error codes (assembly/abi/errors.ts).
import { ABI_VERSION } from "./version";
import { IO_CAPACITY, ioBuffer } from "./io";
import { lastTrapLine, lastTrapColumn } from "./abort";
import { arenaTop } from "../util/arena";
import { mediaLinkTick, audioRate, audioIn, audioOut } from "../media/link";
import { host_clock_ms } from "./imports";
import { otaField } from "../ota/updater";
import { mediaStart, mediaStop, mediaFrameSamples, mediaCapture, mediaReceive, mediaPlayout, mediaStat } from "../media/session";
import {
  apiDeviceProvision, apiDeviceInit, apiDeviceRegister, apiDeviceIsRegistered, apiDeviceReport, apiSignalTick, apiSignalCall,
  apiDeviceTicket, apiDeviceTicketRead,
  apiSignalAnswer, apiSignalReject, apiSignalCancel, apiSignalHangup, apiSignalState, apiSignalReason, apiSignalPhase,
  apiSignalError, apiSignalReport, apiSignalMedia, apiSignalMediaHost, apiSignalSetTimeouts,
} from "../signal/api";
import { jitterInit, jitterSourceOf, jitterPutPacket, jitterGetFrame, jitterStats } from "../jitter/api";
import { plcInit, plcReceive, plcConceal } from "../codec/g711_plc";
import { g711EncodeChecked, g711DecodeChecked } from "../codec/g711";
import { opusPacketSamples, opusPacketFrameCount, opusPacketParse } from "../codec/opus_toc";
import {
  apiRtpParse, apiRtpGet, apiRtpSet, apiRtpWrite, apiRxInit, apiRxPush, apiRxRtcp, apiRxReport, apiRxGet,
  apiRtcpParse, apiRtcpGet, apiRtcpBlock, apiRtcpWriteSr, apiRtcpWriteRr, apiRtcpWriteSdes, apiRtcpWriteBye,
} from "../rtp/api";

export function vsdk_abi_version(): u32 { return ABI_VERSION; }
export function vsdk_io_buffer(): usize { return ioBuffer; }
export function vsdk_io_capacity(): i32 { return IO_CAPACITY; }
export function vsdk_last_trap_line(): u32 { return lastTrapLine(); }
export function vsdk_last_trap_column(): u32 { return lastTrapColumn(); }
// Bytes of linear memory in use: static data plus everything allocated at init (the stub
// runtime never frees, so this is also the high-water mark).
export function vsdk_memory_used(): usize { return arenaTop(); }

// --- media: G.711 (assembly/codec/g711.ts) ---
// law 0 = µ-law (PCMU), 1 = A-law (PCMA); pcm holds 16-bit samples. Returns the count or E_ARG.
export function vsdk_g711_encode(law: i32, pcmPtr: usize, samples: i32, outPtr: usize): i32 { return g711EncodeChecked(law, pcmPtr, samples, outPtr); }
export function vsdk_g711_decode(law: i32, inPtr: usize, count: i32, pcmPtr: usize): i32 { return g711DecodeChecked(law, inPtr, count, pcmPtr); }
// --- media: Opus packet framing (assembly/codec/opus_toc.ts, RFC 6716 section 3) ---
// Samples per channel at 48 kHz, or E_TRUNCATED/E_MALFORMED for a packet breaking R1-R7.
export function vsdk_opus_packet_samples(ptr: usize, len: i32): i32 { return opusPacketSamples(ptr, len); }
export function vsdk_opus_packet_frames(ptr: usize, len: i32): i32 { return opusPacketFrameCount(ptr, len); }
// Writes (offset u16, length u16) per frame at out (cap frames); returns the frame count.
export function vsdk_opus_packet_parse(ptr: usize, len: i32, out: usize, cap: i32): i32 { return opusPacketParse(ptr, len, out, cap); }
// G.711 loss concealment (assembly/codec/g711_plc.ts, G.711 Appendix I style): init resets it;
// receive takes a good frame of 16-bit PCM and replaces it in place with the samples to play
// (3.75 ms behind); conceal writes the samples to play for a lost frame. n is 30..360 samples.
export function vsdk_plc_init(): i32 { return plcInit(); }
export function vsdk_plc_receive(pcmPtr: usize, samples: i32): i32 { return plcReceive(pcmPtr, samples); }
export function vsdk_plc_conceal(outPtr: usize, samples: i32): i32 { return plcConceal(outPtr, samples); }
// --- RTP/RTCP packets for hosts and tests (assembly/rtp/api.ts) ---
// Not in the audio media core (build/audio.wasm): a call's media goes through vsdk_media_*,
// whose session uses assembly/rtp/ directly.
// docs/rtp.md lists the field numbers. One header record is both the parse result and the write
// template: parse returns the header length (payload offset) or an error and leaves the record
// as it was on error; get/set read and change its fields; write emits the packet it describes.
export function vsdk_rtp_parse(ptr: usize, len: i32): i32 { return apiRtpParse(ptr, len); }
export function vsdk_rtp_get(field: i32): i32 { return apiRtpGet(field); }
export function vsdk_rtp_set(field: i32, value: i32): i32 { return apiRtpSet(field, value); }
export function vsdk_rtp_write(out: usize, cap: i32): i32 { return apiRtpWrite(out, cap); }
// One receive stream (payload type, clock, peer SSRC or 0): push returns 1 (published for
// playout), 0 (source on probation) or an error; rtcp takes the peer's compound; report writes
// our RR about the stream; get reads the last packet published and the RFC 3550 statistics.
export function vsdk_rtp_rx_init(pt: i32, clockRate: i32, ssrc: u32): i32 { return apiRxInit(pt, clockRate, ssrc); }
export function vsdk_rtp_rx_push(ptr: usize, len: i32, arrivalMs: u32): i32 { return apiRxPush(ptr, len, arrivalMs); }
export function vsdk_rtp_rx_rtcp(ptr: usize, len: i32, ourSsrc: u32, arrivalMs: u32): i32 { return apiRxRtcp(ptr, len, ourSsrc, arrivalMs); }
export function vsdk_rtp_rx_report(out: usize, cap: i32, ourSsrc: u32, nowMs: u32): i32 { return apiRxReport(out, cap, ourSsrc, nowMs); }
export function vsdk_rtp_rx_get(field: i32): i32 { return apiRxGet(field); }
// RTCP compound parse (number of parts or an error; the summary untouched on error), its
// summary fields and report blocks, and the writers (bytes written, E_ARG or E_NOSPACE);
// `blocks` points to `count` report-block records of 7 little-endian words.
export function vsdk_rtcp_parse(ptr: usize, len: i32, ourSsrc: u32): i32 { return apiRtcpParse(ptr, len, ourSsrc); }
export function vsdk_rtcp_get(field: i32): i32 { return apiRtcpGet(field); }
export function vsdk_rtcp_block(index: i32, field: i32): i32 { return apiRtcpBlock(index, field); }
export function vsdk_rtcp_write_sr(out: usize, cap: i32, ssrc: u32, ntpMsw: u32, ntpLsw: u32, rtpTs: u32, packets: u32, octets: u32, blocks: usize, count: i32): i32 { return apiRtcpWriteSr(out, cap, ssrc, ntpMsw, ntpLsw, rtpTs, packets, octets, blocks, count); }
export function vsdk_rtcp_write_rr(out: usize, cap: i32, ssrc: u32, blocks: usize, count: i32): i32 { return apiRtcpWriteRr(out, cap, ssrc, blocks, count); }
export function vsdk_rtcp_write_sdes(out: usize, cap: i32, ssrc: u32, cname: usize, cnameLength: i32): i32 { return apiRtcpWriteSdes(out, cap, ssrc, cname, cnameLength); }
export function vsdk_rtcp_write_bye(out: usize, cap: i32, ssrc: u32, reason: usize, reasonLength: i32): i32 { return apiRtcpWriteBye(out, cap, ssrc, reason, reasonLength); }
// --- media: jitter buffer (assembly/jitter/) ---
// docs/jitter-buffer.md. init(codec 0 = G.711, 1 = Opus; ptime ms; capacity packets) returns the
// bytes it takes; source(ssrc) resets on a new sender; put returns 0 or an error (E_LATE,
// E_DUPLICATE, E_ARG) and changes nothing on error; get(now, out, cap) returns
// (bytes << 8) | kind, kind 0 silence, 1 frame, 2 conceal, 3 decode FEC from the copied packet;
// stats writes 12 u32 counters then target and current delay (i32 ms).
export function vsdk_jitter_init(codec: i32, ptimeMs: i32, capacity: i32): i32 { return jitterInit(codec, ptimeMs, capacity); }
export function vsdk_jitter_source(ssrc: u32): i32 { return jitterSourceOf(ssrc); }
export function vsdk_jitter_put(seq: u32, timestamp: u32, arrivalMs: u32, ptr: usize, len: i32): i32 { return jitterPutPacket(seq, timestamp, arrivalMs, ptr, len); }
export function vsdk_jitter_get(nowMs: u32, out: usize, cap: i32): i32 { return jitterGetFrame(nowMs, out, cap); }
export function vsdk_jitter_stats(out: usize, cap: i32): i32 { return jitterStats(out, cap); }

// --- media: one call's audio, both directions (assembly/media/session.ts) ---
// start(codec 0 PCMU, 1 PCMA, 2 Opus; payload type or -1 for the usual; PCM rate; ptime ms;
// our SSRC; the peer's or 0) -> OK or an error. capture: one frame of PCM (frame_samples) into
// one RTP packet at out, returns its length. receive: one packet from the network at arrival
// time, returns 1 (buffered), 0 (source on probation) or an error. playout: the frame to play at
// now into pcm, returns samples. stat(field): counters, see docs/abi.md.
export function vsdk_media_start(codec: i32, payloadType: i32, pcmRate: i32, ptimeMs: i32, localSsrc: u32, peerSsrc: u32): i32 { return mediaStart(codec, payloadType, pcmRate, ptimeMs, localSsrc, peerSsrc); }
export function vsdk_media_stop(): i32 { return mediaStop(); }
export function vsdk_media_frame_samples(): i32 { return mediaFrameSamples(); }
export function vsdk_media_capture(pcmPtr: usize, samples: i32, outPtr: usize, cap: i32): i32 { return mediaCapture(pcmPtr, samples, outPtr, cap); }
export function vsdk_media_receive(ptr: usize, len: i32, arrivalMs: u32): i32 { return mediaReceive(ptr, len, arrivalMs); }
export function vsdk_media_playout(nowMs: u32, pcmPtr: usize, maxSamples: i32): i32 { return mediaPlayout(nowMs, pcmPtr, maxSamples); }
export function vsdk_media_stat(field: i32): i32 { return mediaStat(field); }

// --- call audio over the relay (assembly/media/link.ts) ---
// What firmware calls during a talking call, PCM in the I/O buffer at offset 0: audio_in takes
// one captured frame (vsdk_media_frame_samples samples at vsdk_audio_rate Hz) and sends it;
// audio_out writes the frame to play now and returns its samples. E_STATE outside a call.
export function vsdk_audio_rate(): i32 { return audioRate(); }
export function vsdk_audio_in(samples: i32): i32 { return audioIn(ioBuffer, samples); }
export function vsdk_audio_out(maxSamples: i32): i32 { return audioOut(host_clock_ms(), ioBuffer, min(maxSamples, IO_CAPACITY >> 1)); }

// --- device verification and signalling (assembly/device/, assembly/signal/) ---
// docs/abi.md. Verbs only change state and queue a request; vsdk_signal_tick(now) moves the
// non-blocking HTTP exchanges forward and reports through the `event` import. provision takes
// JSON {"sn","secret","cloud"}; call takes openid, payload and custom query as consecutive UTF-8
// strings at ptr (room type 0 voice, 1 video); reports write JSON into out and return its length.
export function vsdk_device_provision(ptr: usize, len: i32): i32 { return apiDeviceProvision(ptr, len); }
export function vsdk_device_init(nowMs: u32): i32 { return apiDeviceInit(nowMs); }
export function vsdk_device_register(nowMs: u32): i32 { return apiDeviceRegister(nowMs); }
export function vsdk_device_is_registered(): i32 { return apiDeviceIsRegistered(); }
export function vsdk_device_report(out: usize, cap: i32): i32 { return apiDeviceReport(out, cap); }
export function vsdk_device_ticket(nowMs: u32): i32 { return apiDeviceTicket(nowMs); }
export function vsdk_device_ticket_read(out: usize, cap: i32): i32 { return apiDeviceTicketRead(out, cap); }
// tick also moves the call's media: opens/closes the relay flow with the call and hands it the
// packets that arrived (assembly/media/link.ts).
export function vsdk_signal_tick(nowMs: u32): i32 { const r = apiSignalTick(nowMs); mediaLinkTick(nowMs); return r; }
export function vsdk_signal_call(nowMs: u32, roomType: i32, ptr: usize, openidLen: i32, payloadLen: i32, queryLen: i32): i32 { return apiSignalCall(nowMs, roomType, ptr, openidLen, payloadLen, queryLen); }
export function vsdk_signal_answer(nowMs: u32): i32 { return apiSignalAnswer(nowMs); }
export function vsdk_signal_reject(nowMs: u32): i32 { return apiSignalReject(nowMs); }
export function vsdk_signal_cancel(nowMs: u32): i32 { return apiSignalCancel(nowMs); }
export function vsdk_signal_hangup(nowMs: u32): i32 { return apiSignalHangup(nowMs); }
export function vsdk_signal_state(): i32 { return apiSignalState(); }
export function vsdk_signal_reason(): i32 { return apiSignalReason(); }
export function vsdk_signal_phase(): i32 { return apiSignalPhase(); }
export function vsdk_signal_error(): i32 { return apiSignalError(); }
export function vsdk_signal_report(out: usize, cap: i32): i32 { return apiSignalReport(out, cap); }
export function vsdk_signal_media(field: i32): i32 { return apiSignalMedia(field); }
export function vsdk_signal_media_host(out: usize, cap: i32): i32 { return apiSignalMediaHost(out, cap); }
export function vsdk_signal_set_timeouts(waitSeconds: i32, callTimeoutMs: i32, ringTimeoutMs: i32, requestTimeoutMs: i32): i32 { return apiSignalSetTimeouts(waitSeconds, callTimeoutMs, ringTimeoutMs, requestTimeoutMs); }

// --- over-the-air updates (assembly/ota/; docs/ota.md) ---
// The update runs from vsdk_signal_tick; field(n) says what it is doing: 0 step, 1 offset,
// 2 size, 3 running version, 4 last confirmed, 5 flags, 6 rollback reason, 7 on trial,
// 8 report pending, 9 last error (docs/abi.md). E_STATE before init or without host support.
export function vsdk_ota_field(field: i32): i32 { return otaField(field); }
