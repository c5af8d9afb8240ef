// Packet loss concealment for G.711 in the manner of ITU-T G.711 Appendix I, in fixed point:
// - output runs DELAY samples (3.75 ms) behind input, so the start of a loss can be smoothed
//   with overlap-add into samples not yet played;
// - at the first lost frame the pitch period (5..15 ms) is found by normalised cross-correlation
//   over 20 ms (coarse search on every other lag and sample, then refined), and the last period
//   is repeated, overlap-added over a quarter period with the real signal; its last quarter is
//   blended into the samples before it so that the repetition loops without a click;
// - the repetition fades out linearly from the start of the loss, 15% per 10 ms;
// - the first good frame after a loss is overlap-added with the continued synthetic signal, over
//   a quarter period plus 4 ms per 10 ms of loss (at most 10 ms).
// Where this departs from Appendix I (one period repeated instead of up to three, fading from
// the start rather than after 10 ms) it is because PESQ on speech said so: docs/jitter-buffer.md
// has the measurements against spandsp's PLC. Works on 16-bit PCM at 8 kHz, frames of DELAY to
// MAX_FRAME samples. All state is one arena block set up at init (about 1.6 KB).
import { arenaAlloc } from "../util/arena";
import { OK, E_ARG, E_NOSPACE, E_STATE } from "../abi/errors";

const MIN_PITCH: i32 = 40;          // 5 ms at 8 kHz (200 Hz)
const MAX_PITCH: i32 = 120;         // 15 ms (66.7 Hz)
export const DELAY: i32 = 30;       // a quarter of the longest period: the overlap-add reach
const HIST: i32 = 3 * MAX_PITCH + DELAY; // pitch search: CORR_LEN + MAX_PITCH; output: frame + DELAY
const CORR_LEN: i32 = 160;          // 20 ms of signal compared at each lag
export const MAX_FRAME: i32 = HIST - DELAY;
const FADE_STEP_Q15: i32 = 60;      // fade 15% per 10 ms from the start of a loss: silent after 68 ms
const MAX_RESUME_OLA: i32 = 80;     // 10 ms

@unmanaged class PlcState {
  hist: usize;        // i16 x HIST: the signal, newest last; the last DELAY samples not yet played
  frozen: usize;      // i16 x HIST: copy of hist when the loss began, the source of repetition
  pitch: i32;
  overlap: i32;       // pitch / 4
  erased: i32;        // samples concealed in the current loss (0 = not in a loss)
}

let state: usize = 0;

export function plcInit(): i32 {
  if (state == 0) {
    const at = arenaAlloc(<i32>offsetof<PlcState>() + HIST * 4);
    if (at == 0) return E_NOSPACE;
    const s = changetype<PlcState>(at);
    s.hist = at + offsetof<PlcState>();
    s.frozen = s.hist + <usize>(HIST * 2);
    state = at;
  }
  const s = changetype<PlcState>(state);
  memory.fill(s.hist, 0, <usize>(HIST * 4));
  s.pitch = MIN_PITCH;
  s.overlap = MIN_PITCH >> 2;
  s.erased = 0;
  return OK;
}

@inline function at(buf: usize, i: i32): i32 { return <i32>load<i16>(buf + (<usize>i << 1)); }
@inline function put(buf: usize, i: i32, v: i32): void {
  store<i16>(buf + (<usize>i << 1), <i16>(v > 32767 ? 32767 : v < -32768 ? -32768 : v));
}

function isqrt64(v: i64): i64 {
  if (v <= 0) return 0;
  let r: i64 = 0;
  let bit: i64 = 1 << 62;
  while (bit > v) bit >>= 2;
  while (bit != 0) {
    if (v >= r + bit) { v -= r + bit; r = (r >> 1) + bit; } else r >>= 1;
    bit >>= 2;
  }
  return r;
}

// Similarity of the last CORR_LEN samples with those `lag` earlier, normalised by the energy
// of the earlier ones (so loud past periods do not win for loudness alone). `step` 2 = coarse.
function similarity(hist: usize, lag: i32, step: i32): i64 {
  let corr: i64 = 0;
  let energy: i64 = 0;
  const start = HIST - CORR_LEN;
  for (let i = 0; i < CORR_LEN; i += step) {
    const a = at(hist, start + i) >> 2;
    const b = at(hist, start + i - lag) >> 2;
    corr += <i64>(a * b);
    energy += <i64>(b * b);
  }
  return (corr << 16) / (isqrt64(energy) + 1);
}

function findPitch(hist: usize): i32 {
  let best = MAX_PITCH;
  let bestScore: i64 = i64.MIN_VALUE;
  for (let lag = MIN_PITCH; lag <= MAX_PITCH; lag += 2) {
    const score = similarity(hist, lag, 2);
    if (score > bestScore) { bestScore = score; best = lag; }
  }
  const lo = max(MIN_PITCH, best - 1);
  const hi = min(MAX_PITCH, best + 1);
  bestScore = i64.MIN_VALUE;
  for (let lag = lo; lag <= hi; lag++) {
    const score = similarity(hist, lag, 1);
    if (score > bestScore) { bestScore = score; best = lag; }
  }
  return best;
}

// Synthetic sample j, j = 0 at the overlap point (HIST - overlap in the frozen copy): the last
// pitch period before that point, repeated, faded from the start of the loss.
function synthetic(s: PlcState, j: i32): i32 {
  const v = at(s.frozen, HIST - s.overlap - s.pitch + j % s.pitch);
  const t = j - s.overlap;
  if (t <= 0) return v;
  const gain = 32768 - t * FADE_STEP_Q15;
  return gain <= 0 ? 0 : (v * gain) >> 15;
}

@inline function shiftIn(s: PlcState, n: i32): void {
  memory.copy(s.hist, s.hist + (<usize>n << 1), <usize>((HIST - n) << 1));
}

// Copies the delayed output window for the frame just taken in.
@inline function emit(s: PlcState, out: usize, n: i32): void {
  memory.copy(out, s.hist + (<usize>(HIST - DELAY - n) << 1), <usize>(n << 1));
}

function checkFrame(pcm: usize, n: i32): i32 {
  if (state == 0) return E_STATE;
  if (pcm == 0 || n < DELAY || n > MAX_FRAME) return E_ARG;
  return OK;
}

// A good frame of n samples at `pcm`, replaced in place by the n samples to play (DELAY behind).
export function plcReceive(pcm: usize, n: i32): i32 {
  const err = checkFrame(pcm, n);
  if (err != OK) return err;
  const s = changetype<PlcState>(state);
  shiftIn(s, n);
  const base = HIST - n;
  if (s.erased > 0) {
    // Fade the real signal in over the continued synthetic one.
    let len = s.overlap + ((s.erased / 80) * 32);
    if (len > MAX_RESUME_OLA) len = MAX_RESUME_OLA;
    if (len > n) len = n;
    const j0 = s.erased + s.overlap;
    for (let i = 0; i < n; i++) {
      let v = <i32>load<i16>(pcm + (<usize>i << 1));
      if (i < len) {
        const w = ((i + 1) << 15) / (len + 1);
        v = (v * w + synthetic(s, j0 + i) * (32768 - w)) >> 15;
      }
      put(s.hist, base + i, v);
    }
    s.erased = 0;
  } else {
    memory.copy(s.hist + (<usize>base << 1), pcm, <usize>(n << 1));
  }
  emit(s, pcm, n);
  return n;
}

// A lost frame: writes the n samples to play at `out`.
export function plcConceal(out: usize, n: i32): i32 {
  const err = checkFrame(out, n);
  if (err != OK) return err;
  const s = changetype<PlcState>(state);
  if (s.erased == 0) {
    s.pitch = findPitch(s.hist);
    s.overlap = s.pitch >> 2;
    memory.copy(s.frozen, s.hist, <usize>(HIST << 1));
    // Make the repeated period loop without a click: blend its last quarter towards the samples
    // just before its start, so its end runs into its beginning.
    const start = HIST - s.overlap - s.pitch;
    for (let i = 0; i < s.overlap; i++) {
      const w = ((i + 1) << 15) / (s.overlap + 1);
      const k = start + s.pitch - s.overlap + i;
      put(s.frozen, k, (at(s.frozen, k) * (32768 - w) + at(s.frozen, start - s.overlap + i) * w) >> 15);
    }
    // Overlap-add the last quarter period, not yet played, into the start of the repetition.
    const ola = s.overlap;
    for (let i = 0; i < ola; i++) {
      const w = ((i + 1) << 15) / (ola + 1);
      const real = at(s.frozen, HIST - ola + i);
      put(s.hist, HIST - ola + i, (synthetic(s, i) * w + real * (32768 - w)) >> 15);
    }
  }
  shiftIn(s, n);
  const j0 = s.erased + s.overlap;
  for (let i = 0; i < n; i++) put(s.hist, HIST - n + i, synthetic(s, j0 + i));
  s.erased += n;
  emit(s, out, n);
  return n;
}
