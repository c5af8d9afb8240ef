// G.711 in the image against independent implementations shown (docs/g711.md) to agree with
// the ITU-T G.191 STL: PyPI g711 for both laws, spandsp for A-law. Every 16-bit input, every
// code, and real speech; then `vsdk g711` end to end and its errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Image } from "../../host-node/image.js";
import { repoRoot } from "../../host-node/paths.js";
import { E_ARG } from "../../host-node/errors.js";
import { encodeWav, parseWav } from "../../host-node/wav.js";
import { g711DecodeWithImage, g711EncodeWithImage, type Law } from "../../cli/commands/g711.js";
import { compileOracle, pcmBytes, pcmFromBytes, runOracle, runPythonOracle, speech } from "../../tools/oracles/oracles.js";

const LAWS: [Law, string][] = [[0, "mu"], [1, "a"]];
const image = Image.load();
const everyInput = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
const everyCode = Uint8Array.from({ length: 256 }, (_, i) => i);
const spandsp = compileOracle("g711_spandsp.c", ["-lspandsp"]);

function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): string {
  assert.equal(a.length, b.length, "lengths");
  const diffs: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diffs.push(i);
  return diffs.length === 0 ? "" : `${diffs.length} differ, first at index ${diffs[0]}: ${a[diffs[0]]} vs ${b[diffs[0]]}`;
}

for (const [law, name] of LAWS) {
  test(`${name}-law encode equals PyPI g711 on all 65,536 inputs`, () => {
    const ours = g711EncodeWithImage(image, law, everyInput);
    const oracle = runPythonOracle("g711_pypi.py", ["encode", name], pcmBytes(everyInput));
    assert.equal(firstDifference(ours, oracle), "");
  });

  test(`${name}-law decode equals PyPI g711 on all 256 codes`, () => {
    const ours = g711DecodeWithImage(image, law, everyCode);
    const oracle = pcmFromBytes(runPythonOracle("g711_pypi.py", ["decode", name], everyCode));
    assert.equal(firstDifference(ours, oracle), "");
  });
}

test("A-law encode and decode equal spandsp on every input and code", () => {
  const enc = runOracle(spandsp, ["encode", "a"], pcmBytes(everyInput));
  assert.equal(firstDifference(g711EncodeWithImage(image, 1, everyInput), enc), "");
  const dec = pcmFromBytes(runOracle(spandsp, ["decode", "a"], everyCode));
  assert.equal(firstDifference(g711DecodeWithImage(image, 1, everyCode), dec), "");
});

test("µ-law decode equals spandsp on all 256 codes (only its encoder departs from the STL)", () => {
  const dec = pcmFromBytes(runOracle(spandsp, ["decode", "mu"], everyCode));
  assert.equal(firstDifference(g711DecodeWithImage(image, 0, everyCode), dec), "");
});

test("speech through the image is byte-exact with the oracle, and decodes close to the original", (t) => {
  const pcm = speech("Hello from the device. One two three, four five six. Seven eight nine ten.", 8000);
  assert.ok(pcm.length > 16000, `speech of ${pcm.length} samples`);
  for (const [law, name] of LAWS) {
    const ours = g711EncodeWithImage(image, law, pcm);
    assert.equal(firstDifference(ours, runPythonOracle("g711_pypi.py", ["encode", name], pcmBytes(pcm))), "", name);
    const decoded = g711DecodeWithImage(image, law, ours);
    assert.equal(firstDifference(decoded, pcmFromBytes(runPythonOracle("g711_pypi.py", ["decode", name], ours))), "", name);
    // G.711 on speech: about 38 dB for a full-scale sine, less on quiet speech; 25 dB catches a
    // wrong segment, sign or bias while leaving room for espeak's level.
    let signal = 0, noise = 0;
    for (let i = 0; i < pcm.length; i++) { signal += pcm[i] ** 2; noise += (pcm[i] - decoded[i]) ** 2; }
    const snr = 10 * Math.log10(signal / noise);
    t.diagnostic(`${name}-law: ${pcm.length} samples of speech, SNR ${snr.toFixed(1)} dB`);
    assert.ok(snr > 25, `${name}-law SNR ${snr.toFixed(1)} dB`);
  }
});

test("the exports refuse bad arguments with E_ARG and leave the output untouched", () => {
  const io = image.ioPtr;
  const mem = () => image.memory;
  const top = image.exports.memory.buffer.byteLength;
  image.writeIo(new Uint8Array(64).fill(0x5a));
  const before = image.readIo(64);
  const enc = (law: number, pcm: number, n: number, out: number) => image.exports.vsdk_g711_encode(law, pcm, n, out);
  const dec = (law: number, inp: number, n: number, pcm: number) => image.exports.vsdk_g711_decode(law, inp, n, pcm);
  assert.equal(enc(2, io, 4, io + 32), E_ARG, "unknown law");
  assert.equal(enc(-1, io, 4, io + 32), E_ARG, "negative law");
  assert.equal(dec(7, io, 4, io + 32), E_ARG, "unknown law");
  assert.equal(enc(0, io, -1, io + 32), E_ARG, "negative count");
  assert.equal(dec(0, io, -1, io + 32), E_ARG, "negative count");
  assert.equal(enc(0, 0, 4, io + 32), E_ARG, "null input");
  assert.equal(dec(1, io, 4, 0), E_ARG, "null output");
  assert.equal(enc(0, top - 4, 4, io), E_ARG, "input past the end of memory");
  assert.equal(dec(0, io, 4, top - 6), E_ARG, "output past the end of memory");
  assert.equal(enc(0, 0xfffffff0, 16, io), E_ARG, "address wrap");
  assert.equal(enc(0, io, 8, io + 4), E_ARG, "partly overlapping buffers");
  assert.equal(dec(0, io + 4, 8, io), E_ARG, "partly overlapping buffers");
  assert.deepEqual(image.readIo(64), before);
  assert.equal(enc(0, io, 0, 0), 0, "zero samples is a no-op");
  assert.equal(mem().length, top, "memory did not grow");
});

// --- the command ------------------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), "vsdk-g711-"));
function vsdk(...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, "bin/vsdk.js"), ...args], { cwd: repoRoot, encoding: "utf8" });
  return { status: r.status, stderr: r.stderr };
}

test("vsdk g711 encode/decode round trip matches the oracle byte for byte", () => {
  const pcm = speech("Testing the command line codec.", 8000);
  const wav = join(work, "in.wav");
  writeFileSync(wav, encodeWav(pcm, 8000));
  for (const [, name] of LAWS) {
    const coded = join(work, `out.${name}`);
    const back = join(work, `back.${name}.wav`);
    assert.equal(vsdk("g711", "encode", "--law", name, wav, coded).status, 0);
    const bytes = new Uint8Array(readFileSync(coded));
    assert.equal(bytes.length, pcm.length);
    assert.equal(firstDifference(bytes, runPythonOracle("g711_pypi.py", ["encode", name], pcmBytes(pcm))), "");
    assert.equal(vsdk("g711", "decode", "--law", name, coded, back).status, 0);
    const decoded = parseWav(new Uint8Array(readFileSync(back)));
    assert.equal(decoded.sampleRate, 8000);
    assert.equal(decoded.channels, 1);
    assert.equal(firstDifference(decoded.samples, pcmFromBytes(runPythonOracle("g711_pypi.py", ["decode", name], bytes))), "");
  }
});

test("vsdk g711 encode explains what is wrong with an unusable WAV file", () => {
  const pcm = Int16Array.from({ length: 800 }, (_, i) => (i * 37) % 2000 - 1000);
  const good = encodeWav(pcm, 8000);
  const cases: [string, Uint8Array, RegExp][] = [];
  cases.push(["stereo", encodeWav(new Int16Array(1600), 8000, 2), /2 channels/]);
  cases.push(["16 kHz", encodeWav(pcm, 16000), /16000 Hz/]);
  const eightBit = good.slice(); new DataView(eightBit.buffer).setUint16(34, 8, true);
  cases.push(["8-bit", eightBit, /8-bit samples/]);
  const float = good.slice(); new DataView(float.buffer).setUint16(20, 3, true);
  cases.push(["float", float, /format tag 3 is not linear PCM/]);
  cases.push(["truncated data", good.subarray(0, good.length - 100), /truncated/]);
  cases.push(["truncated header", good.subarray(0, 8), /truncated/]);
  cases.push(["not a WAV", new TextEncoder().encode("this is not a wav file at all"), /not a WAV file/]);
  for (const [label, bytes, message] of cases) {
    const file = join(work, `bad-${label.replace(/\W/g, "_")}.wav`);
    writeFileSync(file, bytes);
    const r = vsdk("g711", "encode", "--law", "mu", file, join(work, "never"));
    assert.equal(r.status, 1, label);
    assert.match(r.stderr, message, label);
  }
  writeFileSync(join(work, "good.wav"), good);
  const r = vsdk("g711", "encode", "--law", "x", join(work, "good.wav"), join(work, "never"));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown law 'x'/);
  assert.equal(vsdk("g711", "encode", join(work, "good.wav")).status, 2, "usage error");
});

test("WAV reader walks chunks: skips unknown ones, honours pad bytes, reads WAVE_FORMAT_EXTENSIBLE", () => {
  const pcm = Int16Array.from([1, -2, 3, -4, 32767, -32768]);
  const plain = encodeWav(pcm, 8000);
  // Insert a 3-byte "LIST" chunk (odd: one pad byte follows) between "fmt " and "data".
  const extra = Uint8Array.from([0x4c, 0x49, 0x53, 0x54, 3, 0, 0, 0, 9, 9, 9, 0]);
  const withList = new Uint8Array(plain.length + extra.length);
  withList.set(plain.subarray(0, 36));
  withList.set(extra, 36);
  withList.set(plain.subarray(36), 36 + extra.length);
  new DataView(withList.buffer).setUint32(4, withList.length - 8, true);
  assert.deepEqual([...parseWav(withList).samples], [...pcm]);
  // A 40-byte extensible fmt chunk whose sub-format is PCM.
  const ext = new Uint8Array(plain.length + 24);
  ext.set(plain.subarray(0, 36));
  const v = new DataView(ext.buffer);
  v.setUint32(16, 40, true);
  v.setUint16(20, 0xfffe, true);
  v.setUint16(36, 22, true);
  v.setUint16(38, 16, true);
  v.setUint32(40, 4, true);
  v.setUint16(44, 1, true);
  ext.set(plain.subarray(36), 60);
  v.setUint32(4, ext.length - 8, true);
  assert.deepEqual([...parseWav(ext).samples], [...pcm]);
});
