// Jitter-buffer quality: ours (in build/sdk.wasm) against libspeexdsp's on each synthetic trace,
// replayed the same way (host-node/jitter-sim.ts). The bar: fewer late packets than speex at no
// more mean delay, on every trace. Figures only; nothing here asserts.
import { parseTraceCsv } from "../host-node/jitter-trace.js";
import { schedule, score, runOurs, staticLateAt, meetsBar, type JitterSimResult } from "../host-node/jitter-sim.js";
import { runSpeex } from "../host-node/jitter-speex.js";
import { generateTraceCsv, levelsSlide, TRACE_KINDS } from "../host-node/jitter-trace-gen.js";
import { comparePlc } from "../host-node/plc-compare.js";
import { listen, speechOf } from "../host-node/jitter-listen.js";
import type { BenchPart } from "./part.js";

export const jitter: BenchPart = {
  name: "jitter buffer vs libspeexdsp",
  async run({ quick }) {
    const packets = quick ? 1500 : 6000;
    const rows: Array<{ trace: string; ours: JitterSimResult; speex: JitterSimResult; static_late_at_speex_delay: number | null }> = [];
    for (const kind of TRACE_KINDS) {
      const trace = parseTraceCsv(generateTraceCsv({ kind, seed: 1, packets }));
      const { t0, ticks } = schedule(trace);
      const speex = score(trace, t0, ticks, runSpeex(ticks));
      rows.push({
        trace: `${kind}-s1-${packets}`,
        ours: score(trace, t0, ticks, runOurs(ticks)),
        speex,
        // what a buffer held at fixed levels would lose at speex's mean delay (see jitter-sim.ts)
        static_late_at_speex_delay: levelsSlide(kind) ? null : staticLateAt(trace, t0, speex.mean_delay_ms),
      });
    }
    const meets = (r: (typeof rows)[number]) => meetsBar(r.ours, r.speex);
    const lines = [
      `${"trace".padEnd(22)} ${"late ours/speex".padStart(16)} ${"mean ms ours/speex".padStart(20)} ${"p95 ms ours/speex".padStart(18)} ${"lost".padStart(5)} ${"static".padStart(7)}  bar`,
      ...rows.map((r) => `${r.trace.padEnd(22)} ${`${r.ours.late}/${r.speex.late}`.padStart(16)} ${`${r.ours.mean_delay_ms}/${r.speex.mean_delay_ms}`.padStart(20)} ${`${r.ours.p95_delay_ms}/${r.speex.p95_delay_ms}`.padStart(18)} ${String(r.ours.lost).padStart(5)} ${String(r.static_late_at_speex_delay ?? "-").padStart(7)}  ${meets(r) ? "met" : "NOT met"}`),
      "static: late packets of the best fixed-level buffer at speex's mean delay (none where levels slide: drift, handover, mixed)",
      `bar met on ${rows.filter(meets).length} of ${rows.length} traces`,
    ];
    return { figures: { jitter: rows }, lines };
  },
};

// G.711 concealment quality: PESQ of ours, spandsp's PLC and silence on espeak-ng speech with
// seeded losses (host-node/plc-compare.ts; docs/jitter-buffer.md states the method).
export const plcQuality: BenchPart = {
  name: "G.711 PLC vs spandsp (PESQ)",
  async run() {
    const rows = comparePlc();
    const mean = (k: "ours" | "spandsp" | "silence") => Math.round((rows.reduce((s, r) => s + r[k], 0) / rows.length) * 1000) / 1000;
    return {
      figures: { plc_pesq: rows, plc_pesq_mean: { ours: mean("ours"), spandsp: mean("spandsp"), silence: mean("silence") } },
      lines: [
        `${"case".padEnd(22)} ${"loss".padStart(6)} ${"ours".padStart(6)} ${"spandsp".padStart(8)} ${"silence".padStart(8)}`,
        ...rows.map((r) => `${r.case.padEnd(22)} ${`${r.loss_pct}%`.padStart(6)} ${r.ours.toFixed(2).padStart(6)} ${r.spandsp.toFixed(2).padStart(8)} ${r.silence.toFixed(2).padStart(8)}`),
        `mean PESQ: ours ${mean("ours")}, spandsp ${mean("spandsp")}, silence ${mean("silence")}`,
      ],
    };
  },
};

// How the two buffers sound on the same traces (host-node/jitter-listen.ts): PESQ and a segment
// match of speech played through the image's media session and through speex's decisions.
export const jitterListening: BenchPart = {
  name: "jitter buffer vs libspeexdsp, listening (PESQ)",
  async run({ quick }) {
    const packets = quick ? 1000 : 3000;
    const voice = speechOf("en-us");
    const rows = TRACE_KINDS.map((kind) => listen(kind, 1, packets, "en-us", voice));
    const mean = (k: "ours" | "speex" | "oursMatch" | "speexMatch") => Math.round((rows.reduce((s, r) => s + r[k], 0) / rows.length) * 1000) / 1000;
    const means = { ours_pesq: mean("ours"), speex_pesq: mean("speex"), ours_match: mean("oursMatch"), speex_match: mean("speexMatch") };
    return {
      figures: { jitter_listening: rows, jitter_listening_mean: means },
      lines: [
        `${"trace".padEnd(22)} ${"PESQ ours/speex".padStart(16)} ${"segment match ours/speex".padStart(26)}`,
        ...rows.map((r) => `${r.trace.padEnd(22)} ${`${r.ours.toFixed(2)}/${r.speex.toFixed(2)}`.padStart(16)} ${`${r.oursMatch.toFixed(3)}/${r.speexMatch.toFixed(3)}`.padStart(26)}`),
        `mean PESQ ours ${means.ours_pesq}, speex ${means.speex_pesq}; segment match ours ${means.ours_match}, speex ${means.speex_match} (speech en-us, seed 1, ${packets} packets a trace)`,
      ],
    };
  },
};
