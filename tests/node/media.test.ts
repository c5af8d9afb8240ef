// One call's audio through two real images: a sender image captures speech into RTP packets, a
// simulated network delays, reorders and drops them, a receiver image buffers and plays them out
// on a 20 ms clock. Received speech is compared with what was sent segment by segment
// (tools/audio/speech-match.ts: each 200 ms speech segment at its best lag up to 400 ms; median
// segment SNR and mean normalised correlation).
// Bars: loss-free G.711: median SNR >= 30 dB (the codec alone gives ~37 dB on this speech);
// 20 % random loss with 200 ms of jitter: mean correlation >= 0.6 (concealment cannot restore lost
// speech; it must keep the rest intact and aligned); Opus loss-free: mean correlation >= 0.8.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Image } from "../../host-node/image.js";
import { createOpusHost } from "../../host-node/opus.js";
import { E_ARG, E_NOSPACE, E_STATE } from "../../host-node/errors.js";
import { speech } from "../../tools/oracles/oracles.js";
import { matchSpeech } from "../../tools/audio/speech-match.js";
import { prng as rng } from "../../host-node/prng.js";

const PCMU = 0, PCMA = 1, OPUS = 2;
const TEXT = "Hello, this is the device calling. Can you hear me clearly? One, two, three, four.";
const PCM_AT = 0, PKT_AT = 1024;   // offsets in the I/O buffer

function load(withOpus = false, rate = 16000): Image {
  if (!withOpus) return Image.load();
  let image: Image | undefined;
  const host = createOpusHost(() => image!.memory, { decoderRate: rate });
  image = Image.load(host.imports);
  return image;
}


interface Network { loss: number; baseMs: number; jitterMs: number; seed: number }

function call(codec: number, rate: number, input: Int16Array, net: Network, withOpus = false) {
  const tx = load(withOpus, rate), rx = load(withOpus, rate);
  assert.equal(tx.exports.vsdk_media_start(codec, -1, rate, 20, 0x1111, 0), 0);
  assert.equal(rx.exports.vsdk_media_start(codec, -1, rate, 20, 0x2222, 0x1111), 0);
  const frame = tx.exports.vsdk_media_frame_samples();
  assert.equal(frame, rate / 50);
  const random = rng(net.seed);
  const inFlight: { arrival: number; bytes: Uint8Array }[] = [];
  const frames = Math.floor(input.length / frame);
  for (let i = 0; i < frames; i++) {
    tx.writeIo(new Uint8Array(input.buffer, input.byteOffset + i * frame * 2, frame * 2), PCM_AT);
    const n = tx.exports.vsdk_media_capture(tx.ioPtr + PCM_AT, frame, tx.ioPtr + PKT_AT, 1024);
    assert.ok(n > 12, `capture ${n}`);
    if (random() < net.loss) continue;
    inFlight.push({ arrival: i * 20 + net.baseMs + random() * net.jitterMs, bytes: tx.readIo(n, PKT_AT) });
  }
  inFlight.sort((a, b) => a.arrival - b.arrival);
  const out = new Int16Array((frames + 40) * frame);
  let next = 0;
  const clockStart = 1_000_000;       // the receiver's clock has its own origin
  for (let tick = 0; tick < frames + 40; tick++) {
    const now = tick * 20;
    while (next < inFlight.length && inFlight[next].arrival <= now) {
      rx.writeIo(inFlight[next].bytes, PKT_AT);
      const r = rx.exports.vsdk_media_receive(rx.ioPtr + PKT_AT, inFlight[next].bytes.length, clockStart + Math.floor(inFlight[next].arrival));
      assert.ok(r >= 0 || r === -1008 || r === -1007, `receive ${r}`);
      next++;
    }
    const got: number = rx.exports.vsdk_media_playout(clockStart + now, rx.ioPtr + PCM_AT, frame);
    assert.equal(got, frame);
    out.set(new Int16Array(rx.readIo(frame * 2, PCM_AT).buffer), tick * frame);
  }
  const stat = (f: number) => rx.exports.vsdk_media_stat(f);
  return { out, rx, tx, stats: { played: stat(4), concealed: stat(5), silent: stat(6), target: stat(8) } };
}

function align(ref: Int16Array, out: Int16Array, maxLag: number) {
  const m = matchSpeech(ref, out, maxLag);
  return { segments: m.segments, snr: m.snrDb, corr: m.correlation, lag: m.maxLag };
}

test("G.711 both laws, loss-free: received speech matches what was sent", (t) => {
  const input = speech(TEXT, 8000);
  for (const codec of [PCMU, PCMA]) {
    const { out, stats } = call(codec, 8000, input, { loss: 0, baseMs: 30, jitterMs: 10, seed: 1 });
    const m = align(input, out, 3200);
    t.diagnostic(`codec ${codec}: median segment SNR ${m.snr.toFixed(1)} dB, mean correlation ${m.corr.toFixed(3)}, ${m.segments} segments, concealed ${stats.concealed}`);
    assert.ok(m.segments >= 5, `${m.segments} speech segments`);
    assert.ok(m.snr >= 30, `codec ${codec}: median segment SNR ${m.snr.toFixed(1)} dB`);
    assert.ok(stats.concealed <= 3, `${stats.concealed} frames concealed on a clean network`);
  }
});

test("G.711 with 20 % loss and 200 ms jitter stays intelligible and aligned", (t) => {
  const input = speech(TEXT, 8000);
  const { out, stats } = call(PCMU, 8000, input, { loss: 0.2, baseMs: 40, jitterMs: 200, seed: 7 });
  const m = align(input, out, 3200);
  t.diagnostic(`mean correlation ${m.corr.toFixed(3)}, median segment SNR ${m.snr.toFixed(1)} dB, largest lag ${m.lag / 8} ms, concealed ${stats.concealed}, target ${stats.target} ms`);
  assert.ok(m.corr >= 0.6, `correlation ${m.corr.toFixed(3)} at lag ${m.lag}`);
  assert.ok(stats.concealed > 0, "losses were concealed");
  assert.ok(m.lag <= 8 * 300, `playout delay ${m.lag / 8} ms stays bounded`);
});

test("Opus through the host codec, loss-free", (t) => {
  const input = speech(TEXT, 16000);
  const { out } = call(OPUS, 16000, input, { loss: 0, baseMs: 30, jitterMs: 10, seed: 3 }, true);
  const m = align(input, out, 6400);
  t.diagnostic(`mean correlation ${m.corr.toFixed(3)}, median segment SNR ${m.snr.toFixed(1)} dB`);
  assert.ok(m.corr >= 0.8, `correlation ${m.corr.toFixed(3)} at lag ${m.lag}`);
});

test("a sender restart (new SSRC) is followed after a few packets", () => {
  const tx = load(), rx = load();
  rx.exports.vsdk_media_start(PCMU, -1, 8000, 20, 1, 0);
  let played = 0;
  for (const ssrc of [0xaaaa, 0xbbbb]) {
    tx.exports.vsdk_media_start(PCMU, -1, 8000, 20, ssrc, 0);
    for (let i = 0; i < 50; i++) {
      const n = tx.exports.vsdk_media_capture(tx.ioPtr, 160, tx.ioPtr + PKT_AT, 512);
      rx.writeIo(tx.readIo(n, PKT_AT), PKT_AT);
      rx.exports.vsdk_media_receive(rx.ioPtr + PKT_AT, n, 5000 + i * 20 + (ssrc === 0xbbbb ? 2000 : 0));
    }
    const before = rx.exports.vsdk_media_stat(2);
    played = before;
  }
  assert.ok(played >= 90, `packets buffered across the restart: ${played}`);
});

test("bad input gets error codes, never a trap, and leaves the session working", () => {
  const rx = load();
  assert.equal(rx.exports.vsdk_media_capture(rx.ioPtr, 160, rx.ioPtr + PKT_AT, 512), E_STATE);
  assert.equal(rx.exports.vsdk_media_start(9, -1, 8000, 20, 1, 0), E_ARG);
  assert.equal(rx.exports.vsdk_media_start(PCMU, -1, 16000, 20, 1, 0), E_ARG);
  assert.equal(rx.exports.vsdk_media_start(PCMU, -1, 8000, 25, 1, 0), E_ARG);
  assert.equal(rx.exports.vsdk_media_start(PCMU, -1, 8000, 20, 1, 0), 0);
  assert.equal(rx.exports.vsdk_media_capture(rx.ioPtr, 100, rx.ioPtr + PKT_AT, 512), E_ARG);
  assert.equal(rx.exports.vsdk_media_capture(rx.ioPtr, 160, rx.ioPtr + PKT_AT, 100), E_NOSPACE);
  assert.equal(rx.exports.vsdk_media_capture(0xfffff0, 160, rx.ioPtr + PKT_AT, 512), E_ARG);
  assert.equal(rx.exports.vsdk_media_playout(0, rx.ioPtr, 10), E_NOSPACE);
  assert.equal(rx.exports.vsdk_media_receive(0x7ffffff0, 64, 0), E_ARG);
  const random = rng(99);
  for (let i = 0; i < 5000; i++) {
    const bytes = new Uint8Array(Math.floor(random() * 300));
    for (let j = 0; j < bytes.length; j++) bytes[j] = random() * 256;
    if (bytes.length > 0 && random() < 0.5) bytes[0] = 0x80;     // often a plausible RTP version
    if (bytes.length > 1 && random() < 0.3) bytes[1] = 0;        // ... and PCMU
    rx.writeIo(bytes, PKT_AT);
    const r = rx.exports.vsdk_media_receive(rx.ioPtr + PKT_AT, bytes.length, i * 20);
    assert.ok(r >= -1017 && r <= 1, `receive returned ${r}`);
  }
  const used = rx.exports.vsdk_memory_used();
  assert.ok(rx.memory.subarray(used).every((b) => b === 0), "nothing written above the memory in use");
});

test("a hundred calls use the memory of one", () => {
  const tx = load(), rx = load();
  let afterFirst = 0;
  for (let c = 0; c < 100; c++) {
    const codec = c % 2 === 0 ? PCMU : PCMA;
    const ptime = c % 3 === 0 ? 40 : 20;
    assert.equal(tx.exports.vsdk_media_start(codec, -1, 8000, ptime, 10 + c, 0), 0);
    assert.equal(rx.exports.vsdk_media_start(codec, -1, 8000, ptime, 20 + c, 10 + c), 0);
    const frame = tx.exports.vsdk_media_frame_samples();
    for (let i = 0; i < 20; i++) {
      const n = tx.exports.vsdk_media_capture(tx.ioPtr, frame, tx.ioPtr + PKT_AT, 1024);
      rx.writeIo(tx.readIo(n, PKT_AT), PKT_AT);
      rx.exports.vsdk_media_receive(rx.ioPtr + PKT_AT, n, c * 10000 + i * 20);
      rx.exports.vsdk_media_playout(c * 10000 + i * 20, rx.ioPtr, frame);
    }
    tx.exports.vsdk_media_stop();
    rx.exports.vsdk_media_stop();
    if (c === 0) afterFirst = rx.exports.vsdk_memory_used();
  }
  assert.equal(rx.exports.vsdk_memory_used(), afterFirst);
  assert.ok(afterFirst <= 32 * 1024, `${afterFirst} bytes in use during a call`);
});
