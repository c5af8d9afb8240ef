// The distribution of recent packet delays: how many packets would have been late at any given
// playout delay, and how wide the jitter is. The jitter buffer chooses its delay from these, so
// it grows with the network's real jitter and shrinks when it calms down, instead of being fixed.
//
// A sliding window of the last WINDOW delays feeds a histogram of BINS bins, BIN_MS wide. Only
// differences of delay matter (the sender's clock has an unknown offset), so the histogram floats:
// `baseMs` is the lower edge of bin 0 and moves when delays leave the range (clock drift makes
// them creep for ever). The median, a high quantile and the highest bin in use are tracked
// incrementally, O(1) per packet on average, with no sorting; late counts scan only the bins
// above a delay: wasm3 interprets every instruction, so the per-packet path stays short.
import { arenaAlloc } from "../util/arena";

export const WINDOW: i32 = 1024;     // packets remembered: about 20 s of 20 ms packets
export const BINS: i32 = 128;        // histogram bins ...
export const BIN_MS: i32 = 4;        // ... 4 ms wide: 512 ms of jitter range above the floor
const QUANTILE_PCT: i32 = 97;        // the tracked high quantile: at most 3% of samples lie above it
const HEADROOM_BINS: i32 = 8;        // when re-basing downwards, leave room for a little more
// A path that changed length (a route change, a handover) shows as delays that all stay on one
// side of the old ones, where stationary jitter never keeps them:
// - shorter: SHORTER_RUN in a row more than SHORTER_BINS below the median (half of stationary
//   delays lie above it; wide jitter rarely gets there, and its old delays then leave one by one);
// - longer: LONGER_RUN in a row above the high quantile as it stood before the first of them
//   (3 % of stationary delays lie there; a delay spike or a stall of up to 600 ms puts fewer in
//   a row; the quantile itself follows them up after a few).
// The window then forgets what came before them, instead of keeping the old path's delays for
// its whole length (20 s): the buffer would aim for the old path's delay meanwhile, a frame or
// more too high, or too low, waiting for late packets and merging back down in turn.
const SHORTER_RUN: i32 = 128;
const SHORTER_BINS: i32 = 5;
const LONGER_RUN: i32 = 32;

@unmanaged export class DelayWindow {
  samples: usize;   // u8 bin index of each remembered delay, ring of WINDOW
  hist: usize;      // u16 count per bin
  head: i32;        // next ring position to write
  count: i32;       // samples in the window (<= WINDOW)
  baseMs: i32;      // delay at the lower edge of bin 0
  qBin: i32;        // bin holding the tracked quantile ...
  above: i32;       // ... and the samples in bins above it
  medBin: i32;      // bin holding the median ...
  medAbove: i32;    // ... and the samples in bins above it
  topBin: i32;      // highest bin holding a sample (0 when empty)
  lowRun: i32;      // samples in a row well below the median
  highRun: i32;     // samples in a row above ...
  highRefMs: i32;   // ... this delay: the high quantile before the first of them
}

export const DELAY_WINDOW_BYTES: i32 = <i32>offsetof<DelayWindow>() + WINDOW + BINS * 2;

export function delayWindowCreate(): DelayWindow | null {
  const at = arenaAlloc(DELAY_WINDOW_BYTES);
  if (at == 0) return null;
  const w = changetype<DelayWindow>(at);
  w.samples = at + offsetof<DelayWindow>();
  w.hist = w.samples + <usize>WINDOW;
  delayWindowClear(w);
  return w;
}

export function delayWindowClear(w: DelayWindow): void {
  memory.fill(w.samples, 0, <usize>WINDOW);
  memory.fill(w.hist, 0, <usize>(BINS * 2));
  w.head = 0;
  w.count = 0;
  w.baseMs = 0;
  w.qBin = 0;
  w.above = 0;
  w.medBin = 0;
  w.medAbove = 0;
  w.topBin = 0;
  w.lowRun = 0;
  w.highRun = 0;
}

@inline function histAt(w: DelayWindow, bin: i32): i32 {
  return <i32>load<u16>(w.hist + (<usize>bin << 1));
}

@inline function histAdd(w: DelayWindow, bin: i32, by: i32): void {
  const p = w.hist + (<usize>bin << 1);
  store<u16>(p, <u16>(<i32>load<u16>(p) + by));
}

// Floor division: delays below the base must land in negative bins, not in bin 0.
@inline function binOf(w: DelayWindow, delayMs: i32): i32 {
  const rel = delayMs - w.baseMs;
  return rel >= 0 ? rel / BIN_MS : -((BIN_MS - 1 - rel) / BIN_MS);
}

// Moves the floor up by `bins` bins (down when negative) and rebuilds the histogram: rare (only
// when delays leave the range), O(WINDOW + BINS).
function rebase(w: DelayWindow, bins: i32): void {
  w.baseMs += bins * BIN_MS;
  memory.fill(w.hist, 0, <usize>(BINS * 2));
  w.topBin = 0;
  for (let i = 0; i < w.count; i++) {
    const p = w.samples + <usize>i;
    let b = <i32>load<u8>(p) - bins;
    if (b < 0) b = 0;
    if (b >= BINS) b = BINS - 1;
    store<u8>(p, <u8>b);
    histAdd(w, b, 1);
    if (b > w.topBin) w.topBin = b;
  }
  w.qBin = 0;
  w.above = w.count - histAt(w, 0);
  w.medBin = 0;
  w.medAbove = w.above;
  settle(w);
}

// A quantile tracker is a (bin, samples above it) pair of i32 at `at`: moves the bin until at
// most (100 - pct)% of samples lie above it, and no lower bin would do.
function settleTracker(w: DelayWindow, at: usize, pct: i32): void {
  const allowed = (w.count * (100 - pct)) / 100;
  let bin = load<i32>(at);
  let above = load<i32>(at, 4);
  while (above > allowed && bin < BINS - 1) {
    bin++;
    above -= histAt(w, bin);
  }
  while (bin > 0 && above + histAt(w, bin) <= allowed) {
    above += histAt(w, bin);
    bin--;
  }
  store<i32>(at, bin);
  store<i32>(at, above, 4);
}

@inline function settle(w: DelayWindow): void {
  settleTracker(w, changetype<usize>(w) + offsetof<DelayWindow>("qBin"), QUANTILE_PCT);
  settleTracker(w, changetype<usize>(w) + offsetof<DelayWindow>("medBin"), 50);
}

export function delayWindowAdd(w: DelayWindow, delayMs: i32): void {
  if (w.highRun == 0) w.highRefMs = delayWindowQuantileMs(w);
  let bin = binOf(w, delayMs);
  if (w.count == 0) {
    w.baseMs = delayMs - HEADROOM_BINS * BIN_MS;
    bin = HEADROOM_BINS;
  } else if (bin < 0) {
    rebase(w, bin - HEADROOM_BINS);
    bin = HEADROOM_BINS;
  } else if (bin >= BINS) {
    // Only move the floor up as far as the lowest remembered delay allows.
    let lowest = 0;
    while (lowest < BINS - 1 && histAt(w, lowest) == 0) lowest++;
    const up = min(lowest, bin - (BINS - 1));
    if (up > 0) { rebase(w, up); bin -= up; }
    if (bin >= BINS) bin = BINS - 1;
  }
  if (w.count == WINDOW) {
    const old = <i32>load<u8>(w.samples + <usize>w.head);
    histAdd(w, old, -1);
    if (old > w.qBin) w.above--;
    if (old > w.medBin) w.medAbove--;
    while (w.topBin > 0 && histAt(w, w.topBin) == 0) w.topBin--;
  } else {
    w.count++;
  }
  store<u8>(w.samples + <usize>w.head, <u8>bin);
  w.head = w.head + 1 == WINDOW ? 0 : w.head + 1;
  histAdd(w, bin, 1);
  if (bin > w.qBin) w.above++;
  if (bin > w.medBin) w.medAbove++;
  if (bin > w.topBin) w.topBin = bin;
  settle(w);
  if (bin >= w.medBin - SHORTER_BINS) w.lowRun = 0;
  else if (++w.lowRun == SHORTER_RUN) keepLast(w, SHORTER_RUN);
  if (delayMs <= w.highRefMs || w.count < LONGER_RUN) w.highRun = 0;
  else if (++w.highRun == LONGER_RUN) keepLast(w, LONGER_RUN);
}

// Forgets all but the last `n` samples: they move to the start of the ring (the layout of a
// window still filling) and the histogram is rebuilt from them.
function keepLast(w: DelayWindow, n: i32): void {
  const wrapped = n - w.head;   // samples at the ring's end (none when the last n are in one piece)
  if (wrapped <= 0) memory.copy(w.samples, w.samples + <usize>(w.head - n), <usize>n);
  else {
    memory.copy(w.samples + <usize>wrapped, w.samples, <usize>w.head);
    memory.copy(w.samples, w.samples + <usize>(WINDOW - wrapped), <usize>wrapped);
  }
  w.count = n;
  w.head = n;
  w.lowRun = 0;
  w.highRun = 0;
  rebase(w, 0);
}

export function delayWindowCount(w: DelayWindow): i32 { return w.count; }

// How far the worst delays reach above the tracked quantile, in ms.
@inline export function delayWindowTailMs(w: DelayWindow): i32 { return (w.topBin - w.qBin) * BIN_MS; }

// The tracked high quantile of the delays (the middle of its bin), in ms.
export function delayWindowQuantileMs(w: DelayWindow): i32 { return w.baseMs + w.qBin * BIN_MS + (BIN_MS >> 1); }

// The first bin whose samples would be late at playout delay `delayMs`: those whose bin reaches
// above it (a sample's place in its bin is unknown: counting by the bin's middle called up to
// 2 ms of late samples on time, which real ticks, a few ms off, then found late).
@inline function firstLateBin(w: DelayWindow, delayMs: i32): i32 {
  const rel = delayMs - w.baseMs;
  const b = rel >= 0 ? rel / BIN_MS : -((BIN_MS - 1 - rel) / BIN_MS);
  return b < 0 ? 0 : b;
}

// Samples that would be late at playout delay `delayMs`.
export function delayWindowLateCount(w: DelayWindow, delayMs: i32): i32 {
  let n = 0;
  for (let b = firstLateBin(w, delayMs); b <= w.topBin; b++) n += histAt(w, b);
  return n;
}

// The late counts at four delays a step apart (delayMs - stepMs ... delayMs + 2 stepMs), in one
// pass from the top of the histogram: the delay choice compares neighbouring levels, and each
// level's cost needs the count one step above it too. Left in lateBelow, lateAt, lateAbove,
// lateAbove2 (globals: nothing allocated).
export let lateBelow: i32 = 0;
export let lateAt: i32 = 0;
export let lateAbove: i32 = 0;
export let lateAbove2: i32 = 0;
export function delayWindowLateCounts(w: DelayWindow, delayMs: i32, stepMs: i32): void {
  const b0 = firstLateBin(w, delayMs - stepMs);
  const b1 = firstLateBin(w, delayMs);
  const b2 = firstLateBin(w, delayMs + stepMs);
  const b3 = firstLateBin(w, delayMs + 2 * stepMs);
  let n = 0;
  let b = w.topBin;
  for (; b >= b3; b--) n += histAt(w, b);
  lateAbove2 = n;
  for (; b >= b2; b--) n += histAt(w, b);
  lateAbove = n;
  for (; b >= b1; b--) n += histAt(w, b);
  lateAt = n;
  for (; b >= b0; b--) n += histAt(w, b);
  lateBelow = n;
}

// How much lateness weighs against delay, in ms of delay per percent of packets late. It grows
// with the spread of the delays (the tracked quantile above the median): where jitter is wide,
// each step down saves more delay but also loses more packets, so the trade-off must be firmer.
@inline export function delayWindowLateCost(w: DelayWindow, base: i32, spreadDivisor: i32): i32 {
  return base + ((w.qBin - w.medBin) * BIN_MS) / spreadDivisor;
}

// The cost of playing at `delayMs`, times 256 times the sample count (to stay in integers):
// delay + lateCost * percent late (lateCostQ2: quarter ms of delay per percent), where `late`
// samples are later than the delay and `lateAfterGrace` later than it by a frame or more. A packet in between is waited for (the buffer waits a frame
// for a missing packet) and saved, at the price of a raised delay until the next free moment to
// come back down, or of a packet dropped for it: it counts as `weight256`/256 of a late packet.
@inline export function delayWindowCost(w: DelayWindow, delayMs: i32, lateCostQ2: i32, late: i32, lateAfterGrace: i32, weight256: i32): i64 {
  const late256 = <i64>lateAfterGrace * 256 + <i64>(late - lateAfterGrace) * <i64>weight256;
  return <i64>(delayMs - w.baseMs) * <i64>(w.count * 256) + <i64>(lateCostQ2 * 25) * late256;
}
