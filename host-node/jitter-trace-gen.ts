// Synthetic network traces for the jitter buffer, deterministic from a seed: random loss,
// Gilbert-Elliott loss bursts, delay spikes, reordering, clock drift, talkspurt gaps, sequence and
// timestamp wrap, Wi-Fi (correlated jitter and short stalls), mobile handover (steps in the base
// delay with an outage). Each kind stresses one thing; "mixed" has the first ones. 20 ms packets.
import { traceToCsv } from "./jitter-trace.js";
import { prng } from "./prng.js";
export { prng };

export interface TraceSpec {
  kind: TraceKind;
  seed: number;
  /** Packets sent (talkspurt gaps add time but no packets). */
  packets: number;
}

export const TRACE_KINDS = ["clean", "random-loss", "bursty-loss", "spikes", "reorder", "drift-fast",
  "drift-slow", "talkspurts", "wrap", "heavy-jitter", "mixed", "wifi", "handover"] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];

export interface GeneratedRow { seq: number; sendMs: number; arrivalMs: number | null }


interface Model {
  baseDelayMs: number;
  jitterMeanMs: number;        // mean of the exponential part of the delay
  jitterGaussMs: number;       // standard deviation of a gaussian part
  lossRate: number;            // independent loss
  gilbert?: { pGoodToBad: number; pBadToGood: number; lossInBad: number };
  spikes?: { everyMs: number; heightMs: [number, number] };
  reorder?: { rate: number; extraMs: [number, number] };
  driftPpm: number;            // sender clock faster (+) or slower (-) than the receiver's
  talkspurts?: { talkMeanMs: number; silenceMeanMs: number };
  startSeq?: number;
  startSendMs?: number;
  duplicateRate: number;
  // Wi-Fi: the queueing part of the delay is correlated from packet to packet (AR(1): each
  // packet keeps `keep` of the previous one's and adds fresh exponential noise), and the link
  // stalls now and then (power save, scans, retries): packets sent during a stall wait for its
  // end and leave together, in order.
  correlated?: { keep: number; noiseMeanMs: number };
  stalls?: { everyMs: [number, number]; lengthMs: [number, number] };
  // Mobile handover: every so often the path changes: the base delay steps up or down, and the
  // packets sent during the switch are lost. A step down lets later packets overtake earlier ones.
  handover?: { everyMs: [number, number]; stepMs: [number, number]; outageMs: [number, number]; minBaseMs: number; maxBaseMs: number };
}

function modelOf(kind: TraceKind, rnd: () => number): Model {
  const m: Model = { baseDelayMs: 40, jitterMeanMs: 6, jitterGaussMs: 3, lossRate: 0, driftPpm: 0, duplicateRate: 0 };
  switch (kind) {
    case "clean": break;
    case "random-loss": m.lossRate = 0.03; m.jitterMeanMs = 10; break;
    case "bursty-loss": m.gilbert = { pGoodToBad: 0.02, pBadToGood: 0.25, lossInBad: 0.8 }; m.jitterMeanMs = 8; break;
    case "spikes": m.spikes = { everyMs: 8000, heightMs: [120, 400] }; m.jitterMeanMs = 5; break;
    case "reorder": m.reorder = { rate: 0.1, extraMs: [10, 50] }; m.jitterMeanMs = 8; m.duplicateRate = 0.01; break;
    case "drift-fast": m.driftPpm = 300 + Math.round(rnd() * 200); m.jitterMeanMs = 8; break;
    case "drift-slow": m.driftPpm = -(300 + Math.round(rnd() * 200)); m.jitterMeanMs = 8; break;
    case "talkspurts": m.talkspurts = { talkMeanMs: 1500, silenceMeanMs: 900 }; m.jitterMeanMs = 12; m.lossRate = 0.01; break;
    case "wrap": m.startSeq = 65536 - 200; m.startSendMs = 2 ** 29 - 4000; m.jitterMeanMs = 10; m.lossRate = 0.01; break;
    case "heavy-jitter": m.jitterMeanMs = 35; m.jitterGaussMs = 10; m.lossRate = 0.01; break;
    case "mixed":
      m.jitterMeanMs = 12; m.lossRate = 0.01;
      m.gilbert = { pGoodToBad: 0.01, pBadToGood: 0.3, lossInBad: 0.7 };
      m.spikes = { everyMs: 15000, heightMs: [100, 300] };
      m.reorder = { rate: 0.05, extraMs: [10, 40] };
      m.driftPpm = rnd() < 0.5 ? 250 : -250;
      m.talkspurts = { talkMeanMs: 2000, silenceMeanMs: 700 };
      m.startSeq = 65536 - 500;
      m.duplicateRate = 0.005;
      break;
    case "wifi":
      m.jitterMeanMs = 0; m.jitterGaussMs = 2; m.lossRate = 0.005;
      m.correlated = { keep: 0.85, noiseMeanMs: 3 };
      m.stalls = { everyMs: [1000, 4000], lengthMs: [40, 140] };
      break;
    case "handover":
      m.baseDelayMs = 60; m.jitterMeanMs = 8; m.lossRate = 0.005;
      m.handover = { everyMs: [15000, 40000], stepMs: [20, 120], outageMs: [60, 300], minBaseMs: 30, maxBaseMs: 250 };
      break;
  }
  return m;
}

function gaussian(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}

export function generateTrace(spec: TraceSpec): GeneratedRow[] {
  const rnd = prng(spec.seed * 2654435761 + TRACE_KINDS.indexOf(spec.kind));
  const m = modelOf(spec.kind, rnd);
  const rows: GeneratedRow[] = [];
  let seq = m.startSeq ?? Math.floor(rnd() * 65536);
  let sendMs = m.startSendMs ?? Math.floor(rnd() * 1_000_000);
  const origin = sendMs;
  let bad = false;
  let talkLeft = m.talkspurts ? -Math.log(1 - rnd()) * m.talkspurts.talkMeanMs : Infinity;
  let nextSpike = m.spikes ? m.spikes.everyMs * (0.5 + rnd()) : Infinity;
  let spikeStart = -Infinity;
  let spikeHeight = 0;
  let prevArrival = -Infinity;
  let queued = 0;                       // the correlated (Wi-Fi) part of the delay
  let nextStall = m.stalls ? m.stalls.everyMs[0] + rnd() * (m.stalls.everyMs[1] - m.stalls.everyMs[0]) : Infinity;
  let stallEnd = -Infinity;
  let baseDelay = m.baseDelayMs;
  let nextHandover = m.handover ? m.handover.everyMs[0] + rnd() * (m.handover.everyMs[1] - m.handover.everyMs[0]) : Infinity;
  let outageEnd = -Infinity;
  for (let i = 0; i < spec.packets; i++) {
    // The sender's clock runs at (1 + ppm) of the receiver's: its 20 ms are shorter when fast.
    const elapsed = sendMs - origin;
    const realSend = origin + elapsed / (1 + m.driftPpm * 1e-6);
    if (realSend - origin >= nextSpike) {
      spikeStart = realSend;
      spikeHeight = m.spikes!.heightMs[0] + rnd() * (m.spikes!.heightMs[1] - m.spikes!.heightMs[0]);
      nextSpike += m.spikes!.everyMs * (0.5 + rnd());
    }
    // A spike is a queue that builds at once and drains at real time: packets bunch up behind it.
    const spike = Math.max(0, spikeHeight - (realSend - spikeStart));
    if (realSend - origin >= nextHandover) {
      const h = m.handover!;
      const step = (h.stepMs[0] + rnd() * (h.stepMs[1] - h.stepMs[0])) * (rnd() < 0.5 ? -1 : 1);
      baseDelay = Math.min(h.maxBaseMs, Math.max(h.minBaseMs, baseDelay + step));
      outageEnd = realSend + h.outageMs[0] + rnd() * (h.outageMs[1] - h.outageMs[0]);
      nextHandover += h.everyMs[0] + rnd() * (h.everyMs[1] - h.everyMs[0]);
    }
    if (realSend - origin >= nextStall) {
      const st = m.stalls!;
      stallEnd = realSend + st.lengthMs[0] + rnd() * (st.lengthMs[1] - st.lengthMs[0]);
      nextStall += st.everyMs[0] + rnd() * (st.everyMs[1] - st.everyMs[0]);
    }
    if (m.correlated) queued = queued * m.correlated.keep + -Math.log(1 - rnd()) * m.correlated.noiseMeanMs;
    let delay = baseDelay + -Math.log(1 - rnd()) * m.jitterMeanMs + Math.abs(gaussian(rnd)) * m.jitterGaussMs + spike + queued;
    if (m.reorder && rnd() < m.reorder.rate) delay += m.reorder.extraMs[0] + rnd() * (m.reorder.extraMs[1] - m.reorder.extraMs[0]);
    let arrival = realSend + delay;
    // A stalled link holds what is sent until the stall ends, then sends it on in order.
    const stalled = realSend < stallEnd;
    if (stalled) arrival = Math.max(arrival, stallEnd + baseDelay + Math.abs(gaussian(rnd)) * m.jitterGaussMs);
    // Queues keep their order: a spike's or a stall's packets cannot overtake each other (only
    // "reorder" and a handover to a shorter path do).
    if (spike > 0 || stalled || m.correlated) arrival = Math.max(arrival, prevArrival);
    prevArrival = arrival;
    let lost = rnd() < m.lossRate || realSend < outageEnd;
    if (m.gilbert) {
      bad = bad ? rnd() >= m.gilbert.pBadToGood : rnd() < m.gilbert.pGoodToBad;
      if (bad && rnd() < m.gilbert.lossInBad) lost = true;
    }
    const row = { seq, sendMs: Math.round(sendMs), arrivalMs: lost ? null : Math.round(arrival) };
    rows.push(row);
    if (!lost && rnd() < m.duplicateRate) rows.push({ ...row, arrivalMs: row.arrivalMs! + Math.round(rnd() * 30) });
    seq = (seq + 1) & 0xffff;
    sendMs += 20;
    if (m.talkspurts) {
      talkLeft -= 20;
      if (talkLeft <= 0) {
        // Silence: no packets, but the sender's clock (and timestamps) move on.
        sendMs += 20 * Math.max(1, Math.round(-Math.log(1 - rnd()) * m.talkspurts.silenceMeanMs / 20));
        talkLeft = -Math.log(1 - rnd()) * m.talkspurts.talkMeanMs;
      }
    }
  }
  return rows;
}

/** Kinds whose delay levels slide (clock drift, a path that changes): no static frontier there. */
export function levelsSlide(kind: TraceKind): boolean {
  return kind.startsWith("drift") || kind === "mixed" || kind === "handover";
}

export function generateTraceCsv(spec: TraceSpec): string {
  return traceToCsv(generateTrace(spec));
}
