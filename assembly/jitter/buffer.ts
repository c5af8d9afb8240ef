// The adaptive jitter buffer: packets go in as they arrive (any order, duplicates, gaps), and one
// frame comes out per playout tick, at a delay that follows the network's measured jitter.
//
// How it decides (docs/jitter-buffer.md has the whole story):
// - Every arriving packet gives a delay sample: arrival time minus its timestamp in ms, relative
//   to the first packet; the last 1024 form a histogram (delay_window.ts).
// - `playTs` is the timestamp of the frame due next, `nextSeq` the packet expected to carry it.
//   The current delay is now minus playTs (same origin). Playout moves in whole frames, so the
//   only reachable delays are the current one plus or minus whole frames; among those the buffer
//   aims for the cheapest, cost = delay + late cost x percent of samples later than it.
// - It moves there one frame at a time: shrinking hands two frames in one tick for the media
//   session to play time-compressed (G.711), or else skips a frame (preferably silence or a frame
//   that is lost anyway); growing inserts a concealment frame (preferably while waiting for a
//   packet that is late anyway, which saves it). Where shrinking is free (G.711's time-scaling,
//   or free moments: losses, talkspurt gaps), it waits for a missing packet even when the next
//   one is here.
// - The target holds against those waits (its hysteresis is on the target, not on the current
//   delay), and the late cost follows what the buffer can do: lower where free moments come
//   often, higher for a long tail of delays where they do not; it is averaged with the exchange
//   rate libspeexdsp derives from the same tail.
// - Packets that keep arriving behind the playout clock mean a longer path: the clock goes back.
// - Silence between talkspurts shows as a timestamp jump with consecutive sequence numbers; the
//   buffer plays silence there and starts the next talkspurt at the best delay for its packets,
//   which is where most adaptation happens for free. Those frames are never counted as lost.
// - The ring holds `capacity` packets from nextSeq on; slots are addressed from the ring head, so
//   sequence wrap needs no special case. Everything is allocated once, at init.
import { arenaAlloc } from "../util/arena";
import { OK, E_ARG, E_DUPLICATE, E_LATE, E_NOSPACE, E_STATE } from "../abi/errors";
import { seqAhead, tsAhead } from "./serial";
import {
  DelayWindow, DELAY_WINDOW_BYTES, delayWindowCreate, delayWindowClear, delayWindowAdd,
  delayWindowCount, delayWindowLateCost, delayWindowCost, delayWindowQuantileMs, delayWindowLateCounts, delayWindowTailMs,
  lateBelow, lateAt, lateAbove, lateAbove2, WINDOW,
} from "./delay_window";

// Codecs, as far as the buffer cares: clock rate and payload size.
export const CODEC_G711: i32 = 0;  // PCMU or PCMA: 8 kHz, one byte per sample, fixed size
export const CODEC_OPUS: i32 = 1;  // 48 kHz RTP clock, variable size up to OPUS_MAX_KBPS

// What get() asks the decoder to do for this tick (low byte of its result; bytes copied above).
export const PLAY_SILENCE: i32 = 0; // nothing to play: before the first packet or between talkspurts
export const PLAY_FRAME: i32 = 1;   // decode the payload copied to out
export const PLAY_CONCEAL: i32 = 2; // a frame is missing: conceal (G.711 PLC, Opus decoder PLC)
export const PLAY_FEC: i32 = 3;     // missing, but the next packet is here: decode its FEC data (copied to out)
export const PLAY_MERGE: i32 = 4;   // two consecutive frames copied to out: play both in this tick's
                                    // time and the next few, time-compressed (G.711 only; see MERGE_HOLD_TICKS)

export const MIN_CAPACITY: i32 = 4;
export const MAX_CAPACITY: i32 = 128;
const OPUS_MAX_KBPS: i32 = 96;         // the slot size cap for Opus: 240 bytes per 20 ms
// The delay choice (tuned on seeds 1-3 of bench/jitter.ts's trace kinds, checked on seeds 4-7):
const LATE_COST_MS_PER_PCT: i32 = 3;   // one percent of packets late weighs like 3 ms of delay ...
const LATE_COST_SPREAD_DIVISOR: i32 = 4; // ... plus a quarter of the spread
const HYSTERESIS_PACKETS: i32 = 4;     // a frame less must save more than 4 late packets in a full window cost
const HYSTERESIS_MS: i32 = 6;          // a frame more must save more than 6 ms of cost
const MAX_STEPS: i32 = 16;             // how far one decision may look (16 frames)
const MIN_SAMPLES: i32 = 8;            // below this many samples, keep a frame of margin
const HOLD_TARGET_SAMPLES: i32 = 16;   // from this many on, the target holds against waits (8 held a poor first estimate)
const MAX_SEQ_JUMP: i32 = 3000;        // a packet further away than this is not from this stream
const MAX_GAP_MS: i32 = 600000;        // a talkspurt gap longer than 10 minutes is absurd
const MAX_BEHIND_MS: i32 = 10000;      // ... and a timestamp this far behind the playout point
const RESYNC_STREAK: i32 = 3;          // consecutive far-away packets that mean a sender restart
const CONCEAL_MS: i32 = 60;            // conceal this long while starved, then play silence
const REBASE_TS: i32 = 1 << 29;        // keep timestamp differences far from i32 overflow

@unmanaged export class JitterBuffer {
  // configuration
  codec: i32;
  clockKhz: i32;      // RTP timestamp units per millisecond
  ptimeMs: i32;
  frameTs: i32;       // timestamp units per frame
  capacity: i32;      // slots
  slotBytes: i32;     // payload bytes per slot
  fixedBytes: i32;    // the only valid payload size (G.711), 0 when variable
  allocatedBytes: i32;
  meta: usize;        // per slot: u32 ts, u16 seq, u16 len (0 = empty)
  payload: usize;     // capacity * slotBytes
  window: DelayWindow;
  // stream identity and time origin
  hasSsrc: bool;
  anchored: bool;
  started: bool;
  freeTicks: u8;      // bit 0: this tick had a free moment, bit 1: the tick before did
  ssrc: u32;
  refTs: u32;         // a timestamp ...
  refMs: u32;         // ... and the arrival time it is measured against
  // playout position
  nextSeq: u32;       // the packet due next
  head: i32;          // its slot
  playTs: u32;        // the timestamp due next
  highAhead: i32;     // furthest slot in use, counted from head (-1 when empty)
  playedMask: u32;    // bit k: packet nextSeq-1-k was played (tells duplicates from late ones)
  starvedTicks: u16;  // ticks starved in a row (saturates)
  behindTicks: u16;   // ticks since packets began to arrive behind the playout clock (0: they do not; saturates)
  excessTicks: u16;   // ticks in a row a frame or more above the target
  farStreak: u16;
  farSeq: u16;
  waitedSeq: i32;     // the missing packet already waited for once (-1: none)
  lateTs: u32;        // timestamp of the last packet that came later than the target delay
  bunchQ8: i32;       // how often such a packet's neighbour (BUNCH_FRAMES) was late too, Q8, averaged
  freeRate: i32;      // free moments (lost frames skipped, talkspurt starts) per tick, Q16, averaged
  targetMs: i32;
  delayMs: i32;       // the current delay at the last get()
  // statistics, in the order vsdk_jitter_stats writes them (u32 each)
  received: u32;      // packets accepted
  played: u32;        // frames played from packets
  late: u32;          // packets refused because their playout time had passed
  duplicates: u32;    // packets refused as already held or played
  lost: u32;          // frames skipped with no packet (lost, or late and refused later)
  concealed: u32;     // ticks answered with PLAY_CONCEAL or PLAY_FEC
  inserted: u32;      // of those, frames inserted to grow the delay
  dropped: u32;       // packets discarded to shrink the delay or make room
  silence: u32;       // ticks answered with PLAY_SILENCE after the start
  rejected: u32;      // packets refused as malformed (length, absurd seq or timestamp)
  resets: u32;        // sender restarts (SSRC change or resync)
  buffered: u32;      // packets held now
}

export const STATS_COUNT: i32 = 12;

@inline function metaAt(jb: JitterBuffer, slot: i32): usize { return jb.meta + (<usize>slot << 3); }
@inline function slotTs(jb: JitterBuffer, slot: i32): u32 { return load<u32>(metaAt(jb, slot)); }
@inline function slotSeq(jb: JitterBuffer, slot: i32): u32 { return <u32>load<u16>(metaAt(jb, slot), 4); }
@inline function slotLen(jb: JitterBuffer, slot: i32): i32 { return <i32>load<u16>(metaAt(jb, slot), 6); }
@inline function slotPayload(jb: JitterBuffer, slot: i32): usize { return jb.payload + <usize>(slot * jb.slotBytes); }
@inline function slotAt(jb: JitterBuffer, ahead: i32): i32 {
  const s = jb.head + ahead;
  return s >= jb.capacity ? s - jb.capacity : s;
}

function bytesFor(capacity: i32, slotBytes: i32): i32 {
  return <i32>offsetof<JitterBuffer>() + capacity * (8 + slotBytes) + DELAY_WINDOW_BYTES;
}

function slotBytesFor(codec: i32, ptimeMs: i32): i32 {
  return codec == CODEC_G711 ? ptimeMs * 8 : (ptimeMs * OPUS_MAX_KBPS) / 8;
}

function validConfig(codec: i32, ptimeMs: i32, capacity: i32): bool {
  if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) return false;
  if (codec == CODEC_G711) return ptimeMs >= 10 && ptimeMs <= 60 && ptimeMs % 10 == 0;
  if (codec == CODEC_OPUS) return ptimeMs == 10 || ptimeMs == 20 || ptimeMs == 40 || ptimeMs == 60;
  return false;
}

// Sets up (or re-sets up, reusing its memory) a buffer. Returns the buffer, or 0 with `err` set.
let lastError: i32 = OK;
export function jitterErrorOf(): i32 { return lastError; }

export function jitterCreate(existing: usize, codec: i32, ptimeMs: i32, capacity: i32): usize {
  if (!validConfig(codec, ptimeMs, capacity)) { lastError = E_ARG; return 0; }
  const slotBytes = slotBytesFor(codec, ptimeMs);
  const need = bytesFor(capacity, slotBytes);
  let jb: JitterBuffer;
  if (existing != 0) {
    jb = changetype<JitterBuffer>(existing);
    // Memory from the arena is never returned, so a new call must fit the first one's block.
    if (need > jb.allocatedBytes) { lastError = E_NOSPACE; return 0; }
  } else {
    const at = arenaAlloc(need - DELAY_WINDOW_BYTES);
    if (at == 0) { lastError = E_NOSPACE; return 0; }
    const window = delayWindowCreate();
    if (window == null) { lastError = E_NOSPACE; return 0; }
    jb = changetype<JitterBuffer>(at);
    jb.window = window;
    jb.allocatedBytes = need;
    jb.meta = at + offsetof<JitterBuffer>();
  }
  jb.codec = codec;
  jb.clockKhz = codec == CODEC_G711 ? 8 : 48;
  jb.ptimeMs = ptimeMs;
  jb.frameTs = ptimeMs * jb.clockKhz;
  jb.capacity = capacity;
  jb.slotBytes = slotBytes;
  jb.fixedBytes = codec == CODEC_G711 ? slotBytes : 0;
  jb.payload = jb.meta + <usize>(capacity * 8);
  jb.hasSsrc = false;
  jitterRestart(jb);
  memory.fill(changetype<usize>(jb) + offsetof<JitterBuffer>("received"), 0, <usize>(STATS_COUNT * 4));
  lastError = OK;
  return changetype<usize>(jb);
}

export function jitterMemoryBytes(jb: JitterBuffer): i32 { return jb.allocatedBytes; }

// Forgets the stream (slots, time origin, delay history); keeps the counters.
export function jitterRestart(jb: JitterBuffer): void {
  memory.fill(jb.meta, 0, <usize>(jb.capacity * 8));
  delayWindowClear(jb.window);
  jb.anchored = false;
  jb.started = false;
  jb.head = 0;
  jb.highAhead = -1;
  jb.playedMask = 0;
  jb.starvedTicks = 0;
  jb.excessTicks = 0;
  jb.farStreak = 0;
  jb.waitedSeq = -1;
  jb.bunchQ8 = 128;  // undecided, on the holding side: a few lone late packets bring it below
  jb.behindTicks = 0;
  jb.freeRate = 0;
  jb.freeTicks = 0;
  jb.targetMs = 0;
  jb.delayMs = 0;
  jb.buffered = 0;
}

// The sender's SSRC: a change means the sender restarted, with new sequence numbers and clock.
export function jitterSource(jb: JitterBuffer, ssrc: u32): void {
  if (jb.hasSsrc && ssrc != jb.ssrc) {
    jitterRestart(jb);
    jb.resets++;
  }
  jb.hasSsrc = true;
  jb.ssrc = ssrc;
}

// Milliseconds of timestamp from the time origin to `ts`.
@inline function tsMs(jb: JitterBuffer, ts: u32): i32 {
  return tsAhead(jb.refTs, ts) / jb.clockKhz;
}

// How long ago, at `now`, the frame with timestamp `ts` was sent (in the origin's terms).
@inline function ageMs(jb: JitterBuffer, now: u32, ts: u32): i32 {
  return <i32>(now - jb.refMs) - tsMs(jb, ts);
}

function anchor(jb: JitterBuffer, seq: u32, ts: u32, arrivalMs: u32): void {
  jb.anchored = true;
  jb.refTs = ts;
  jb.refMs = arrivalMs;
  jb.nextSeq = seq;
  jb.playTs = ts;
  jb.head = 0;
  jb.highAhead = -1;
}

// Moves the time origin forward along with playout, so timestamp differences never overflow.
// Delay samples stay valid: both ends of the origin move by the same number of milliseconds.
function keepOriginNear(jb: JitterBuffer): void {
  if (tsAhead(jb.refTs, jb.playTs) < REBASE_TS) return;
  const stepMs = (REBASE_TS >> 1) / jb.clockKhz;
  jb.refTs += <u32>(stepMs * jb.clockKhz);
  jb.refMs += <u32>stepMs;
}

// The head slot leaves the ring (played, skipped or dropped): the next packet becomes due. The
// playout clock moves a frame with it, unless that frame's time was already spent (starvation).
function advance(jb: JitterBuffer, played: bool, moveClock: bool = true): void {
  const m = metaAt(jb, jb.head);
  if (load<u16>(m, 6) != 0) {
    store<u16>(m, 0, 6);
    jb.buffered--;
  }
  jb.playedMask = (jb.playedMask << 1) | (played ? 1 : 0);
  jb.nextSeq = (jb.nextSeq + 1) & 0xffff;
  jb.head = jb.head + 1 == jb.capacity ? 0 : jb.head + 1;
  if (moveClock) jb.playTs += <u32>jb.frameTs;
  jb.highAhead = jb.buffered == 0 ? -1 : jb.highAhead - 1;
}

// Slots from the head to the first packet held (1..highAhead), when the head itself is missing.
function firstHeldAhead(jb: JitterBuffer): i32 {
  for (let i = 1; i <= jb.highAhead; i++) {
    const s = slotAt(jb, i);
    if (slotLen(jb, s) != 0 && slotSeq(jb, s) == ((jb.nextSeq + <u32>i) & 0xffff)) return i;
  }
  return 0;
}

@inline function headPresent(jb: JitterBuffer): bool {
  return slotLen(jb, jb.head) != 0 && slotSeq(jb, jb.head) == jb.nextSeq;
}

// Makes room for a packet `ahead` slots past the head by letting the oldest frames go.
function makeRoom(jb: JitterBuffer, ahead: i32): void {
  let n = ahead - jb.capacity + 1;
  while (n > 0) {
    if (headPresent(jb)) jb.dropped++; else jb.lost++;
    advance(jb, false);
    n--;
  }
  if (headPresent(jb)) jb.playTs = slotTs(jb, jb.head);
}

// Accepts one packet. Returns OK or an error code; on error nothing changes but counters.
export function jitterPut(jb: JitterBuffer, seq: u32, ts: u32, arrivalMs: u32, ptr: usize, len: i32): i32 {
  if (len <= 0 || len > jb.slotBytes || (jb.fixedBytes != 0 && len != jb.fixedBytes) || ptr == 0) {
    jb.rejected++;
    return E_ARG;
  }
  seq &= 0xffff;
  if (!jb.anchored) anchor(jb, seq, ts, arrivalMs);
  let ahead = seqAhead(jb.nextSeq, seq);
  const tsFromPlay = tsAhead(jb.playTs, ts) / jb.clockKhz;
  if (ahead >= MAX_SEQ_JUMP || ahead <= -MAX_SEQ_JUMP || tsFromPlay > MAX_GAP_MS || tsFromPlay < -MAX_BEHIND_MS) {
    // Far from the stream: garbage, or a sender that restarted without changing its SSRC. A few
    // consecutive packets that agree with each other mean the latter: start again from them.
    if (jb.farStreak > 0 && seq == ((<u32>jb.farSeq + 1) & 0xffff)) jb.farStreak++; else jb.farStreak = 1;
    jb.farSeq = <u16>seq;
    jb.rejected++;
    if (<i32>jb.farStreak < RESYNC_STREAK) return E_ARG;
    jitterRestart(jb);
    jb.resets++;
    anchor(jb, seq, ts, arrivalMs);
    ahead = 0;
  }
  jb.farStreak = 0;
  if (ahead < 0) {
    const played = -ahead <= 32 && ((jb.playedMask >> <u32>(-ahead - 1)) & 1) != 0;
    if (played) { jb.duplicates++; return E_DUPLICATE; }
    if (jb.started || jb.highAhead - ahead >= jb.capacity) {
      noteDelay(jb, arrivalMs, ts);
      jb.late++;
      return E_LATE;
    }
    // Before playout starts, an earlier packet arriving second becomes the first to play.
    jb.head -= -ahead;
    if (jb.head < 0) jb.head += jb.capacity;
    jb.nextSeq = seq;
    jb.playTs = ts;
    if (jb.highAhead >= 0) jb.highAhead -= ahead;
    ahead = 0;
  }
  const slot = slotAt(jb, ahead < jb.capacity ? ahead : jb.capacity - 1);
  if (ahead < jb.capacity && slotLen(jb, slot) != 0 && slotSeq(jb, slot) == seq) {
    jb.duplicates++;
    return E_DUPLICATE;
  }
  if (ahead >= jb.capacity) {
    makeRoom(jb, ahead);
    ahead = jb.capacity - 1;
  }
  const s = slotAt(jb, ahead);
  const m = metaAt(jb, s);
  store<u32>(m, ts);
  store<u16>(m, <u16>seq, 4);
  store<u16>(m, <u16>len, 6);
  memory.copy(slotPayload(jb, s), ptr, <usize>len);
  jb.buffered++;
  if (ahead > jb.highAhead) jb.highAhead = ahead;
  jb.received++;
  noteDelay(jb, arrivalMs, ts);
  return OK;
}

// Packets later than the target come alone (independent jitter) or in bunches (a stall, a burst
// of queueing: the packets behind the first late one are late too). Where they bunch, a frame
// that a wait added is worth keeping for a while: it lets the next ones of the bunch play in time.
// The test is whether the late packet before this one was its neighbour: independent lateness
// makes that as rare as lateness itself (a few %), a bunch makes it the rule. A wider test (8
// frames) read dense independent lateness as bunches and held where it should not (PESQ 3.21
// against 3.29 on seed 1, docs/jitter-buffer.md).
const BUNCH_FRAMES: i32 = 1;
function noteDelay(jb: JitterBuffer, arrivalMs: u32, ts: u32): void {
  const age = ageMs(jb, arrivalMs, ts);
  delayWindowAdd(jb.window, age);
  if (!jb.started || age <= jb.targetMs) return;
  const near = BUNCH_FRAMES * jb.frameTs;
  const bunched = <u32>(tsAhead(jb.lateTs, ts) + near) <= <u32>(near << 1);   // within `near` either way
  jb.bunchQ8 += ((bunched ? 256 : 0) - jb.bunchQ8) >> 3;
  jb.lateTs = ts;
}

// Free moments let the delay down at no cost: averaged over FREE_RATE_SHIFT (512 ticks, ~10 s).
const FREE_RATE_SHIFT: i32 = 9;
// A run of them (a loss burst: one lost frame skipped per tick) is one chance, counted once.
// Not inlined: it runs only on losses, and audio.wasm's budget counts every copy.
function freeMoment(jb: JitterBuffer): void {
  if (jb.freeTicks == 0) jb.freeRate += (1 << 16) >> FREE_RATE_SHIFT;
  jb.freeTicks |= 1;
}
// G.711 shrinks by time-scaling (PLAY_MERGE): the delay can always come down without losing a
// packet, so every moment is free.
@inline function shrinksFree(jb: JitterBuffer): bool { return jb.fixedBytes != 0; }

// Waiting for a missing packet pays where a free moment is likely to come before the frame it
// adds would be dropped anyway (SHRINK_SUSTAIN_TICKS): at least half a one expected (Q8). Where
// none comes, the packet saved costs a packet dropped later (measured: clean seed 1 dropped 88).
@inline function waitPays(jb: JitterBuffer): bool {
  return shrinksFree(jb) || ((jb.freeRate * SHRINK_SUSTAIN_TICKS) >> 8) >= WAIT_FREE_Q8;
}
const WAIT_FREE_Q8: i32 = 128;

// Where waiting pays, a packet later than a delay by less than a frame is not lost at that delay:
// the buffer waits once for it, and it comes. But saving it raises the delay by a frame until a
// free moment or a dropped packet brings it down, so it weighs 3/4 of a late packet (Q8).
// Measured against 1 and 1/2 on seeds 1-3 (docs/jitter-buffer.md).
const WAIT_SAVED_WEIGHT_Q8: i32 = 192;

// The chance (Q8) that no free moment comes before an excess would be dropped anyway
// (SHRINK_SUSTAIN_TICKS), about exp(-expected free moments), taken as 1 / (1 + x + x^2 / 2).
@inline function noFreeMomentChance(jb: JitterBuffer): i32 {
  if (shrinksFree(jb)) return 0;
  const x = (jb.freeRate * SHRINK_SUSTAIN_TICKS) >> 8;   // expected free moments, Q8
  return (256 * 256) / (256 + x + ((x * x) >> 9));
}

// How much a percent of packets late weighs, in quarter ms of delay (Q2: the blend below halves
// odd values). The mean of two exchange rates between delay and lateness:
// - Ours, from the spread of the delays (delay_window.ts), with two corrections for what the
//   buffer can do before it matters:
//   - Free moments (a loss, a talkspurt gap) take the delay down at no cost. Where they come
//     often, a frame too low costs less: a packet missing there is waited for, and the frame this
//     adds is given back at the next free moment. Scaled by 1/2 .. 1 with the chance none comes.
//   - A long tail (stalls, spikes: the worst delays far above the tracked quantile) is lost in
//     bursts, and each frame of delay saves a packet of every burst; with no free moment to
//     follow a burst, that is worth provisioning for: 1 ms per percent per TAIL_MS_PER_COST ms of
//     tail, scaled by the same chance.
// - libspeexdsp's, derived the way it derives its automatic trade-off (a late packet costs, in
//   timestamp units, 1 + the spread of its 40 latest delays over 40, scaled from its window of
//   1,000 packets to the packets counted): per percent of packets late that is 1.25 ms + a
//   quarter of the tail above the ~96th percentile (ours: the 97th).
// Ours alone lands at another operating point than speex (more delay on stationary jitter);
// speex's alone over-provisions for spikes and ignores free moments. The mean, untuned, lost
// fewer packets than ours alone on every set of seeds not tuned on and met the bar on more
// pairs on most (docs/jitter-buffer.md has the counts and the variants that did worse).
// Scaled by 9/8 (tuned on seeds 1-3).
const TAIL_MS_PER_COST: i32 = 8;
const SPEEX_BASE_Q2: i32 = 5;          // 1.25 ms per percent, in quarter ms
@inline function lateCostNow(jb: JitterBuffer): i32 {
  const noFree = noFreeMomentChance(jb);
  const tailMs = delayWindowTailMs(jb.window);
  const spread = delayWindowLateCost(jb.window, LATE_COST_MS_PER_PCT, LATE_COST_SPREAD_DIVISOR);
  const oursQ2 = (((spread * (128 + (noFree >> 1))) >> 8) + ((tailMs * noFree) >> 8) / TAIL_MS_PER_COST) << 2;
  const speexQ2 = SPEEX_BASE_Q2 + tailMs;
  return ((oursQ2 + speexQ2) * 9) >> 4;
}

// The delay to aim for, among those reachable from `current` by whole frames (playout moves in
// frames, so only these are real choices): from `current` (the previous target on the current
// delay's grid, or the current delay itself), walk down, then up, while a neighbour is cheaper by
// more than the hysteresis. Until there are enough samples, a frame of margin.
function bestDelay(jb: JitterBuffer, current: i32): i32 {
  const w = jb.window;
  if (delayWindowCount(w) < MIN_SAMPLES) return max(current, jb.ptimeMs);
  const lateCost = lateCostNow(jb);
  // Stepping down must beat the cost of a few more late packets (HYSTERESIS_PACKETS in a full
  // WINDOW, in proportion while it fills, at least one: a fixed count held a call that began a
  // frame high there for its first ~200 packets); stepping up, a little delay. Costs are x 256,
  // lateCost in quarter ms (x 25: per packet of 100).
  const perSample = HYSTERESIS_PACKETS * 256 / WINDOW;
  const downMargin = <i64>(lateCost * 25 * perSample) * <i64>max(delayWindowCount(w), WINDOW / HYSTERESIS_PACKETS);
  const upMargin = (<i64>HYSTERESIS_MS * <i64>delayWindowCount(w)) << 8;
  const weight = waitPays(jb) ? WAIT_SAVED_WEIGHT_Q8 : 256;
  const step = jb.ptimeMs;
  let level = current;
  delayWindowLateCounts(w, level, step);
  // The walk below only sees neighbours, and where most samples are later than the start (the
  // path got longer: a handover, a route change) every neighbour looks alike and it would stay
  // put for ever. Start such a walk from the high quantile instead.
  if (lateAt * 2 > delayWindowCount(w)) {
    level = onGridOf(level, delayWindowQuantileMs(w), step);
    delayWindowLateCounts(w, level, step);
  }
  let cost = delayWindowCost(w, level, lateCost, lateAt, lateAbove, weight);
  let moved = false;
  for (let i = 0; i < MAX_STEPS; i++) {
    const down = delayWindowCost(w, level - step, lateCost, lateBelow, lateAt, weight);
    if (down + downMargin >= cost) break;
    level -= step;
    cost = down;
    moved = true;
    delayWindowLateCounts(w, level, step);
  }
  if (!moved) {
    for (let i = 0; i < MAX_STEPS; i++) {
      const up = delayWindowCost(w, level + step, lateCost, lateAbove, lateAbove2, weight);
      if (up + upMargin >= cost) break;
      level += step;
      cost = up;
      delayWindowLateCounts(w, level, step);
    }
  }
  return level;
}

// The level nearest `level` among those reachable from `current` (current plus whole frames).
@inline function onGridOf(current: i32, level: i32, frameMs: i32): i32 {
  const d = level - current;
  const frames = d >= 0 ? (d + (frameMs >> 1)) / frameMs : -((-d + (frameMs >> 1)) / frameMs);
  return current + frames * frameMs;
}

@inline function result(kind: i32, bytes: i32): i32 { return (bytes << 8) | kind; }

function playHead(jb: JitterBuffer, out: usize): i32 {
  const len = slotLen(jb, jb.head);
  memory.copy(out, slotPayload(jb, jb.head), <usize>len);
  jb.playTs = slotTs(jb, jb.head);
  advance(jb, true);
  jb.played++;
  jb.starvedTicks = 0;
  jb.behindTicks = 0;
  return result(PLAY_FRAME, len);
}

// The packet after the head is here and carries the very next frame (no talkspurt gap between).
@inline function nextFollowsHead(jb: JitterBuffer): bool {
  const next = slotAt(jb, 1);
  return jb.highAhead >= 1 && slotLen(jb, next) != 0 && slotSeq(jb, next) == ((jb.nextSeq + 1) & 0xffff) &&
    tsAhead(slotTs(jb, jb.head), slotTs(jb, next)) == jb.frameTs;
}

// Shrinks by a frame without losing one: the head and the next packet, back to back.
function playTwo(jb: JitterBuffer, out: usize): i32 {
  const first = playHead(jb, out) >> 8;
  const second = playHead(jb, out + <usize>first) >> 8;
  jb.excessTicks = 0;
  return result(PLAY_MERGE, first + second);
}

function conceal(jb: JitterBuffer, out: usize): i32 {
  jb.concealed++;
  // Opus carries the previous frame's FEC in the next packet: use it when that packet is here.
  if (jb.codec == CODEC_OPUS && headPresent(jb) && tsAhead(jb.playTs, slotTs(jb, jb.head)) <= jb.frameTs) {
    const len = slotLen(jb, jb.head);
    memory.copy(out, slotPayload(jb, jb.head), <usize>len);
    return result(PLAY_FEC, len);
  }
  return result(PLAY_CONCEAL, 0);
}

// A wait for a missing head whose successor is here: Opus recovers the missing frame from the
// successor's FEC data, as it would if the frame were skipped now.
function concealFromNext(jb: JitterBuffer, out: usize): i32 {
  const next = slotAt(jb, 1);
  if (jb.codec == CODEC_OPUS && jb.highAhead >= 1 && slotLen(jb, next) != 0 &&
      slotSeq(jb, next) == ((jb.nextSeq + 1) & 0xffff) && tsAhead(jb.playTs, slotTs(jb, next)) <= jb.frameTs) {
    jb.concealed++;
    const len = slotLen(jb, next);
    memory.copy(out, slotPayload(jb, next), <usize>len);
    return result(PLAY_FEC, len);
  }
  return conceal(jb, out);
}

// Starved: nothing to play. Conceal for a while, then play silence.
function starve(jb: JitterBuffer, out: usize): i32 {
  if (jb.starvedTicks < 0xffff) jb.starvedTicks++;
  if (<i32>jb.starvedTicks * jb.ptimeMs <= CONCEAL_MS) return conceal(jb, out);
  jb.silence++;
  return result(PLAY_SILENCE, 0);
}

// Time-scaling thresholds, relative to the target delay (tuned on bench/jitter.ts's traces).
const GROW_BELOW_MS: i32 = 10;         // insert a frame when the delay is this far below target
const SHRINK_SUSTAIN_TICKS: i32 = 25;  // a lower delay better for 0.5 s with no free moment: drop one
const WAIT_MAX_MS: i32 = 20;           // wait this far above target for a late packet, no further ...
const WAIT_MAX_FREE_MS: i32 = 40;      // ... or this far where shrinking is free (time-scaling)
// A merge leaves the media session a frame of audio to drain by time-compression (at least 5 ms
// a tick, docs/time-scaling.md); the session passes a cap of one slot until its FIFO has room for
// the next pair, so merges are spaced by the session, not here. When to merge: where late
// packets come alone, at once (the frame a wait added is pure delay); where they bunch (a host's
// scheduling stalls, a burst of queueing), after 4 ticks a frame above target, so the rest of a
// bunch plays in that frame instead of being waited for one by one. Measured in a call over
// loopback, merging at once there concealed 9-20 ticks in 5 s, holding 0-9.
const MERGE_HOLD_TICKS: i32 = 4;
const BUNCHED_Q8: i32 = 64;            // a quarter of the late packets next to the last one
const PATH_CHANGE_MS: i32 = 200;       // packets behind the clock for this long: the path got longer

// One playout tick: what to play at `now`. Copies a payload to `out` (cap bytes, at least the
// slot size) and returns (bytes << 8) | PLAY_*, or an error code with nothing changed.
export function jitterGet(jb: JitterBuffer, now: u32, out: usize, cap: i32): i32 {
  if (out == 0 || cap < 0) return E_ARG;
  if (cap < jb.slotBytes) return E_NOSPACE;
  if (!jb.anchored || (!jb.started && jb.buffered == 0)) return result(PLAY_SILENCE, 0);
  keepOriginNear(jb);
  const current = ageMs(jb, now, jb.playTs);
  // The hysteresis holds the target, not the current delay: a wait that saved a late packet
  // raises the delay by a frame, and that must not raise the target along with it. Before
  // playout starts, and for the first few samples, it holds the current one.
  // The levels a held target weighs are its own, not the current delay's grid, while a tick
  // comes later than the target's phase by up to half a frame: a host's timers fire a few ms
  // late now and then, and levels that moved with the current delay flipped the target a frame
  // up and down from tick to tick at the edge of the delays (a wait and a merge each time: 20-40
  // of them in a 20 s loopback call). A tick of an earlier phase (less than half a frame
  // earlier, or more than half a frame later: clock drift) moves them to its grid at once: the
  // earliest phase is the one whose deadline counts.
  const holdTarget = jb.started && delayWindowCount(jb.window) >= HOLD_TARGET_SAMPLES;
  const held = min(onGridOf(current, jb.targetMs, jb.ptimeMs), jb.targetMs);
  const goal = bestDelay(jb, holdTarget ? held : current);
  jb.targetMs = goal;
  if (!jb.started) {
    if (current < goal) return result(PLAY_SILENCE, 0);
    jb.started = true;
  }
  jb.freeRate -= jb.freeRate >> FREE_RATE_SHIFT;
  jb.freeTicks = <u8>((jb.freeTicks << 1) & 2);
  if (jb.behindTicks > 0 && jb.behindTicks < 0xffff) jb.behindTicks++;
  let excess = current - goal;
  const waitMax = shrinksFree(jb) ? WAIT_MAX_FREE_MS : WAIT_MAX_MS;
  jb.delayMs = current;
  // A wrap after 65,536 ticks only restarts the count (a frame above target for 25 ticks drops or merges).
  if (excess >= jb.ptimeMs) jb.excessTicks++; else jb.excessTicks = 0;

  for (;;) {
    // Packets behind the playout clock (it ran on while starved) are too late to play.
    while (headPresent(jb) && tsAhead(jb.playTs, slotTs(jb, jb.head)) < -(jb.frameTs >> 1)) {
      // Behind a stall's end they come in a bunch; behind a longer path (a handover, a new
      // route) they keep coming. Then the clock goes back to them: the delay steps up at once
      // instead of every packet being dropped until the delay history has caught up.
      if (<i32>jb.behindTicks * jb.ptimeMs >= PATH_CHANGE_MS) {
        jb.behindTicks = 0;
        jb.playTs = slotTs(jb, jb.head);
        jb.targetMs = ageMs(jb, now, jb.playTs);
        return playHead(jb, out);
      }
      if (jb.behindTicks == 0) jb.behindTicks = 1;
      jb.dropped++;
      advance(jb, false, false);
    }
    if (headPresent(jb)) {
      if (tsAhead(jb.playTs, slotTs(jb, jb.head)) > (jb.frameTs >> 1)) return playOrStartTalkspurt(jb, now, out);
      // Below target, the delay grows at the next missing packet (waited for, so it is saved)
      // rather than by a frame inserted now; only more than a frame below is a frame inserted.
      if (excess < -GROW_BELOW_MS - (holdTarget ? jb.ptimeMs : 0)) {
        jb.inserted++;
        return conceal(jb, out);
      }
      // A frame above target (for MERGE_HOLD_TICKS where late packets bunch): G.711 plays the next
      // two frames in this tick's time and the next few (time-compressed by the media session), so
      // no packet is lost to shrink.
      if ((<i32>jb.excessTicks >= (jb.bunchQ8 >= BUNCHED_Q8 ? MERGE_HOLD_TICKS : 1) || excess >= jb.ptimeMs << 1) &&
          shrinksFree(jb) && cap >= jb.slotBytes << 1 &&
          nextFollowsHead(jb)) return playTwo(jb, out);
      if (<i32>jb.excessTicks < SHRINK_SUSTAIN_TICKS) return playHead(jb, out);
      // No silence or loss came along to shrink for free: let one packet go.
      jb.dropped++;
      jb.excessTicks = 0;
      advance(jb, false);
      excess -= jb.ptimeMs;
      if (headPresent(jb) && tsAhead(jb.playTs, slotTs(jb, jb.head)) <= (jb.frameTs >> 1)) return playHead(jb, out);
    }
    if (jb.buffered == 0) {
      // Nothing buffered at all: the network stalled, the packet is lost, or a talkspurt ended.
      // Waiting costs nothing in the last case and saves the packet in the first; the sequence
      // stays put, so nothing is counted lost before a later packet proves it. Waiting stops
      // a frame above target (two where time-scaling gives the frames back without a loss;
      // longer waits were measured to cost more delay than they save): then the playout clock runs on
      // (the sequence stays, a talkspurt gap may be all this is) and whatever turns up behind
      // it is late.
      // A tick starved with the clock held is the head's one wait: if its successor then comes
      // without it, the head is most likely lost, and waiting a second tick only delays the
      // successor (a merge to give back).
      if (excess >= waitMax) jb.playTs += <u32>jb.frameTs;
      else jb.waitedSeq = <i32>jb.nextSeq;
      return starve(jb, out);
    }
    // The head is missing and a later packet is here. Missing frames whose time the playout
    // clock already spent (it ran on while starved) are let go without using this tick.
    const held = firstHeldAhead(jb);
    const headTs = slotTs(jb, slotAt(jb, held)) - <u32>(held * jb.frameTs);
    const passed = tsAhead(headTs, jb.playTs);
    if (passed <= (jb.frameTs >> 1)) break;
    let frames = min(held, (passed + (jb.frameTs >> 1)) / jb.frameTs);
    while (frames-- > 0) {
      jb.lost++;
      freeMoment(jb);
      advance(jb, false, false);
    }
  }
  // The due packet is missing but a later one is here: it is lost, or just late (jitter reorders
  // neighbours). Wait for it once, one tick, while that stays within a frame of the target: if it
  // comes, it is saved for one frame more of delay; if not, it is skipped next tick and the
  // packet behind it plays at its own time, so the wait cost nothing. Only where waiting pays,
  // or where the delay is to grow anyway (below target).
  if (excess < waitMax && jb.waitedSeq != <i32>jb.nextSeq && holdTarget && (waitPays(jb) || excess < -GROW_BELOW_MS)) {
    jb.waitedSeq = <i32>jb.nextSeq;
    return concealFromNext(jb, out);
  }
  // The due frame is lost (or too late to wait for). Skip missing frames for free while the
  // delay is above target, then play or conceal.
  // With G.711, a lost frame with the next packet already here lets the delay a frame below
  // target for free: that packet plays now, in the tick that would have concealed (after a
  // wait, this is where the frame after the lost one is missing too). The next packet missing
  // below target is waited for, which takes the delay back up and saves it; a merge, the other
  // way down, delays the packets behind it while it drains. Nothing is skipped that would not be
  // skipped anyway: a packet still missing is never given up for this. Not for Opus: the tick
  // would have decoded the lost frame from the next packet's FEC.
  let skips = excess / jb.ptimeMs;
  const stepDown = shrinksFree(jb) && holdTarget && excess >= -GROW_BELOW_MS;
  while (true) {
    jb.lost++;
    freeMoment(jb);
    advance(jb, false);
    const here = headPresent(jb);
    if (skips <= 0 && !(stepDown && here)) return conceal(jb, out);
    skips--;
    if (here) return playOrStartTalkspurt(jb, now, out);
    if (jb.buffered == 0) return starve(jb, out);
  }
  return E_STATE; // unreachable
}

// Plays the head (it is here), unless silence comes before it: then silence until it is due at
// the target delay, so the new talkspurt starts exactly there (this is where most adaptation
// happens, at no cost).
function playOrStartTalkspurt(jb: JitterBuffer, now: u32, out: usize): i32 {
  const ts = slotTs(jb, jb.head);
  jb.excessTicks = 0;
  if (tsAhead(jb.playTs, ts) <= (jb.frameTs >> 1)) return playHead(jb, out);
  jb.starvedTicks = 0;
  const age = ageMs(jb, now, ts);
  if (bestDelay(jb, age) > age) { jb.silence++; return result(PLAY_SILENCE, 0); }
  freeMoment(jb);
  return playHead(jb, out);
}

export function jitterTargetMs(jb: JitterBuffer): i32 { return jb.targetMs; }
