import { E_ARG, E_MALFORMED, E_NOSPACE, E_TRUNCATED, E_UNSUPPORTED } from "../../assembly/abi/errors";
import { RtpHeader, rtpCsrc, rtpHeaderNew, rtpParse, rtpWrite } from "../../assembly/rtp/packet";

const buf = memory.data(512);
const out = memory.data(512);
const h: RtpHeader = rtpHeaderNew();

// Bytes written out by hand from the RFC 3550 5.1 layout, independent of our writer.
function put(bytes: u8[]): i32 {
  for (let i = 0; i < bytes.length; i++) store<u8>(buf + <usize>i, unchecked(bytes[i]));
  return bytes.length;
}

describe("rtp header parse", () => {
  it("reads the fixed header", () => {
    const n = put([0x80, 0x00, 0x12, 0x34, 0x00, 0x00, 0x56, 0x78, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3]);
    expect(rtpParse(buf, n, h)).toBe(12);
    expect(h.payloadType).toBe(0);
    expect(h.marker).toBe(0);
    expect(h.sequence).toBe(0x1234);
    expect(h.timestamp).toBe(0x5678);
    expect(h.ssrc).toBe(0xdeadbeef);
    expect(h.csrcCount).toBe(0);
    expect(h.extProfile).toBe(-1);
    expect(h.payloadPtr).toBe(buf + 12);
    expect(h.payloadLength).toBe(3);
    expect(h.paddingLength).toBe(0);
  });
  it("reads marker and a dynamic payload type from one byte", () => {
    const n = put([0x80, 0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1]);
    expect(rtpParse(buf, n, h)).toBe(12);
    expect(h.marker).toBe(1);
    expect(h.payloadType).toBe(111);
    expect(h.sequence).toBe(65535);
    expect(h.timestamp).toBe(0xffffffff);
    expect(h.payloadLength).toBe(0);
  });
  it("reads CSRCs, a header extension and padding", () => {
    // V=2 P=1 X=1 CC=2, M=1 PT=8; 2 CSRCs; extension 0xBEDE with one word; 2 payload bytes;
    // 4 bytes of padding ending in the count 4.
    const n = put([0xb2, 0x88, 0x00, 0x07, 0x00, 0x00, 0x00, 0xa0, 0x11, 0x22, 0x33, 0x44,
      0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xfe,
      0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x00, 0x00,
      0x55, 0x66,
      0x00, 0x00, 0x00, 0x04]);
    expect(rtpParse(buf, n, h)).toBe(28);
    expect(h.marker).toBe(1);
    expect(h.payloadType).toBe(8);
    expect(h.csrcCount).toBe(2);
    expect(rtpCsrc(h, 0)).toBe(1);
    expect(rtpCsrc(h, 1)).toBe(0xfffffffe);
    expect(h.extProfile).toBe(0xbede);
    expect(h.extLength).toBe(4);
    expect(h.extPtr).toBe(buf + 24);
    expect(h.payloadLength).toBe(2);
    expect(load<u8>(h.payloadPtr)).toBe(0x55);
    expect(h.paddingLength).toBe(4);
  });
  it("refuses bad input with a code and keeps the previous result", () => {
    put([0x80, 0x00, 0x12, 0x34, 0x00, 0x00, 0x56, 0x78, 0xde, 0xad, 0xbe, 0xef]);
    expect(rtpParse(buf, 12, h)).toBe(12);
    expect(rtpParse(buf, 11, h)).toBe(E_TRUNCATED);
    expect(rtpParse(buf, 0, h)).toBe(E_TRUNCATED);
    store<u8>(buf, 0x40); // version 1
    expect(rtpParse(buf, 12, h)).toBe(E_UNSUPPORTED);
    store<u8>(buf, 0x8f); // 15 CSRCs announced, none there
    expect(rtpParse(buf, 12, h)).toBe(E_TRUNCATED);
    store<u8>(buf, 0x90); // extension announced, header missing
    expect(rtpParse(buf, 12, h)).toBe(E_TRUNCATED);
    store<u32>(buf + 12, 0x0200debe); // profile 0xBEDE, 2 words, none there
    expect(rtpParse(buf, 16, h)).toBe(E_TRUNCATED);
    store<u8>(buf, 0xa0); store<u8>(buf + 15, 0); // padding count 0
    expect(rtpParse(buf, 16, h)).toBe(E_MALFORMED);
    store<u8>(buf + 15, 5); // padding reaching into the header
    expect(rtpParse(buf, 16, h)).toBe(E_MALFORMED);
    store<u8>(buf + 15, 4); // exactly the 4 bytes after the header: valid, empty payload
    expect(rtpParse(buf, 16, h)).toBe(12);
    expect(h.payloadLength).toBe(0);
    store<u8>(buf, 0x00);
    expect(rtpParse(buf, 16, h)).toBe(E_UNSUPPORTED);
    // the last good parse is intact
    expect(h.sequence).toBe(0x1234);
    expect(h.paddingLength).toBe(4);
  });
});

describe("rtp header write", () => {
  it("reproduces a parsed packet byte for byte", () => {
    const n = put([0xb2, 0x88, 0x00, 0x07, 0x00, 0x00, 0x00, 0xa0, 0x11, 0x22, 0x33, 0x44,
      0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xfe,
      0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x00, 0x00,
      0x55, 0x66, 0x00, 0x00, 0x00, 0x04]);
    expect(rtpParse(buf, n, h)).toBe(28);
    expect(rtpWrite(out, 512, h)).toBe(n);
    expect(memory.compare(out, buf, <usize>n)).toBe(0);
  });
  it("checks capacity and field ranges, writing nothing it cannot finish", () => {
    const n = put([0x80, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 9, 9]);
    expect(rtpParse(buf, n, h)).toBe(12);
    store<u8>(out, 0x77);
    expect(rtpWrite(out, n - 1, h)).toBe(E_NOSPACE);
    expect(load<u8>(out)).toBe(0x77);
    expect(rtpWrite(out, n, h)).toBe(n);
    h.payloadType = 128;
    expect(rtpWrite(out, 64, h)).toBe(E_ARG);
    h.payloadType = 8; h.csrcCount = 16;
    expect(rtpWrite(out, 64, h)).toBe(E_ARG);
    h.csrcCount = 0; h.extProfile = 1; h.extLength = 3;
    expect(rtpWrite(out, 64, h)).toBe(E_ARG);
    h.extProfile = -1; h.paddingLength = 256;
    expect(rtpWrite(out, 64, h)).toBe(E_ARG);
    h.paddingLength = 0; h.sequence = 65536;
    expect(rtpWrite(out, 64, h)).toBe(E_ARG);
  });
  it("leaves a payload already in place where it is", () => {
    store<u16>(out + 12, 0xbbaa);
    h.payloadType = 0; h.marker = 1; h.sequence = 9; h.timestamp = 160; h.ssrc = 7;
    h.csrcCount = 0; h.extProfile = -1; h.paddingLength = 0;
    h.payloadPtr = out + 12; h.payloadLength = 2;
    expect(rtpWrite(out, 14, h)).toBe(14);
    expect(load<u8>(out)).toBe(0x80);
    expect(load<u8>(out + 1)).toBe(0x80);
    expect(load<u16>(out + 12)).toBe(0xbbaa);
  });
});
