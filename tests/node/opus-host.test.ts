// The Node host's Opus imports (host-node/opus.ts, libopus through koffi) used the way the image
// uses them: PCM and packets in the image's linear memory. Opus is not waveform-exact, so the
// bars are stated in signal terms:
//   - round trip of speech: after the codec's 6.5 ms look-ahead, normalised correlation with the
//     input >= 0.80 and SNR >= 4 dB (measured here: 0.96-0.97 and 11-12 dB at 8-48 kHz);
//   - concealment produces exactly the lost duration asked for;
//   - in-band FEC recovers a lost frame clearly better than concealment (>= 3 dB mean SNR
//     against the frame a loss-free decoder produced), and only when the encoder sent FEC.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Image } from "../../host-node/image.js";
import { createOpusHost, type OpusHostOptions } from "../../host-node/opus.js";
import { E_ARG, E_CODEC, E_NOSPACE } from "../../host-node/errors.js";
import { speech } from "../../tools/oracles/oracles.js";

const TEXT = "The quick brown fox jumps over the lazy dog. Testing one two three.";
const PKT = 1600;  // packets live at this offset of the I/O buffer, PCM at 0 (encode) or 1024 (decode)

interface Endpoint { image: Image; call(name: "opus_encode" | "opus_decode", ...args: number[]): number; close(): void }

function endpoint(options: OpusHostOptions = {}): Endpoint {
  let image: Image | undefined;
  const host = createOpusHost(() => image!.memory, options);
  image = Image.load(host.imports);
  return {
    image,
    call: (name, ...args) => host.imports[name](...args) as number,
    close: () => host.close(),
  };
}

function encodeAll(e: Endpoint, pcm: Int16Array, rate: number): Uint8Array[] {
  const frame = rate / 50;
  const io = e.image.ioPtr;
  const packets: Uint8Array[] = [];
  for (let at = 0; at + frame <= pcm.length; at += frame) {
    e.image.writeIo(new Uint8Array(pcm.buffer, pcm.byteOffset + at * 2, frame * 2));
    const n = e.call("opus_encode", io, frame, rate, io + PKT, 400);
    assert.ok(n > 0, `encode returned ${n}`);
    packets.push(e.image.readIo(n, PKT));
  }
  return packets;
}

/** Decodes one packet (null: a lost one to conceal); fec 1 recovers the previous packet. */
function decode(e: Endpoint, packet: Uint8Array | null, samples: number, fec = 0): Int16Array {
  const io = e.image.ioPtr;
  if (packet) e.image.writeIo(packet, PKT);
  const n = e.call("opus_decode", io + PKT, packet ? packet.length : 0, io + 64, samples, fec);
  assert.ok(n >= 0, `decode returned ${n}`);
  return new Int16Array(e.image.readIo(n * 2, 64).buffer);
}

function correlation(a: Int16Array, b: Int16Array, lag: number): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length && i + lag < b.length; i++) { ab += a[i] * b[i + lag]; aa += a[i] ** 2; bb += b[i + lag] ** 2; }
  return ab / Math.sqrt(aa * bb);
}

function snrDb(truth: Int16Array, x: Int16Array, lag = 0): number {
  let s = 0, n = 0;
  for (let i = 0; i < truth.length && i + lag < x.length; i++) { s += truth[i] ** 2; n += (truth[i] - x[i + lag]) ** 2; }
  return 10 * Math.log10((s + 1) / (n + 1));
}

for (const [rate, bitrate] of [[8000, 16000], [16000, 24000], [48000, 32000]]) {
  test(`speech round trip at ${rate} Hz, ${bitrate} bit/s: correlation >= 0.80, SNR >= 4 dB after the look-ahead`, (t) => {
    const e = endpoint({ bitrate });
    try {
      const pcm = speech(TEXT, rate);
      const frame = rate / 50;
      const packets = encodeAll(e, pcm, rate);
      const out = new Int16Array(packets.length * frame);
      packets.forEach((p, k) => {
        const samples = decode(e, p, frame);
        assert.equal(samples.length, frame, "one 20 ms frame per packet");
        out.set(samples, k * frame);
        // The image's TOC parser and libopus agree on each real packet's duration.
        e.image.writeIo(p, PKT);
        assert.equal(e.image.exports.vsdk_opus_packet_samples(e.image.ioPtr + PKT, p.length), 960);
      });
      // Find the delay rather than assume it, then check it is the codec's look-ahead (6.5 ms).
      let best = -1, lag = 0;
      for (let l = 0; l < rate * 0.015; l++) { const c = correlation(pcm, out, l); if (c > best) { best = c; lag = l; } }  // up to 15 ms
      assert.ok(Math.abs(lag / rate * 1000 - 6.5) <= 0.5, `delay ${lag} samples`);
      assert.ok(best >= 0.8, `correlation ${best.toFixed(3)}`);
      const snr = snrDb(pcm, out, lag);
      t.diagnostic(`delay ${lag} samples, correlation ${best.toFixed(3)}, SNR ${snr.toFixed(1)} dB`);
      assert.ok(snr >= 4, `SNR ${snr.toFixed(1)} dB`);
      // A control the bars must reject: the same output against the input 50 ms later.
      assert.ok(correlation(pcm.subarray(rate / 20), out, lag) < 0.5, "bars separate aligned from misaligned audio");
    } finally {
      e.close();
    }
  });
}

test("concealment (no packet) produces exactly the lost duration, fading from the last audio", () => {
  const rate = 16000;
  const e = endpoint({ decoderRate: rate });
  try {
    const sender = endpoint({ bitrate: 24000 });
    const packets = encodeAll(sender, speech(TEXT, rate), rate);
    sender.close();
    for (const p of packets.slice(0, 40)) decode(e, p, 320);
    const energy = (x: Int16Array) => x.reduce((s, v) => s + v * v, 0) / x.length;
    const first = decode(e, null, 320);
    for (const samples of [40, 80, 160, 320, 640, 960]) {  // 2.5 to 60 ms
      assert.equal(decode(e, null, samples).length, samples);
    }
    assert.ok(energy(first) > 100 * 100, "the first concealed frame continues the speech");
    assert.ok(energy(decode(e, null, 320)) < energy(first) / 100, "concealment fades out over a long loss");
    assert.equal(e.call("opus_decode", e.image.ioPtr, 0, e.image.ioPtr + 64, 100, 0), E_ARG, "100 samples is not a multiple of 2.5 ms");
  } finally {
    e.close();
  }
});

function fecAgainstConcealment(inbandFec: boolean): { fec: number; plc: number; better: number; frames: number } {
  const rate = 16000, frame = 320;
  const sender = endpoint({ bitrate: 24000, inbandFec, expectedLossPercent: 20 });
  const packets = encodeAll(sender, speech(TEXT, rate), rate);
  sender.close();
  const reference = endpoint({ decoderRate: rate });
  const withFec = endpoint({ decoderRate: rate });
  const withPlc = endpoint({ decoderRate: rate });
  let fec = 0, plc = 0, better = 0, frames = 0;
  for (let k = 0; k < packets.length; k++) {
    const truth = decode(reference, packets[k], frame);
    if (k % 5 === 3 && k + 1 < packets.length) {  // packet k is lost; k + 1 arrives
      const recovered = decode(withFec, packets[k + 1], frame, 1);
      const concealed = decode(withPlc, null, frame);
      assert.equal(recovered.length, frame);
      if (truth.reduce((s, v) => s + v * v, 0) / frame > 100 * 100) {  // speech, not silence
        const a = snrDb(truth, recovered), b = snrDb(truth, concealed);
        fec += a; plc += b; frames++;
        if (a > b) better++;
      }
    } else {
      decode(withFec, packets[k], frame);
      decode(withPlc, packets[k], frame);
    }
  }
  [reference, withFec, withPlc].forEach((e) => e.close());
  return { fec: fec / frames, plc: plc / frames, better, frames };
}

test("in-band FEC recovers lost frames clearly better than concealment", (t) => {
  const r = fecAgainstConcealment(true);
  t.diagnostic(`FEC ${r.fec.toFixed(1)} dB, concealment ${r.plc.toFixed(1)} dB, FEC better on ${r.better} of ${r.frames}`);
  assert.ok(r.frames >= 20, `${r.frames} lost frames of speech`);
  assert.ok(r.fec >= r.plc + 3, `FEC ${r.fec.toFixed(1)} dB vs concealment ${r.plc.toFixed(1)} dB`);
  assert.ok(r.better >= 0.7 * r.frames, `FEC better on ${r.better} of ${r.frames}`);
});

test("without FEC from the encoder, fec 1 can do no better than concealment", (t) => {
  const r = fecAgainstConcealment(false);
  t.diagnostic(`FEC ${r.fec.toFixed(1)} dB, concealment ${r.plc.toFixed(1)} dB`);
  assert.ok(Math.abs(r.fec - r.plc) < 1.5, `FEC ${r.fec.toFixed(1)} dB vs concealment ${r.plc.toFixed(1)} dB`);
});

test("bad arguments and malformed packets get error codes", () => {
  const e = endpoint();
  try {
    const io = e.image.ioPtr;
    const top = e.image.memory.length;
    e.image.writeIo(new Uint8Array(640));
    assert.equal(e.call("opus_encode", io, 320, 44100, io + PKT, 400), E_ARG, "rate");
    assert.equal(e.call("opus_encode", io, 100, 16000, io + PKT, 400), E_ARG, "frame size");
    assert.equal(e.call("opus_encode", top - 100, 320, 16000, io + PKT, 400), E_ARG, "PCM past memory");
    assert.equal(e.call("opus_encode", io, 320, 16000, top - 10, 400), E_ARG, "output past memory");
    assert.equal(e.call("opus_encode", io, 320, 16000, io + PKT, 0), E_ARG, "no room");
    const n = e.call("opus_encode", io, 320, 16000, io + PKT, 400);
    assert.ok(n > 0);
    assert.equal(e.call("opus_decode", io + PKT, n, io + 64, 100, 0), E_NOSPACE, "room for 100 samples only");
    assert.equal(e.call("opus_decode", io + PKT, n, top - 10, 320, 0), E_ARG, "PCM past memory");
    assert.equal(e.call("opus_decode", io + PKT, -1, io + 64, 320, 0), E_ARG, "negative length");
    assert.equal(e.call("opus_decode", 0, 0, io + 64, 320, 1), E_ARG, "FEC needs the next packet");
    const packet = e.image.readIo(n, PKT);
    e.image.writeIo(Uint8Array.of(0x01, 0xaa), PKT);  // code 1 with an odd payload (RFC 6716 R3)
    assert.equal(e.call("opus_decode", io + PKT, 2, io + 64, 320, 0), E_CODEC, "malformed packet");
    e.image.writeIo(packet, PKT);
    assert.equal(e.call("opus_decode", io + PKT, n, io + 64, 320, 0), 320, "the decoder still works after the error");
  } finally {
    e.close();
  }
});
