// The image's RTP/RTCP exports under random and mutated input: every answer is a length or one
// of the documented error codes, nothing traps, a refused packet leaves the last parse result
// as it was, and linear memory in use does not grow.
import { test } from "node:test";
import assert from "node:assert/strict";
import { E_ARG, E_MALFORMED, E_NOSPACE, E_TRUNCATED, E_UNSUPPORTED } from "../../host-node/errors.js";
import { RTCP_FIELD, RTP_FIELD, RX_FIELD, loadImage, rtcpRecord, rtpRecord, reportBlockBytes } from "../../tools/oracles/rtp_image.js";
import { prng as rng } from "../../host-node/prng.js";


const PARSE_ERRORS = new Set([E_TRUNCATED, E_MALFORMED, E_UNSUPPORTED]);

// Random bytes, or a valid packet with a few bytes flipped, cut short or extended.
function mutate(r: () => number, seed: Uint8Array): Uint8Array {
  const int = (n: number) => Math.floor(r() * n);
  const kind = int(4);
  if (kind === 0) return Uint8Array.from({ length: int(80) }, () => int(256));
  const out = Uint8Array.from(seed);
  for (let k = 1 + int(4); k > 0; k--) out[int(out.length)] = int(256);
  if (kind === 2) return out.subarray(0, int(out.length + 1));
  if (kind === 3) return Uint8Array.from([...out, ...Array.from({ length: int(8) }, () => int(256))]);
  return out;
}

test("RTP parse: 100,000 random and mutated packets get a header length or an error code, and errors change nothing", () => {
  const image = loadImage();
  const e = image.exports;
  const io = image.ioPtr;
  const memoryBefore = e.vsdk_memory_used();
  const r = rng(99);
  // seeds: a plain packet, one with CSRCs, extension and padding
  const seeds = [
    Uint8Array.from([0x80, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 7, 1, 2, 3, 4]),
    Uint8Array.from([0xb2, 0x88, 0, 7, 0, 0, 0, 0xa0, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe,
      0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0, 0x55, 0x66, 0, 0, 0, 4]),
  ];
  let ok = 0, refused = 0;
  for (let i = 0; i < 100_000; i++) {
    const p = mutate(r, seeds[i & 1]);
    image.writeIo(p);
    const before = rtpRecord(image);
    const n = e.vsdk_rtp_parse(io, p.length);
    if (n >= 0) {
      ok++;
      const get = (f: number) => e.vsdk_rtp_get(f);
      assert.equal(get(RTP_FIELD.headerLength), n);
      assert.ok(n >= 12 + 4 * get(RTP_FIELD.csrcCount));
      assert.equal(n + get(RTP_FIELD.payloadLength) + get(RTP_FIELD.paddingLength), p.length, `packet ${i}`);
      assert.equal(get(RTP_FIELD.payloadPtr), io + n);
      assert.equal(p[0] >> 6, 2);
    } else {
      refused++;
      assert.ok(PARSE_ERRORS.has(n), `packet ${i}: ${n}`);
      assert.deepEqual(rtpRecord(image), before, `packet ${i} changed the record`);
    }
  }
  assert.ok(ok > 10_000 && refused > 10_000, `${ok} parsed, ${refused} refused`);
  assert.equal(e.vsdk_memory_used(), memoryBefore);
});

test("RTCP parse: 100,000 random and mutated compounds get a part count or an error code, and errors change nothing", () => {
  const image = loadImage();
  const e = image.exports;
  const io = image.ioPtr;
  const memoryBefore = e.vsdk_memory_used();
  // seed: SR with two blocks + SDES CNAME + BYE with a reason, written by the image
  image.writeIo(reportBlockBytes([
    { ssrc: 1, fractionLost: 2, cumulativeLost: -3, extHighestSeq: 4, jitter: 5, lsr: 6, dlsr: 7 },
    { ssrc: 8, fractionLost: 9, cumulativeLost: 10, extHighestSeq: 11, jitter: 12, lsr: 13, dlsr: 14 }]), 1024);
  image.writeIo(new TextEncoder().encode("cname@x"), 1200);
  let n = e.vsdk_rtcp_write_sr(io, 1024, 0xabc, 1, 2, 3, 4, 5, io + 1024, 2);
  n += e.vsdk_rtcp_write_sdes(io + n, 1024 - n, 0xabc, io + 1200, 7);
  n += e.vsdk_rtcp_write_bye(io + n, 1024 - n, 0xabc, io + 1200, 5);
  const seed = image.readIo(n);
  assert.equal(e.vsdk_rtcp_parse(io, n, 8), 3);
  const r = rng(7);
  let ok = 0, refused = 0;
  for (let i = 0; i < 100_000; i++) {
    const p = mutate(r, seed);
    image.writeIo(p);
    const before = rtcpRecord(image);
    const parts = e.vsdk_rtcp_parse(io, p.length, 8);
    if (parts >= 0) {
      ok++;
      assert.ok(parts >= 1 && parts <= p.length / 4);
      assert.equal(e.vsdk_rtcp_get(RTCP_FIELD.parts), parts);
      const blocks = e.vsdk_rtcp_get(RTCP_FIELD.blockCount);
      for (let b = 0; b < blocks; b++) for (let f = 0; f < 7; f++) e.vsdk_rtcp_block(b, f);
      assert.equal(e.vsdk_rtcp_block(blocks, 0), E_ARG);
    } else {
      refused++;
      assert.ok(PARSE_ERRORS.has(parts), `compound ${i}: ${parts}`);
      assert.deepEqual(rtcpRecord(image), before, `compound ${i} changed the summary`);
    }
  }
  assert.ok(ok > 5_000 && refused > 10_000, `${ok} parsed, ${refused} refused`);
  assert.equal(e.vsdk_memory_used(), memoryBefore);
});

test("receive stream: 50,000 random and mutated packets never trap, refused ones are not counted", () => {
  const image = loadImage();
  const e = image.exports;
  const io = image.ioPtr;
  const memoryBefore = e.vsdk_memory_used();
  const r = rng(3);
  for (const [pt, rate, payload] of [[0, 8000, new Uint8Array(160)], [111, 48000, Uint8Array.from([0x08, 1, 2, 3])]] as const) {
    assert.equal(e.vsdk_rtp_rx_init(pt, rate, 0x77), 0);
    const seed = Uint8Array.from([0x80, pt, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x77, ...payload]);
    let published = 0;
    for (let i = 0; i < 25_000; i++) {
      const p = i % 3 === 0 ? Uint8Array.from(seed) : mutate(r, seed);
      if (p.length >= 4) new DataView(p.buffer, p.byteOffset).setUint16(2, i & 0xffff, false);
      image.writeIo(p);
      const received = e.vsdk_rtp_rx_get(RX_FIELD.received);
      const status = e.vsdk_rtp_rx_push(io, p.length, i * 20);
      assert.ok(status === 0 || status === 1 || PARSE_ERRORS.has(status), `packet ${i}: ${status}`);
      if (status < 0) assert.equal(e.vsdk_rtp_rx_get(RX_FIELD.received), received, `packet ${i} was counted`);
      if (status === 1) {
        published++;
        const at = e.vsdk_rtp_rx_get(RX_FIELD.payloadPtr);
        assert.ok(at >= io + 12 && at + e.vsdk_rtp_rx_get(RX_FIELD.payloadLength) <= io + p.length, `packet ${i}: payload outside it`);
      }
    }
    assert.ok(published > 5_000, `${published} published`);
  }
  assert.equal(e.vsdk_memory_used(), memoryBefore);
});

test("host pointers outside linear memory are E_ARG, never a trap", () => {
  const image = loadImage();
  const e = image.exports;
  const end = image.exports.memory.buffer.byteLength;
  assert.equal(e.vsdk_rtp_parse(end - 4, 12), E_ARG);
  assert.equal(e.vsdk_rtp_parse(0xfffffff0, 64), E_ARG);
  assert.equal(e.vsdk_rtp_parse(image.ioPtr, -1), E_ARG);
  assert.equal(e.vsdk_rtcp_parse(end - 4, 8, 0), E_ARG);
  assert.equal(e.vsdk_rtp_rx_push(end, 20, 0), E_ARG);
  assert.equal(e.vsdk_rtp_write(end - 8, 100), E_ARG);
  e.vsdk_rtp_set(RTP_FIELD.payloadPtr, end - 2);
  e.vsdk_rtp_set(RTP_FIELD.payloadLength, 100);
  assert.equal(e.vsdk_rtp_write(image.ioPtr, 512), E_ARG);
  assert.equal(e.vsdk_rtcp_write_rr(image.ioPtr, 512, 1, end - 10, 1), E_ARG);
  assert.equal(e.vsdk_rtcp_write_sdes(image.ioPtr, 512, 1, end - 1, 5), E_ARG);
  assert.equal(e.vsdk_rtcp_write_bye(end - 4, 100, 1, image.ioPtr, 0), E_ARG);
  assert.equal(e.vsdk_rtp_get(99), E_ARG);
  assert.equal(e.vsdk_rtp_set(-1, 0), E_ARG);
  assert.equal(e.vsdk_rtcp_get(18), E_ARG);
  assert.equal(e.vsdk_rtp_rx_get(14), E_ARG);
  assert.equal(e.vsdk_rtp_rx_report(image.ioPtr, 31, 1, 0), E_NOSPACE);
});

test("RTP write: 20,000 random field sets are written and read back the same, or refused with E_ARG/E_NOSPACE", () => {
  const image = loadImage();
  const e = image.exports;
  const io = image.ioPtr;
  const r = rng(11);
  const int = (n: number) => Math.floor(r() * n);
  // mostly valid values, sometimes one out of range
  const pick = (valid: number, invalid: number) => (r() < 0.95 ? int(valid) : valid + int(invalid));
  let written = 0, refused = 0;
  for (let i = 0; i < 20_000; i++) {
    const fields: Record<number, number> = {
      [RTP_FIELD.payloadType]: pick(128, 1000), [RTP_FIELD.marker]: pick(2, 5), [RTP_FIELD.sequence]: pick(65536, 100000),
      [RTP_FIELD.timestamp]: int(2 ** 32), [RTP_FIELD.ssrc]: int(2 ** 32), [RTP_FIELD.csrcCount]: pick(16, 20),
      [RTP_FIELD.csrcPtr]: io + 1024, [RTP_FIELD.extProfile]: r() < 0.5 ? -1 : pick(65536, 10),
      [RTP_FIELD.extPtr]: io + 1100, [RTP_FIELD.extLength]: r() < 0.95 ? 4 * int(17) : int(70),
      [RTP_FIELD.payloadPtr]: io + 1200, [RTP_FIELD.payloadLength]: int(400), [RTP_FIELD.paddingLength]: r() < 0.7 ? 0 : pick(256, 10),
    };
    for (const [f, v] of Object.entries(fields)) e.vsdk_rtp_set(Number(f), v | 0);
    const cap = int(900);
    const n = e.vsdk_rtp_write(io, cap);
    if (n < 0) {
      refused++;
      assert.ok(n === E_ARG || n === E_NOSPACE, `set ${i}: ${n}`);
      continue;
    }
    written++;
    assert.ok(n <= cap);
    assert.equal(e.vsdk_rtp_parse(io, n), n - fields[RTP_FIELD.payloadLength] - fields[RTP_FIELD.paddingLength], `set ${i}`);
    for (const f of [RTP_FIELD.payloadType, RTP_FIELD.marker, RTP_FIELD.sequence, RTP_FIELD.timestamp, RTP_FIELD.ssrc,
      RTP_FIELD.csrcCount, RTP_FIELD.extProfile, RTP_FIELD.payloadLength, RTP_FIELD.paddingLength]) {
      assert.equal(e.vsdk_rtp_get(f), fields[f] | 0, `set ${i}, field ${f}`);
    }
    if (fields[RTP_FIELD.extProfile] >= 0) assert.equal(e.vsdk_rtp_get(RTP_FIELD.extLength), fields[RTP_FIELD.extLength]);
  }
  assert.ok(written > 5_000 && refused > 2_000, `${written} written, ${refused} refused`);
});
