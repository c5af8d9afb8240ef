// Receiver statistics (RFC 3550 A.1 sequence validation, A.3 loss, A.8 jitter) checked against
// GStreamer's rtpsession on the same packet traces: network delay that varies, loss,
// duplicates, reordering, sequence and timestamp wraps, a sender restart, 8 and 48 kHz.
//
// One known difference, by design on both sides: RFC 3550 A.1 starts counting with the packet
// that ends probation, while GStreamer also counts the one packet it held during probation (or
// after an unconfirmed jump). So GStreamer's received is ours + 1 and its lost ours - 1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../../host-node/paths.js";
import { RX_FIELD, loadImage } from "../../tools/oracles/rtp_image.js";
import { prng as rng } from "../../host-node/prng.js";

const PYTHON = "/usr/bin/python3";
const ORACLE = join(repoRoot, "tools/oracles/rtp_gst_stats.py");

function haveGstreamer(): boolean {
  const r = spawnSync(PYTHON, ["-c", "import gi; gi.require_version('Gst','1.0'); from gi.repository import Gst; Gst.init(None); assert Gst.ElementFactory.find('rtpsession')"]);
  return r.status === 0;
}


interface Scenario {
  name: string; clockRate: number; pt: number; encoding: string; payload: Uint8Array;
  packets: number; firstSeq: number; firstTs: number; seed: number;
  loss: number; duplicate: number; maxExtraDelayMs: number; restartAt?: number;
}

type Packet = [seq: number, ts: number, arrivalMs: number];

// Packets sent every 20 ms, each delayed by 30 ms plus a random extra, some lost, some
// duplicated; listed in arrival order (a later packet overtaking an earlier one reorders).
function trace(s: Scenario): Packet[] {
  const r = rng(s.seed);
  const samples = s.clockRate / 50;
  const out: Packet[] = [];
  let seq = s.firstSeq;
  for (let i = 0; i < s.packets; i++) {
    if (i === s.restartAt) seq += 20000; // the sender restarts its sequence numbers
    const ts = (s.firstTs + i * samples) >>> 0;
    const sent = 1000 + i * 20;
    const clean = i < 5; // probation needs its packets in order on both sides
    if (clean || r() >= s.loss) out.push([seq & 0xffff, ts, sent + 30 + (clean ? 0 : Math.floor(r() * s.maxExtraDelayMs))]);
    if (!clean && r() < s.duplicate) out.push([seq & 0xffff, ts, sent + 30 + Math.floor(r() * s.maxExtraDelayMs) + 1]);
    seq++;
  }
  return out.map((p, i) => ({ p, i })).sort((a, b) => a.p[2] - b.p[2] || a.i - b.i).map((x) => x.p);
}

function gstreamer(s: Scenario, packets: Packet[]): { received: number; lost: number; jitter: number; validated: boolean } {
  const hex = Buffer.from(s.payload).toString("hex");
  const input = JSON.stringify({ clock_rate: s.clockRate, payload_type: s.pt, encoding: s.encoding, ssrc: 0x1234abcd,
    packets: packets.map(([seq, ts, at]) => [seq, ts, at, hex]) });
  const r = spawnSync(PYTHON, [ORACLE], { input, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`GStreamer oracle failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function image(s: Scenario, packets: Packet[]) {
  const img = loadImage();
  const e = img.exports;
  assert.equal(e.vsdk_rtp_rx_init(s.pt, s.clockRate, 0x1234abcd), 0);
  const bytes = new Uint8Array(12 + s.payload.length);
  const v = new DataView(bytes.buffer);
  bytes[0] = 0x80; bytes[1] = s.pt; v.setUint32(8, 0x1234abcd); bytes.set(s.payload, 12);
  for (const [seq, ts, at] of packets) {
    v.setUint16(2, seq); v.setUint32(4, ts);
    img.writeIo(bytes);
    const status = e.vsdk_rtp_rx_push(img.ioPtr, bytes.length, at);
    assert.ok(status === 0 || status === 1, `push answered ${status}`);
  }
  return {
    received: e.vsdk_rtp_rx_get(RX_FIELD.received), lost: e.vsdk_rtp_rx_get(RX_FIELD.lost),
    jitter: e.vsdk_rtp_rx_get(RX_FIELD.jitter) >>> 0, extendedMax: e.vsdk_rtp_rx_get(RX_FIELD.extendedMax) >>> 0,
  };
}

const PCMU = new Uint8Array(160).fill(0xff);
const OPUS_20MS = Uint8Array.from([0x08, ...new Array(30).fill(0x5a)]); // TOC: SILK NB 20 ms, one frame

const scenarios: Scenario[] = [
  { name: "PCMU, across both wraps, 3% loss, 1% duplicates, up to 60 ms of extra delay", clockRate: 8000, pt: 0, encoding: "PCMU",
    payload: PCMU, packets: 1500, firstSeq: 65000, firstTs: 0x100000000 - 100_000, seed: 1, loss: 0.03, duplicate: 0.01, maxExtraDelayMs: 60 },
  { name: "PCMU, steady network (little jitter)", clockRate: 8000, pt: 0, encoding: "PCMU",
    payload: PCMU, packets: 500, firstSeq: 100, firstTs: 12345, seed: 2, loss: 0, duplicate: 0, maxExtraDelayMs: 2 },
  { name: "Opus at 48 kHz, 10% loss, heavy reordering", clockRate: 48000, pt: 111, encoding: "OPUS",
    payload: OPUS_20MS, packets: 1200, firstSeq: 40000, firstTs: 7, seed: 3, loss: 0.1, duplicate: 0.02, maxExtraDelayMs: 120 },
  { name: "PCMU, the sender restarts its sequence numbers mid-call", clockRate: 8000, pt: 0, encoding: "PCMU",
    payload: PCMU, packets: 800, firstSeq: 5000, firstTs: 99, seed: 4, loss: 0.05, duplicate: 0.01, maxExtraDelayMs: 40, restartAt: 400 },
];

for (const s of scenarios) {
  test(`receiver statistics agree with GStreamer's rtpsession: ${s.name}`, { skip: !haveGstreamer() && "GStreamer missing" }, () => {
    const packets = trace(s);
    // the whole trace, and two cuts inside it
    for (const n of [packets.length, Math.floor(packets.length / 3), Math.floor((packets.length * 2) / 3)]) {
      const ours = image(s, packets.slice(0, n));
      const theirs = gstreamer(s, packets.slice(0, n));
      assert.ok(theirs.validated, "GStreamer validated the source");
      assert.equal(theirs.jitter, ours.jitter, `jitter after ${n} packets`);
      assert.equal(theirs.received, ours.received + 1, `received after ${n} packets`);
      assert.equal(theirs.lost, ours.lost - 1, `lost after ${n} packets`);
    }
    const all = image(s, packets);
    if (s.maxExtraDelayMs > 10) assert.ok(all.jitter > 0, "the trace has jitter");
    if (s.loss > 0) assert.ok(all.lost > 0, "the trace has loss");
  });
}
