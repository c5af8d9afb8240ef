// How closely received speech matches what was sent, for tests and reports.
//
// A jitter buffer may stretch or shrink playout between talkspurts, so one lag for a whole call
// would be wrong. Instead each 200 ms segment of the sent signal that carries speech is matched
// at its best lag (0..maxLag samples) in the received one. Measures: the mean normalised
// correlation over speech segments, and the median segment SNR at those lags.
export interface SpeechMatch {
  /** Speech segments compared (pauses are skipped). */
  segments: number;
  /** Mean normalised correlation, -1..1 (1: the same waveform). */
  correlation: number;
  /** Median SNR of the segments at their best lags, in dB. */
  snrDb: number;
  /** Largest best lag found, in samples (how late the receiver played). */
  maxLag: number;
}

export function matchSpeech(sent: Int16Array, received: Int16Array, maxLag: number, segment = 1600): SpeechMatch {
  let energy = 0;
  for (const x of sent) energy += x * x;
  const floor = (energy / Math.max(1, sent.length)) * segment * 0.05;   // quieter segments are pauses
  const snrs: number[] = [], corrs: number[] = [];
  let largestLag = 0;
  for (let start = 0; start + segment <= sent.length; start += segment) {
    let xx = 0;
    for (let i = start; i < start + segment; i++) xx += sent[i] * sent[i];
    if (xx < floor || xx === 0) continue;
    let bestLag = 0, bestCorr = -1;
    for (let lag = 0; lag <= maxLag && start + lag + segment <= received.length; lag++) {
      let xy = 0, yy = 0;
      for (let i = start; i < start + segment; i++) { const y = received[i + lag]; xy += sent[i] * y; yy += y * y; }
      const corr = xy / Math.sqrt(xx * yy || 1);
      if (corr > bestCorr) { bestCorr = corr; bestLag = lag; }
    }
    let err = 0;
    for (let i = start; i < start + segment; i++) { const d = sent[i] - (received[i + bestLag] ?? 0); err += d * d; }
    snrs.push(10 * Math.log10(xx / (err || 1)));
    corrs.push(bestCorr);
    largestLag = Math.max(largestLag, bestLag);
  }
  snrs.sort((a, b) => a - b);
  return {
    segments: snrs.length,
    correlation: corrs.length ? corrs.reduce((a, b) => a + b, 0) / corrs.length : 0,
    snrDb: snrs.length ? snrs[snrs.length >> 1] : -Infinity,
    maxLag: largestLag,
  };
}
