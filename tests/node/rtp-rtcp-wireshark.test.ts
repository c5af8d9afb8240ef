// RTCP checked against Wireshark's RTCP dissector (tshark): compounds written by the image's
// writers read back as intended, and compounds built here from the RFC 3550 6.4-6.7 layouts
// (with extra SDES items and chunks, APP packets and final padding) are valid to Wireshark and
// read the same by the image's parser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RTCP_PORT, haveTshark, tsharkFields } from "../../tools/oracles/rtp_pcap.js";
import { RTCP_FIELD, type ReportBlock, loadImage, reportBlockBytes } from "../../tools/oracles/rtp_image.js";
import { prng as rng } from "../../host-node/prng.js";


interface Compound {
  sr: { ntpMsw: number; ntpLsw: number; rtpTs: number; packets: number; octets: number } | null;
  ssrc: number; blocks: ReportBlock[]; cname: string; bye: { reason: string } | null;
  // only in the hand-built ones:
  sdesExtra: string[]; secondChunk: number | null; app: boolean; padding: number;
}

function randomCompound(r: () => number, extras: boolean): Compound {
  const int = (n: number) => Math.floor(r() * n);
  const u32 = () => int(2 ** 32);
  const text = (n: number) => Array.from({ length: n }, () => "abcdefghijklmnopqrstuvwxyz0123456789@.-_"[int(40)]).join("");
  const bye = r() < 0.5 ? { reason: text(int(r() < 0.2 ? 256 : 30)) } : null;
  const app = extras && r() < 0.5;
  return {
    sr: r() < 0.5 ? { ntpMsw: u32(), ntpLsw: u32(), rtpTs: u32(), packets: u32(), octets: u32() } : null,
    ssrc: u32(),
    blocks: Array.from({ length: int(5) }, () => ({ ssrc: u32(), fractionLost: int(256), cumulativeLost: int(0x1000000) - 0x800000,
      extHighestSeq: u32(), jitter: u32(), lsr: u32(), dlsr: u32() })),
    cname: text(1 + int(r() < 0.2 ? 255 : 40)),
    bye,
    sdesExtra: extras ? Array.from({ length: int(3) }, () => text(1 + int(20))) : [],
    secondChunk: extras && r() < 0.5 ? u32() : null,
    app,
    // (Wireshark 4.0 only reads padding right on an SDES packet; after an RR, APP or BYE it
    // reports an exception, though RFC 3550 6.4.1 allows padding on any last packet. So the
    // padded compounds here end with their SDES.)
    padding: extras && !bye && !app && r() < 0.7 ? 4 * (1 + int(3)) : 0,
  };
}

const ascii = (s: string) => new TextEncoder().encode(s);

// A compound written out byte by byte from the RFC's layouts (independent of the image).
function serialise(c: Compound): Uint8Array {
  const parts: number[][] = [];
  const word = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  const header = (count: number, pt: number, body: number[], pad = 0) =>
    [0x80 | (pad ? 0x20 : 0) | count, pt, ...[((body.length + pad) / 4) >> 8, ((body.length + pad) / 4) & 255]];
  let body: number[] = [...word(c.ssrc)];
  if (c.sr) body.push(...word(c.sr.ntpMsw), ...word(c.sr.ntpLsw), ...word(c.sr.rtpTs), ...word(c.sr.packets), ...word(c.sr.octets));
  for (const b of c.blocks) {
    body.push(...word(b.ssrc), b.fractionLost, ...word(b.cumulativeLost & 0xffffff).slice(1), ...word(b.extHighestSeq),
      ...word(b.jitter), ...word(b.lsr), ...word(b.dlsr));
  }
  parts.push([...header(c.blocks.length, c.sr ? 200 : 201, body), ...body]);
  // SDES: our chunk with NOTE/NAME-like extra items (types 2..8) before the CNAME, maybe a
  // second chunk with only an end item; each chunk ends with zeros to a 32-bit boundary.
  const chunk = (ssrc: number, items: [number, string][]) => {
    const out = [...word(ssrc)];
    for (const [type, t] of items) out.push(type, t.length, ...ascii(t));
    out.push(0);
    while (out.length % 4) out.push(0);
    return out;
  };
  body = chunk(c.ssrc, [...c.sdesExtra.map((t, i): [number, string] => [2 + i, t]), [1, c.cname]]);
  if (c.secondChunk !== null) body.push(...chunk(c.secondChunk, []));
  parts.push([...header(c.secondChunk !== null ? 2 : 1, 202, body), ...body]);
  if (c.app) {
    body = [...word(c.ssrc), ...ascii("VSDK"), 1, 2, 3, 4];
    parts.push([...header(0, 204, body), ...body]);
  }
  if (c.bye) {
    body = [...word(c.ssrc)];
    if (c.bye.reason.length) { body.push(c.bye.reason.length, ...ascii(c.bye.reason)); while (body.length % 4) body.push(0); }
    parts.push([...header(1, 203, body), ...body]);
  }
  if (c.padding) {
    // Padding goes on the last part: its P bit, its length, and the count in the last byte.
    const last = parts[parts.length - 1];
    const words = (last.length + c.padding) / 4 - 1;
    last[0] |= 0x20;
    last[2] = words >> 8; last[3] = words & 255;
    for (let i = 0; i < c.padding - 1; i++) last.push(0);
    last.push(c.padding);
  }
  return Uint8Array.from(parts.flat());
}

const FIELDS = ["rtcp.pt", "rtcp.senderssrc", "rtcp.timestamp.ntp.msw", "rtcp.timestamp.ntp.lsw", "rtcp.timestamp.rtp",
  "rtcp.sender.packetcount", "rtcp.sender.octetcount", "rtcp.ssrc.identifier", "rtcp.ssrc.fraction", "rtcp.ssrc.cum_nr",
  "rtcp.ssrc.ext_high", "rtcp.ssrc.jitter", "rtcp.ssrc.lsr", "rtcp.ssrc.dlsr", "rtcp.sdes.type", "rtcp.sdes.text",
  "rtcp.length_check", "rtcp.padding.count", "_ws.malformed", "_ws.expert.message"];

// What Wireshark must show for a compound, in its own order of occurrences.
function expectedRow(c: Compound): string[][] {
  const dec = (v: number) => String(v >>> 0);
  const hex = (v: number) => "0x" + (v >>> 0).toString(16).padStart(8, "0");
  const sdesTypes = [...c.sdesExtra.map((_, i) => String(2 + i)), "1", "0", ...(c.secondChunk !== null ? ["0"] : [])];
  const texts = [...c.sdesExtra, c.cname, ...(c.bye && c.bye.reason.length ? [c.bye.reason] : [])];
  return [
    [String(c.sr ? 200 : 201), "202", ...(c.app ? ["204"] : []), ...(c.bye ? ["203"] : [])],
    [hex(c.ssrc)],
    c.sr ? [dec(c.sr.ntpMsw)] : [], c.sr ? [dec(c.sr.ntpLsw)] : [], c.sr ? [dec(c.sr.rtpTs)] : [],
    c.sr ? [dec(c.sr.packets)] : [], c.sr ? [dec(c.sr.octets)] : [],
    [...c.blocks.map((b) => hex(b.ssrc)), hex(c.ssrc), ...(c.secondChunk !== null ? [hex(c.secondChunk)] : []),
      ...(c.app ? [hex(c.ssrc)] : []), ...(c.bye ? [hex(c.ssrc)] : [])],
    c.blocks.map((b) => String(b.fractionLost)), c.blocks.map((b) => String(b.cumulativeLost)),
    c.blocks.map((b) => dec(b.extHighestSeq)), c.blocks.map((b) => dec(b.jitter)), c.blocks.map((b) => dec(b.lsr)),
    c.blocks.map((b) => dec(b.dlsr)),
    sdesTypes, texts, ["1"], c.padding ? [String(c.padding)] : [], [], [],
  ];
}

test("RTCP writers: 600 random SR/RR + SDES + BYE compounds read back as intended by Wireshark", { skip: !haveTshark() && "tshark missing" }, () => {
  const r = rng(6);
  const image = loadImage();
  const e = image.exports;
  const io = image.ioPtr;
  const compounds = Array.from({ length: 600 }, () => randomCompound(r, false));
  const packets = compounds.map((c) => {
    image.writeIo(reportBlockBytes(c.blocks), 1200);
    image.writeIo(ascii(c.cname), 1400);
    image.writeIo(ascii(c.bye?.reason ?? ""), 1700);
    let n = c.sr
      ? e.vsdk_rtcp_write_sr(io, 1024, c.ssrc, c.sr.ntpMsw, c.sr.ntpLsw, c.sr.rtpTs, c.sr.packets, c.sr.octets, io + 1200, c.blocks.length)
      : e.vsdk_rtcp_write_rr(io, 1024, c.ssrc, io + 1200, c.blocks.length);
    assert.ok(n > 0);
    const sdes = e.vsdk_rtcp_write_sdes(io + n, 1024 - n, c.ssrc, io + 1400, c.cname.length);
    assert.ok(sdes > 0);
    n += sdes;
    if (c.bye) {
      const bye = e.vsdk_rtcp_write_bye(io + n, 1024 - n, c.ssrc, io + 1700, c.bye.reason.length);
      assert.ok(bye > 0);
      n += bye;
    }
    const bytes = image.readIo(n);
    // the writers' bytes are the RFC layout's bytes
    assert.equal(Buffer.from(bytes).toString("hex"), Buffer.from(serialise(c)).toString("hex"));
    return bytes;
  });
  const rows = tsharkFields(packets.map((bytes) => ({ bytes, port: RTCP_PORT })), FIELDS);
  compounds.forEach((c, i) => assert.deepEqual(rows[i], expectedRow(c), `compound ${i}`));
});

test("RTCP parser: reads 600 hand-built compounds (extra items and chunks, APP, padding) as Wireshark does", { skip: !haveTshark() && "tshark missing" }, () => {
  const r = rng(66);
  const compounds = Array.from({ length: 600 }, () => randomCompound(r, true));
  const packets = compounds.map(serialise);
  const rows = tsharkFields(packets.map((bytes) => ({ bytes, port: RTCP_PORT })), FIELDS);
  const image = loadImage();
  const e = image.exports;
  const io = image.ioPtr;
  const text = (ptr: number, len: number) => new TextDecoder().decode(image.memory.slice(ptr, ptr + len));
  compounds.forEach((c, i) => {
    const where = `compound ${i}`;
    const row = rows[i];
    assert.deepEqual(row, expectedRow(c), where); // Wireshark takes it as valid and as built
    image.writeIo(packets[i]);
    const ours = c.blocks.length ? c.blocks[c.blocks.length - 1].ssrc : 0x12345678;
    assert.equal(e.vsdk_rtcp_parse(io, packets[i].length, ours), row[0].length, where);
    const get = (f: number) => e.vsdk_rtcp_get(f) >>> 0;
    assert.equal(get(RTCP_FIELD.reportType), Number(row[0][0]), where);
    assert.equal(get(RTCP_FIELD.senderSsrc), Number(row[1][0]), where);
    if (c.sr) {
      assert.deepEqual([RTCP_FIELD.ntpMsw, RTCP_FIELD.ntpLsw, RTCP_FIELD.rtpTimestamp, RTCP_FIELD.packetCount, RTCP_FIELD.octetCount].map(get),
        row.slice(2, 7).map((v) => Number(v[0])), where);
    }
    assert.equal(get(RTCP_FIELD.blockCount), row[8].length, where);
    for (let b = 0; b < row[8].length; b++) {
      const block = (f: number) => e.vsdk_rtcp_block(b, f);
      assert.deepEqual([block(0) >>> 0, block(1), block(2), block(3) >>> 0, block(4) >>> 0, block(5) >>> 0, block(6) >>> 0],
        [Number(row[7][b]), ...row.slice(8, 14).map((v) => Number(v[b]))], `${where} block ${b}`);
    }
    if (c.blocks.length) {
      const mine = c.blocks.findIndex((b) => b.ssrc === ours);
      assert.equal(e.vsdk_rtcp_get(RTCP_FIELD.ourBlock), mine, where);
    }
    // the CNAME is the text whose item type is 1
    const cnameIndex = row[14].filter((t) => t !== "0").indexOf("1");
    assert.equal(text(get(RTCP_FIELD.cnamePtr), get(RTCP_FIELD.cnameLength)), row[15][cnameIndex], where);
    assert.equal(get(RTCP_FIELD.cnameSsrc), c.ssrc, where);
    if (c.bye) {
      assert.equal(e.vsdk_rtcp_get(RTCP_FIELD.byeCount), 1, where);
      assert.equal(get(RTCP_FIELD.byeSsrc), c.ssrc, where);
      const reason = text(get(RTCP_FIELD.reasonPtr), get(RTCP_FIELD.reasonLength));
      assert.equal(reason, c.bye.reason.length ? row[15][row[15].length - 1] : "", where);
    } else {
      assert.equal(e.vsdk_rtcp_get(RTCP_FIELD.byeCount), -1, where);
    }
  });
});
