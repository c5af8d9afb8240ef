// Image size (whole and the audio media core alone) and linear memory: after loading, and in use
// during a real call (the main job's two calls on loopback, 1.5 s of talk each).
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../host-node/paths.js";
import { Image } from "../host-node/image.js";
import { start } from "../cli/commands/start.js";
import type { BenchPart } from "./part.js";

export const imageSize: BenchPart = {
  name: "image size and memory",
  async run({ quick }) {
    const size = (p: string) => { try { return statSync(join(repoRoot, p)).size; } catch { return null; } };
    const sdk = size("build/sdk.wasm");
    const audio = size("build/audio.wasm");
    const image = Image.load();
    const atLoad = image.exports.vsdk_memory_used();
    let inCall: number | null = null;
    let checks = "";
    const out = mkdtempSync(join(tmpdir(), "vsdk-bench-call-"));
    try {
      // The memory figure stands whether or not the calls met their speech checks: those
      // compare only the first (talk - 1) s of speech, two 200 ms segments in a 1.5 s call, so
      // one segment that spans the buffer's first change of delay fails them (`npm start`'s 5 s
      // calls compare 20).
      const status = await start.run(["--quiet", "--out", out, "--talk-ms", quick ? "1000" : "1500"]);
      try {
        inCall = JSON.parse(readFileSync(join(out, "report.json"), "utf8")).memory_bytes_after_calls ?? null;
      } catch { /* no report: the calls did not happen */ }
      if (status !== 0) checks = " (the short calls' speech checks failed; the memory figure is theirs all the same)";
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    return {
      figures: { sdk_wasm_bytes: audio ?? sdk, sdk_wasm_total_bytes: sdk, linear_memory_bytes: inCall, linear_memory_at_load_bytes: atLoad },
      lines: [
        `sdk.wasm: ${sdk} bytes in all; audio media core alone (build/audio.wasm): ${audio ?? "n/a"} bytes (budget 16384)`,
        `linear memory in use: ${atLoad} bytes after load, ${inCall ?? "n/a"} bytes during a call (budget 32768)${checks}`,
      ],
    };
  },
};
