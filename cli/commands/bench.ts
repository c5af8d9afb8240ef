import type { Command } from "../command.js";
import { parseOptions } from "../command.js";
import { benchParts } from "../../bench/index.js";

export const bench: Command = {
  summary: "measure image size, memory, instructions per frame, jitter quality, cloud throughput",
  async run(argv) {
    const opts = parseOptions(argv, ["json", "quick", "help"]);
    if (opts.help) {
      console.log("usage: vsdk bench [--json] [--quick] [--only NAME]\n  --json   print one JSON object with every figure\n  --quick  shorter runs (smoke check)\n  --only   run the parts whose name contains NAME");
      return 0;
    }
    const figures: Record<string, unknown> = {};
    for (const part of benchParts) {
      if (typeof opts.only === "string" && !part.name.includes(opts.only)) continue;
      if (!opts.json) console.log(`\n== ${part.name} ==`);
      try {
        const r = await part.run({ quick: !!opts.quick });
        Object.assign(figures, r.figures);
        if (!opts.json) r.lines.forEach((l) => console.log(l));
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        figures[`error_${part.name.replace(/\W+/g, "_")}`] = msg;
        if (!opts.json) console.log(`failed: ${msg}`);
      }
    }
    if (opts.json) console.log(JSON.stringify(figures, null, 2));
    return 0;
  },
};
