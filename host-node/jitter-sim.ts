// Replays a packet trace through a jitter buffer, the same way for every implementation, and
// scores what it played. docs/jitter-buffer.md states these semantics; in short:
// - a playout clock ticks every 20 ms from the first arrival in the trace (t0);
// - at each tick, first every packet with arrival_ms <= tick is put (in arrival order), then the
//   buffer is asked for one frame;
// - after the last arrival the clock runs on for DRAIN_MS so buffered packets can still play;
// - RTP timestamps count frames at 8 kHz (G.711, 160 units a frame; rtpTimestamps), wrapping at 2^32.
// Scores: packets (distinct), played (distinct packets returned), lost (never arrived),
// late (arrived but never played: after their playout time, or discarded by the buffer),
// concealed (ticks between the first and the last packet played answered with concealment), and the delay of each
// played packet: when its first sample is heard minus its send_ms (mean and 95th percentile,
// nearest rank). A tick plays one frame, except that ours may hand two (a merge, G.711): the
// media session then plays the extra frame by time-compression, at the rate it guarantees
// (ACCELERATE_MS_PER_TICK), and the replay times each packet's first sample accordingly.
import { Image } from "./image.js";
import { prng } from "./prng.js";
import type { Trace } from "./jitter-trace.js";

export const FRAME_MS = 20;
export const CLOCK_KHZ = 8;
export const DRAIN_MS = 3000;
export const DEFAULT_CAPACITY = 32;
/** About 55 hours of 20 ms ticks: a longer replay is a broken trace, not a long call. */
export const MAX_TICKS = 10_000_000;

export interface JitterSimResult {
  packets: number;
  played: number;
  late: number;
  lost: number;
  concealed: number;
  mean_delay_ms: number;
  p95_delay_ms: number;
}

/** What is put before one tick, and the tick's time (ms after t0). */
export interface Tick {
  atMs: number;
  puts: Array<{ id: number; seq: number; ts: number; arrivalMs: number }>;
}

export const SILENCE = -1;
export const CONCEAL = -2;
/** One outcome per tick: the id of the packet played, SILENCE or CONCEAL; or the ids of the
 *  two packets of a merge. */
export type Outcome = number | [number, number];

/** How fast the media session drains a merge's extra frame: it removes at least this much audio
 *  per tick while this much is queued (assembly/codec/time_scale.ts; docs/time-scaling.md). The
 *  replay assumes exactly this minimum, so a real session hears the packets no later. */
export const ACCELERATE_MS_PER_TICK = 5;
/** Of `queuedMs` beyond a tick's frame, what that tick also plays (the drain above). */
const drainedInTick = (queuedMs: number) => Math.min(ACCELERATE_MS_PER_TICK, queuedMs);

export function rtpTimestamp(sendMs: number): number {
  return Number(BigInt.asUintN(32, BigInt(Math.round(sendMs * CLOCK_KHZ))));
}

/**
 * Each packet's RTP timestamp. A sender's timestamps count samples, so they advance by exactly a
 * frame from one packet to the next, and by whole frames over a talkspurt gap, whatever the jitter
 * of the send times a captured trace records: the first is round(send_ms x 8), each next one the
 * previous plus 160 x the frames between them (at least its sequence distance, else the send
 * time difference in whole frames).
 */
export function rtpTimestamps(trace: Trace): Map<number, number> {
  const out = new Map<number, number>();
  let prev: Trace["packets"][number] | null = null;
  let ts = 0;
  for (const p of trace.packets) {
    if (prev === null) ts = rtpTimestamp(p.sendMs);
    else {
      const frames = Math.max(p.id - prev.id, Math.round((p.sendMs - prev.sendMs) / FRAME_MS));
      ts = (ts + frames * FRAME_MS * CLOCK_KHZ) % 2 ** 32;
    }
    out.set(p.id, ts);
    prev = p;
  }
  return out;
}

export function schedule(trace: Trace): { t0: number; ticks: Tick[] } {
  const arrivals: Array<{ id: number; seq: number; ts: number; arrivalMs: number; order: number }> = [];
  let order = 0;
  const tsOf = rtpTimestamps(trace);
  for (const r of trace.rows) {
    if (r.arrivalMs === null) continue;
    arrivals.push({ id: r.id, seq: r.seq, ts: tsOf.get(r.id)!, arrivalMs: r.arrivalMs, order: order++ });
  }
  arrivals.sort((a, b) => a.arrivalMs - b.arrivalMs || a.order - b.order);
  const ticks: Tick[] = [];
  if (arrivals.length === 0) return { t0: 0, ticks };
  const t0 = arrivals[0].arrivalMs;
  const end = arrivals[arrivals.length - 1].arrivalMs - t0 + DRAIN_MS;
  if (end / FRAME_MS > MAX_TICKS) {
    throw new Error(`arrivals span ${Math.round(end / 3_600_000)} hours: more than ${MAX_TICKS} playout ticks (is one arrival_ms in another clock?)`);
  }
  let next = 0;
  for (let at = 0; at <= end; at += FRAME_MS) {
    const puts: Tick["puts"] = [];
    while (next < arrivals.length && arrivals[next].arrivalMs - t0 <= at) {
      const a = arrivals[next++];
      puts.push({ id: a.id, seq: a.seq, ts: a.ts, arrivalMs: a.arrivalMs - t0 });
    }
    ticks.push({ atMs: at, puts });
  }
  return { t0, ticks };
}

/**
 * The same schedule on a host whose playout ticks fire late by up to `maxLateMs` (a soft timer:
 * each tick late by a uniform random amount, seeded), each tick taking the packets that have
 * arrived by then. Both buffers see the same ticks; the exact schedule is the device's I2S clock.
 */
export function lateTicks(ticks: Tick[], maxLateMs: number, seed = 1): Tick[] {
  const random = prng(seed);
  const arrivals = ticks.flatMap((t) => t.puts);
  let next = 0;
  return ticks.map((t) => {
    const atMs = t.atMs + random() * maxLateMs;
    const puts: Tick["puts"] = [];
    while (next < arrivals.length && arrivals[next].arrivalMs <= atMs) puts.push(arrivals[next++]);
    return { atMs, puts };
  });
}

export function score(trace: Trace, t0: number, ticks: Tick[], outcomes: Outcome[]): JitterSimResult {
  const sendOf = new Map(trace.packets.map((p) => [p.id, p.sendMs]));
  const firstPlay = new Map<number, number>();
  // Concealment counts between the first packet played and the last: after the last, the trace
  // is over (speex answers every tick of the drain time with MISSING; that is not a loss).
  let concealedSoFar = 0;
  let concealed = 0;
  let startedAt = -1;
  // The audio each tick hands to the speaker's queue and the audio the speaker has played, in ms
  // of the sender's time: a tick plays FRAME_MS, plus up to ACCELERATE_MS_PER_TICK of what is
  // queued beyond it. `starts` holds where each handed packet begins in that queue.
  let handed = 0;
  let heard = 0;
  const starts: Array<[id: number, at: number]> = [];
  outcomes.forEach((outcome, i) => {
    for (const o of Array.isArray(outcome) ? outcome : [outcome]) {
      if (o >= 0 || (o !== SILENCE && o !== CONCEAL)) {
        if (!sendOf.has(o)) throw new Error(`implementation played packet ${o}, which is not in the trace`);
        starts.push([o, handed]);
        if (startedAt < 0) startedAt = i;
        concealed = concealedSoFar;
      } else if (o === CONCEAL && startedAt >= 0) concealedSoFar++;
      handed += FRAME_MS;
    }
    const played = FRAME_MS + drainedInTick(handed - heard - FRAME_MS);
    const at = t0 + ticks[i].atMs;
    while (starts.length > 0 && starts[0][1] < heard + played) {
      const [id, from] = starts.shift()!;
      if (!firstPlay.has(id)) firstPlay.set(id, at + ((from - heard) * FRAME_MS) / played);
    }
    heard += played;
  });
  const delays = [...firstPlay].map(([id, at]) => at - sendOf.get(id)!).sort((a, b) => a - b);
  const lost = trace.packets.filter((p) => p.arrivals.length === 0).length;
  const played = firstPlay.size;
  const mean = delays.length ? delays.reduce((s, d) => s + d, 0) / delays.length : 0;
  const p95 = delays.length ? delays[Math.max(0, Math.ceil(0.95 * delays.length) - 1)] : 0;
  return {
    packets: trace.packets.length,
    played,
    late: trace.packets.length - lost - played,
    lost,
    concealed,
    mean_delay_ms: Math.round(mean * 100) / 100,
    p95_delay_ms: Math.round(p95 * 100) / 100,
  };
}

/** The bench's bar (the media issue's): fewer late packets than libspeexdsp at no more mean delay. */
export function meetsBar(ours: JitterSimResult, speex: JitterSimResult): boolean {
  return ours.late < speex.late && ours.mean_delay_ms <= speex.mean_delay_ms;
}

/**
 * The static frontier: the late count of a buffer held at one delay level for the whole trace
 * (levels are the tick grid's phase plus whole frames), or of the best mix of two neighbouring
 * levels, at mean delay `meanMs`. Where jitter is stationary and there are no free moments
 * (losses, talkspurt gaps), no causal buffer does better: a step down drops a packet, a step up
 * saves at most the one packet it waited for. Meaningless where the levels slide (clock drift, a
 * change of path delay).
 */
export function staticLateAt(trace: Trace, t0: number, meanMs: number): number {
  const phase = (((t0 - trace.packets[0].sendMs) % FRAME_MS) + FRAME_MS) % FRAME_MS;
  const lateAt = (d: number) => trace.packets.filter((p) => p.arrivals.length > 0 && p.arrivals[0] > p.sendMs + d).length;
  const low = phase + FRAME_MS * Math.floor((meanMs - phase) / FRAME_MS);
  const a = (meanMs - low) / FRAME_MS;
  return Math.round(lateAt(low) * (1 - a) + lateAt(low + FRAME_MS) * a);
}

// Our buffer, in the built image. The payload carries the packet id so output names input.
export const KIND_SILENCE = 0;
export const KIND_FRAME = 1;
export const KIND_CONCEAL = 2;
export const KIND_FEC = 3;
export const KIND_MERGE = 4;
export const G711_FRAME_BYTES = FRAME_MS * CLOCK_KHZ;

export interface OursOptions {
  capacity?: number;
  /** Added to every time handed to the image (its clock is u32 ms): tests clock wrap. */
  clockOffsetMs?: number;
  image?: Image;
}

export function runOurs(ticks: Tick[], options: OursOptions = {}): Outcome[] {
  const image = options.image ?? Image.load();
  const x = image.exports;
  const offset = options.clockOffsetMs ?? 0;
  const r = x.vsdk_jitter_init(0, FRAME_MS, options.capacity ?? DEFAULT_CAPACITY);
  if (r < 0) throw new Error(`vsdk_jitter_init failed: ${r}`);
  const io = image.ioPtr;
  const out = io + 1024;
  const view = () => new DataView(image.exports.memory.buffer);
  const outcomes: Outcome[] = [];
  let backlog = 0;
  for (const tick of ticks) {
    for (const p of tick.puts) {
      const v = view();
      for (let i = 0; i < G711_FRAME_BYTES; i += 4) v.setUint32(io + i, 0xffffffff);
      v.setInt32(io, p.id, true);
      x.vsdk_jitter_put(p.seq, p.ts >>> 0, (Math.floor(p.arrivalMs) + offset) >>> 0, io, G711_FRAME_BYTES);
    }
    const g = x.vsdk_jitter_get((tick.atMs + offset) >>> 0, out, backlog <= ACCELERATE_MS_PER_TICK ? 1024 : G711_FRAME_BYTES);
    if (g < 0) throw new Error(`vsdk_jitter_get failed: ${g}`);
    const kind = g & 0xff;
    if (kind === KIND_MERGE) backlog += FRAME_MS;
    backlog -= drainedInTick(backlog);
    if (kind === KIND_FRAME) outcomes.push(view().getInt32(out, true));
    else if (kind === KIND_MERGE) outcomes.push([view().getInt32(out, true), view().getInt32(out + G711_FRAME_BYTES, true)]);
    else if (kind === KIND_CONCEAL || kind === KIND_FEC) outcomes.push(CONCEAL);
    else outcomes.push(SILENCE);
  }
  return outcomes;
}

/** The buffer's own counters after a run (assembly/jitter/buffer.ts order). */
export const STAT_NAMES = ["received", "played", "late", "duplicates", "lost", "concealed", "inserted",
  "dropped", "silence", "rejected", "resets", "buffered", "target_ms", "delay_ms"] as const;

export function readStats(image: Image): Record<(typeof STAT_NAMES)[number], number> {
  const at = image.ioPtr + 1536;
  const n = image.exports.vsdk_jitter_stats(at, 256);
  if (n < 0) throw new Error(`vsdk_jitter_stats failed: ${n}`);
  const v = new DataView(image.exports.memory.buffer);
  const out = {} as Record<(typeof STAT_NAMES)[number], number>;
  STAT_NAMES.forEach((name, i) => { out[name] = i < 12 ? v.getUint32(at + 4 * i, true) : v.getInt32(at + 4 * i, true); });
  return out;
}
