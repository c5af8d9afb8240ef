// G.711 loss concealment (assembly/codec/g711_plc.ts): exact pass-through when nothing is lost,
// faithful continuation of a periodic signal, a fade to silence on long losses, clear errors,
// and, on real speech, PESQ at least as good as spandsp's PLC (the Appendix I family) and well
// above no concealment.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Image } from "../../host-node/image.js";
import { E_ARG } from "../../host-node/errors.js";
import { comparePlc, concealOurs, FRAME, PLC_DELAY } from "../../host-node/plc-compare.js";

function tone(samples: number, periodSamples: number): Int16Array {
  // A voiced-speech-like waveform: a fundamental and decaying harmonics.
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) {
    let v = 0;
    for (let h = 1; h <= 5; h++) v += Math.sin((2 * Math.PI * h * i) / periodSamples + h) / h;
    out[i] = Math.round(6000 * v);
  }
  return out;
}

test("with no loss the output is the input, 3.75 ms (30 samples) later, bit for bit", () => {
  const image = Image.load();
  const input = tone(FRAME * 20, 73);
  const out = concealOurs(image, input, "0".repeat(20));
  assert.deepEqual([...out.slice(0, input.length - PLC_DELAY)], [...input.slice(0, input.length - PLC_DELAY)]);
});

test("a lost frame of a periodic signal is continued faithfully, and a long loss fades to silence", () => {
  const image = Image.load();
  for (const period of [45, 73, 110]) {
    const input = tone(FRAME * 30, period);
    const mask = "0".repeat(10) + "1" + "0".repeat(19);
    const out = concealOurs(image, input, mask);
    // The first 10 ms of the lost frame, against what was really sent.
    let sig = 0, err = 0;
    for (let i = 10 * FRAME; i < 10 * FRAME + 80; i++) { sig += input[i] ** 2; err += (input[i] - out[i]) ** 2; }
    assert.ok(10 * Math.log10(sig / err) > 12, `period ${period}: SNR ${(10 * Math.log10(sig / err)).toFixed(1)} dB`);
    // Good frames after the loss are untouched beyond the resume overlap (at most 10 ms).
    for (let i = 12 * FRAME; i < input.length - PLC_DELAY; i++) assert.equal(out[i], input[i]);

    const long = concealOurs(image, input, "0".repeat(10) + "1".repeat(8) + "0".repeat(12));
    const tail = long.slice(10 * FRAME + 560, 18 * FRAME);
    assert.ok(tail.every((v) => v === 0), `period ${period}: still sounding 70 ms into a loss`);
  }
});

test("bad frame sizes are refused with E_ARG and change nothing", () => {
  const image = Image.load();
  const x = image.exports;
  assert.equal(x.vsdk_plc_init(), 0);
  assert.equal(x.vsdk_plc_receive(image.ioPtr, 10), E_ARG);
  assert.equal(x.vsdk_plc_receive(image.ioPtr, 361), E_ARG);
  assert.equal(x.vsdk_plc_conceal(image.ioPtr, -1), E_ARG);
  assert.equal(x.vsdk_plc_conceal(0, FRAME), E_ARG);
  const input = tone(FRAME * 4, 60);
  const out = concealOurs(image, input, "0000");
  assert.deepEqual([...out.slice(0, 500)], [...input.slice(0, 500)]);
});

test("on speech, PESQ is at least spandsp's (within measurement noise) and far above silence", () => {
  const rows = comparePlc();
  for (const r of rows) {
    assert.ok(r.loss_pct > 2, `${r.case}: the loss pattern loses something`);
    assert.ok(r.ours > r.silence + 0.25, `${r.case}: ours ${r.ours} vs silence ${r.silence}`);
    assert.ok(r.ours >= r.spandsp - 0.05, `${r.case}: ours ${r.ours} vs spandsp ${r.spandsp}`);
  }
  const mean = (k: "ours" | "spandsp") => rows.reduce((s, r) => s + r[k], 0) / rows.length;
  assert.ok(mean("ours") >= mean("spandsp"), `mean PESQ ours ${mean("ours").toFixed(3)} vs spandsp ${mean("spandsp").toFixed(3)}`);
});
