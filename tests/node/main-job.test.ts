// The main job (`npm start` = `vsdk start`) as a process, shortened: both calls happen, with
// speech both ways, the OTA demonstration (one update confirmed, one rolled back), and out/
// holds the report, the page and the audio.
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
    const html = readFileSync(join(out, "report.html"), "utf8");
    assert.match(html, /<svg[\s\S]*playout delay/);
    // The update story as the cloud recorded it from the device's own reports.
    assert.deepEqual(report.ota.good.states, ["downloading", "downloaded", "installing", "confirmed"]);
    assert.equal(report.ota.good.running_after, "image 1.1.0");
    assert.equal(report.ota.bad.outcome, "rolled_back");
    assert.equal(report.ota.bad.code, -1006, "rolled back because the trial image trapped");
    assert.equal(report.ota.bad.running_after, "image 1.1.0", "back on the confirmed image");
    assert.match(html, /Over-the-air updates[\s\S]*rolled_back/);
    for (const f of ["call1-device-heard.wav", "call1-phone-heard.wav", "call2-device-heard.wav", "call2-phone-heard.wav"]) {
      assert.ok(existsSync(join(out, f)), f);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
