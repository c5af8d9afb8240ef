// Measures G.711 loss concealment: ours (vsdk_plc_* in the image) against spandsp's plc
// (tools/native/spandsp_plc.c, compiled on demand) and against plain silence, on real speech
// (espeak-ng, 8 kHz through sox, then a µ-law round trip) with seeded loss patterns, scored by
// ITU-T P.862 PESQ (narrow band, PyPI `pesq`) against the same speech without loss.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./paths.js";
import { Image } from "./image.js";
import { prng } from "./jitter-trace-gen.js";

export const RATE = 8000;
export const FRAME = 160;               // 20 ms
export const PLC_DELAY = 30;            // our PLC plays 3.75 ms behind its input (Appendix I)

const SENTENCES = [
  "The quick brown fox jumps over the lazy dog near the river bank.",
  "Please call me back when you arrive at the station this evening.",
  "Seven silver swans swam silently beside the old stone bridge.",
  "We measured the delay of every packet and kept the quiet ones.",
];

function run(cmd: string, args: string[], input?: Buffer | string): Buffer {
  const r = spawnSync(cmd, args, { input, maxBuffer: 256 << 20 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** Speech from espeak-ng (voice e.g. "en-us" or "en-us+f3"), as 8 kHz 16-bit mono samples. */
export function speech(voice: string): Int16Array {
  const dir = mkdtempSync(join(tmpdir(), "vsdk-plc-"));
  const wav = join(dir, "speech.wav");
  run("espeak-ng", ["-v", voice, "-s", "150", "-w", wav, SENTENCES.join(" ")]);
  const raw = run("sox", [wav, "-t", "raw", "-r", String(RATE), "-c", "1", "-b", "16", "-e", "signed-integer", "-L", "-"]);
  const pcm = new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + (raw.length & ~1)));
  return pcm.slice(0, Math.floor(pcm.length / FRAME) * FRAME);
}

/** A µ-law round trip through the image, as a G.711 call would deliver the speech. */
export function g711RoundTrip(image: Image, pcm: Int16Array): Int16Array {
  const x = image.exports;
  const io = image.ioPtr;
  const out = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i += FRAME) {
    image.memory.set(new Uint8Array(pcm.buffer, pcm.byteOffset + i * 2, FRAME * 2), io);
    if (x.vsdk_g711_encode(0, io, FRAME, io + 512) !== FRAME) throw new Error("vsdk_g711_encode failed");
    if (x.vsdk_g711_decode(0, io + 512, FRAME, io) !== FRAME) throw new Error("vsdk_g711_decode failed");
    out.set(new Int16Array(image.exports.memory.buffer.slice(io, io + FRAME * 2)), i);
  }
  return out;
}

export type LossPattern = { kind: "random"; rate: number } | { kind: "bursty"; pGoodToBad: number; pBadToGood: number };

/** One character per frame, '1' = lost; the first and last frames are always received. */
export function lossMask(pattern: LossPattern, frames: number, seed: number): string {
  const rnd = prng(seed);
  let bad = false;
  let mask = "";
  for (let i = 0; i < frames; i++) {
    let lost: boolean;
    if (pattern.kind === "random") lost = rnd() < pattern.rate;
    else { bad = bad ? rnd() >= pattern.pBadToGood : rnd() < pattern.pGoodToBad; lost = bad; }
    mask += lost && i > 2 && i < frames - 1 ? "1" : "0";
  }
  return mask;
}

/** Our PLC, in the image; the result is aligned with the input (its 3.75 ms delay removed). */
export function concealOurs(image: Image, pcm: Int16Array, mask: string): Int16Array {
  const x = image.exports;
  const io = image.ioPtr;
  if (x.vsdk_plc_init() !== 0) throw new Error("vsdk_plc_init failed");
  const played = new Int16Array(pcm.length + PLC_DELAY);
  for (let f = 0; f * FRAME < pcm.length; f++) {
    const r = mask[f] === "1" ? x.vsdk_plc_conceal(io, FRAME)
      : (image.memory.set(new Uint8Array(pcm.buffer, pcm.byteOffset + f * FRAME * 2, FRAME * 2), io), x.vsdk_plc_receive(io, FRAME));
    if (r !== FRAME) throw new Error(`vsdk_plc_* failed: ${r}`);
    played.set(new Int16Array(image.exports.memory.buffer.slice(io, io + FRAME * 2)), f * FRAME);
  }
  return played.slice(PLC_DELAY, PLC_DELAY + pcm.length);
}

function spandspTool(): string {
  const source = join(repoRoot, "tools/native/spandsp_plc.c");
  const binary = join(repoRoot, "build/tools/spandsp_plc");
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  mkdirSync(join(repoRoot, "build/tools"), { recursive: true });
  run("cc", ["-O2", "-Wall", "-o", binary, source, "-lspandsp"]);
  return binary;
}

/** spandsp's PLC over the same frames (it has no delay). The last frames of the tail pass as is. */
export function concealSpandsp(pcm: Int16Array, mask: string): Int16Array {
  const out = run(spandspTool(), [String(FRAME), mask.slice(0, pcm.length / FRAME)], Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  return new Int16Array(out.buffer.slice(out.byteOffset, out.byteOffset + pcm.byteLength));
}

/** What no concealment sounds like: lost frames are silence. */
export function concealSilence(pcm: Int16Array, mask: string): Int16Array {
  const out = pcm.slice();
  for (let f = 0; f * FRAME < pcm.length; f++) if (mask[f] === "1") out.fill(0, f * FRAME, (f + 1) * FRAME);
  return out;
}

/** PESQ MOS-LQO (P.862, narrow band) of `degraded` against `reference`, both 8 kHz. */
export function pesqScores(reference: Int16Array, degraded: Int16Array[]): number[] {
  const dir = mkdtempSync(join(tmpdir(), "vsdk-pesq-"));
  const files = [reference, ...degraded].map((pcm, i) => {
    const f = join(dir, `${i}.s16`);
    writeFileSync(f, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    return f;
  });
  const script = [
    "import sys, numpy as np",
    "from pesq import pesq",
    "ref = np.fromfile(sys.argv[1], dtype='<i2').astype(np.float64)",
    "for f in sys.argv[2:]:",
    "    print(pesq(8000, ref, np.fromfile(f, dtype='<i2').astype(np.float64), 'nb'))",
  ].join("\n");
  const out = run("python3", ["-c", script, ...files]).toString().trim().split("\n").map(Number);
  if (out.length !== degraded.length || out.some((v) => !Number.isFinite(v))) throw new Error(`pesq answered ${out.join(",")}`);
  return out;
}

/** Segmental SNR in dB over 20 ms frames (each clamped to -10..35 dB, silent frames skipped). */
export function segmentalSnr(reference: Int16Array, degraded: Int16Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i + FRAME <= reference.length; i += FRAME) {
    let sig = 0, err = 0;
    for (let j = i; j < i + FRAME; j++) { sig += reference[j] ** 2; err += (reference[j] - degraded[j]) ** 2; }
    if (sig < FRAME * 100) continue;
    sum += Math.min(35, Math.max(-10, 10 * Math.log10(sig / Math.max(err, 1))));
    n++;
  }
  return n ? sum / n : 0;
}

export interface PlcComparison { case: string; loss_pct: number; ours: number; spandsp: number; silence: number }

export const PLC_CASES: Array<{ name: string; voice: string; pattern: LossPattern; seed: number }> = [
  { name: "male, 5% random", voice: "en-us", pattern: { kind: "random", rate: 0.05 }, seed: 1 },
  { name: "male, 10% random", voice: "en-us", pattern: { kind: "random", rate: 0.10 }, seed: 2 },
  { name: "male, 20% random", voice: "en-us", pattern: { kind: "random", rate: 0.20 }, seed: 3 },
  { name: "male, bursty", voice: "en-us", pattern: { kind: "bursty", pGoodToBad: 0.05, pBadToGood: 0.4 }, seed: 4 },
  { name: "female, 10% random", voice: "en-us+f3", pattern: { kind: "random", rate: 0.10 }, seed: 5 },
  { name: "female, bursty", voice: "en-us+f3", pattern: { kind: "bursty", pGoodToBad: 0.05, pBadToGood: 0.4 }, seed: 6 },
];

/** PESQ of ours, spandsp's and silence on every case. */
export function comparePlc(): PlcComparison[] {
  const image = Image.load();
  const voices = new Map<string, Int16Array>();
  const rows: PlcComparison[] = [];
  for (const c of PLC_CASES) {
    if (!voices.has(c.voice)) voices.set(c.voice, g711RoundTrip(image, speech(c.voice)));
    const clean = voices.get(c.voice)!;
    const mask = lossMask(c.pattern, clean.length / FRAME, c.seed);
    const [ours, spandsp, silence] = pesqScores(clean, [concealOurs(image, clean, mask), concealSpandsp(clean, mask), concealSilence(clean, mask)]);
    const lossPct = Math.round((1000 * [...mask].filter((m) => m === "1").length) / mask.length) / 10;
    rows.push({ case: c.name, loss_pct: lossPct, ours: round2(ours), spandsp: round2(spandsp), silence: round2(silence) });
  }
  return rows;
}

const round2 = (v: number) => Math.round(v * 100) / 100;
