import {
  PACKET_COUNTED, PACKET_PROBATION, RtpReceiverStats, receiverExpected, receiverExtendedMax, receiverJitter,
  receiverLost, receiverReset, receiverStatsNew, receiverTakeFractionLost, receiverUpdate,
} from "../../assembly/rtp/receiver";

const s: RtpReceiverStats = receiverStatsNew();

// Packets of a 20 ms, 8 kHz stream arriving exactly on time (transit constant).
function onTime(seq: i32, index: i32): i32 {
  return receiverUpdate(s, seq & 0xffff, <u32>(index * 160), <u32>(index * 160 + 1000));
}

describe("rtp receiver statistics (RFC 3550 A.1, A.3, A.8)", () => {
  it("holds a new source on probation until two packets come in sequence", () => {
    receiverReset(s);
    expect(onTime(100, 0)).toBe(PACKET_PROBATION);
    expect(receiverExpected(s)).toBe(0);
    expect(onTime(101, 1)).toBe(PACKET_COUNTED);
    expect(s.received).toBe(1);
    expect(receiverExpected(s)).toBe(1);
    expect(onTime(102, 2)).toBe(PACKET_COUNTED);
    expect(receiverLost(s)).toBe(0);
  });
  it("starts probation over when the second packet is out of sequence", () => {
    receiverReset(s);
    expect(onTime(100, 0)).toBe(PACKET_PROBATION);
    expect(onTime(300, 1)).toBe(PACKET_PROBATION);
    expect(onTime(301, 2)).toBe(PACKET_COUNTED);
    expect(s.baseSeq).toBe(301);
  });
  it("counts sequence cycles across the wrap", () => {
    receiverReset(s);
    for (let i = 0; i < 20; i++) onTime(65530 + i, i);
    expect(receiverExtendedMax(s)).toBe(65536 + 13);
    expect(receiverExpected(s)).toBe(19);
    expect(s.received).toBe(19);
    expect(receiverLost(s)).toBe(0);
  });
  it("counts loss, and the fraction lost per interval", () => {
    receiverReset(s);
    for (let i = 0; i < 10; i++) onTime(i, i);     // 9 counted after probation
    expect(receiverTakeFractionLost(s)).toBe(0);
    for (let i = 10; i < 30; i++) if (i % 4 != 0) onTime(i, i); // 5 of 20 lost
    expect(receiverLost(s)).toBe(5);
    expect(receiverTakeFractionLost(s)).toBe((5 * 256) / 20);
    onTime(30, 30);
    expect(receiverTakeFractionLost(s)).toBe(0);
  });
  it("makes cumulative loss negative for duplicates and the fraction zero", () => {
    receiverReset(s);
    for (let i = 0; i < 5; i++) onTime(i, i);
    receiverTakeFractionLost(s);
    expect(onTime(4, 4)).toBe(PACKET_COUNTED);
    expect(onTime(4, 4)).toBe(PACKET_COUNTED);
    expect(receiverLost(s)).toBe(-2);
    expect(receiverTakeFractionLost(s)).toBe(0);
  });
  it("takes late packets within the misorder window without moving the highest", () => {
    receiverReset(s);
    for (let i = 0; i < 5; i++) onTime(i, i);
    onTime(7, 7);
    expect(receiverLost(s)).toBe(2);
    onTime(5, 5);
    onTime(6, 6);
    expect(receiverExtendedMax(s)).toBe(7);
    expect(receiverLost(s)).toBe(0);
  });
  it("believes a big jump only when the next packet follows it", () => {
    receiverReset(s);
    for (let i = 0; i < 5; i++) onTime(i, i);
    expect(onTime(20000, 5)).toBe(PACKET_PROBATION);
    expect(onTime(5, 6)).toBe(PACKET_COUNTED);      // the old stream goes on
    expect(onTime(30000, 7)).toBe(PACKET_PROBATION);
    expect(onTime(30001, 8)).toBe(PACKET_COUNTED);   // confirmed: restart
    expect(s.baseSeq).toBe(30001);
    expect(s.received).toBe(1);
    expect(receiverExpected(s)).toBe(1);
  });
  it("clamps cumulative loss to the signed 24-bit field", () => {
    receiverReset(s);
    onTime(0, 0); onTime(1, 1);
    // a loss of 2000 packets, 4500 times over, stays within MAX_DROPOUT each step
    for (let k = 1; k <= 4500; k++) onTime((1 + k * 2000) & 0xffff, 1 + k);
    expect(receiverLost(s)).toBe(0x7fffff);
  });
  it("keeps jitter at zero for a steady stream and near the spread for an alternating one", () => {
    receiverReset(s);
    for (let i = 0; i < 50; i++) onTime(i, i);
    expect(receiverJitter(s)).toBe(0);
    // arrivals alternately 10 ms late (80 units): |D| is 80 every packet, J tends to 80
    receiverReset(s);
    for (let i = 0; i < 400; i++) receiverUpdate(s, i, <u32>(i * 160), <u32>(i * 160 + (i & 1) * 80));
    expect(receiverJitter(s)).toBeGreaterThanOrEqual(79);
    expect(receiverJitter(s)).toBeLessThanOrEqual(80);
  });
  it("computes jitter across the timestamp and arrival wraps", () => {
    receiverReset(s);
    for (let i = 0; i < 400; i++) {
      const ts = <u32>0xffff0000 + <u32>(i * 160);
      receiverUpdate(s, (65500 + i) & 0xffff, ts, <u32>0xfffff000 + <u32>(i * 160) + <u32>((i & 1) * 80));
    }
    expect(receiverJitter(s)).toBeGreaterThanOrEqual(79);
    expect(receiverJitter(s)).toBeLessThanOrEqual(80);
  });
});
