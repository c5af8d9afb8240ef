// Opus packet framing in the image against libopus's own parser (opus_packet_parse,
// opus_packet_get_nb_frames, opus_packet_get_nb_samples) through a small C oracle compiled here:
// the same verdict (valid or not) and, for valid packets, the same frame count, duration and
// frame offsets and lengths, over hand-made edge cases and tens of thousands of generated,
// mutated and random packets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Image } from "../../host-node/image.js";
import { E_ARG, E_MALFORMED, E_NOSPACE, E_TRUNCATED } from "../../host-node/errors.js";
import { compileOracle, runOracle } from "../../tools/oracles/oracles.js";

const image = Image.load();
const oracle = compileOracle("opus_packet_libopus.c", ["-I/usr/include/opus", "-lopus"]);
const MAX_FRAMES = 48;

// --- the image's answers, printed the way the oracle prints libopus's -----------------------

// Packets go at the top of the image's one page, above everything it uses (the budget keeps
// that under 32 KiB): libopus accepts packets of up to 2,553 bytes, more than the I/O buffer.
const pageEnd = image.exports.memory.buffer.byteLength;
const scratch = pageEnd - 4096;
assert.ok(scratch > image.exports.vsdk_memory_used(), "scratch area is free");

function ours(packet: Uint8Array): string {
  const io = scratch;
  const out = pageEnd - 256;  // 48 (offset, length) pairs
  assert.ok(packet.length <= out - io);
  image.memory.set(packet, io);
  const count = image.exports.vsdk_opus_packet_parse(io, packet.length, out, MAX_FRAMES);
  const frames = image.exports.vsdk_opus_packet_frames(io, packet.length);
  const samples = image.exports.vsdk_opus_packet_samples(io, packet.length);
  if (count < 0) {
    assert.ok(count === E_TRUNCATED || count === E_MALFORMED, `error ${count}`);
    assert.equal(frames, count, "frame count export gives the parse error");
    assert.equal(samples, count, "samples export gives the parse error");
    return "invalid";
  }
  assert.equal(frames, count);
  const pairs = new DataView(image.memory.buffer, out, count * 4);
  const parts = [`${count}`, `${samples}`];
  for (let i = 0; i < count; i++) parts.push(`${pairs.getUint16(i * 4, true)}:${pairs.getUint16(i * 4 + 2, true)}`);
  return parts.join(" ");
}

function libopus(packets: Uint8Array[]): string[] {
  const chunks: Uint8Array[] = [];
  for (const p of packets) chunks.push(Uint8Array.of(p.length & 255, p.length >> 8), p);
  const text = new TextDecoder().decode(runOracle(oracle, [], Buffer.concat(chunks)));
  return text.trimEnd().split("\n");
}

interface Tally { valid: number; invalid: number; validByCode: number[]; invalidByCode: number[] }

function compare(packets: Uint8Array[]): Tally {
  const expected = libopus(packets);
  assert.equal(expected.length, packets.length);
  let valid = 0;
  const validByCode = [0, 0, 0, 0], invalidByCode = [0, 0, 0, 0];
  for (let i = 0; i < packets.length; i++) {
    const got = ours(packets[i]);
    if (got !== expected[i]) {
      assert.fail(`packet ${i} [${[...packets[i].subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join(" ")}${packets[i].length > 16 ? " ..." : ""}] (${packets[i].length} bytes): image "${got}", libopus "${expected[i]}"`);
    }
    if (packets[i].length > 0) (got === "invalid" ? invalidByCode : validByCode)[packets[i][0] & 3]++;
    if (got !== "invalid") valid++;
  }
  return { valid, invalid: packets.length - valid, validByCode, invalidByCode };
}

// --- packet makers ------------------------------------------------------------------------

// Frame duration at 48 kHz for each of the 32 configurations, from RFC 6716 Table 2.
const FRAME_SAMPLES = [
  480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880,  // SILK NB, MB, WB
  480, 960, 480, 960,                                                // hybrid SWB, FB
  120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, // CELT
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {  // xorshift32: reproducible, so a failure names a packet that can be rebuilt
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

function lengthBytes(n: number): number[] {
  if (n < 252) return [n];
  const first = 252 + ((n - 252) & 3);
  return [first, (n - first) >> 2];
}

function bytes(n: number, r: () => number): number[] {
  return Array.from({ length: n }, () => Math.floor(r() * 256));
}

/** A frame length: mostly small, sometimes around the one/two-byte boundary or the 1275 limit. */
function frameLength(r: () => number, max = 1275): number {
  const x = r();
  if (x < 0.6) return Math.floor(r() * 120);
  if (x < 0.75) return 248 + Math.floor(r() * 10);
  if (x < 0.85) return Math.min(max, 1270 + Math.floor(r() * 8));
  return Math.floor(r() * (max + 1));
}

/** A well-formed packet of any code (sometimes just past a limit, which must be refused). */
function wellFormed(r: () => number): Uint8Array {
  const toc = Math.floor(r() * 256);
  const fs = FRAME_SAMPLES[toc >> 3];
  const out: number[] = [toc];
  switch (toc & 3) {
    case 0: out.push(...bytes(frameLength(r, 1276), r)); break;
    case 1: { const n = frameLength(r, 1276); out.push(...bytes(2 * n, r)); break; }
    case 2: {
      const a = frameLength(r), b = frameLength(r, 1276);
      out.push(...lengthBytes(a), ...bytes(a + b, r));
      break;
    }
    default: {
      const maxCount = 5760 / fs;
      let count = 1 + Math.floor(r() * maxCount);
      if (r() < 0.1) count = maxCount + 1 + Math.floor(r() * 3);  // over 120 ms
      if (r() < 0.03) count = 0;
      const vbr = r() < 0.5, padded = r() < 0.4;
      out.push((vbr ? 0x80 : 0) | (padded ? 0x40 : 0) | (count & 63));
      let padding = 0;
      if (padded) {
        padding = r() < 0.2 ? 254 * (1 + Math.floor(r() * 3)) + Math.floor(r() * 255) : Math.floor(r() * 30);
        let left = padding;
        while (left >= 254) { out.push(255); left -= 254; }
        out.push(left);
      }
      const budget = Math.floor(1400 / Math.max(1, count));
      const sizes = Array.from({ length: Math.max(1, count) }, () => vbr ? frameLength(r, Math.min(1275, budget)) : 0);
      if (vbr) {
        for (let i = 0; i < count - 1; i++) out.push(...lengthBytes(sizes[i]));
        out.push(...bytes(sizes.reduce((a, b) => a + b, 0), r));
      } else {
        out.push(...bytes(Math.max(1, count) * Math.floor(r() * Math.min(100, budget)), r));
      }
      out.push(...bytes(padding, r));
    }
  }
  return Uint8Array.from(out.slice(0, 3000));
}

/** Damage of the kinds a lossy network or a buggy sender causes. */
function mutate(packet: Uint8Array, r: () => number): Uint8Array {
  const p = Array.from(packet);
  const kind = Math.floor(r() * 6);
  const at = Math.floor(r() * Math.max(1, p.length));
  if (kind === 0 && p.length) p[at] ^= 1 << Math.floor(r() * 8);
  else if (kind === 1) p.length = at;
  else if (kind === 2) p.push(...bytes(1 + Math.floor(r() * 4), r));
  else if (kind === 3 && p.length) p[at] = [0, 1, 251, 252, 253, 255][Math.floor(r() * 6)];
  else if (kind === 4 && p.length > 1) p[1] = Math.floor(r() * 256);          // code 3 header / length
  else if (p.length) p[0] = (p[0] & ~3) | Math.floor(r() * 4);                  // another code
  return Uint8Array.from(p.slice(0, 3000));
}

// --- tests --------------------------------------------------------------------------------

test("edge cases of every rule (R1-R7) get libopus's verdict and frames", () => {
  const cases: number[][] = [
    [],                                        // R1
    [0xf8], [0xf9], [0xfa], [0xfb],            // TOC alone, each code
    [0x01, 1], [0x01, 1, 2],                   // R3 odd / even
    [0x02, 0], [0x02, 1], [0x02, 2, 9], [0x02, 252], [0x02, 252, 0], [0x02, 255, 255], // R4
    [0x03, 0x00], [0x03, 0x01], [0x03, 0x30],  // R5 no frames, one frame, 48 x 10 ms
    [0xe3, 0x30], [0xe3, 0x31],                // 48 x 2.5 ms CELT (120 ms) and 49
    [0x1b, 0x02], [0x1b, 0x03],                // 2 x 60 ms SILK, 3 x 60 ms
    [0x03, 0x03, 1, 2, 3], [0x03, 0x03, 1, 2], // R6 CBR 3 frames
    [0x03, 0x43, 2, 1, 2, 3, 0, 0], [0x03, 0x43, 3, 1, 2, 3, 0, 0], [0x03, 0x41, 255], [0x03, 0x41, 255, 0], // padding
    [0x03, 0x82, 5, 1, 2, 3, 4, 5], [0x03, 0x82, 6, 1, 2, 3, 4, 5], [0x03, 0x83, 1], [0x03, 0x83, 252], // R7
    [0x03, 0x82, 252, 1, ...new Array(256).fill(3)], [0x03, 0x82, 252, 1, ...new Array(255).fill(3)],
  ];
  const big = (code: number, n: number) => [code, ...new Array(n).fill(7)];
  cases.push(big(0xf8, 1275), big(0xf8, 1276));                // R2 code 0
  cases.push(big(0xf9, 2550), big(0xf9, 2552));      // code 1 at the limit
  cases.push([0xfa, ...lengthBytes(1275), ...new Array(1275 + 100).fill(1)]);
  cases.push([0xfa, ...lengthBytes(0), ...new Array(1276).fill(1)]);
  cases.push([0xfb, 0x81, ...new Array(1276).fill(1)], [0xfb, 0x81, ...new Array(1275).fill(1)]);
  const r = compare(cases.map((c) => Uint8Array.from(c)));
  assert.ok(r.valid > 10 && r.invalid > 10, JSON.stringify(r));
});

test("20,000 generated packets and their mutations agree with libopus", () => {
  const r = rng(0x0915);
  const packets: Uint8Array[] = [];
  for (let i = 0; i < 10000; i++) {
    const p = wellFormed(r);
    packets.push(p, mutate(p, r));
  }
  const counts = compare(packets);
  // The generator must reach both verdicts for every frame-count code, or the test proves little.
  for (let code = 0; code < 4; code++) {
    assert.ok(counts.validByCode[code] > 500 && counts.invalidByCode[code] > 100, JSON.stringify(counts));
  }
});

test("10,000 random short packets agree with libopus", () => {
  const r = rng(0x0bad);
  const packets = Array.from({ length: 10000 }, () => Uint8Array.from(bytes(Math.floor(r() * 12), r)));
  const counts = compare(packets);
  assert.ok(counts.valid > 1000 && counts.invalid > 1000, JSON.stringify(counts));
});

test("errors: which rule gets which code, and bad arguments", () => {
  const io = image.ioPtr;
  const parse = (p: number[], cap = MAX_FRAMES) => { image.writeIo(Uint8Array.from(p)); return image.exports.vsdk_opus_packet_parse(io, p.length, io + 1536, cap); };
  assert.equal(parse([]), E_TRUNCATED, "R1 empty");
  assert.equal(parse([0x01, 0, 0]) > 0, true);
  assert.equal(parse([0x01, 0]), E_MALFORMED, "R3 odd code 1 payload");
  assert.equal(parse([0x02, 252]), E_TRUNCATED, "R4 two-byte length cut");
  assert.equal(parse([0x02, 5, 1]), E_TRUNCATED, "R4 first frame longer than the packet");
  assert.equal(parse([0x03]), E_TRUNCATED, "code 3 without its frame count byte");
  assert.equal(parse([0x03, 0x00]), E_MALFORMED, "R5 no frames");
  assert.equal(parse([0x1b, 0x03]), E_MALFORMED, "R5 180 ms");
  assert.equal(parse([0x03, 0x02, 1, 2, 3]), E_MALFORMED, "R6 CBR not divisible");
  assert.equal(parse([0x03, 0x42, 9, 1]), E_TRUNCATED, "padding beyond the packet");
  assert.equal(parse([0x03, 0x83, 1, 2]), E_TRUNCATED, "R7 VBR frames beyond the packet");
  assert.equal(parse([0xf8, ...new Array(1276).fill(0)]), E_MALFORMED, "R2 frame over 1275 bytes");
  assert.equal(parse([0xe3, 0x30], 47), E_NOSPACE, "48 frames, room for 47");
  assert.equal(parse([0xe3, 0x30], 48), 48);
  assert.equal(image.exports.vsdk_opus_packet_samples(io, -1), E_ARG, "negative length");
  assert.equal(image.exports.vsdk_opus_packet_samples(0, 3), E_ARG, "null packet");
  const top = image.exports.memory.buffer.byteLength;
  assert.equal(image.exports.vsdk_opus_packet_samples(top - 2, 3), E_ARG, "packet past the end of memory");
  assert.equal(image.exports.vsdk_opus_packet_samples(0xffffff00, 0x200), E_ARG, "address wrap");
  assert.equal(image.exports.vsdk_opus_packet_frames(top - 1, 1), 1, "last byte of memory is readable");
  image.writeIo(Uint8Array.of(0xe3, 0x30));  // 48 frames
  assert.equal(image.exports.vsdk_opus_packet_parse(io, 2, top - 100, 48), E_ARG, "frame list past the end of memory");
  assert.equal(image.exports.vsdk_opus_packet_parse(io, 2, io + 1, 48), E_ARG, "frame list overlapping the packet");
  assert.equal(image.exports.vsdk_opus_packet_parse(io, 2, io + 2, 48), 48, "frame list right after the packet");
});
