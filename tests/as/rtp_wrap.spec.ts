import { seqDelta, seqExtend, seqNewer, tsDelta, tsNewer } from "../../assembly/rtp/wrap";
import { rtpUnitsFromMs } from "../../assembly/rtp/receiver";

describe("rtp sequence and timestamp arithmetic across the wrap", () => {
  it("16-bit sequence differences are signed and wrap", () => {
    expect(seqDelta(0, 65535)).toBe(1);
    expect(seqDelta(65535, 0)).toBe(-1);
    expect(seqDelta(10, 65530)).toBe(16);
    expect(seqDelta(32767, 0)).toBe(32767);
    expect(seqDelta(32768, 0)).toBe(-32768);
    expect(seqNewer(0, 65535)).toBe(true);
    expect(seqNewer(65535, 0)).toBe(false);
    expect(seqNewer(7, 7)).toBe(false);
  });
  it("every pair one step apart compares the same way all around the circle", () => {
    let wrong = 0;
    for (let a = 0; a < 65536; a++) {
      const b = (a + 1) & 0xffff;
      if (!seqNewer(b, a) || seqNewer(a, b) || seqDelta(b, a) != 1) wrong++;
    }
    expect(wrong).toBe(0);
  });
  it("32-bit timestamp differences are signed and wrap", () => {
    expect(tsDelta(5, 0xfffffffb)).toBe(10);
    expect(tsDelta(0xfffffffb, 5)).toBe(-10);
    expect(tsNewer(160, 0xffffff60)).toBe(true);
    expect(tsNewer(0xffffff60, 160)).toBe(false);
  });
  it("extends sequence numbers to the cycle nearest a reference", () => {
    expect(seqExtend(65535, 0)).toBe(65536);
    expect(seqExtend(65536 + 10, 65530)).toBe(65530);
    expect(seqExtend(0x2fff0, 0x0005)).toBe(0x30005);
    expect(seqExtend(0x30005, 0xfff0)).toBe(0x2fff0);
    expect(seqExtend(1000, 1000)).toBe(1000);
    // just before the first packet of a stream: wraps below zero like the counters do
    expect(seqExtend(5, 65530)).toBe(0xfffffffa);
  });
  it("converts a millisecond clock to RTP units consistently across its wrap", () => {
    expect(rtpUnitsFromMs(1000, 8000)).toBe(8000);
    expect(rtpUnitsFromMs(20, 48000)).toBe(960);
    expect(rtpUnitsFromMs(0, 48000) - rtpUnitsFromMs(0xffffffff, 48000)).toBe(48);
    expect(rtpUnitsFromMs(0, 8000) - rtpUnitsFromMs(0xfffffff6, 8000)).toBe(80);
    expect(rtpUnitsFromMs(1000, 44100)).toBe(44100);
  });
});
