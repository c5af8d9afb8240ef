// Ours against libspeexdsp on trace shapes the bench's generator (host-node/jitter-trace-gen.ts)
// does not make and no setting was tuned on: a check that the buffer generalises, not a target.
//   npx tsx tools/traces/other-shapes.ts [--seeds 1-3] [--packets 6000] [--image PATH] [--rows]
// Each shape is the one-way delay of packet i, sent at t ms (20 ms apart), or null when lost.
import { parseTraceCsv, traceToCsv } from "../../host-node/jitter-trace.js";
import { schedule, score, runOurs, meetsBar } from "../../host-node/jitter-sim.js";
import { runSpeex } from "../../host-node/jitter-speex.js";
import { Image, DEFAULT_IMAGE } from "../../host-node/image.js";
import { prng } from "../../host-node/prng.js";
import { arg, range } from "./args.js";

type Random = () => number;
const exponential = (r: Random, mean: number) => -Math.log(1 - r()) * mean;
const gaussian = (r: Random) => Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());

interface Shape { delay: (t: number, r: Random) => number | null; fifo?: boolean }
const SHAPES: Record<string, Shape> = {
  // a heavy (Pareto, alpha 1.5) tail above a 30 ms path
  pareto: { delay: (_t, r) => 30 + Math.min(1000, 3 / Math.pow(1 - r(), 1 / 1.5) - 3) },
  // a quiet LAN: 2 ms, 1 ms of jitter
  lan: { delay: (_t, r) => 2 + exponential(r, 1) },
  // a queue that fills for 5 s (to 150 ms) and drains in 2 s, over and over; packets keep order
  bufferbloat: { delay: (t, r) => { const p = t % 7000; return 20 + (p < 5000 ? p * 0.03 : 150 * (1 - (p - 5000) / 2000)) + exponential(r, 3); }, fifo: true },
  // 5 s of congestion (40 ms mean jitter) in every 15 s, 5 ms otherwise
  congestion: { delay: (t, r) => 40 + exponential(r, (t % 15000) < 5000 ? 40 : 5) },
  // everything lost for 2 s in every 30 s
  outage: { delay: (t, r) => ((t % 30000) > 28000 ? null : 40 + exponential(r, 8)) },
  // a cellular link: 80 ms plus log-normal jitter (median 20 ms), 2 % loss
  cellular: { delay: (_t, r) => (r() < 0.02 ? null : 80 + Math.exp(Math.log(20) + 0.6 * gaussian(r))) },
  // the path gets 60 ms shorter after a minute
  stepdown: { delay: (t, r) => (t < 60000 ? 120 : 60) + exponential(r, 6) },
  // a 100 ms burst of cross traffic every second queues packets up to 60 ms; packets keep order
  crosstraffic: { delay: (t, r) => 40 + exponential(r, 3) + ((t % 1000) < 100 ? 60 - (t % 1000) * 0.5 : 0), fifo: true },
  // uniform jitter over 100 ms
  uniform: { delay: (_t, r) => 40 + r() * 100 },
  // 30 % of packets one frame late
  reorder1: { delay: (_t, r) => 40 + exponential(r, 2) + (r() < 0.3 ? 25 : 0) },
  // a calm path with a rare 200 ms spike on single packets
  quiet: { delay: (_t, r) => 30 + exponential(r, 4) + (r() < 0.003 ? 200 : 0) },
};

function shapeCsv(name: string, seed: number, packets: number): string {
  const shape = SHAPES[name];
  const r = prng(seed * 7919 + name.length * 31 + name.charCodeAt(0));
  const firstSeq = Math.floor(r() * 65536), firstSend = Math.floor(r() * 1e6);
  const rows: Array<{ seq: number; sendMs: number; arrivalMs: number | null }> = [];
  let previous = -Infinity;
  for (let i = 0; i < packets; i++) {
    const t = i * 20;
    const d = shape.delay(t, r);
    let arrival = d === null ? null : firstSend + t + d;
    if (arrival !== null && shape.fifo) previous = arrival = Math.max(arrival, previous);
    rows.push({ seq: (firstSeq + i) & 0xffff, sendMs: firstSend + t, arrivalMs: arrival === null ? null : Math.round(arrival) });
  }
  return traceToCsv(rows);
}

const seeds = range(arg("--seeds", "1-3"));
const packets = Number(arg("--packets", "6000"));
const imagePath = arg("--image", DEFAULT_IMAGE);
const showRows = process.argv.includes("--rows");
let met = 0, total = 0, lateOurs = 0, lateSpeex = 0, delayDiff = 0;
for (const name of Object.keys(SHAPES)) {
  for (const seed of seeds) {
    const trace = parseTraceCsv(shapeCsv(name, seed, packets));
    const { t0, ticks } = schedule(trace);
    const ours = score(trace, t0, ticks, runOurs(ticks, { image: Image.load({}, imagePath) }));
    const speex = score(trace, t0, ticks, runSpeex(ticks));
    const ok = meetsBar(ours, speex);
    total++; if (ok) met++;
    lateOurs += ours.late; lateSpeex += speex.late; delayDiff += ours.mean_delay_ms - speex.mean_delay_ms;
    if (showRows || !ok) {
      console.log(`${`${name}-s${seed}`.padEnd(18)} late ${String(ours.late).padStart(4)}/${String(speex.late).padEnd(4)} mean ${ours.mean_delay_ms.toFixed(2).padStart(7)}/${speex.mean_delay_ms.toFixed(2).padEnd(7)} concealed ${ours.concealed}/${speex.concealed} ${ok ? "met" : "NOT"}`);
    }
  }
}
console.log(`other shapes: bar met on ${met} of ${total}; late ${lateOurs} vs ${lateSpeex}; mean delay ours - speex summed ${delayDiff.toFixed(1)} ms`);
