// Writes a synthetic packet trace as CSV (seq,send_ms,arrival_ms) to stdout:
//   npx tsx tools/traces/generate.ts KIND [SEED] [PACKETS]
// KIND is one of host-node/jitter-trace-gen.ts's TRACE_KINDS; the same seed gives the same trace.
import { generateTraceCsv, TRACE_KINDS, type TraceKind } from "../../host-node/jitter-trace-gen.js";

const [kind, seed = "1", packets = "3000"] = process.argv.slice(2);
if (!TRACE_KINDS.includes(kind as TraceKind)) {
  process.stderr.write(`usage: generate.ts KIND [SEED] [PACKETS]\nkinds: ${TRACE_KINDS.join(" ")}\n`);
  process.exit(2);
}
process.stdout.write(generateTraceCsv({ kind: kind as TraceKind, seed: Number(seed), packets: Number(packets) }));
