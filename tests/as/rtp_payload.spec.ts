import { E_ARG, E_MALFORMED, E_NOSPACE, E_TRUNCATED, E_UNSUPPORTED } from "../../assembly/abi/errors";
import { RtpHeader, rtpHeaderNew, rtpParse } from "../../assembly/rtp/packet";
import { RtpPacketiser, packetiserInit, packetiserNew, packetiserSkip, packetiserTalkspurt } from "../../assembly/rtp/packetiser";
import { RtpDepacketiser, depacketiserInit, depacketiserNew } from "../../assembly/rtp/depacketiser";
import { G711_CLOCK_RATE, PT_PCMA, PT_PCMU, g711Receive, g711SamplesPerPacket, g711Send } from "../../assembly/rtp/payload_g711";
import { receiverLost } from "../../assembly/rtp/receiver";

const pcm = memory.data(480);
const pkt = memory.data(600);
const h: RtpHeader = rtpHeaderNew();
const tx: RtpPacketiser = packetiserNew();
const rx: RtpDepacketiser = depacketiserNew();

describe("G.711 packet times (RFC 3551)", () => {
  it("gives 8 samples per millisecond for 10..60 ms", () => {
    expect(g711SamplesPerPacket(20)).toBe(160);
    expect(g711SamplesPerPacket(10)).toBe(80);
    expect(g711SamplesPerPacket(30)).toBe(240);
    expect(g711SamplesPerPacket(60)).toBe(480);
    expect(g711SamplesPerPacket(9)).toBe(E_ARG);
    expect(g711SamplesPerPacket(61)).toBe(E_ARG);
    expect(G711_CLOCK_RATE).toBe(8000);
  });
});

describe("G.711 packetiser", () => {
  it("numbers and stamps packets across both wraps", () => {
    expect(packetiserInit(tx, PT_PCMU, 0x1234, 65534, 0xffffff00)).toBe(0);
    const seqs: i32[] = [65534, 65535, 0, 1];
    const stamps: u32[] = [0xffffff00, 0xffffffa0, 0x40, 0xe0];
    for (let i = 0; i < 4; i++) {
      expect(g711Send(tx, pkt, 600, pcm, 160)).toBe(172);
      expect(rtpParse(pkt, 172, h)).toBe(12);
      expect(h.sequence).toBe(seqs[i]);
      expect(h.timestamp).toBe(stamps[i]);
      expect(h.marker).toBe(0);
      expect(h.payloadType).toBe(0);
      expect(h.ssrc).toBe(0x1234);
    }
    expect(tx.packetCount).toBe(4);
    expect(tx.octetCount).toBe(640);
  });
  it("marks the first packet after silence, and only that one", () => {
    packetiserInit(tx, PT_PCMA, 1, 0, 0);
    g711Send(tx, pkt, 600, pcm, 160);
    expect(packetiserSkip(tx, 480)).toBe(0); // 60 ms not sent
    expect(g711Send(tx, pkt, 600, pcm, 160)).toBe(172);
    rtpParse(pkt, 172, h);
    expect(h.marker).toBe(1);
    expect(h.timestamp).toBe(640);
    expect(h.sequence).toBe(1);       // no gap in sequence numbers for silence
    expect(h.payloadType).toBe(8);
    g711Send(tx, pkt, 600, pcm, 160);
    rtpParse(pkt, 172, h);
    expect(h.marker).toBe(0);
    packetiserTalkspurt(tx);
    g711Send(tx, pkt, 600, pcm, 80);  // a 10 ms packet
    rtpParse(pkt, 92, h);
    expect(h.marker).toBe(1);
    expect(h.timestamp).toBe(960);
    expect(h.payloadLength).toBe(80);
  });
  it("refuses what does not fit and leaves the stream as it was", () => {
    packetiserInit(tx, PT_PCMU, 1, 100, 1000);
    expect(g711Send(tx, pkt, 171, pcm, 160)).toBe(E_NOSPACE);
    expect(g711Send(tx, pkt, 600, pcm, 0)).toBe(E_ARG);
    expect(tx.sequence).toBe(100);
    expect(tx.timestamp).toBe(1000);
    expect(packetiserInit(tx, 128, 1, 0, 0)).toBe(E_ARG);
    expect(packetiserInit(tx, 0, 1, 65536, 0)).toBe(E_ARG);
  });
});

describe("G.711 depacketiser", () => {
  it("takes only its payload type and source, after probation", () => {
    expect(depacketiserInit(rx, PT_PCMU, 8000, 0x1234)).toBe(0);
    packetiserInit(tx, PT_PCMU, 0x1234, 500, 0);
    for (let i = 0; i < 160; i++) store<u8>(pcm + <usize>i, <u8>i);
    let n = g711Send(tx, pkt, 600, pcm, 160);
    expect(g711Receive(rx, pkt, n, 0)).toBe(0);     // probation
    n = g711Send(tx, pkt, 600, pcm, 160);
    expect(g711Receive(rx, pkt, n, 20)).toBe(1);
    expect(rx.sequence).toBe(501);
    expect(rx.timestamp).toBe(160);
    expect(rx.arrival).toBe(160);
    expect(rx.payloadPtr).toBe(pkt + 12);
    expect(rx.payloadLength).toBe(160);
    expect(load<u8>(rx.payloadPtr + 7)).toBe(7);
    // another payload type, another source, a broken header: refused, nothing counted
    store<u8>(pkt + 1, 8);
    expect(g711Receive(rx, pkt, n, 40)).toBe(E_UNSUPPORTED);
    store<u8>(pkt + 1, 0);
    store<u8>(pkt + 11, 0x35);
    expect(g711Receive(rx, pkt, n, 40)).toBe(E_UNSUPPORTED);
    expect(g711Receive(rx, pkt, 5, 40)).toBe(E_TRUNCATED);
    expect(g711Receive(rx, pkt, 12, 40)).toBe(E_UNSUPPORTED);
    expect(rx.stats.received).toBe(1);
    expect(rx.sequence).toBe(501);
  });
  it("locks onto the first source when signalling gave none, and refuses empty payloads", () => {
    depacketiserInit(rx, PT_PCMA, 8000, 0);
    packetiserInit(tx, PT_PCMA, 0x99, 0, 0);
    let n = g711Send(tx, pkt, 600, pcm, 160);
    expect(g711Receive(rx, pkt, n, 0)).toBe(0);
    expect(rx.ssrc).toBe(0x99);
    n = g711Send(tx, pkt, 600, pcm, 160);
    expect(g711Receive(rx, pkt, 12, 20)).toBe(E_MALFORMED);
    expect(g711Receive(rx, pkt, n, 20)).toBe(1);
    tx.sequence = 5; // packets 2..4 lost
    n = g711Send(tx, pkt, 600, pcm, 160);
    expect(g711Receive(rx, pkt, n, 40)).toBe(1);
    expect(receiverLost(rx.stats)).toBe(3);
    expect(rx.extendedSequence).toBe(5);
  });
});
