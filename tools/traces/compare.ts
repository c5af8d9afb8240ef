// Ours against libspeexdsp over many seeds and trace lengths, for tuning and for reporting the
// bar (fewer late packets at no more mean delay) on seeds the tuning never saw:
//   npx tsx tools/traces/compare.ts [--seeds 1-7] [--packets 3000,6000] [--kinds a,b] [--image PATH] [--rows]
//     [--late-ticks MS]   (playout ticks late by up to MS, as on a host with soft timers)
// speex's results depend only on the trace, so they are cached in build/tools/speex-cache/.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseTraceCsv } from "../../host-node/jitter-trace.js";
import { schedule, score, runOurs, staticLateAt, lateTicks, meetsBar, type JitterSimResult } from "../../host-node/jitter-sim.js";
import { runSpeex } from "../../host-node/jitter-speex.js";
import { generateTraceCsv, levelsSlide, TRACE_KINDS, type TraceKind } from "../../host-node/jitter-trace-gen.js";
import { Image, DEFAULT_IMAGE } from "../../host-node/image.js";
import { repoRoot } from "../../host-node/paths.js";
import { arg, range } from "./args.js";


const seeds = range(arg("--seeds", "1-7"));
const lengths = range(arg("--packets", "6000"));
const kinds = arg("--kinds", TRACE_KINDS.join(",")).split(",") as TraceKind[];
const imagePath = arg("--image", DEFAULT_IMAGE);
const showRows = process.argv.includes("--rows");
const lateMs = Number(arg("--late-ticks", "0"));
const cacheDir = join(repoRoot, "build/tools/speex-cache");
// Part of the cache key: a change to how a trace is replayed (timestamps, ticks) changes speex's results.
const SCHEDULE_VERSION = "rtp-ts-in-frames";
mkdirSync(cacheDir, { recursive: true });

let met = 0, total = 0, lateOurs = 0, lateSpeex = 0, delayDiff = 0, speexOutside = 0, staticTotal = 0, concealedOurs = 0, concealedSpeex = 0;
const failures: string[] = [];
for (const packets of lengths) {
  for (const seed of seeds) {
    for (const kind of kinds) {
      const csv = generateTraceCsv({ kind, seed, packets });
      const trace = parseTraceCsv(csv);
      const exact = schedule(trace);
      const t0 = exact.t0, ticks = lateMs > 0 ? lateTicks(exact.ticks, lateMs, seed) : exact.ticks;
      const ours = score(trace, t0, ticks, runOurs(ticks, { image: Image.load({}, imagePath) }));
      // keyed by the trace's content, so a changed generator never reuses stale results
      const cacheFile = join(cacheDir, `${kind}-${seed}-${packets}-${lateMs}-${createHash("sha256").update(SCHEDULE_VERSION).update(csv).digest("hex").slice(0, 16)}.json`);
      let speex: JitterSimResult;
      if (existsSync(cacheFile)) speex = JSON.parse(readFileSync(cacheFile, "utf8"));
      else {
        speex = score(trace, t0, ticks, runSpeex(ticks));
        writeFileSync(cacheFile, JSON.stringify(speex));
      }
      const ok = meetsBar(ours, speex);
      total++; if (ok) met++;
      lateOurs += ours.late; lateSpeex += speex.late; delayDiff += ours.mean_delay_ms - speex.mean_delay_ms;
      concealedOurs += ours.concealed; concealedSpeex += speex.concealed;
      const drift = levelsSlide(kind);
      const frontier = drift ? NaN : staticLateAt(trace, t0, speex.mean_delay_ms);
      if (!drift) { staticTotal++; if (frontier < speex.late) speexOutside++; }
      const line = `${`${kind}-s${seed}-${packets}`.padEnd(26)} late ${String(ours.late).padStart(4)}/${String(speex.late).padEnd(4)} mean ${ours.mean_delay_ms.toFixed(2).padStart(7)}/${speex.mean_delay_ms.toFixed(2).padEnd(7)} p95 ${ours.p95_delay_ms}/${speex.p95_delay_ms} static@speex ${drift ? "-" : frontier} ${ok ? "met" : "NOT"}`;
      if (showRows) console.log(line);
      if (!ok) failures.push(line);
    }
  }
}
if (!showRows) for (const f of failures) console.log(f);
console.log(`speex above the static frontier (the bar reachable without free moments) on ${speexOutside} of ${staticTotal} drift-free traces`);
console.log(`bar met on ${met} of ${total}; late ${lateOurs} vs ${lateSpeex}; mean delay ours - speex summed ${delayDiff.toFixed(1)} ms; concealed ${concealedOurs} vs ${concealedSpeex}`);
