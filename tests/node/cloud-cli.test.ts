// The commands people run, as processes from the bundled CLI (dist/vsdk.mjs, built by
// `npm test` first): --help texts, `vsdk provision`, and `vsdk cloud` + `vsdk emulator` as two
// processes wired by their options, carrying a whole call (so the bundle's room worker starts),
// with JSON-line logs and health endpoints.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../../host-node/paths.js";
import { DeviceClient } from "./helpers/device-client.js";

const bundle = pathToFileURL(join(repoRoot, "dist", "vsdk.mjs")).href;
const argvFor = (args: string[]) => ["--input-type=module", "-e", `const m = await import(${JSON.stringify(bundle)}); process.exitCode = await m.main(${JSON.stringify(args)});`];
const dir = mkdtempSync(join(tmpdir(), "vsdk-cli-"));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function vsdk(args: string[]) {
  return spawnSync(process.execPath, argvFor(args), { cwd: repoRoot, encoding: "utf8", env: { ...process.env, VSDK_LOG: "info" } });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = createServer(); s.listen(0, "127.0.0.1", () => { const p = (s.address() as any).port; s.close(() => resolve(p)); }); });
}

/** Starts a long-running command; resolves with its first stdout line (JSON) and its stderr lines. */
async function serve(args: string[]): Promise<{ child: ChildProcess; first: any; logs: string[] }> {
  const child = spawn(process.execPath, argvFor(args), { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, VSDK_LOG: "info" } });
  children.push(child);
  const logs: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (l) => logs.push(l));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`vsdk ${args[0]} exited with ${code}: ${logs.join("\n")}`)));
  });
  return { child, first: JSON.parse(line), logs };
}

test("--help explains cloud, emulator and provision; provision needs its options", () => {
  for (const [cmd, words] of [["cloud", /--database/], ["emulator", /--push-url/], ["provision", /--sn SN/]] as const) {
    const r = vsdk([cmd, "--help"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, words);
  }
  assert.equal(vsdk(["provision"]).status, 2);
  const bad = vsdk(["provision", "--sn", "bad sn!", "--model", "m", "--data", dir]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /sn must be/);
});

test("vsdk cloud and vsdk emulator as processes carry a call end to end", async () => {
  const data = join(dir, "cloud");
  const made = vsdk(["provision", "--sn", "SN-CLI-1", "--model", "vsdk-model-1", "--data", data]);
  assert.equal(made.status, 0, made.stderr);
  const identity = JSON.parse(made.stdout);
  assert.match(identity.secret, /^[0-9a-f]{64}$/);
  assert.equal(vsdk(["provision", "--sn", "SN-CLI-1", "--model", "vsdk-model-1", "--data", data]).status, 1, "an sn is provisioned once");

  const [cloudPort, emulatorPort] = [await freePort(), await freePort()];
  const cloud = await serve(["cloud", "--port", String(cloudPort), "--data", data, "--wechat", `http://127.0.0.1:${emulatorPort}`, "--instance", "cli"]);
  assert.equal(cloud.first.url, `https://127.0.0.1:${cloudPort}`);
  const ca = readFileSync(cloud.first.ca);
  const emulator = await serve(["emulator", "--port", String(emulatorPort), "--push-url", `${cloud.first.url}/wechat/push`, "--push-ca", cloud.first.ca]);
  assert.equal(emulator.first.url, `http://127.0.0.1:${emulatorPort}`);

  const dev = new DeviceClient(cloud.first.url, "SN-CLI-1", identity.secret, ca);
  try {
    const health = await dev.get("/healthz");
    assert.deepEqual([health.json.ok, health.json.instance, health.json.database], [true, "cli", "sqlite"]);
    assert.equal((await (await fetch(`${emulator.first.url}/healthz`)).json() as any).ok, true);
    const reg = await dev.post("/v1/device/register");
    assert.equal(reg.status, 200, reg.text);
    const grant = await (await fetch(`${emulator.first.url}/emulator/grant`, { method: "POST",
      body: JSON.stringify({ openid: "o_cli", sn: "SN-CLI-1", model_id: "vsdk-model-1", sn_ticket: reg.json.sn_ticket, device_name: "Cli" }) })).json() as any;
    assert.equal(grant.errcode, 0);
    const call = await dev.post("/v1/calls", { callee_openid: "o_cli" });
    assert.equal(call.status, 200, call.text);
    let seq = 0, talking = false;
    for (let i = 0; i < 10 && !talking; i++) {
      const r = await dev.events(seq, 2);
      for (const e of r.json.events) { seq = e.seq; if (e.type === "call.state" && e.state === 2) talking = true; }
    }
    assert.ok(talking, "the emulated user answered (default script)");
    const hung = await dev.post(`/v1/calls/${call.json.call_id}/hangup`);
    assert.deepEqual([hung.json.state, hung.json.reason], [5, 1]);
  } finally {
    dev.close();
  }
  for (const p of [cloud, emulator]) {
    p.child.kill("SIGTERM");
    const code = await new Promise((r) => p.child.once("exit", r));
    assert.equal(code, 0, "stops cleanly on SIGTERM");
  }
  const parsed = cloud.logs.map((l) => JSON.parse(l));
  assert.ok(parsed.some((l) => l.msg === "cloud listening" && l.level === "info"), "structured logs");
  assert.ok(parsed.some((l) => l.msg === "call state" && l.state === 5));
  assert.ok(emulator.logs.map((l) => JSON.parse(l)).some((l) => l.msg === "push answered" && l.errcode === 0));
});
