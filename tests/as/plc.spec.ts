// G.711 loss concealment in the image (assembly/codec/g711_plc.ts): state and argument errors,
// the fixed 3.75 ms delay, and the shape of a concealed frame (speech quality itself is measured
// against spandsp with PESQ in tests/node/plc.test.ts).
import { plcInit, plcReceive, plcConceal, DELAY, MAX_FRAME } from "../../assembly/codec/g711_plc";
import { OK, E_ARG, E_STATE } from "../../assembly/abi/errors";

const buf = memory.data(2 * 512, 2);
const FRAME = 160;

function sample(i: i32): i16 { return load<i16>(buf + (<usize>i << 1)); }
function fillPeriodic(start: i32, period: i32): void {
  // A sawtooth of the given period, continuous across frames (start = absolute sample index).
  for (let i = 0; i < FRAME; i++) store<i16>(buf + (<usize>i << 1), <i16>((((start + i) % period) - (period >> 1)) * 200));
}

describe("G.711 PLC", () => {
  it("refuses to run before init and refuses bad frame sizes", () => {
    expect(plcReceive(buf, FRAME)).toBe(E_STATE);
    expect(plcConceal(buf, FRAME)).toBe(E_STATE);
    expect(plcInit()).toBe(OK);
    expect(plcReceive(buf, DELAY - 1)).toBe(E_ARG);
    expect(plcReceive(buf, MAX_FRAME + 1)).toBe(E_ARG);
    expect(plcConceal(0, FRAME)).toBe(E_ARG);
  });

  it("passes good frames through exactly, DELAY samples late", () => {
    plcInit();
    fillPeriodic(0, 57);
    const first = sample(0);
    expect(plcReceive(buf, FRAME)).toBe(FRAME);
    for (let i = 0; i < DELAY; i++) expect(sample(i)).toBe(0);   // silence before the stream
    expect(sample(DELAY)).toBe(first);
    fillPeriodic(FRAME, 57);
    expect(plcReceive(buf, FRAME)).toBe(FRAME);
    // Output sample i of the second frame is input sample FRAME + i - DELAY.
    expect(sample(DELAY)).toBe(<i16>((((FRAME) % 57) - 28) * 200));
  });

  it("continues a periodic signal through a lost frame and fades out over a long loss", () => {
    plcInit();
    for (let f = 0; f < 6; f++) { fillPeriodic(f * FRAME, 64); plcReceive(buf, FRAME); }
    expect(plcConceal(buf, FRAME)).toBe(FRAME);
    // After the DELAY samples still owed from the real signal, the repetition starts; with a
    // period the pitch search can find exactly, it continues the sawtooth closely.
    let err: i64 = 0, sig: i64 = 0;
    for (let i = DELAY; i < DELAY + 80; i++) {
      const want = <i32>((((6 * FRAME + i - DELAY) % 64) - 32) * 200);
      const got = <i32>sample(i);
      err += <i64>((want - got) * (want - got));
      sig += <i64>(want * want);
    }
    expect(err * 10).toBeLessThan(sig);                           // better than 10 dB
    for (let f = 0; f < 4; f++) plcConceal(buf, FRAME);             // 100 ms lost in all
    let peak = 0;
    for (let i = 0; i < FRAME; i++) peak = max(peak, abs<i32>(sample(i)));
    expect(peak).toBe(0);
  });
});
