// Time-scale compression ("accelerate") of 8 kHz 16-bit PCM: plays queued speech faster by
// removing whole pitch periods, the way WebRTC NetEQ's accelerate does, in integers only.
//
// At the read point x[0..) the removal length L (`least`..MAX_REMOVE samples, at most 15 ms: one or more
// pitch periods of speech) is the lag at which the signal best resembles itself: the largest
// normalised cross-correlation between x[0..WINDOW) and x[L..L+WINDOW). Then x[0..L) becomes a
// linear cross-fade from x[0..L) to x[L..2L), and x[2L..) moves up by L. The cross-fade starts
// exactly on x[0] and ends exactly on x[2L-1], so neither edge of the seam can click, and where
// the two periods are equal (a periodic signal at a multiple of its period) the output is the
// input, sample for sample, minus L samples.
//
// The caller relies on a removal whenever one fits, whatever the audio (that is how a backlog is
// guaranteed to drain), so a lag is always chosen: on noise the best of poor lags, with the
// cross-fade hiding the seam; on digital silence the longest allowed.
//
// Cost on wasm3: the lag search first compares pairs of samples summed (a 4 kHz view, which also
// keeps it from locking onto energy above 2 kHz) at every other lag, then the three full-rate lags
// around the best; no copy, no work area. Sums are i64, scaled down before the one division per
// lag that stands in for the square root of a normalised correlation.
import { E_ARG } from "../abi/errors";

export const MIN_REMOVE: i32 = 20;     // 2.5 ms: the shortest lag searched (a 400 Hz pitch period)
export const MAX_REMOVE: i32 = 120;    // 15 ms: the longest pitch period of speech (66.7 Hz)
const WINDOW: i32 = 64;                // 8 ms compared at each lag

@inline function sampleAt(buf: usize, i: i32): i64 { return <i64>load<i16>(buf + (<usize>i << 1)); }

// Similarity of x[0..len) with x[lag..lag+len), every step-th sample (step 2: sums of sample
// pairs; step 1: each sample, doubled): corr * |corr| / energy of the later segment, which
// orders lags as their normalised correlation does (the earlier segment is the same for all).
function similarity(pcm: usize, len: i32, lag: i32, step: i32): i64 {
  let corr: i64 = 0;
  let energy: i64 = 0;
  const later = pcm + (<usize>lag << 1);
  for (let i = 0; i < len; i += step) {
    const a = sampleAt(pcm, i) + sampleAt(pcm, i + step - 1);
    const b = sampleAt(later, i) + sampleAt(later, i + step - 1);
    corr += a * b;
    energy += b * b;
  }
  corr >>= 10;                         // below 2^28: its square fits
  return (corr * (corr < 0 ? -corr : corr)) / ((energy >> 10) + 1);
}

// The lag in lo, lo + step, .. hi with the greatest similarity; the longest among equals (so
// digital silence loses as much as allowed).
function bestLag(pcm: usize, lo: i32, hi: i32, step: i32): i32 {
  let best = lo;
  let bestScore = i64.MIN_VALUE;
  for (let lag = lo; lag <= hi; lag += step) {
    const score = similarity(pcm, WINDOW, lag, step);
    if (score >= bestScore) { bestScore = score; best = lag; }
  }
  return best;
}

// Removes one stretch of max(MIN_REMOVE, least)..min(MAX_REMOVE, excess) samples from the
// `available` samples at pcm, in place, and returns how many (the samples after them move up).
// Returns 0 when no removal fits (excess below the least, or too little audio to compare), E_ARG
// for a null buffer or counts that make no sense; nothing changes then.
export function accelerateRemove(pcm: usize, available: i32, excess: i32, least: i32 = MIN_REMOVE): i32 {
  if (pcm == 0 || excess < 0 || excess > available || least > MAX_REMOVE) return E_ARG;
  const minLag = max(MIN_REMOVE, least);
  const maxLag = min(min(MAX_REMOVE, excess), min(available - WINDOW, available >> 1));
  if (maxLag < minLag) return 0;
  const coarse = bestLag(pcm, minLag, maxLag, 2);
  const lag = bestLag(pcm, max(minLag, coarse - 1), min(maxLag, coarse + 1), 1);
  // Cross-fade x[0..lag) into x[lag..2 lag): weight 0 on the later period at i = 0, 1 at lag - 1.
  for (let i = 0; i < lag; i++) {
    const a = <i32>load<i16>(pcm + (<usize>i << 1));
    const b = <i32>load<i16>(pcm + (<usize>(i + lag) << 1));
    store<i16>(pcm + (<usize>i << 1), <i16>(a + (((b - a) * ((i << 14) / (lag - 1))) >> 14)));
  }
  memory.copy(pcm + (<usize>lag << 1), pcm + (<usize>lag << 2), <usize>(available - (lag << 1)) << 1);
  return lag;
}
