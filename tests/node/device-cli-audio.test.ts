// `vsdk device call --say/--mic --speaker` as a person runs it: a separate process, the real
// cloud and emulator; the phone user speaks a 440 Hz tone, and the speaker file must hold it.
process.env.VSDK_LOG ??= "silent";
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalSystem } from "../../cloud/local-system.js";
import { parseWav } from "../../host-node/wav.js";
import { repoRoot } from "../../host-node/paths.js";

test("vsdk device call plays the user's speech into --speaker", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "vsdk-cli-audio-"));
  const sys = await startLocalSystem({ cloud: { dataDir: join(dir, "cloud") } });
  try {
    const id = await sys.provision("SN-CLI-AUDIO");
    writeFileSync(join(dir, "ca.pem"), sys.ca);
    const vsdk = (args: string[]) => new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [join(repoRoot, "bin/vsdk.js"), "device", ...args, "--storage", join(dir, "dev"), "--ca", join(dir, "ca.pem")],
        { timeout: 60_000 }, (err, out, errOut) => (err ? reject(new Error(`${out}${errOut}`)) : resolve(out)));
    });
    await vsdk(["provision", "--sn", "SN-CLI-AUDIO", "--secret", id.secret, "--cloud", sys.cloud.url]);
    await vsdk(["register"]);
    const ticket = JSON.parse((await vsdk(["ticket", "--json"])).trim().split("\n").pop()!);
    const grant = await sys.emulatorCall("/emulator/grant", { openid: "o_cli_audio", sn: "SN-CLI-AUDIO", model_id: "vsdk-model-1", sn_ticket: ticket.sn_ticket, device_name: "Doorbell" });
    assert.equal(grant.errcode, 0);
    await sys.emulatorCall("/emulator/users/o_cli_audio/script", { answer: "answer", after_ms: 100, speech: { tone_hz: 440 } });
    const speaker = join(dir, "heard.wav");
    const out = await vsdk(["call", "o_cli_audio", "--say", "hello from the command line", "--speaker", speaker, "--hangup-after", "2"]);
    assert.match(out, /call state 2 \(talking\)/);
    const heard = parseWav(new Uint8Array(readFileSync(speaker))).samples;
    assert.ok(heard.length >= 8000, `${heard.length} samples played`);
    // The tone's energy sits at 440 Hz: correlate with a 440 Hz sine and cosine in each 100 ms of
    // the last second (44 whole cycles each) and take the median, so that one concealed or
    // skipped frame on a loaded machine does not decide, while a missing tone still fails.
    const tail = heard.subarray(heard.length - 8000);
    const shares: number[] = [];
    for (let w = 0; w + 800 <= tail.length; w += 800) {
      let s = 0, c = 0, e = 0;
      for (let i = 0; i < 800; i++) {
        const x = tail[w + i];
        s += x * Math.sin((2 * Math.PI * 440 * i) / 8000);
        c += x * Math.cos((2 * Math.PI * 440 * i) / 8000);
        e += x * x;
      }
      shares.push((2 * (s * s + c * c)) / 800 / (e || 1));
    }
    shares.sort((a, b) => a - b);
    const toneShare = shares[shares.length >> 1];
    assert.ok(toneShare > 0.8, `median share of the speaker's energy at 440 Hz per 100 ms: ${toneShare.toFixed(3)} (${shares.map((x) => x.toFixed(2)).join(" ")})`);
  } finally {
    await sys.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
