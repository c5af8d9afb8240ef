// `vsdk device` as a user runs it: separate processes (the bundled CLI) against the test cloud,
// which verifies every signature: provision, register, status, a call hung up after talk, and a
// listening device that answers. Exit codes and the readable timeline are checked.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../host-node/paths.js";
import { TestCloud, selfSignedCert } from "./device-test-cloud.js";

let cloud: TestCloud;
let dir: string;
let caFile: string;
before(async () => {
  const cert = selfSignedCert();
  cloud = new TestCloud("SN_CLI", cert);
  await cloud.start();
  dir = mkdtempSync(join(tmpdir(), "vsdk-cli-"));
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, cert.cert);
});
after(async () => { await cloud.stop(); });

function vsdk(args: string[], onLine?: (line: string) => void): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, "bin/vsdk.js"), "device", ...args, "--storage", join(dir, "flash"), "--ca", caFile],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (onLine) for (const l of d.toString().split("\n")) if (l) onLine(l);
    });
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

test("vsdk device provision, status before registering, register, status", async () => {
  let r = await vsdk(["provision", "--sn", cloud.sn, "--secret", cloud.secret, "--cloud", cloud.url]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /provisioned/);
  r = await vsdk(["status"]);
  assert.equal(r.code, 1);
  assert.match(r.out, /"registered":0/);
  r = await vsdk(["register"]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /registered .*"model_id":"MODEL_T"/);
  r = await vsdk(["status", "--json"]);
  assert.equal(r.code, 0);
  assert.equal(JSON.parse(r.out.trim()).registered, 1);
});

test("vsdk device call: the user answers, the device hangs up after a second of talk", async () => {
  const r = await vsdk(["call", "o_cli", "--payload", "x", "--hangup-after", "1", "--wait", "1"], (line) => {
    if (line.includes("call state 1")) setTimeout(() => cloud.push("call.state", { call_id: "c_1", state: 2, reason: 0 }), 100);
  });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /calling o_cli/);
  assert.match(r.out, /call state 2 \(talking\)/);
  assert.match(r.out, /hanging up/);
  assert.match(r.out, /call over: ended .*"state":6/);
  assert.equal(cloud.requests("/v1/calls/c_1/hangup").length, 1);
});

test("vsdk device call refused by WeChat exits 1 with the negated errcode", async () => {
  cloud.callPlan = { outcome: { errcode: 9 } };
  const r = await vsdk(["call", "o_cli", "--wait", "1"]);
  cloud.callPlan = { outcome: "ok" };
  assert.equal(r.code, 1);
  assert.match(r.out, /call failed .*"code":-9,"error":"wechat 9"/);
});

test("vsdk device listen --answer answers a ring and reports the user's hang-up", async () => {
  const r = await vsdk(["listen", "--answer", "--calls", "1", "--wait", "1"], (line) => {
    if (line.includes("waiting for calls")) setTimeout(() => cloud.push("call.ring", { call_id: "c_l", from_openid: "o_ring", room_type: "voice" }), 200);
    if (line.includes("call state 2")) setTimeout(() => cloud.push("call.state", { call_id: "c_l", state: 5, reason: 1 }), 100);
  });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /ring \(voice\) from o_ring/);
  assert.match(r.out, /call over .*"state":5/);
});

test("vsdk device ticket prints a fresh ticket", async () => {
  const r = await vsdk(["ticket", "--json"]);
  assert.equal(r.code, 0, r.out);
  assert.match(JSON.parse(r.out.trim().split("\n").pop()!).sn_ticket, /^tkt_\d+$/);
});
