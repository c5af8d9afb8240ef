import { statSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../host-node/paths.js";
import { Image } from "../host-node/image.js";
import type { BenchPart } from "./part.js";

export const imageSize: BenchPart = {
  name: "image size and memory",
  async run() {
    const size = (p: string) => { try { return statSync(join(repoRoot, p)).size; } catch { return null; } };
    const sdk = size("build/sdk.wasm");
    const audio = size("build/audio.wasm");
    const image = Image.load();
    const used = image.exports.vsdk_memory_used();
    return {
      figures: { sdk_wasm_bytes: audio ?? sdk, sdk_wasm_total_bytes: sdk, image_linear_memory_at_start_bytes: used },
      lines: [
        `sdk.wasm: ${sdk} bytes in all; audio media core alone (build/audio.wasm): ${audio ?? "n/a"} bytes (budget 16384)`,
        `linear memory in use after init: ${used} bytes`,
      ],
    };
  },
};
