// What the jitter buffers sound like: speech sent along a generated trace, played by the device's
// real receive path (the image's media session: RTP, our jitter buffer with merges and
// time-scaling, our G.711 PLC) and by libspeexdsp's jitter buffer (the same schedule; its lost
// frames concealed by the same PLC), each scored by ITU-T P.862 PESQ against what was sent.
// The bar of docs/jitter-buffer.md counts late packets and delay; this is how they sound.
// Used by tools/traces/audio-compare.ts and `vsdk bench`.
//
// PESQ runs on 8 s windows of the sent speech (those with speech in them), each compared with
// the played audio at the offset where it matches best (the delay moves during a call). PESQ
// (P.862) takes one delay per utterance, so a buffer that moves its delay inside an utterance
// (a wait, then a merge) also scores lower for the shift itself, which a listener does not hear;
// so each window is also matched in 200 ms segments, each at its own best lag within ±25 ms
// (tools/audio/speech-match.ts): the mean normalised correlation says how much of what was said
// arrived, wherever it was played.
import { parseTraceCsv, type Trace } from "./jitter-trace.js";
import { schedule, rtpTimestamps, FRAME_MS, CONCEAL, type Tick } from "./jitter-sim.js";
import { runSpeex } from "./jitter-speex.js";
import { generateTraceCsv, type TraceKind } from "./jitter-trace-gen.js";
import { pesqScores, FRAME } from "./plc-compare.js";
import { matchSpeech } from "../tools/audio/speech-match.js";
import { speech } from "../tools/oracles/oracles.js";
import { Image, DEFAULT_IMAGE } from "./image.js";


const RATE = 8000;
const WINDOW = 8 * RATE;                // PESQ is meant for 8-12 s of speech
const MAX_OFFSET = 1500 * 8;            // the delay a window may be played at, in samples
const PCMU = 0, SSRC = 0x1111;
const CLOCK = 1_000_000;                // the receiver's clock has its own origin

const TEXT = [
  "Good morning. The parcel you ordered on Monday will arrive at the north gate before noon.",
  "If nobody answers the door, the driver leaves it with the neighbour at number twelve.",
  "Could you check whether the heating in the back room is still switched on?",
  "We counted forty seven birds by the lake, most of them geese, and a single heron.",
].join(" ");

/** Speech from espeak-ng in `voice`, 8 kHz 16-bit mono, the same samples on every run (no dither). */
export function speechOf(voice: string): Int16Array {
  const pcm = speech(TEXT, RATE, voice);
  return pcm.slice(0, Math.floor(pcm.length / FRAME) * FRAME);
}

/** The sent audio on the sender's timeline (silence in talkspurt gaps), and each packet's frame. */
function sentAudio(trace: Trace, voice: Int16Array): { reference: Int16Array; frameOf: Map<number, Int16Array> } {
  const first = trace.packets[0].sendMs;
  const last = Math.round((trace.packets[trace.packets.length - 1].sendMs - first) / FRAME_MS);
  const reference = new Int16Array((last + 1) * FRAME);
  const frames = voice.length / FRAME;
  const frameOf = new Map<number, Int16Array>();
  for (const p of trace.packets) {
    const at = Math.round((p.sendMs - first) / FRAME_MS);
    const f = voice.subarray((at % frames) * FRAME, (at % frames + 1) * FRAME);
    reference.set(f, at * FRAME);
    frameOf.set(p.id, f);
  }
  return { reference, frameOf };
}

/** µ-law payloads through the image's encoder, so both players decode the same bytes. */
function payloads(image: Image, frameOf: Map<number, Int16Array>): Map<number, Uint8Array> {
  const x = image.exports, io = image.ioPtr;
  const out = new Map<number, Uint8Array>();
  for (const [id, pcm] of frameOf) {
    image.memory.set(new Uint8Array(pcm.buffer, pcm.byteOffset, FRAME * 2), io);
    if (x.vsdk_g711_encode(PCMU, io, FRAME, io + 512) !== FRAME) throw new Error("vsdk_g711_encode failed");
    out.set(id, image.memory.slice(io + 512, io + 512 + FRAME));
  }
  return out;
}

/** The device's receive path: RTP packets into the media session, one frame out per tick. */
function playOurs(ticks: Tick[], payload: Map<number, Uint8Array>, imagePath: string): Int16Array {
  const image = Image.load({}, imagePath);
  const x = image.exports, io = image.ioPtr;
  if (x.vsdk_media_start(PCMU, -1, RATE, FRAME_MS, 0x2222, SSRC) !== 0) throw new Error("vsdk_media_start failed");
  const out = new Int16Array(ticks.length * FRAME);
  const packet = new Uint8Array(12 + FRAME);
  const view = new DataView(packet.buffer);
  ticks.forEach((tick, i) => {
    for (const p of tick.puts) {
      packet[0] = 0x80; packet[1] = PCMU;
      view.setUint16(2, p.seq); view.setUint32(4, p.ts >>> 0); view.setUint32(8, SSRC);
      packet.set(payload.get(p.id)!, 12);
      image.memory.set(packet, io + 1024);
      x.vsdk_media_receive(io + 1024, packet.length, (CLOCK + Math.floor(p.arrivalMs)) >>> 0);
    }
    if (x.vsdk_media_playout((CLOCK + tick.atMs) >>> 0, io, FRAME) !== FRAME) throw new Error("vsdk_media_playout failed");
    out.set(new Int16Array(image.exports.memory.buffer.slice(io, io + FRAME * 2)), i * FRAME);
  });
  return out;
}

/** libspeexdsp's decisions on the same schedule; what it plays decoded, what it misses concealed. */
function playSpeex(ticks: Tick[], payload: Map<number, Uint8Array>, imagePath: string): Int16Array {
  const image = Image.load({}, imagePath);
  const x = image.exports, io = image.ioPtr;
  if (x.vsdk_plc_init() !== 0) throw new Error("vsdk_plc_init failed");
  const out = new Int16Array(ticks.length * FRAME);
  let started = false;
  runSpeex(ticks).forEach((o, i) => {
    const id = Array.isArray(o) ? o[0] : o;
    if (id >= 0) {
      image.memory.set(payload.get(id)!, io + 1024);
      x.vsdk_g711_decode(PCMU, io + 1024, FRAME, io);
      x.vsdk_plc_receive(io, FRAME);
      started = true;
    } else if (started && id === CONCEAL) x.vsdk_plc_conceal(io, FRAME);
    else return;
    out.set(new Int16Array(image.exports.memory.buffer.slice(io, io + FRAME * 2)), i * FRAME);
  });
  return out;
}

/** Mean absolute value over each millisecond: enough to find where a window was played. */
function envelope(x: Int16Array): Float64Array {
  const e = new Float64Array(Math.floor(x.length / 8));
  for (let i = 0; i < e.length; i++) {
    let s = 0;
    for (let k = 0; k < 8; k++) s += Math.abs(x[i * 8 + k]);
    e[i] = s / 8;
  }
  return e;
}

/** Where `played` holds the reference window starting at `from`: best normalised correlation of
 *  the envelopes over 0..MAX_OFFSET, refined on the samples. */
function offsetOf(ref: Int16Array, played: Int16Array, from: number, refEnv: Float64Array, playedEnv: Float64Array): number {
  const a = from / 8, n = WINDOW / 8;
  let best = 0, bestScore = -Infinity;
  for (let d = 0; d <= MAX_OFFSET / 8 && a + d + n <= playedEnv.length; d++) {
    let xy = 0, yy = 0;
    for (let i = 0; i < n; i++) { const y = playedEnv[a + d + i]; xy += refEnv[a + i] * y; yy += y * y; }
    const score = xy / Math.sqrt(yy || 1);
    if (score > bestScore) { bestScore = score; best = d * 8; }
  }
  let fine = best, fineScore = -Infinity;
  for (let d = Math.max(0, best - 8); d <= best + 8 && from + d + WINDOW <= played.length; d++) {
    let xy = 0, yy = 0;
    for (let i = 0; i < WINDOW; i += 2) { const y = played[from + d + i]; xy += ref[from + i] * y; yy += y * y; }
    const score = xy / Math.sqrt(yy || 1);
    if (score > fineScore) { fineScore = score; fine = d; }
  }
  return fine;
}

/** PESQ (mean over the windows) and segment match of ours and speex on one trace and voice. */
export interface ListeningRow { trace: string; voice: string; windows: number; ours: number; speex: number; oursMatch: number; speexMatch: number }

export function listen(kind: TraceKind, seed: number, packets: number, voiceName: string, voice: Int16Array, imagePath = DEFAULT_IMAGE): ListeningRow {
  const trace = parseTraceCsv(generateTraceCsv({ kind, seed, packets }));
  const { ticks } = schedule(trace);
  if (rtpTimestamps(trace).size !== trace.packets.length) throw new Error("timestamps");
  const { reference, frameOf } = sentAudio(trace, voice);
  const payload = payloads(Image.load({}, imagePath), frameOf);
  const played = { ours: playOurs(ticks, payload, imagePath), speex: playSpeex(ticks, payload, imagePath) };
  const refEnv = envelope(reference);
  const env = { ours: envelope(played.ours), speex: envelope(played.speex) };
  let power = 0;
  for (const v of reference) power += v * v;
  power /= reference.length;
  const scores = { ours: [] as number[], speex: [] as number[] };
  const matches = { ours: [] as number[], speex: [] as number[] };
  const SLACK = 200;                                  // ±25 ms around the window's offset
  for (let from = 0; from + WINDOW <= reference.length; from += WINDOW) {
    const window = reference.subarray(from, from + WINDOW);
    let e = 0;
    for (const v of window) e += v * v;
    if (e / WINDOW < power * 0.3) continue;           // mostly a talkspurt gap: nothing to hear
    const degraded = (["ours", "speex"] as const).map((k) => {
      const d = offsetOf(reference, played[k], from, refEnv, env[k]);
      const around = played[k].slice(Math.max(0, from + d - SLACK), from + d + WINDOW + SLACK);
      const pad = SLACK - Math.min(SLACK, from + d);
      const shifted = new Int16Array(around.length + pad);
      shifted.set(around, pad);
      matches[k].push(matchSpeech(window, shifted, 2 * SLACK).correlation);
      return played[k].slice(from + d, from + d + WINDOW);
    });
    const [o, s] = pesqScores(window, degraded);
    scores.ours.push(o);
    scores.speex.push(s);
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  return { trace: `${kind}-s${seed}-${packets}`, voice: voiceName, windows: scores.ours.length, ours: mean(scores.ours), speex: mean(scores.speex),
    oursMatch: mean(matches.ours), speexMatch: mean(matches.speex) };
}

