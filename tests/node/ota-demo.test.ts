// `vsdk ota-demo` as a process: the good update is confirmed, the bad one rolled back, and the
// timeline shows the steps in their order.
process.env.VSDK_LOG ??= "silent";
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../host-node/paths.js";

test("vsdk ota-demo: one update confirmed, one bad update rolled back, with a timeline", { timeout: 120_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), "vsdk-ota-demo-"));
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [join(repoRoot, "bin/vsdk.js"), "ota-demo", "--out", out, "--json"], { timeout: 100_000 },
        (err, so, se) => (err ? reject(new Error(`${so}${se}`)) : resolve(so)));
    });
    const result = JSON.parse(stdout.trim().split("\n").pop()!);
    assert.equal(result.good.outcome, "confirmed");
    assert.equal(result.bad.outcome, "rolled_back");
    const whats: string[] = result.timeline.map((s: { what: string }) => s.what);
    const first = (re: RegExp) => whats.findIndex((w) => re.test(w));
    // Good update: staged, restarted on trial, confirmed; then bad: restarted on trial, rolled back.
    const order = [/1\.1\.0.*published/, /restarted into image 1\.1\.0 .* on trial/, /device reports confirmed/,
      /1\.2\.0.*published/, /restarted into image 1\.2\.0/, /rolled back .*image 1\.1\.0/, /device reports rolled_back/].map(first);
    assert.ok(order.every((i) => i >= 0), `every step is in the timeline: ${whats.join(" | ")}`);
    assert.deepEqual([...order].sort((a, b) => a - b), order, "in this order");
    assert.ok(existsSync(join(out, "ota-demo.json")));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
