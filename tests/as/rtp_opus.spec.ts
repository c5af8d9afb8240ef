import { E_MALFORMED, E_NOSPACE, E_TRUNCATED } from "../../assembly/abi/errors";
import { RtpHeader, rtpHeaderNew, rtpParse } from "../../assembly/rtp/packet";
import { RtpPacketiser, packetiserInit, packetiserNew, packetiserSkip } from "../../assembly/rtp/packetiser";
import { RtpDepacketiser, depacketiserInit, depacketiserNew } from "../../assembly/rtp/depacketiser";
import { OPUS_CLOCK_RATE, PT_OPUS_DEFAULT, opusReceive, opusSend } from "../../assembly/rtp/payload_opus";

const opus = memory.data(64);
const pkt = memory.data(200);
const h: RtpHeader = rtpHeaderNew();
const tx: RtpPacketiser = packetiserNew();
const rx: RtpDepacketiser = depacketiserNew();

// Opus packets built by hand from the TOC layout of RFC 6716 3.1: config (5 bits), stereo,
// frame-count code (2 bits).
function opusPacket(toc: i32, length: i32): i32 {
  store<u8>(opus, <u8>toc);
  for (let i = 1; i < length; i++) store<u8>(opus + <usize>i, <u8>(i * 7));
  return length;
}

describe("Opus over RTP (RFC 7587)", () => {
  it("advances the 48 kHz timestamp by each packet's duration, whatever the coded rate", () => {
    expect(OPUS_CLOCK_RATE).toBe(48000);
    expect(packetiserInit(tx, PT_OPUS_DEFAULT, 0xabc, 0, 1000)).toBe(0);
    // config 1: SILK narrowband 20 ms, code 0: one frame -> 960
    let n = opusSend(tx, pkt, 200, opus, opusPacket(1 << 3, 20));
    expect(n).toBe(32);
    expect(rtpParse(pkt, n, h)).toBe(12);
    expect(h.payloadType).toBe(111);
    expect(h.timestamp).toBe(1000);
    // config 16: CELT narrowband 2.5 ms, code 1: two equal frames -> 240
    n = opusSend(tx, pkt, 200, opus, opusPacket((16 << 3) | 1, 21));
    rtpParse(pkt, n, h);
    expect(h.timestamp).toBe(1960);
    // config 3: SILK narrowband 60 ms, code 0 -> 2880
    n = opusSend(tx, pkt, 200, opus, opusPacket(3 << 3, 10));
    rtpParse(pkt, n, h);
    expect(h.timestamp).toBe(2200);
    n = opusSend(tx, pkt, 200, opus, opusPacket(1 << 3, 3));
    rtpParse(pkt, n, h);
    expect(h.timestamp).toBe(5080);
    expect(h.sequence).toBe(3);
  });
  it("marks the first packet after DTX silence", () => {
    packetiserInit(tx, PT_OPUS_DEFAULT, 1, 0, 0);
    opusSend(tx, pkt, 200, opus, opusPacket(1 << 3, 20));
    packetiserSkip(tx, 960 * 10);
    const n = opusSend(tx, pkt, 200, opus, opusPacket(1 << 3, 20));
    rtpParse(pkt, n, h);
    expect(h.marker).toBe(1);
    expect(h.timestamp).toBe(960 * 11);
  });
  it("refuses a payload that is not one valid Opus packet, and a full buffer", () => {
    packetiserInit(tx, PT_OPUS_DEFAULT, 1, 7, 0);
    expect(opusSend(tx, pkt, 200, opus, 0)).toBeLessThan(0);
    // code 1 (two equal frames) needs an even number of bytes after the TOC: R3
    expect(opusSend(tx, pkt, 200, opus, opusPacket((1 << 3) | 1, 4))).toBe(E_MALFORMED);
    // code 2 with no length byte
    expect(opusSend(tx, pkt, 200, opus, opusPacket((1 << 3) | 2, 1))).toBeLessThan(0);
    expect(opusSend(tx, pkt, 20, opus, opusPacket(1 << 3, 20))).toBe(E_NOSPACE);
    expect(tx.sequence).toBe(7);
    expect(tx.timestamp).toBe(0);
  });
  it("receives only valid Opus payloads and counts only them", () => {
    depacketiserInit(rx, PT_OPUS_DEFAULT, 48000, 0x55);
    packetiserInit(tx, PT_OPUS_DEFAULT, 0x55, 100, 0);
    let n = opusSend(tx, pkt, 200, opus, opusPacket(1 << 3, 20));
    expect(opusReceive(rx, pkt, n, 0)).toBe(0);
    n = opusSend(tx, pkt, 200, opus, opusPacket(1 << 3, 20));
    expect(opusReceive(rx, pkt, n, 20)).toBe(1);
    expect(rx.timestamp).toBe(960);
    expect(rx.arrival).toBe(960);
    expect(rx.payloadLength).toBe(20);
    n = opusSend(tx, pkt, 200, opus, opusPacket(1 << 3, 20));
    store<u8>(pkt + 12, (1 << 3) | 1);  // now code 1 with 19 bytes after the TOC: malformed
    expect(opusReceive(rx, pkt, n, 40)).toBe(E_MALFORMED);
    expect(opusReceive(rx, pkt, 12, 40)).toBeLessThan(0);
    expect(opusReceive(rx, pkt, 3, 40)).toBe(E_TRUNCATED);
    expect(rx.stats.received).toBe(1);
    expect(rx.sequence).toBe(101);
  });
});
