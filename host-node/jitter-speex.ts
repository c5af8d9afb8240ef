// libspeexdsp's jitter buffer as the reference for jitter-sim: a small C driver
// (tools/native/speex_jitter_sim.c) compiled on demand into build/tools/ and fed the same
// schedule of puts and ticks as our buffer (host-node/jitter-sim.ts).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./paths.js";
import { CONCEAL, type Outcome, type Tick } from "./jitter-sim.js";

const SOURCE = join(repoRoot, "tools/native/speex_jitter_sim.c");
const BINARY = join(repoRoot, "build/tools/speex_jitter_sim");

export function speexDriver(): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return BINARY;
  mkdirSync(join(repoRoot, "build/tools"), { recursive: true });
  const cc = spawnSync("cc", ["-O2", "-Wall", "-o", BINARY, SOURCE, "-lspeexdsp"], { encoding: "utf8" });
  if (cc.status !== 0) {
    throw new Error(`cannot build the speex reference (is libspeexdsp-dev installed?): ${cc.stderr || cc.error}`);
  }
  return BINARY;
}

export function runSpeex(ticks: Tick[]): Outcome[] {
  if (ticks.length === 0) return [];
  const lines: string[] = [];
  for (const t of ticks) {
    for (const p of t.puts) lines.push(`p ${p.id >>> 0} ${p.ts >>> 0} ${p.seq}`);
    lines.push("g");
  }
  const r = spawnSync(speexDriver(), [], { input: lines.join("\n") + "\n", encoding: "utf8", maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`speex driver failed (${r.status}): ${r.stderr}`);
  const out = r.stdout.trim().split("\n");
  if (out.length !== ticks.length) throw new Error(`speex driver answered ${out.length} ticks of ${ticks.length}`);
  return out.map((l) => (l.startsWith("f ") ? (Number(l.slice(2)) | 0) : CONCEAL));
}
