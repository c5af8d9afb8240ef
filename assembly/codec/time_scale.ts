// Time-scale compression ("accelerate") of 8 kHz 16-bit PCM: plays queued speech faster by
// removing whole pitch periods, the way WebRTC NetEQ's accelerate does, in integers only.
//
// At the read point x[0..) the removal length L (from the caller's least to MAX_REMOVE samples,
// 15 ms: one or more pitch periods of speech) is the lag at which the signal best resembles
// itself: the largest normalised cross-correlation between x[0..) and x[L..). Then x[0..L) becomes a
// linear cross-fade from x[0..L) to x[L..2L), and x[2L..) moves up by L. The cross-fade starts
// exactly on x[0] and ends exactly on x[2L-1], so neither edge of the seam can click, and where
// the two periods are equal (a periodic signal at a multiple of its period) the output is the
// input, sample for sample, minus L samples.
//
// The caller relies on a removal whenever one fits, whatever the audio (that is how a backlog is
// guaranteed to drain), so a lag is always chosen: on noise the best of poor lags, with the
// cross-fade hiding the seam; on digital silence the longest allowed.
//
// Cost on wasm3 (an interpreter: every operation counts): the lag search first runs on a 2 kHz
// copy (sums of four samples, which also keeps it on the pitch rather than on formants above
// 1 kHz) at every fourth lag, then on the signal itself at the five lags around the best. Sums are
// i64, scaled down before the one division per lag that stands in for a normalised correlation's
// square root.
import { E_ARG } from "../abi/errors";

export const MIN_REMOVE: i32 = 20;     // 2.5 ms: the shortest lag searched (a 400 Hz pitch period)
export const MAX_REMOVE: i32 = 120;    // 15 ms: the longest pitch period of speech (66.7 Hz)
const WINDOW: i32 = 64;                // 8 ms compared at each lag of the 2 kHz copy ...
const FINE_WINDOW: i32 = 32;           // ... and 4 ms at full rate
const FINE_REACH: i32 = 2;             // full-rate lags tried each side of the coarse one
// Scratch the caller lends for the 2 kHz copy (i16).
export const WORK_BYTES: i32 = ((MAX_REMOVE + WINDOW) >> 2) << 1;

// Similarity of x[0..len) with x[lag..lag+len) (i16 samples): corr * |corr| / energy of the later
// segment, which orders lags as their normalised correlation does (the earlier segment is the
// same for all).
function similarity(x: usize, len: i32, lag: i32): i64 {
  let corr: i64 = 0;
  let energy: i64 = 0;
  for (let p = x, end = x + (<usize>len << 1), later = <usize>lag << 1; p < end; p += 2) {
    const b = <i64>load<i16>(p + later);
    corr += <i64>load<i16>(p) * b;
    energy += b * b;
  }
  corr >>= 8;                          // below 2^28: its square fits
  return (corr * (corr < 0 ? -corr : corr)) / ((energy >> 8) + 1);
}

// The lag in lo..hi with the greatest similarity; the longest among equals (so digital silence
// loses as much as allowed).
function bestLag(x: usize, len: i32, lo: i32, hi: i32): i32 {
  let best = lo;
  let bestScore = i64.MIN_VALUE;
  for (let lag = lo; lag <= hi; lag++) {
    const score = similarity(x, len, lag);
    if (score >= bestScore) { bestScore = score; best = lag; }
  }
  return best;
}

// Removes one stretch of max(MIN_REMOVE, least)..min(MAX_REMOVE, excess) samples from the
// `available` samples at pcm, in place, and returns how many (the samples after them move up).
// Returns 0 when no removal fits (excess below the least, or too little audio to compare), E_ARG
// for a null buffer or counts that make no sense; nothing changes then. `work`: WORK_BYTES.
export function accelerateRemove(pcm: usize, available: i32, excess: i32, least: i32, work: usize): i32 {
  if (pcm == 0 || work == 0 || excess < 0 || excess > available) return E_ARG;
  const minLag = max(MIN_REMOVE, least);
  const maxLag = min(min(MAX_REMOVE, excess), min(available - WINDOW, available >> 1));
  if (maxLag < minLag) return 0;
  const quads = (maxLag + WINDOW) >> 2;
  for (let j = 0; j < quads; j++) {
    const p = pcm + (<usize>j << 3);
    const sum = <i32>load<i16>(p) + <i32>load<i16>(p, 2) + <i32>load<i16>(p, 4) + <i32>load<i16>(p, 6);
    store<i16>(work + (<usize>j << 1), <i16>(sum >> 2));
  }
  const coarse = bestLag(work, WINDOW >> 2, (minLag + 3) >> 2, maxLag >> 2) << 2;
  const lag = bestLag(pcm, FINE_WINDOW, max(minLag, coarse - FINE_REACH), min(maxLag, coarse + FINE_REACH));
  // Cross-fade x[0..lag) into x[lag..2 lag): weight 0 on the later period at i = 0, 1 at lag - 1.
  for (let i = 0; i < lag; i++) {
    const a = <i32>load<i16>(pcm + (<usize>i << 1));
    const b = <i32>load<i16>(pcm + (<usize>(i + lag) << 1));
    store<i16>(pcm + (<usize>i << 1), <i16>(a + (((b - a) * ((i << 14) / (lag - 1))) >> 14)));
  }
  memory.copy(pcm + (<usize>lag << 1), pcm + (<usize>lag << 2), <usize>(available - (lag << 1)) << 1);
  return lag;
}
