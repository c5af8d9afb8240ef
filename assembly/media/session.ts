// One call's audio, both directions: the straight line from microphone PCM to RTP packets and
// from RTP packets to speaker PCM, through the codec, RTP and jitter-buffer modules.
//
//   capture:  PCM -> G.711 encode (or the opus_encode import) -> RTP packetiser -> packet
//   receive:  packet -> RTP depacketiser (PT, SSRC, RFC 3550 statistics, Opus TOC) -> jitter buffer
//   playout:  jitter buffer -> G.711 decode + Appendix-I-style PLC (or opus_decode with PLC/FEC) -> PCM
//             (G.711: through a small FIFO when the buffer hands over two frames at once, drained
//             by removing pitch periods, codec/time_scale.ts)
//
// Every buffer is taken from the arena at the first start and reused by every later call, sized
// for the largest configuration allowed, so a hundred calls use exactly the memory of one.
import { OK, E_ARG, E_NOSPACE, E_STATE, E_CODEC, E_UNSUPPORTED } from "../abi/errors";
import { host_random, host_opus_encode, host_opus_decode } from "../abi/imports";
import { arenaAlloc } from "../util/arena";
import { inMemory } from "../util/memcheck";
import { LAW_MU, LAW_A, g711Encode, g711Decode } from "../codec/g711";
import { plcInit, plcReceive, plcConceal, MAX_FRAME as PLC_MAX_FRAME } from "../codec/g711_plc";
import { accelerateRemove } from "../codec/time_scale";
import { RtpPacketiser, packetiserNew, packetiserInit } from "../rtp/packetiser";
import { RtpDepacketiser, depacketiserNew, depacketiserInit } from "../rtp/depacketiser";
import { RTP_FIXED_HEADER } from "../rtp/packet";
import { PT_PCMU, PT_PCMA, g711Send, g711Receive } from "../rtp/payload_g711";
import { PT_OPUS_DEFAULT, opusSend, opusReceive } from "../rtp/payload_opus";
import {
  JitterBuffer, CODEC_G711, CODEC_OPUS, PLAY_SILENCE, PLAY_FRAME, PLAY_CONCEAL, PLAY_FEC,
  jitterCreate, jitterErrorOf, jitterPut, jitterGet, jitterSource,
} from "../jitter/buffer";

// Codecs a session can run, as hosts name them.
export const MEDIA_PCMU: i32 = 0;
export const MEDIA_PCMA: i32 = 1;
export const MEDIA_OPUS: i32 = 2;

export const MAX_FRAME_SAMPLES: i32 = 960;   // 20 ms at 48 kHz, 60 ms at 16 kHz
// The jitter buffer's memory is set once, for 24 Opus packets of 20 ms (480 ms); each call then
// takes as many packets of its own size as fit (35 of G.711 at 20 ms: 700 ms; 8 of Opus at 60 ms).
const JITTER_SIZING_CAPACITY: i32 = 24;
const JITTER_MAX_CAPACITY: i32 = 64;
const JITTER_MIN_CAPACITY: i32 = 8;
const PAYLOAD_SCRATCH: i32 = 768;            // one jitter slot (Opus at 60 ms: 720 bytes)
// The G.711 playout FIFO: two frames of 20 ms handed over at once plus what a drain may leave
// (under DRAIN_PER_TICK samples). Longer frames are never merged (their pair would not fit).
const MERGE_MAX_FRAME: i32 = 160;
// The promise behind merges (and the jitter simulator's replay): while 5 ms or more is queued beyond
// the tick's frame, the removals add up to at least 5 ms per tick. Kept as a running balance
// rather than per tick, so a tick may take a longer period that fits the signal and the next a
// shorter one (a tone's period 18.2 has no good multiple between 40 and 54 samples).
const DRAIN_PER_TICK: i32 = 40;
const FIFO_SAMPLES: i32 = 2 * MERGE_MAX_FRAME + DRAIN_PER_TICK;
const MAX_PTIME_MS: i32 = 60;
const SIZING_PTIME_MS: i32 = 20;

// Statistics fields of mediaStat (stable numbers: part of the ABI).
export const STAT_TX_PACKETS: i32 = 0;
export const STAT_TX_BYTES: i32 = 1;
export const STAT_RX_PACKETS: i32 = 2;       // published to the jitter buffer
export const STAT_RX_REFUSED: i32 = 3;       // malformed, other PT/SSRC, late, duplicate
export const STAT_FRAMES_PLAYED: i32 = 4;
export const STAT_FRAMES_CONCEALED: i32 = 5;
export const STAT_FRAMES_SILENT: i32 = 6;
export const STAT_FRAMES_FEC: i32 = 7;
export const STAT_TARGET_DELAY_MS: i32 = 8;
export const STAT_CURRENT_DELAY_MS: i32 = 9;
export const STAT_LAST_KIND: i32 = 10;       // what the last playout did (PLAY_* of the jitter buffer)
export const STAT_COUNT: i32 = 11;

@unmanaged class MediaSession {
  running: i32;
  codec: i32;
  law: i32;
  pcmRate: i32;          // Hz of the PCM the host exchanges
  ptimeMs: i32;
  frameSamples: i32;     // PCM samples per packet
  tx: RtpPacketiser;
  rx: RtpDepacketiser;
  jitter: JitterBuffer;
  scratch: usize;        // PAYLOAD_SCRATCH bytes
  fifo: usize;           // G.711: FIFO_SAMPLES of PCM to play, oldest first (i16)
  fifoFill: i32;         // samples in it between ticks: what is queued beyond the tick just played
  drainOwed: i32;        // samples the drain is behind its DRAIN_PER_TICK promise (< 0: ahead)
  txPackets: u32;
  txBytes: u32;
  rxPackets: u32;
  rxRefused: u32;
  played: u32;
  concealed: u32;
  silent: u32;
  fec: u32;
  lastKind: i32;
  newSsrc: u32;          // a source other than the one we follow ...
  newSsrcStreak: i32;    // ... and how many packets in a row came from it
}

// A sender that restarts (new SSRC, new sequence and timestamp) is followed after this many
// consecutive packets from the new source; stray packets from elsewhere never switch it.
const SSRC_SWITCH_STREAK: i32 = 3;

let session: MediaSession | null = null;
// The session, once a check above has shown there is one (`session!` would check it again, in
// code, at every call).
@inline function theSession(): MediaSession { return changetype<MediaSession>(session); }

// Everything a session needs, once. Returns null when the memory budget is exhausted.
function sessionCreate(): MediaSession | null {
  const at = arenaAlloc(offsetof<MediaSession>());
  if (at == 0) return null;
  const s = changetype<MediaSession>(at);
  s.tx = packetiserNew();
  s.rx = depacketiserNew();
  s.scratch = arenaAlloc(PAYLOAD_SCRATCH + (FIFO_SAMPLES << 1));
  s.fifo = s.scratch + <usize>PAYLOAD_SCRATCH;
  // Sized for the largest stream any call may ask for, so every later call fits this block.
  const jb = jitterCreate(0, CODEC_OPUS, SIZING_PTIME_MS, JITTER_SIZING_CAPACITY);
  if (jb == 0 || s.scratch == 0 || plcInit() < 0) return null;
  s.jitter = changetype<JitterBuffer>(jb);
  return s;
}

function randomU32(): u32 {
  const at = memory.data(4, 4);
  return host_random(at, 4) == 4 ? load<u32>(at) : 0;
}

// Starts a call's audio. codec MEDIA_*; payloadType <0 picks the codec's usual one (0, 8, 111);
// pcmRate 8000 for G.711, 8000/12000/16000/24000/48000 for Opus; ptime 10..60 ms (Opus: 10, 20,
// 40 or 60); peerSsrc 0 accepts the first source heard. Returns OK or an error; a running
// session is replaced.
export function mediaStart(codec: i32, payloadType: i32, pcmRate: i32, ptimeMs: i32, localSsrc: u32, peerSsrc: u32): i32 {
  if (<u32>codec > <u32>MEDIA_OPUS || payloadType > 127) return E_ARG;
  if (ptimeMs < 10 || ptimeMs > MAX_PTIME_MS || ptimeMs % 10 != 0) return E_ARG;
  const opus = codec == MEDIA_OPUS;
  if (opus) {
    if (pcmRate != 8000 && pcmRate != 12000 && pcmRate != 16000 && pcmRate != 24000 && pcmRate != 48000) return E_ARG;
    if (ptimeMs == 30 || ptimeMs == 50) return E_ARG;
  } else if (pcmRate != 8000) return E_ARG;
  const frameSamples = pcmRate / 1000 * ptimeMs;
  if (frameSamples > MAX_FRAME_SAMPLES || (!opus && frameSamples > PLC_MAX_FRAME)) return E_ARG;
  if (session == null) {
    session = sessionCreate();
    if (session == null) return E_NOSPACE;
  }
  const s = theSession();
  const pt = payloadType >= 0 ? payloadType : (opus ? PT_OPUS_DEFAULT : (codec == MEDIA_PCMU ? PT_PCMU : PT_PCMA));
  // The most packets of this call's size that fit the block set aside at the first start.
  let jb: usize = 0;
  for (let capacity = JITTER_MAX_CAPACITY; jb == 0 && capacity >= JITTER_MIN_CAPACITY; capacity--) {
    jb = jitterCreate(changetype<usize>(s.jitter), opus ? CODEC_OPUS : CODEC_G711, ptimeMs, capacity);
    if (jb == 0 && jitterErrorOf() != E_NOSPACE) return jitterErrorOf();
  }
  if (jb == 0) return E_NOSPACE;
  const status = packetiserInit(s.tx, pt, localSsrc, <i32>(randomU32() & 0xffff), randomU32());
  if (status < 0) return status;
  depacketiserInit(s.rx, pt, opus ? 48000 : 8000, peerSsrc);
  if (peerSsrc != 0) jitterSource(s.jitter, peerSsrc);
  if (!opus) plcInit();
  s.codec = codec;
  s.law = codec == MEDIA_PCMU ? LAW_MU : LAW_A;
  s.pcmRate = pcmRate;
  s.ptimeMs = ptimeMs;
  s.frameSamples = frameSamples;
  s.fifoFill = 0;
  s.drainOwed = 0;
  s.txPackets = 0; s.txBytes = 0; s.rxPackets = 0; s.rxRefused = 0;
  s.played = 0; s.concealed = 0; s.silent = 0; s.fec = 0; s.lastKind = PLAY_SILENCE;
  s.newSsrc = 0; s.newSsrcStreak = 0;
  s.running = 1;
  return OK;
}

export function mediaStop(): i32 {
  if (!mediaRunning()) return E_STATE;
  theSession().running = 0;
  return OK;
}

export function mediaRunning(): bool { return session != null && theSession().running != 0; }

// PCM samples per packet of the running session (the frame size capture takes and playout gives).
export function mediaFrameSamples(): i32 { return mediaRunning() ? theSession().frameSamples : E_STATE; }

// One frame of microphone PCM (exactly frameSamples samples at pcm) into one RTP packet at
// [out, out+cap). Returns the packet length or an error; nothing changes on error.
export function mediaCapture(pcm: usize, samples: i32, out: usize, cap: i32): i32 {
  if (!mediaRunning()) return E_STATE;
  const s = theSession();
  if (samples != s.frameSamples) return E_ARG;
  if (cap < RTP_FIXED_HEADER + 1) return E_NOSPACE;
  if (!inMemory(pcm, <usize>samples << 1) || !inMemory(out, <usize>cap)) return E_ARG;
  const payload = out + <usize>RTP_FIXED_HEADER;
  let n: i32;
  if (s.codec == MEDIA_OPUS) {
    // Encoded straight into the packet; on failure out holds garbage, but the error says so.
    const bytes = host_opus_encode(pcm, samples, s.pcmRate, payload, cap - RTP_FIXED_HEADER);
    if (bytes <= 0) return E_CODEC;
    n = opusSend(s.tx, out, cap, payload, bytes);
  } else {
    if (cap < RTP_FIXED_HEADER + samples) return E_NOSPACE;
    // pcm and the payload may overlap when a host reuses one buffer: encode into scratch then.
    const direct = payload >= pcm + (<usize>samples << 1) || payload + <usize>samples <= pcm;
    const dst = direct ? payload : s.scratch;
    g711Encode(s.law, pcm, samples, dst);
    n = g711Send(s.tx, out, cap, dst, samples);
  }
  if (n > 0) { s.txPackets++; s.txBytes += <u32>(n - RTP_FIXED_HEADER); }
  return n;
}

// One packet from the network, arrived at arrivalMs (the host's monotonic clock). Returns 1
// when it went to the jitter buffer, 0 while the source is on probation, or an error (the
// packet is dropped and nothing else changes).
export function mediaReceive(ptr: usize, len: i32, arrivalMs: u32): i32 {
  if (!mediaRunning()) return E_STATE;
  const s = theSession();
  if (len < 0 || !inMemory(ptr, <usize>len)) return E_ARG;
  let status = receiveOne(s, ptr, len, arrivalMs);
  if (status == E_UNSUPPORTED && followNewSource(s)) status = receiveOne(s, ptr, len, arrivalMs);
  if (status <= 0) { if (status < 0) s.rxRefused++; return status; }
  s.newSsrcStreak = 0;
  const d = s.rx;
  const put = jitterPut(s.jitter, <u32>d.sequence, d.timestamp, arrivalMs, d.payloadPtr, d.payloadLength);
  if (put < 0) { s.rxRefused++; return put; }
  s.rxPackets++;
  return 1;
}

function receiveOne(s: MediaSession, ptr: usize, len: i32, arrivalMs: u32): i32 {
  return s.codec == MEDIA_OPUS ? opusReceive(s.rx, ptr, len, arrivalMs) : g711Receive(s.rx, ptr, len, arrivalMs);
}

// The packet just refused had our payload type but another SSRC: after SSRC_SWITCH_STREAK such
// packets in a row, the sender has restarted; follow it with fresh statistics and buffer.
function followNewSource(s: MediaSession): bool {
  const h = s.rx.parsed;
  if (h.payloadType != s.rx.payloadType || h.ssrc == s.rx.ssrc) return false;
  if (h.ssrc != s.newSsrc) { s.newSsrc = h.ssrc; s.newSsrcStreak = 0; }
  if (++s.newSsrcStreak < SSRC_SWITCH_STREAK) return false;
  depacketiserInit(s.rx, s.rx.payloadType, s.rx.clockRate, h.ssrc);
  jitterSource(s.jitter, h.ssrc);
  s.newSsrcStreak = 0;
  return true;
}

// The frame to play at nowMs: frameSamples samples of speaker PCM at pcm (room for maxSamples).
// Returns the sample count or an error.
export function mediaPlayout(nowMs: u32, pcm: usize, maxSamples: i32): i32 {
  if (!mediaRunning()) return E_STATE;
  const s = theSession();
  const n = s.frameSamples;
  if (maxSamples < n) return E_NOSPACE;
  if (!inMemory(pcm, <usize>n << 1)) return E_ARG;
  // A G.711 frame is n bytes: a cap of one keeps the buffer from merging a pair that would not
  // fit the FIFO (frames longer than MERGE_MAX_FRAME, or the last pair not yet under 5 ms: the
  // drain's promise makes that 3 ticks after a merge at the latest).
  const cap = s.codec != MEDIA_OPUS && s.fifoFill + (n << 1) >= FIFO_SAMPLES ? n : PAYLOAD_SCRATCH;
  const got = jitterGet(s.jitter, nowMs, s.scratch, cap);
  if (got < 0) return got;
  const kind = got & 0xff;
  const bytes = got >> 8;
  s.lastKind = kind;
  if (s.codec == MEDIA_OPUS) return opusPlayout(s, kind, bytes, pcm, n);
  // G.711 goes through the FIFO: usually in and straight out again; after a merged pair, the
  // backlog beyond this tick's frame is played faster, a pitch period at a time.
  const add = bytes == n << 1 ? bytes : n;   // PLAY_MERGE: a pair
  let fill = s.fifoFill;   // the cap above keeps fill + add within FIFO_SAMPLES
  // Through the PLC before the FIFO: its history is then the decoded signal in order (a merged
  // pair is one PLC frame of two frames' length), so a concealment continues from the FIFO's
  // last sample, which is what will have been played just before it.
  const at = s.fifo + (<usize>fill << 1);
  if (bytes == add) {                 // PLAY_FRAME, or PLAY_MERGE's pair (G.711 has no FEC)
    g711Decode(s.law, s.scratch, add, at);
    plcReceive(at, add);
    s.played += add / n;
  } else if (kind == PLAY_SILENCE) {
    // Silence between talkspurts still goes through the PLC's history, so a loss right after
    // it repeats silence rather than old speech.
    memory.fill(at, 0, <usize>n << 1);
    plcReceive(at, n);
    s.silent++;
  } else {
    plcConceal(at, n);
    s.concealed++;
  }
  fill += add;
  let owed = 0;
  if (fill - n >= DRAIN_PER_TICK) {
    // A new pair starts its own balance: what the last one's drain took ahead does not slow it.
    owed = (add > n ? 0 : s.drainOwed) + DRAIN_PER_TICK;
    const removed = accelerateRemove(s.fifo, fill, fill - n, owed, s.scratch);   // never an error here
    fill -= removed;
    owed -= removed;
  }
  s.drainOwed = owed;
  memory.copy(pcm, s.fifo, <usize>n << 1);
  fill -= n;
  memory.copy(s.fifo, s.fifo + (<usize>n << 1), <usize>fill << 1);
  s.fifoFill = fill;
  return n;
}

function opusPlayout(s: MediaSession, kind: i32, bytes: i32, pcm: usize, n: i32): i32 {
  let got: i32;
  if (kind == PLAY_FRAME) {
    got = host_opus_decode(s.scratch, bytes, pcm, n, 0);
    s.played++;
  } else if (kind == PLAY_FEC) {
    got = host_opus_decode(s.scratch, bytes, pcm, n, 1);
    s.fec++;
  } else if (kind == PLAY_CONCEAL) {
    got = host_opus_decode(0, 0, pcm, n, 0);
    s.concealed++;
  } else {
    memory.fill(pcm, 0, <usize>n << 1);
    s.silent++;
    return n;
  }
  // A decoder that fails or returns a short frame still yields a whole frame of sound.
  if (got < 0) got = 0;
  if (got < n) memory.fill(pcm + (<usize>got << 1), 0, <usize>(n - got) << 1);
  return n;
}

export function mediaStat(field: i32): i32 {
  if (session == null) return E_STATE;
  const s = theSession();
  switch (field) {
    case STAT_TX_PACKETS: return <i32>s.txPackets;
    case STAT_TX_BYTES: return <i32>s.txBytes;
    case STAT_RX_PACKETS: return <i32>s.rxPackets;
    case STAT_RX_REFUSED: return <i32>s.rxRefused;
    case STAT_FRAMES_PLAYED: return <i32>s.played;
    case STAT_FRAMES_CONCEALED: return <i32>s.concealed;
    case STAT_FRAMES_SILENT: return <i32>s.silent;
    case STAT_FRAMES_FEC: return <i32>s.fec;
    case STAT_TARGET_DELAY_MS: return s.jitter.targetMs;
    // The FIFO's backlog is delay too: audio already out of the jitter buffer, not yet played.
    case STAT_CURRENT_DELAY_MS: return s.jitter.delayMs + (s.fifoFill >> 3);   // G.711 only: 8 kHz
    case STAT_LAST_KIND: return s.lastKind;
  }
  return E_ARG;
}
