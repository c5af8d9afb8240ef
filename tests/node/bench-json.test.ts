// `npm run bench -- --json` is what tools track: the keys the media issue names must be there and
// hold figures, not nulls (the image-size part used to print "n/a" for the call's memory whenever
// its short calls missed their speech check). Quick runs of the two parts that carry them; the
// figures themselves are measurements, not asserted here beyond their kind and the budgets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../../host-node/paths.js";

function benchJson(only: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, [join(repoRoot, "bin/vsdk.js"), "bench", "--quick", "--json", "--only", only],
    { encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "ignore"] });
  return JSON.parse(out);
}

test("bench --json: image bytes and the linear memory of a real call", () => {
  const figures = benchJson("image size");
  assert.equal(typeof figures.sdk_wasm_bytes, "number");
  assert.ok((figures.sdk_wasm_bytes as number) > 4096 && (figures.sdk_wasm_bytes as number) <= 16 * 1024, `sdk_wasm_bytes ${figures.sdk_wasm_bytes}`);
  assert.equal(typeof figures.linear_memory_bytes, "number", `linear_memory_bytes ${figures.linear_memory_bytes}`);
  // In a call the image holds more than after load (the buffers, the session) and stays in budget.
  assert.ok((figures.linear_memory_bytes as number) > (figures.linear_memory_at_load_bytes as number), JSON.stringify(figures));
  assert.ok((figures.linear_memory_bytes as number) <= 32 * 1024, `linear_memory_bytes ${figures.linear_memory_bytes}`);
});

test("bench --json: the jitter list, ours and speex on every trace kind, with the jitter-sim fields", () => {
  const figures = benchJson("jitter buffer vs libspeexdsp");
  const list = figures.jitter as Array<{ trace: string; ours: Record<string, number>; speex: Record<string, number> }>;
  assert.ok(Array.isArray(list) && list.length >= 13, `${list?.length} traces`);
  for (const row of list) {
    for (const side of [row.ours, row.speex]) {
      for (const key of ["packets", "played", "late", "lost", "concealed", "mean_delay_ms", "p95_delay_ms"]) {
        assert.equal(typeof side[key], "number", `${row.trace}: ${key}`);
      }
      assert.equal(side.played + side.late + side.lost, side.packets, row.trace);
    }
  }
});
