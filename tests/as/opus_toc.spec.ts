// The TOC byte read as RFC 6716 section 3.1 (Table 2) defines it, and a few packets of each code.
// tests/node/opus-toc.test.ts checks whole packets against libopus.
import {
  OPUS_BANDWIDTH_FB, OPUS_BANDWIDTH_MB, OPUS_BANDWIDTH_NB, OPUS_BANDWIDTH_SWB, OPUS_BANDWIDTH_WB,
  OPUS_MODE_CELT, OPUS_MODE_HYBRID, OPUS_MODE_SILK, opusPacketFrameCount, opusPacketParse,
  opusPacketSamples, opusTocBandwidth, opusTocFrameSamples, opusTocMode, opusTocStereo,
} from "../../assembly/codec/opus_toc";
import { E_MALFORMED, E_TRUNCATED } from "../../assembly/abi/errors";

const packet = memory.data(64);
const frames = memory.data(64, 2);
const toc = (config: i32, stereo: i32, code: i32): i32 => (config << 3) | (stereo << 2) | code;

function put(bytes: StaticArray<u8>): i32 {
  for (let i = 0; i < bytes.length; i++) store<u8>(packet + i, bytes[i]);
  return bytes.length;
}

describe("TOC byte", () => {
  it("gives mode, bandwidth and frame duration for each configuration range", () => {
    expect(opusTocMode(toc(0, 0, 0))).toBe(OPUS_MODE_SILK);
    expect(opusTocBandwidth(toc(0, 0, 0))).toBe(OPUS_BANDWIDTH_NB);
    expect(opusTocFrameSamples(toc(0, 0, 0))).toBe(480);       // 10 ms
    expect(opusTocBandwidth(toc(5, 0, 0))).toBe(OPUS_BANDWIDTH_MB);
    expect(opusTocFrameSamples(toc(7, 0, 0))).toBe(2880);      // 60 ms
    expect(opusTocBandwidth(toc(11, 0, 0))).toBe(OPUS_BANDWIDTH_WB);
    expect(opusTocFrameSamples(toc(10, 0, 0))).toBe(1920);     // 40 ms
    expect(opusTocMode(toc(12, 0, 0))).toBe(OPUS_MODE_HYBRID);
    expect(opusTocBandwidth(toc(13, 0, 0))).toBe(OPUS_BANDWIDTH_SWB);
    expect(opusTocBandwidth(toc(14, 0, 0))).toBe(OPUS_BANDWIDTH_FB);
    expect(opusTocFrameSamples(toc(15, 0, 0))).toBe(960);      // 20 ms
    expect(opusTocMode(toc(16, 0, 0))).toBe(OPUS_MODE_CELT);
    expect(opusTocBandwidth(toc(19, 0, 0))).toBe(OPUS_BANDWIDTH_NB);
    expect(opusTocFrameSamples(toc(16, 0, 0))).toBe(120);      // 2.5 ms
    expect(opusTocBandwidth(toc(20, 0, 0))).toBe(OPUS_BANDWIDTH_WB);
    expect(opusTocBandwidth(toc(27, 0, 0))).toBe(OPUS_BANDWIDTH_SWB);
    expect(opusTocBandwidth(toc(31, 0, 0))).toBe(OPUS_BANDWIDTH_FB);
    expect(opusTocFrameSamples(toc(29, 0, 0))).toBe(240);      // 5 ms
    expect(opusTocStereo(toc(31, 1, 0))).toBe(true);
    expect(opusTocStereo(toc(31, 0, 3))).toBe(false);
  });
});

describe("packets", () => {
  it("code 0: one frame of the whole payload", () => {
    const len = put([<u8>toc(1, 0, 0), 1, 2, 3]);
    expect(opusPacketParse(packet, len, frames, 48)).toBe(1);
    expect(load<u16>(frames)).toBe(1);
    expect(load<u16>(frames + 2)).toBe(3);
    expect(opusPacketSamples(packet, len)).toBe(960);
  });
  it("code 1: two equal frames, odd payloads refused", () => {
    expect(opusPacketFrameCount(packet, put([<u8>toc(31, 0, 1), 1, 2, 3, 4]))).toBe(2);
    expect(opusPacketFrameCount(packet, put([<u8>toc(31, 0, 1), 1, 2, 3]))).toBe(E_MALFORMED);
  });
  it("code 2: a two-byte first length (4 x second + first)", () => {
    // 253 + 4 * 0 = 253 bytes announced, but only 2 follow.
    expect(opusPacketFrameCount(packet, put([<u8>toc(31, 0, 2), 253, 0, 1, 2]))).toBe(E_TRUNCATED);
    const len = put([<u8>toc(31, 0, 2), 2, 9, 9, 7]);
    expect(opusPacketParse(packet, len, frames, 48)).toBe(2);
    expect(load<u16>(frames + 2)).toBe(2);
    expect(load<u16>(frames + 4)).toBe(4);    // second frame starts after the first
    expect(load<u16>(frames + 6)).toBe(1);
  });
  it("code 3: VBR with padding, and the 120 ms limit", () => {
    // 3 frames, VBR and padded: 2 bytes of padding, lengths 1 and 2, then the last frame of 1.
    const len = put([<u8>toc(31, 0, 3), 0xC3, 2, 1, 2, 0xA, 0xB, 0xB, 0xC, 0, 0]);
    expect(opusPacketParse(packet, len, frames, 48)).toBe(3);
    expect(load<u16>(frames + 0)).toBe(5);
    expect(load<u16>(frames + 4)).toBe(6);
    expect(load<u16>(frames + 8)).toBe(8);
    expect(load<u16>(frames + 10)).toBe(1);
    expect(opusPacketSamples(packet, len)).toBe(2880);
    expect(opusPacketSamples(packet, put([<u8>toc(3, 0, 3), 2]))).toBe(5760);   // 2 x 60 ms
    expect(opusPacketSamples(packet, put([<u8>toc(3, 0, 3), 3]))).toBe(E_MALFORMED);
  });
});
