// `vsdk ota-demo`: one good update rolled out to a simulated device and confirmed, and one bad
// update (its first tick traps) rolled back, on the local cloud and emulator, with a timeline.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "../command.js";
import { parseOptions } from "../command.js";
import { startLocalSystem } from "../../cloud/local-system.js";
import { runOtaDemo } from "../ota-demo/run.js";

export const otaDemo: Command = {
  summary: "over-the-air updates shown end to end: one update confirmed, one bad update rolled back",
  async run(argv) {
    const opts = parseOptions(argv, ["help", "json"]);
    if (opts.help) {
      console.log(`usage: vsdk ota-demo [--out DIR] [--json]
  Starts the WeChat emulator and the vendor cloud on loopback and one simulated device (the
  Node host running build/sdk.wasm). Generates a release key for this run, publishes image
  1.1.0 (build/sdk.wasm, signed) and rolls it out: the device downloads it in chunks, the host
  verifies and stages it, the device switches on trial and confirms. Then publishes 1.2.0,
  whose first tick traps: the device switches, traps, and the host rolls back to 1.1.0.
  Prints the timeline; writes DIR/ota-demo.json (default out/ota-demo).
  --json   print the result as one JSON object instead of the timeline`);
      return 0;
    }
    const outDir = resolve(typeof opts.out === "string" ? opts.out : join("out", "ota-demo"));
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    process.env.VSDK_LOG ??= "silent";
    const sys = await startLocalSystem({ cloud: { dataDir: join(outDir, "cloud-data"), releasePublicKey: null } });
    try {
      const result = await runOtaDemo(sys, { dir: outDir, say: opts.json ? undefined : (l) => console.log(l) });
      writeFileSync(join(outDir, "ota-demo.json"), JSON.stringify(result, null, 2));
      if (opts.json) console.log(JSON.stringify(result));
      else {
        for (const u of [result.good, result.bad]) {
          console.log(`${u.image_version}: ${u.outcome}${u.code ? ` (code ${u.code})` : ""} after ${u.ms_to_outcome} ms; ` +
            `states ${u.states.join(" -> ")}; ${u.package_bytes} bytes; device now runs ${u.running_after}`);
        }
      }
      const ok = result.good.outcome === "confirmed" && result.bad.outcome === "rolled_back";
      return ok ? 0 : 1;
    } finally {
      await sys.stop();
    }
  },
};
