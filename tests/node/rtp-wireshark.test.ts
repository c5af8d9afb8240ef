// RTP headers checked against Wireshark's RTP dissector (tshark): packets built here from the
// RFC 3550 5.1 layout are read by tshark and by the image's parser, which must agree field by
// field, and the image's writer must produce exactly those bytes from the same fields.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RTP_PORT, haveTshark, tsharkFields } from "../../tools/oracles/rtp_pcap.js";
import { RTP_FIELD, loadImage } from "../../tools/oracles/rtp_image.js";
import { prng as rng } from "../../host-node/prng.js";

interface RtpDesc {
  pt: number; marker: number; seq: number; ts: number; ssrc: number; csrcs: number[];
  ext: { profile: number; data: Uint8Array } | null; payload: Uint8Array; padding: number;
}


function randomDesc(r: () => number): RtpDesc {
  const int = (n: number) => Math.floor(r() * n);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const csrcs = Array.from({ length: r() < 0.3 ? int(16) : 0 }, () => int(2 ** 32));
  // Profiles 0xBEDE and 0x100x are RFC 8285 element lists Wireshark would take apart; any
  // other profile is shown word by word.
  const ext = r() < 0.3 ? { profile: 0x2000 + int(0xd000), data: bytes(4 * int(9)) } : null;
  // Payload types 64..95 are left out: with the marker set their second byte reads as an RTCP
  // packet type (RFC 5761 4), and Wireshark hands such packets to its RTCP dissector.
  const pt = r() < 0.5 ? int(64) : 96 + int(32);
  return {
    pt, marker: int(2), seq: int(65536), ts: int(2 ** 32), ssrc: int(2 ** 32), csrcs, ext,
    payload: bytes(1 + int(300)), padding: r() < 0.3 ? 1 + int(255) : 0,
  };
}

// The packet written out byte by byte from the RFC's layout (independent of the image).
function serialise(d: RtpDesc): Uint8Array {
  const extBytes = d.ext ? 4 + d.ext.data.length : 0;
  const n = 12 + 4 * d.csrcs.length + extBytes + d.payload.length + d.padding;
  const out = new Uint8Array(n);
  const v = new DataView(out.buffer);
  out[0] = 0x80 | (d.padding ? 0x20 : 0) | (d.ext ? 0x10 : 0) | d.csrcs.length;
  out[1] = (d.marker << 7) | d.pt;
  v.setUint16(2, d.seq);
  v.setUint32(4, d.ts);
  v.setUint32(8, d.ssrc);
  let o = 12;
  for (const c of d.csrcs) { v.setUint32(o, c); o += 4; }
  if (d.ext) {
    v.setUint16(o, d.ext.profile);
    v.setUint16(o + 2, d.ext.data.length / 4);
    out.set(d.ext.data, o + 4);
    o += extBytes;
  }
  out.set(d.payload, o);
  if (d.padding) out[n - 1] = d.padding;
  return out;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const num = (s: string) => Number(s); // tshark prints 0x... for SSRCs; Number() reads both

const FIELDS = ["rtp.version", "rtp.padding", "rtp.ext", "rtp.cc", "rtp.marker", "rtp.p_type", "rtp.seq",
  "rtp.timestamp", "rtp.ssrc", "rtp.csrc.item", "rtp.ext.profile", "rtp.ext.len", "rtp.hdr_ext",
  "data.data", "rtp.padding.count", "_ws.malformed", "frame.protocols"];

test("RTP headers: Wireshark, the image's parser and its writer agree on 1500 random packets", { skip: !haveTshark() && "tshark missing" }, () => {
  const r = rng(20261125);
  const descs = Array.from({ length: 1500 }, () => randomDesc(r));
  const packets = descs.map(serialise);
  // Every payload is shown as plain data: Wireshark's payload dissectors (JPEG on 26, RFC 2198
  // redundancy on 99, ...) would take random bytes apart as broken media; the header is ours.
  const rows = tsharkFields(packets.map((bytes) => ({ bytes, port: RTP_PORT })), FIELDS, ["-d", "rtp.pt==0-127,data"]);
  assert.equal(rows.length, packets.length);
  const image = loadImage();
  const e = image.exports;
  const io = image.ioPtr;
  descs.forEach((d, i) => {
    const [version, padding, ext, cc, marker, pt, seq, ts, ssrc, csrcs, profile, extLen, extWords, payload, padCount, malformed, protocols] = rows[i];
    const where = `packet ${i} (${protocols[0]})`;
    // 1. Wireshark reads what the RFC layout says the bytes hold.
    assert.deepEqual([version, padding, ext, cc, marker, pt, seq, ts].map((x) => num(x[0])),
      [2, d.padding ? 1 : 0, d.ext ? 1 : 0, d.csrcs.length, d.marker, d.pt, d.seq, d.ts], where);
    assert.equal(num(ssrc[0]), d.ssrc, where);
    assert.deepEqual(csrcs.map(num), d.csrcs, where);
    if (d.ext) {
      assert.equal(num(profile[0]), d.ext.profile, where);
      assert.equal(num(extLen[0]), d.ext.data.length / 4, where);
      assert.equal(extWords.map((w) => num(w).toString(16).padStart(8, "0")).join(""), hex(d.ext.data), where);
    }
    if (d.padding) assert.equal(num(padCount[0]), d.padding, where);
    assert.equal(payload[0], hex(d.payload), where);
    assert.equal(malformed.length, 0, `${where}: Wireshark calls it malformed`);

    // 2. The image's parser reads the same.
    image.writeIo(packets[i]);
    const headerLength = e.vsdk_rtp_parse(io, packets[i].length);
    assert.equal(headerLength, packets[i].length - d.payload.length - d.padding, where);
    const get = (f: number) => e.vsdk_rtp_get(f) >>> 0;
    assert.deepEqual([RTP_FIELD.payloadType, RTP_FIELD.marker, RTP_FIELD.sequence, RTP_FIELD.timestamp, RTP_FIELD.ssrc,
      RTP_FIELD.csrcCount, RTP_FIELD.paddingLength].map(get),
    [num(pt[0]), num(marker[0]), num(seq[0]), num(ts[0]), num(ssrc[0]), num(cc[0]), padCount.length ? num(padCount[0]) : 0], where);
    assert.equal(e.vsdk_rtp_get(RTP_FIELD.extProfile), ext[0] === "1" ? num(profile[0]) : -1, where);
    assert.equal(get(RTP_FIELD.extLength), ext[0] === "1" ? num(extLen[0]) * 4 : 0, where);
    assert.equal(hex(image.memory.slice(get(RTP_FIELD.payloadPtr), get(RTP_FIELD.payloadPtr) + get(RTP_FIELD.payloadLength))), hex(d.payload), where);
    const csrcPtr = get(RTP_FIELD.csrcPtr);
    const view = new DataView(image.memory.buffer);
    assert.deepEqual(Array.from({ length: d.csrcs.length }, (_, k) => view.getUint32(csrcPtr + 4 * k)), csrcs.map(num), where);

    // 3. The image's writer, given the same fields, writes the same bytes (the padding's
    // content is ours to choose: zeros, like the serialiser above).
    const inputs = io + 1024;
    image.writeIo(packets[i], 1024);
    const set = (f: number, v: number) => assert.equal(e.vsdk_rtp_set(f, v | 0), 0);
    set(RTP_FIELD.csrcPtr, inputs + 12);
    set(RTP_FIELD.extPtr, inputs + 12 + 4 * d.csrcs.length + 4);
    set(RTP_FIELD.payloadPtr, inputs + headerLength);
    const written = e.vsdk_rtp_write(io, 1024);
    assert.equal(written, packets[i].length, where);
    assert.equal(hex(image.readIo(written)), hex(packets[i]), where);
  });
});

test("extended sequence numbers agree with Wireshark's across several wraps, with loss and reordering", { skip: !haveTshark() && "tshark missing" }, () => {
  const r = rng(7);
  const image = loadImage();
  const e = image.exports;
  assert.equal(e.vsdk_rtp_rx_init(0, 8000, 0x5eed), 0);
  // A PCMU stream of 4000 packets starting just below the wrap, stepping 1..100 (loss), with
  // neighbours swapped now and then (reordering within RFC 3550's misorder window).
  const seqs: number[] = [];
  let s = 65000;
  for (let i = 0; i < 4000; i++) { seqs.push(s & 0xffff); s += i < 2 ? 1 : 1 + Math.floor(r() * 100); }
  for (let i = 10; i < seqs.length - 1; i += 7 + Math.floor(r() * 20)) [seqs[i], seqs[i + 1]] = [seqs[i + 1], seqs[i]];
  const packets = seqs.map((seq, i) => {
    const p = new Uint8Array(12 + 160);
    const v = new DataView(p.buffer);
    p[0] = 0x80; v.setUint16(2, seq); v.setUint32(4, (seq * 160) >>> 0); v.setUint32(8, 0x5eed);
    return { bytes: p, port: RTP_PORT, timeMs: i * 20 };
  });
  const rows = tsharkFields(packets, ["rtp.seq", "rtp.extseq"]);
  let compared = 0;
  let base: number | null = null;
  let wiresharkBase: number | null = null;
  packets.forEach((p, i) => {
    image.writeIo(p.bytes);
    const published = e.vsdk_rtp_rx_push(image.ioPtr, p.bytes.length, i * 20);
    assert.ok(published === 0 || published === 1, `packet ${i}: ${published}`);
    if (published !== 1) return;
    const ours = e.vsdk_rtp_rx_get(1) >>> 0;
    const theirs = Number(rows[i][1][0]);
    if (base === null) { base = ours; wiresharkBase = theirs; }
    assert.equal(ours - base, theirs - wiresharkBase!, `packet ${i} (seq ${seqs[i]})`);
    compared++;
  });
  assert.ok(compared >= 3990, `${compared} packets compared`);
  assert.ok(s - 65000 > 3 * 65536, "the stream wraps at least three times");
});
