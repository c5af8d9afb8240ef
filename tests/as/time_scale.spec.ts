// Time-scale compression in the image (assembly/codec/time_scale.ts): how much one call removes
// on every kind of audio, exactness on periodic signals, no click at the seam, and bad arguments.
// (How it sounds through the whole media session, on real speech, is tests/node/media-accelerate.test.ts.)
import { accelerateRemove, MIN_REMOVE, MAX_REMOVE, WORK_BYTES } from "../../assembly/codec/time_scale";
import { E_ARG } from "../../assembly/abi/errors";

const CAP: i32 = 400;
const buf = memory.data(CAP * 2, 2);
const orig = memory.data(CAP * 2, 2);
const FRAME: i32 = 160;
const work = memory.data(WORK_BYTES, 8);
function remove(pcm: usize, available: i32, excess: i32, least: i32 = MIN_REMOVE): i32 {
  return accelerateRemove(pcm, available, excess, least, work);
}

function get(p: usize, i: i32): i32 { return <i32>load<i16>(p + (<usize>i << 1)); }
function set(p: usize, i: i32, v: i32): void { store<i16>(p + (<usize>i << 1), <i16>v); }

let seed: u32 = 12345;
function noise(): i32 { seed = seed * 1103515245 + 12345; return <i32>((seed >> 16) & 0xffff) - 32768; }

// sin of a phase in 1/65536 of a turn, scaled to amp: Bhaskara I's approximation (within 0.2%).
function sine(phase: u32, amp: i32): i32 {
  const p = <i32>(phase & 0xffff);
  const half = p >= 32768;
  const d = <i64>((half ? p - 32768 : p) * 180 / 32768);   // degrees in one half turn
  const x = d * (180 - d);
  const v = <i32>((<i64>amp * 4 * x) / (40500 - x));
  return half ? -v : v;
}

const KIND_SPEECH = 0, KIND_TONE = 1, KIND_NOISE = 2, KIND_SILENCE = 3;

// Fills buf (and orig) with n samples of one kind of audio.
function fill(kind: i32, n: i32): void {
  let y1: i32 = 0, y2: i32 = 0;
  for (let i = 0; i < n; i++) {
    let v = 0;
    if (kind == KIND_SPEECH) {
      // A glottal pulse every 57 samples (140 Hz) through a resonance near 700 Hz, with slow
      // amplitude movement: voiced speech in shape, not an exact period (the pitch drifts).
      const pulse = (i % (57 + (i >> 7))) == 0 ? 12000 : 0;
      const y = pulse + ((y1 * 53500) >> 15) - ((y2 * 29500) >> 15);
      y2 = y1; y1 = y;
      v = y;
    } else if (kind == KIND_TONE) {
      v = sine(<u32>(i * 3604), 12000);   // 440 Hz at 8 kHz: 65536 * 440 / 8000 = 3604.5
    } else if (kind == KIND_NOISE) {
      v = noise() >> 2;
    } else {
      v = (noise() >> 14);                // -66 dBFS: silence as a microphone gives it
    }
    v = max(-32768, min(32767, v));
    set(buf, i, v);
    set(orig, i, v);
  }
}

function largestStep(p: usize, from: i32, to: i32): i32 {
  let most = 0;
  for (let i = from; i + 1 < to; i++) most = max(most, abs(get(p, i + 1) - get(p, i)));
  return most;
}

function unchanged(n: i32): bool {
  for (let i = 0; i < n; i++) if (get(buf, i) != get(orig, i)) return false;
  return true;
}

describe("accelerateRemove", () => {
  it("removes between MIN_REMOVE and min(MAX_REMOVE, excess) samples from any audio", () => {
    const excesses: StaticArray<i32> = [20, 21, 37, 40, 57, 80, 119, 160, 180];
    for (let kind = KIND_SPEECH; kind <= KIND_SILENCE; kind++) {
      for (let e = 0; e < excesses.length; e++) {
        const excess = excesses[e];
        const available = FRAME + excess;
        fill(kind, available);
        const removed = remove(buf, available, excess);
        expect(removed).toBeGreaterThanOrEqual(MIN_REMOVE, `kind ${kind} excess ${excess}`);
        expect(removed).toBeLessThanOrEqual(min(MAX_REMOVE, excess), `kind ${kind} excess ${excess}`);
        // A caller that is behind on its drain asks for more than the shortest lag.
        if (excess < 40) continue;
        fill(kind, available);
        const more = remove(buf, available, excess, 40);
        expect(more).toBeGreaterThanOrEqual(40, `kind ${kind} excess ${excess} least 40`);
        expect(more).toBeLessThanOrEqual(min(MAX_REMOVE, excess));
      }
    }
  });

  it("finds a 440 Hz tone's whole periods whatever the range allows", () => {
    // 18.18 samples a period: 36.4 (2), 54.5 (3), 72.7 (4), 90.9 (5), 109.1 (6).
    const ranges: StaticArray<i32> = [20, 50, 40, 60, 20, 120, 55, 80];
    for (let r = 0; r < ranges.length; r += 2) {
      const available = FRAME + ranges[r + 1];
      fill(KIND_TONE, available);
      const removed = remove(buf, available, ranges[r + 1], ranges[r]);
      const periods = removed * 440;
      const offBy = abs(periods - ((periods + 4000) / 8000) * 8000);
      expect(offBy).toBeLessThanOrEqual(8000 / 20, `range ${ranges[r]}..${ranges[r + 1]}: removed ${removed}`);
    }
  });

  it("removes the longest allowed stretch from digital silence", () => {
    memory.fill(buf, 0, CAP * 2);
    expect(remove(buf, FRAME + 100, 100)).toBe(100);
    expect(remove(buf, FRAME + 160, 160)).toBe(MAX_REMOVE);
    expect(remove(buf, FRAME + 37, 37)).toBe(37);
  });

  it("removes whole periods of a periodic signal and leaves every sample exact", () => {
    const periods: StaticArray<i32> = [20, 23, 41, 57, 64, 80, 101, 120];
    for (let k = 0; k < periods.length; k++) {
      const period = periods[k];
      // One period of noise, repeated: nothing but whole periods correlate perfectly.
      seed = <u32>(period * 7919);
      for (let i = 0; i < period; i++) { const v = noise() >> 2; set(buf, i, v); }
      const available = 2 * FRAME;
      for (let i = period; i < available; i++) set(buf, i, get(buf, i - period));
      for (let i = 0; i < available; i++) set(orig, i, get(buf, i));
      const removed = remove(buf, available, available - FRAME);
      expect(removed % period).toBe(0, `period ${period} removed ${removed}`);
      expect(removed).toBeGreaterThan(0);
      for (let i = 0; i < available - removed; i++) expect(get(buf, i)).toBe(get(orig, i + removed), `period ${period} sample ${i}`);
    }
  });

  it("keeps a 440 Hz tone's waveform continuous: no step larger than the tone's own", () => {
    const available = FRAME + 160;
    fill(KIND_TONE, available);
    const own = largestStep(orig, 0, available);
    const removed = remove(buf, available, 160);
    // 440 Hz has a period of 18.2 samples: a whole number of periods is (close to) a multiple.
    const periods = removed * 440;
    const offBy = abs(periods - ((periods + 4000) / 8000) * 8000);
    expect(offBy).toBeLessThanOrEqual(8000 / 4, `removed ${removed}: a quarter period off at most`);
    expect(largestStep(buf, 0, available - removed)).toBeLessThanOrEqual(own + 2);
    // After the seam the tone continues exactly as it was, shifted.
    for (let i = 2 * removed; i < available; i++) expect(get(buf, i - removed)).toBe(get(orig, i));
  });

  it("makes no click where no lag matches exactly: two tones, speech-like audio, at many phases", () => {
    // 300 Hz + 470 Hz share no period in the lag range, and the pulse train's period drifts:
    // the best lag leaves a mismatch that a cut would turn into a step; the cross-fade spreads it.
    let worst = 0;
    for (let phase = 0; phase < 16; phase++) {
      for (let kind = 0; kind < 2; kind++) {
        const excess = 20 + phase * 9;
        const available = FRAME + excess;
        if (kind == 0) {
          for (let i = 0; i < available; i++) {
            const t = i + phase * 13;
            const v = sine(<u32>(t * 2458), 9000) + sine(<u32>(t * 3850), 7000);
            set(buf, i, v); set(orig, i, v);
          }
        } else {
          fill(KIND_SPEECH, available + phase * 11);
          memory.copy(buf, buf + (<usize>(phase * 11) << 1), <usize>available << 1);
          memory.copy(orig, buf, <usize>available << 1);
        }
        const own = largestStep(orig, 0, available);
        const removed = remove(buf, available, excess);
        const step = largestStep(buf, 0, available - removed);
        worst = max(worst, step * 100 / own);
        expect(step).toBeLessThanOrEqual(own + own / 10, `kind ${kind} phase ${phase} removed ${removed}`);
      }
    }
    log<string>("largest step after removal, % of the signal's own: " + worst.toString());
  });

  it("removes nothing, without trapping, for arguments that leave no room or make no sense", () => {
    fill(KIND_SPEECH, 300);
    expect(remove(buf, 300, MIN_REMOVE - 1)).toBe(0);   // too little excess
    expect(remove(buf, 60, 40)).toBe(0);                 // too little to compare
    expect(remove(buf, 300, 50, 51)).toBe(0);             // less excess than the least asked
    expect(remove(buf, 300, 140, MAX_REMOVE + 1)).toBe(0);  // more than any removal
    expect(remove(buf, 0, 0)).toBe(0);
    expect(remove(0, 300, 140)).toBe(E_ARG);
    expect(accelerateRemove(buf, 300, 140, MIN_REMOVE, 0)).toBe(E_ARG);
    expect(remove(buf, -1, 20)).toBe(E_ARG);
    expect(remove(buf, 100, -5)).toBe(E_ARG);
    expect(remove(buf, 100, 101)).toBe(E_ARG);
    expect(unchanged(300)).toBe(true);
  });
});
