// The delay window (assembly/jitter/delay_window.ts): when a path gets shorter it forgets the
// old path's delays, and only then.
import { DelayWindow, delayWindowCreate, delayWindowClear, delayWindowAdd, delayWindowCount, delayWindowQuantileMs, delayWindowLateCount, WINDOW } from "../../assembly/jitter/delay_window";

const w: DelayWindow = delayWindowCreate()!;

function feed(n: i32, low: i32, spread: i32): void {
  for (let i = 0; i < n; i++) delayWindowAdd(w, low + (i * 7) % spread);
}

describe("delay window: a shorter path", () => {
  it("is forgotten after 128 samples well below the median, wherever the ring's head is", () => {
    // 1,000 first: the last 128 samples then wrap round the ring's end; 1,100: they do not.
    for (let first = 1000; first <= 1100; first += 100) {
      delayWindowClear(w);
      feed(first, 120, 5);
      feed(127, 60, 5);
      expect(delayWindowCount(w)).toBe(WINDOW, "127 low samples are not yet a new path");
      expect(delayWindowQuantileMs(w)).toBeGreaterThanOrEqual(120);
      feed(1, 60, 5);
      expect(delayWindowCount(w)).toBe(128);
      // What is left is the new path only: its quantile, and nothing late above 70 ms.
      expect(delayWindowQuantileMs(w)).toBeLessThanOrEqual(68);
      expect(delayWindowQuantileMs(w)).toBeGreaterThanOrEqual(60);
      expect(delayWindowLateCount(w, 70)).toBe(0);
      expect(delayWindowLateCount(w, 40)).toBe(128);
    }
  });

  it("is not read into wide stationary jitter, a few low samples in a row, or a delay spike", () => {
    delayWindowClear(w);
    // Half the samples 40 ms below the rest, alternating: a wide but stationary spread.
    for (let i = 0; i < 3000; i++) delayWindowAdd(w, i & 1 ? 100 : 60);
    expect(delayWindowCount(w)).toBe(WINDOW);
    // A dip of 100 low samples, then the old path again.
    feed(100, 40, 3);
    feed(200, 100, 3);
    expect(delayWindowCount(w)).toBe(WINDOW);
    // A 600 ms spike: a queue that builds at once and drains at real time (30 packets above).
    for (let i = 0; i < 30; i++) delayWindowAdd(w, 100 + 600 - i * 20);
    expect(delayWindowCount(w)).toBe(WINDOW);
  });
});

describe("delay window: a longer path", () => {
  it("is followed after 32 samples above the old high quantile, though the quantile moves up after a few", () => {
    delayWindowClear(w);
    feed(2000, 60, 11);
    feed(31, 100, 11);
    expect(delayWindowCount(w)).toBe(WINDOW, "31 high samples are not yet a new path");
    feed(1, 100, 11);
    expect(delayWindowCount(w)).toBe(32);
    expect(delayWindowLateCount(w, 90)).toBe(32);
    expect(delayWindowLateCount(w, 112)).toBe(0);
  });
});
