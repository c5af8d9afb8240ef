// The main job (`npm start` = `vsdk start`) as a process, shortened: both calls happen, with
// speech both ways, and out/ holds the report, the page and the audio.
process.env.VSDK_LOG ??= "silent";
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../host-node/paths.js";

test("vsdk start: two calls with speech both ways, and a report", { timeout: 180_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), "vsdk-main-job-"));
  try {
    const log = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [join(repoRoot, "bin/vsdk.js"), "start", "--out", out, "--talk-ms", "2500"], { timeout: 150_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${stdout}${stderr}`)) : resolve(stdout)));
    });
    assert.match(log, /device registered/);
    assert.match(log, /device rings; answering/);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    assert.equal(report.ok, true);
    assert.equal(report.calls.length, 2);
    for (const call of report.calls) {
      assert.deepEqual(call.room_states, [1, 2, 5], call.title);
      assert.ok(call.uplink_speech.correlation >= 0.8 && call.downlink_speech.correlation >= 0.8, JSON.stringify(call));
    }
    assert.ok(report.memory_bytes_after_calls <= 32 * 1024);
    assert.match(readFileSync(join(out, "report.html"), "utf8"), /<svg[\s\S]*playout delay/);
    for (const f of ["call1-device-heard.wav", "call1-phone-heard.wav", "call2-device-heard.wav", "call2-phone-heard.wav"]) {
      assert.ok(existsSync(join(out, f)), f);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
