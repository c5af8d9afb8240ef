import { E_ARG, E_MALFORMED, E_NOSPACE, E_TRUNCATED, E_UNSUPPORTED } from "../../assembly/abi/errors";
import { RtcpReportBlock, RTCP_BYE, RTCP_RR, RTCP_SR, looksLikeRtcp, ntpMiddle, reportBlockNew, reportBlockRead, rtcpRoundTrip } from "../../assembly/rtp/rtcp";
import { rtcpWriteBye, rtcpWriteRr, rtcpWriteSdesCname, rtcpWriteSr } from "../../assembly/rtp/rtcp_write";
import { RtcpSummary, rtcpParse, rtcpSummaryNew } from "../../assembly/rtp/rtcp_parse";

const buf = memory.data(1024);
const text = memory.data(300);
const blocks = memory.data(4 * 28);
const s: RtcpSummary = rtcpSummaryNew();
const b: RtcpReportBlock = reportBlockNew();

function block(i: i32): RtcpReportBlock { return changetype<RtcpReportBlock>(blocks + <usize>(i * 28)); }
function put(p: usize, bytes: u8[]): i32 {
  for (let i = 0; i < bytes.length; i++) store<u8>(p + <usize>i, unchecked(bytes[i]));
  return bytes.length;
}
function setText(t: string): i32 {
  for (let i = 0; i < t.length; i++) store<u8>(text + <usize>i, <u8>t.charCodeAt(i));
  return t.length;
}

describe("rtcp writers", () => {
  it("write an RR with one block in the RFC 3550 6.4.2 layout", () => {
    const k = block(0);
    k.ssrc = 0x01020304; k.fractionLost = 25; k.cumulativeLost = -1; k.extHighestSeq = 0x00010005;
    k.jitter = 33; k.lsr = 0xb7052000; k.dlsr = 0x00054000;
    expect(rtcpWriteRr(buf, 1024, 0xcafebabe, blocks, 1)).toBe(32);
    const want: u8[] = [0x81, 201, 0x00, 0x07, 0xca, 0xfe, 0xba, 0xbe, 1, 2, 3, 4, 25, 0xff, 0xff, 0xff,
      0, 1, 0, 5, 0, 0, 0, 33, 0xb7, 0x05, 0x20, 0x00, 0x00, 0x05, 0x40, 0x00];
    let diff = 0;
    for (let i = 0; i < want.length; i++) if (load<u8>(buf + <usize>i) != want[i]) diff++;
    expect(diff).toBe(0);
  });
  it("pad SDES and BYE to 32 bits", () => {
    // header 4 + SSRC 4 + (type, length, text, end item) rounded up to 4
    expect(rtcpWriteSdesCname(buf, 1024, 1, text, setText("a"))).toBe(12);           // 2+1+1 = 4
    expect(rtcpWriteSdesCname(buf, 1024, 1, text, setText("ab"))).toBe(16);          // 2+2+1 = 5 -> 8
    expect(rtcpWriteSdesCname(buf, 1024, 1, text, setText("abcde"))).toBe(16);       // 2+5+1 = 8
    expect(rtcpWriteSdesCname(buf, 1024, 1, text, setText("abcdef"))).toBe(20);      // 2+6+1 = 9 -> 12
    expect(load<u8>(buf + 16)).toBe(0);
    expect(load<u8>(buf + 19)).toBe(0);
    expect(rtcpWriteBye(buf, 1024, 1, text, 0)).toBe(8);
    expect(rtcpWriteBye(buf, 1024, 1, text, setText("bye"))).toBe(12);
    expect(rtcpWriteBye(buf, 1024, 1, text, setText("bye!"))).toBe(16);
  });
  it("refuse fields that do not fit and buffers too small", () => {
    block(0).fractionLost = 256;
    expect(rtcpWriteRr(buf, 1024, 1, blocks, 1)).toBe(E_ARG);
    block(0).fractionLost = 0; block(0).cumulativeLost = 0x800000;
    expect(rtcpWriteRr(buf, 1024, 1, blocks, 1)).toBe(E_ARG);
    block(0).cumulativeLost = -0x800000;
    expect(rtcpWriteRr(buf, 1024, 1, blocks, 1)).toBe(32);
    expect(rtcpWriteRr(buf, 1024, 1, blocks, 32)).toBe(E_ARG);
    expect(rtcpWriteRr(buf, 31, 1, blocks, 1)).toBe(E_NOSPACE);
    expect(rtcpWriteSr(buf, 51, 1, 0, 0, 0, 0, 0, blocks, 1)).toBe(E_NOSPACE);
    expect(rtcpWriteSdesCname(buf, 1024, 1, text, 0)).toBe(E_ARG);
    expect(rtcpWriteSdesCname(buf, 1024, 1, text, 256)).toBe(E_ARG);
    expect(rtcpWriteSdesCname(buf, 11, 1, text, 2)).toBe(E_NOSPACE);
    expect(rtcpWriteBye(buf, 1024, 1, text, 256)).toBe(E_ARG);
  });
});

describe("rtcp compound parse", () => {
  it("reads back SR + SDES + BYE", () => {
    const k0 = block(0), k1 = block(1);
    k0.ssrc = 0x11; k0.fractionLost = 1; k0.cumulativeLost = -5; k0.extHighestSeq = 70000; k0.jitter = 9; k0.lsr = 7; k0.dlsr = 8;
    k1.ssrc = 0x22; k1.fractionLost = 255; k1.cumulativeLost = 0x7fffff; k1.extHighestSeq = 3; k1.jitter = 0; k1.lsr = 0; k1.dlsr = 0;
    let n = rtcpWriteSr(buf, 1024, 0xabcdef01, 0xe1234567, 0x89abcdef, 123456, 1000, 160000, blocks, 2);
    expect(n).toBe(76);
    n += rtcpWriteSdesCname(buf + <usize>n, 1024 - n, 0xabcdef01, text, setText("device@vsdk"));
    n += rtcpWriteBye(buf + <usize>n, 1024 - n, 0xabcdef01, text, setText("hangup"));
    expect(rtcpParse(buf, n, 0x22, s)).toBe(3);
    expect(s.reportType).toBe(RTCP_SR);
    expect(s.senderSsrc).toBe(0xabcdef01);
    expect(s.ntpMsw).toBe(0xe1234567);
    expect(s.ntpLsw).toBe(0x89abcdef);
    expect(s.rtpTimestamp).toBe(123456);
    expect(s.packetCount).toBe(1000);
    expect(s.octetCount).toBe(160000);
    expect(s.blockCount).toBe(2);
    expect(s.ourBlock).toBe(1);
    reportBlockRead(s.blocksPtr, b);
    expect(b.cumulativeLost).toBe(-5);
    expect(b.extHighestSeq).toBe(70000);
    reportBlockRead(s.blocksPtr + 24, b);
    expect(b.fractionLost).toBe(255);
    expect(b.cumulativeLost).toBe(0x7fffff);
    expect(s.cnameLength).toBe(11);
    expect(load<u8>(s.cnamePtr)).toBe(<u8>0x64); // 'd'
    expect(s.byeCount).toBe(1);
    expect(s.byeSsrc).toBe(0xabcdef01);
    expect(s.reasonLength).toBe(6);
    expect(looksLikeRtcp(buf, n)).toBe(true);
  });
  it("reads an empty RR, and marks absent parts", () => {
    const n = rtcpWriteRr(buf, 1024, 5, blocks, 0);
    expect(rtcpParse(buf, n, 1, s)).toBe(1);
    expect(s.reportType).toBe(RTCP_RR);
    expect(s.ourBlock).toBe(-1);
    expect(s.cnameLength).toBe(-1);
    expect(s.byeCount).toBe(-1);
  });
  it("walks unknown parts and SDES with several items and chunks", () => {
    let n = rtcpWriteRr(buf, 1024, 5, blocks, 0);
    // SDES, 2 chunks: (SSRC 1: NAME "x", CNAME "yz", end) (SSRC 2: end); APP; then BYE
    n += put(buf + <usize>n, [0x82, 202, 0, 5, 0, 0, 0, 1, 2, 1, 0x78, 1, 2, 0x79, 0x7a, 0, 0, 0, 0, 2, 0, 0, 0, 0]);
    n += put(buf + <usize>n, [0x80, 204, 0, 2, 0, 0, 0, 1, 0x41, 0x42, 0x43, 0x44]);
    n += put(buf + <usize>n, [0x81, 203, 0, 1, 0, 0, 0, 5]);
    expect(rtcpParse(buf, n, 5, s)).toBe(4);
    expect(s.cnameSsrc).toBe(1);
    expect(s.cnameLength).toBe(2);
    expect(load<u8>(s.cnamePtr)).toBe(<u8>0x79);
    expect(s.byeCount).toBe(1);
    expect(s.reasonLength).toBe(0);
  });
  it("refuses bad compounds with a code and keeps the last summary", () => {
    const good = rtcpWriteRr(buf, 1024, 0x77, blocks, 0);
    expect(rtcpParse(buf, good, 0, s)).toBe(1);
    expect(rtcpParse(buf, 4, 0, s)).toBe(E_TRUNCATED);
    expect(rtcpParse(buf, good - 1, 0, s)).toBe(E_TRUNCATED);
    expect(rtcpParse(buf, good + 2, 0, s)).toBe(E_TRUNCATED);
    expect(s.senderSsrc).toBe(0x77);
    // starts with SDES
    let n = rtcpWriteSdesCname(buf + 100, 900, 1, text, setText("a"));
    expect(rtcpParse(buf + 100, n, 0, s)).toBe(E_MALFORMED);
    // version 1
    n = put(buf + 100, [0x40, 201, 0, 1, 0, 0, 0, 1]);
    expect(rtcpParse(buf + 100, n, 0, s)).toBe(E_UNSUPPORTED);
    // not an RTCP packet type
    n = put(buf + 100, [0x80, 100, 0, 1, 0, 0, 0, 1]);
    expect(rtcpParse(buf + 100, n, 0, s)).toBe(E_MALFORMED);
    // RR claiming 2 blocks in room for one
    n = put(buf + 100, [0x82, 201, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(rtcpParse(buf + 100, n, 0, s)).toBe(E_MALFORMED);
    // padding in a part that is not the last
    n = put(buf + 100, [0xa0, 201, 0, 1, 0, 0, 0, 1, 0x81, 203, 0, 1, 0, 0, 0, 1]);
    expect(rtcpParse(buf + 100, n, 0, s)).toBe(E_MALFORMED);
    // padding in the last part: count 0, count too big, count right
    n = put(buf + 100, [0x80, 201, 0, 1, 0, 0, 0, 1, 0xa1, 203, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(rtcpParse(buf + 100, n, 0, s)).toBe(E_MALFORMED);
    store<u8>(buf + 100 + 19, 9);
    expect(rtcpParse(buf + 100, n, 0, s)).toBe(E_MALFORMED);
    store<u8>(buf + 100 + 19, 4);
    expect(rtcpParse(buf + 100, n, 0, s)).toBe(2);
    expect(s.byeCount).toBe(1);
    expect(s.senderSsrc).toBe(1);
    // SDES item running past its packet; chunk without its end item
    n = put(buf + 100, [0x80, 201, 0, 1, 0, 0, 0, 1, 0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, 0x61, 0x62]);
    expect(rtcpParse(buf + 100, n, 0, s)).toBe(E_MALFORMED);
    n = put(buf + 100, [0x80, 201, 0, 1, 0, 0, 0, 1, 0x81, 202, 0, 2, 0, 0, 0, 1, 1, 2, 0x61, 0x62]);
    expect(rtcpParse(buf + 100, n, 0, s)).toBe(E_MALFORMED);
    // BYE reason running past its packet; BYE with more SSRCs than room
    n = put(buf + 100, [0x80, 201, 0, 1, 0, 0, 0, 1, 0x81, 203, 0, 2, 0, 0, 0, 1, 5, 0x61, 0x62, 0x63]);
    expect(rtcpParse(buf + 100, n, 0, s)).toBe(E_MALFORMED);
    n = put(buf + 100, [0x80, 201, 0, 1, 0, 0, 0, 1, 0x83, 203, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]);
    expect(rtcpParse(buf + 100, n, 0, s)).toBe(E_MALFORMED);
    // the summary still describes the last good compound
    expect(s.senderSsrc).toBe(1);
    expect(s.parts).toBe(2);
    expect(s.byeCount).toBe(1);
  });
});

describe("rtcp round-trip time", () => {
  it("matches the worked example of RFC 3550 6.4.1", () => {
    // arrival 46864.500 s = 0xb710:8000, LSR 46853.125 s = 0xb705:2000, DLSR 5.250 s = 0x0005:4000
    expect(rtcpRoundTrip(0xb7108000, 0xb7052000, 0x00054000)).toBe(0x00062000); // 6.125 s
    expect(rtcpRoundTrip(0xb7108000, 0, 0)).toBe(-1);
    expect(ntpMiddle(0x0000b710, 0x80000000)).toBe(0xb7108000);
  });
});
