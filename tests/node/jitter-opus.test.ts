// The jitter buffer with Opus through real libopus (the Node host's opus_encode/opus_decode
// imports): a lost packet whose successor is already buffered comes out as "decode FEC from this
// packet", and libopus's in-band FEC recovers the lost frame far better than its concealment.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Image } from "../../host-node/image.js";
import { createOpusHost } from "../../host-node/opus.js";

const RATE = 48000;
const FRAME = 960;                       // 20 ms at 48 kHz
const PCM_AT = 0, PKT_AT = 2048, OUT_AT = 4096, DEC_AT = 6144;

function voiced(samples: number): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) {
    const f0 = 140 + 30 * Math.sin((2 * Math.PI * i) / RATE * 1.5);  // a gliding pitch, like speech
    let v = 0;
    for (let h = 1; h <= 6; h++) v += Math.sin((2 * Math.PI * h * f0 * i) / RATE) / h;
    out[i] = Math.round(5000 * v);
  }
  return out;
}

function snrDb(ref: Int16Array, got: Int16Array): number {
  let s = 0, e = 0;
  for (let i = 0; i < ref.length; i++) { s += ref[i] ** 2; e += (ref[i] - got[i]) ** 2; }
  return 10 * Math.log10(s / Math.max(e, 1));
}

test("a lost Opus packet is recovered from the next packet's in-band FEC", () => {
  let image: Image | undefined;
  const host = createOpusHost(() => image!.memory, { decoderRate: RATE, inbandFec: true, expectedLossPercent: 20, bitrate: 32000 });
  image = Image.load(host.imports);
  const x = image.exports;
  const io = image.ioPtr;
  assert.ok(x.vsdk_jitter_init(1, 20, 16) > 0);
  // The I/O buffer is 2 KiB; the test keeps its own scratch in the page's unused tail, above
  // everything the image has allocated (it never touches memory above vsdk_memory_used()).
  const scratch = (x.vsdk_memory_used() + 1024 + 15) & ~15;
  assert.ok(scratch + DEC_AT + FRAME * 2 <= image.memory.length);
  const frames = 40;
  const lost = 20;
  const input = voiced(frames * FRAME);
  const packets: Uint8Array[] = [];
  for (let i = 0; i < frames; i++) {
    image.memory.set(new Uint8Array(input.buffer, i * FRAME * 2, FRAME * 2), scratch + PCM_AT);
    const n = host.imports.opus_encode(scratch + PCM_AT, FRAME, RATE, scratch + PKT_AT, 1500) as number;
    assert.ok(n > 0, `opus_encode: ${n}`);
    packets.push(image.memory.slice(scratch + PKT_AT, scratch + PKT_AT + n));
  }
  // A reference decode without loss, with the same decoder history up to the lost frame.
  const decode = (pkt: Uint8Array | null, fec: number): Int16Array => {
    if (pkt) image!.memory.set(pkt, scratch + PKT_AT);
    const n = host.imports.opus_decode(pkt ? scratch + PKT_AT : 0, pkt ? pkt.length : 0, scratch + DEC_AT, FRAME, fec) as number;
    assert.equal(n, FRAME, `opus_decode: ${n}`);
    return new Int16Array(image!.memory.slice(scratch + DEC_AT, scratch + DEC_AT + FRAME * 2).buffer);
  };

  // Packets arrive 40 ms after sending, in order; the lost one never does.
  const kinds: number[] = [];
  const played: Int16Array[] = [];
  let next = 0;
  for (let tick = 0; played.length < frames; tick++) {
    const now = 1000 + tick * 20;
    while (next < frames && 1000 + next * 20 + 40 <= now) {
      if (next !== lost) {
        image.memory.set(packets[next], io);
        assert.equal(x.vsdk_jitter_put(next, next * FRAME, 1000 + next * 20 + 40, io, packets[next].length), 0);
      }
      next++;
    }
    const r = x.vsdk_jitter_get(now, scratch + OUT_AT, 1024);
    assert.ok(r >= 0, `vsdk_jitter_get: ${r}`);
    const kind = r & 0xff, bytes = r >> 8;
    if (kind === 0) continue;
    kinds.push(kind);
    const pkt = bytes > 0 ? image.memory.slice(scratch + OUT_AT, scratch + OUT_AT + bytes) : null;
    played.push(decode(kind === 2 ? null : pkt, kind === 3 ? 1 : 0));
    if (tick > 200) break;
  }
  // The buffer asks for FEC exactly once, at the lost frame, and plays every other packet.
  assert.deepEqual(kinds.map((k, i) => (k === 1 ? "." : `${i}:${k}`)).filter((k) => k !== "."), [`${lost}:3`]);

  // What FEC recovered and what concealment would have made of the same moment, each against
  // a decoder that received packet 20 (same decoder history up to it, so sample-aligned).
  const decodeRun = (lostFrame: boolean): Int16Array => {
    const fresh = createOpusHost(() => image!.memory, { decoderRate: RATE });
    let out: Int16Array | undefined;
    for (let i = 0; i <= lost; i++) {
      const pkt = i === lost && lostFrame ? null : packets[i];
      if (pkt) image!.memory.set(pkt, scratch + PKT_AT);
      const n = fresh.imports.opus_decode(pkt ? scratch + PKT_AT : 0, pkt ? pkt.length : 0, scratch + DEC_AT, FRAME, 0) as number;
      assert.equal(n, FRAME);
      out = new Int16Array(image!.memory.slice(scratch + DEC_AT, scratch + DEC_AT + FRAME * 2).buffer);
    }
    fresh.close();
    return out!;
  };
  const received = decodeRun(false);
  const concealed = decodeRun(true);
  const fecSnr = snrDb(received, played[lost]);
  const plcSnr = snrDb(received, concealed);
  assert.ok(fecSnr > plcSnr + 3, `FEC ${fecSnr.toFixed(1)} dB vs concealment ${plcSnr.toFixed(1)} dB`);
  host.close();
});
