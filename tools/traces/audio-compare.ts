// What the jitter buffers sound like, ours against libspeexdsp's, on generated traces
// (host-node/jitter-listen.ts says how):
//   npx tsx tools/traces/audio-compare.ts [--seeds 1] [--packets 3000] [--kinds a,b] [--voices en-us,en-us+f3] [--image PATH] [--json]
import { listen, speechOf, type ListeningRow } from "../../host-node/jitter-listen.js";
import { TRACE_KINDS, type TraceKind } from "../../host-node/jitter-trace-gen.js";
import { DEFAULT_IMAGE } from "../../host-node/image.js";
import { arg, range } from "./args.js";

const imagePath = arg("--image", DEFAULT_IMAGE);
const seeds = range(arg("--seeds", "1"));
const packets = Number(arg("--packets", "3000"));
const kinds = arg("--kinds", TRACE_KINDS.join(",")).split(",") as TraceKind[];
const voices = arg("--voices", "en-us,en-us+f3").split(",");
const asJson = process.argv.includes("--json");
const rows: ListeningRow[] = [];
for (const voiceName of voices) {
  const voice = speechOf(voiceName);
  for (const seed of seeds) {
    for (const kind of kinds) {
      const row = listen(kind, seed, packets, voiceName, voice, imagePath);
      rows.push(row);
      if (!asJson) console.log(`${row.trace.padEnd(26)} ${voiceName.padEnd(9)} PESQ ours ${row.ours.toFixed(2)}  speex ${row.speex.toFixed(2)}   segment match ours ${row.oursMatch.toFixed(3)}  speex ${row.speexMatch.toFixed(3)}  (${row.windows} windows of 8 s)`);
    }
  }
}
const better = rows.filter((r) => r.ours > r.speex).length;
const meanOf = (k: "ours" | "speex" | "oursMatch" | "speexMatch") => rows.reduce((a, r) => a + r[k], 0) / rows.length;
const betterMatch = rows.filter((r) => r.oursMatch > r.speexMatch).length;
if (asJson) console.log(JSON.stringify({ rows, ours_mean: meanOf("ours"), speex_mean: meanOf("speex"), ours_better: better,
  ours_match_mean: meanOf("oursMatch"), speex_match_mean: meanOf("speexMatch"), ours_match_better: betterMatch }));
else console.log(`PESQ mean ours ${meanOf("ours").toFixed(3)}, speex ${meanOf("speex").toFixed(3)}; ours higher on ${better} of ${rows.length}. Segment match mean ours ${meanOf("oursMatch").toFixed(3)}, speex ${meanOf("speexMatch").toFixed(3)}; ours higher on ${betterMatch} of ${rows.length}`);
