// Our receiver report about a stream, end to end: the peer's SR is noted (LSR), our RR echoes
// it with the delay since (DLSR), and Wireshark, seeing both packets at the peer, finds the
// SR that LSR names and computes the round trip from DLSR as RFC 3550 6.4.1 says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RTCP_PORT, haveTshark, tsharkFields } from "../../tools/oracles/rtp_pcap.js";
import { RTCP_FIELD, RX_FIELD, loadImage } from "../../tools/oracles/rtp_image.js";

const PEER = 0x5eed0001;
const DEVICE = 0xd0d0cafe;

test("the RR block reports the stream's statistics and echoes the peer's SR; Wireshark's round trip matches", { skip: !haveTshark() && "tshark missing" }, () => {
  const image = loadImage();
  const e = image.exports;
  const io = image.ioPtr;
  assert.equal(e.vsdk_rtp_rx_init(0, 8000, PEER), 0);
  // 100 PCMU packets, every 10th lost, arriving from t = 1000 ms
  const packet = new Uint8Array(12 + 160);
  const v = new DataView(packet.buffer);
  packet[0] = 0x80; v.setUint32(8, PEER);
  for (let i = 0; i < 100; i++) {
    if (i % 10 === 5) continue;
    v.setUint16(2, (65500 + i) & 0xffff); v.setUint32(4, i * 160);
    image.writeIo(packet);
    assert.ok(e.vsdk_rtp_rx_push(io, packet.length, 1000 + i * 20) >= 0);
  }
  // The peer's SR leaves it at T0 (its NTP clock: 3,900,000,000.25 s) and reaches us 37 ms
  // later; we report 1234 ms after that; the report takes 37 ms back.
  const oneWay = 37, hold = 1234;
  const t0 = 5000, t1 = t0 + oneWay, t2 = t1 + hold, t3 = t2 + oneWay;
  const ntpMsw = 3_900_000_000, ntpLsw = 0x40000000;
  let n = e.vsdk_rtcp_write_sr(io, 512, PEER, ntpMsw, ntpLsw, 16000, 95, 95 * 160, 0, 0);
  const sr = image.readIo(n);
  assert.equal(e.vsdk_rtp_rx_rtcp(io, n, DEVICE, t1), 1);
  n = e.vsdk_rtp_rx_report(io, 512, DEVICE, t2);
  assert.equal(n, 32);
  const rr = image.readIo(n);

  // The block, read back with our parser, against what the stream was.
  assert.equal(e.vsdk_rtcp_parse(io, n, PEER), 1);
  assert.equal(e.vsdk_rtcp_get(RTCP_FIELD.senderSsrc) >>> 0, DEVICE);
  assert.equal(e.vsdk_rtcp_get(RTCP_FIELD.ourBlock), 0);
  const block = (f: number) => e.vsdk_rtcp_block(0, f) >>> 0;
  assert.equal(block(0), PEER);
  // 99 expected since probation ended (packets 1..99), 10 of them lost (5, 15, .., 95)
  assert.equal(e.vsdk_rtp_rx_get(RX_FIELD.expected), 99);
  assert.equal(block(1), Math.floor((10 * 256) / 99));
  assert.equal(block(2), 10);
  assert.equal(block(3), 65536 + (65500 + 99 - 65536)); // one wrap, highest seq 63
  assert.equal(block(4), 0); // steady arrival: no jitter
  assert.equal(block(5), ((ntpMsw & 0xffff) << 16 | (ntpLsw >>> 16)) >>> 0);
  assert.equal(block(6), Math.floor((hold * 65536) / 1000));
  // a second report starts a new interval: nothing lost since
  n = e.vsdk_rtp_rx_report(io, 512, DEVICE, t2 + 100);
  assert.equal(e.vsdk_rtcp_parse(io, n, PEER), 1);
  assert.equal(e.vsdk_rtcp_block(0, 1), 0);
  assert.equal(e.vsdk_rtcp_block(0, 2), 10);

  // Wireshark at the peer: the SR at T0, our RR at T3.
  const rows = tsharkFields([{ bytes: sr, port: RTCP_PORT, timeMs: t0 }, { bytes: rr, port: RTCP_PORT, timeMs: t3, reverse: true }],
    ["frame.number", "rtcp.pt", "rtcp.ssrc.lsr", "rtcp.lsr-frame", "rtcp.roundtrip-delay"], ["-o", "rtcp.show_roundtrip_calculation:TRUE"]);
  assert.deepEqual(rows[1][1], ["201"]);
  assert.deepEqual(rows[1][3], ["1"], "Wireshark matches LSR to the SR frame");
  const rtt = Number(rows[1][4][0]);
  assert.ok(Math.abs(rtt - 2 * oneWay) <= 1, `round trip ${rtt} ms, want ${2 * oneWay}`);
});

test("an SR from another source, or a refused compound, leaves LSR alone", () => {
  const image = loadImage();
  const e = image.exports;
  const io = image.ioPtr;
  assert.equal(e.vsdk_rtp_rx_init(0, 8000, PEER), 0);
  let n = e.vsdk_rtcp_write_sr(io, 512, 0x1111, 1, 2, 3, 4, 5, 0, 0);
  assert.equal(e.vsdk_rtp_rx_rtcp(io, n, DEVICE, 100), 1);
  n = e.vsdk_rtcp_write_rr(io, 512, PEER, 0, 0);
  assert.equal(e.vsdk_rtp_rx_rtcp(io, n, DEVICE, 100), 1);
  n = e.vsdk_rtcp_write_sr(io, 512, PEER, 7, 8, 3, 4, 5, 0, 0);
  assert.ok(e.vsdk_rtp_rx_rtcp(io, n - 1, DEVICE, 100) < 0);
  n = e.vsdk_rtp_rx_report(io, 512, DEVICE, 200);
  assert.equal(e.vsdk_rtcp_parse(io, n, PEER), 1);
  assert.equal(e.vsdk_rtcp_block(0, 5), 0, "no LSR");
  assert.equal(e.vsdk_rtcp_block(0, 6), 0, "no DLSR without an SR");
});
