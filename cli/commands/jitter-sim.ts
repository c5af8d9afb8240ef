import { readFileSync } from "node:fs";
import type { Command } from "../command.js";
import { parseOptions } from "../command.js";
import { parseTraceCsv } from "../../host-node/jitter-trace.js";
import { schedule, score, runOurs, DEFAULT_CAPACITY } from "../../host-node/jitter-sim.js";
import { runSpeex } from "../../host-node/jitter-speex.js";
import { generateTraceCsv, TRACE_KINDS, type TraceKind } from "../../host-node/jitter-trace-gen.js";

const HELP = `usage: vsdk jitter-sim --trace FILE [--ref speex] [--json] [--capacity N]
       vsdk jitter-sim --generate KIND [--seed N] [--packets N]   (writes a trace CSV to stdout)
Replays a packet trace (CSV header seq,send_ms,arrival_ms; rows in arrival order, lost packets
last with an empty arrival_ms; other column orders, extra columns, ; or tab separators and
NaN/lost/- for a lost packet are read too) through our jitter buffer in build/sdk.wasm, or with --ref speex
through libspeexdsp's, with 20 ms packets and a 20 ms playout tick (docs/jitter-buffer.md), and
prints {"packets","played","late","lost","concealed","mean_delay_ms","p95_delay_ms"}.
  --capacity  our buffer's slots (default ${DEFAULT_CAPACITY})
  --generate  trace kinds: ${TRACE_KINDS.join(", ")}`;

function intOption(value: string | boolean | string[] | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== "string" || !Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${name} must be an integer in ${min}..${max}`);
  }
  return n;
}

export const jitterSim: Command = {
  summary: "replay a packet trace through our jitter buffer or libspeexdsp's and score it",
  async run(argv) {
    const opts = parseOptions(argv, ["json", "help"]);
    if (opts.help) { console.log(HELP); return 0; }
    if (opts.generate !== undefined) {
      const kind = opts.generate;
      if (typeof kind !== "string" || !TRACE_KINDS.includes(kind as TraceKind)) {
        console.error(`vsdk jitter-sim: --generate needs one of ${TRACE_KINDS.join(", ")}`);
        return 2;
      }
      const seed = intOption(opts.seed, "seed", 1, 0, 2 ** 31);
      const packets = intOption(opts.packets, "packets", 3000, 1, 10_000_000);
      process.stdout.write(generateTraceCsv({ kind: kind as TraceKind, seed, packets }));
      return 0;
    }
    if (typeof opts.trace !== "string") { console.error(`vsdk jitter-sim: --trace FILE is required\n\n${HELP}`); return 2; }
    const ref = opts.ref === undefined ? "ours" : opts.ref;
    if (ref !== "ours" && ref !== "speex") { console.error("vsdk jitter-sim: --ref must be speex (or ours)"); return 2; }
    const capacity = intOption(opts.capacity, "capacity", DEFAULT_CAPACITY, 4, 128);
    let text: string;
    try { text = readFileSync(opts.trace, "utf8"); } catch (err) {
      console.error(`vsdk jitter-sim: cannot read ${opts.trace}: ${(err as Error).message}`);
      return 2;
    }
    let trace;
    try { trace = parseTraceCsv(text); } catch (err) {
      console.error(`vsdk jitter-sim: ${opts.trace}: ${(err as Error).message}`);
      return 2;
    }
    let replay;
    try { replay = schedule(trace); } catch (err) {
      console.error(`vsdk jitter-sim: ${opts.trace}: ${(err as Error).message}`);
      return 2;
    }
    const { t0, ticks } = replay;
    const outcomes = ref === "speex" ? runSpeex(ticks) : runOurs(ticks, { capacity });
    const result = score(trace, t0, ticks, outcomes);
    if (opts.json) console.log(JSON.stringify(result));
    else for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(14)} ${v}`);
    return 0;
  },
};
