// The vendor cloud's OTA side (docs/ota.md "The update protocol", docs/cloud.md "OTA") end to
// end: a real cloud on SQLite over HTTPS, packages made by ota/package.ts with a key generated
// here, signed device requests. Publishing and its refusals, rollout by percentage (the cohort
// only grows, and its size is near the percentage) and by device list, the ota.available
// event, ranged downloads in both forms reassembling the exact package, state reports with
// history, and no second offer after a rollback. One case repeats the core on PostgreSQL.
process.env.VSDK_LOG ??= "silent";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../host-node/paths.js";
import { startLocalSystem, type LocalSystem } from "../../cloud/local-system.js";
import { sign } from "../../cloud/device-api/signing.js";
import { pack } from "../../ota/package.js";
import { generateKeyPair, keyId, loadPrivateKey, signBytes } from "../../ota/sign.js";
import { packVersion } from "../../ota/version.js";
import { prng } from "../../host-node/prng.js";
import { DeviceClient, send, type Answer } from "./helpers/device-client.js";
import { startPostgres, type PostgresServer } from "./helpers/postgres.js";

let sys: LocalSystem;
let dir: string;
const keys = generateKeyPair();
const otherKeys = generateKeyPair();

/** A package of `size` pseudo-random image bytes (the cloud never runs the image). */
function makePackage(version: string, size = 48 * 1024, k = keys, seed = 1): Uint8Array {
  const rnd = prng(seed);
  const image = new Uint8Array(size).map(() => Math.floor(rnd() * 256));
  const priv = loadPrivateKey(k.privatePem);
  return pack({ image, abiVersion: 0x10001, imageVersion: packVersion(version), minRuntimeVersion: 0, keyId: keyId(priv), sign: (m) => signBytes(priv, m) });
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function admin(method: string, path: string, body?: unknown, o: { raw?: Uint8Array; token?: string } = {}): Promise<Answer> {
  const payload = o.raw ? Buffer.from(o.raw) : Buffer.from(body === undefined ? "" : JSON.stringify(body));
  const agent = devices.get("SN-OTA-000")!.agent;
  return send(agent, sys.cloud.url, method, path, { authorization: `Bearer ${o.token ?? sys.cloud.config.adminToken}`,
    "content-type": o.raw ? "application/octet-stream" : "application/json", "content-length": payload.length }, payload);
}

/** A signed GET that keeps the answer's bytes and headers (the package download). */
function download(dev: DeviceClient, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  const ts = String(Math.floor(Date.now() / 1000)), nonce = randomBytes(16).toString("hex");
  const signature = sign(dev.secret, "GET", path, ts, nonce, Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, dev.baseUrl), { method: "GET", agent: dev.agent,
      headers: { "x-vsdk-device": dev.sn, "x-vsdk-timestamp": ts, "x-vsdk-nonce": nonce, "x-vsdk-signature": signature, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

const FLEET = 200;
const devices = new Map<string, DeviceClient>();
const sns = Array.from({ length: FLEET }, (_, i) => `SN-OTA-${String(i).padStart(3, "0")}`);
const dev = (sn: string) => devices.get(sn)!;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "vsdk-cloud-ota-"));
  const pub = join(dir, "release-key.pub.pem");
  writeFileSync(pub, keys.publicPem);
  sys = await startLocalSystem({ cloud: { dataDir: dir, releasePublicKey: pub } });
  for (const sn of sns) {
    const id = await sys.provision(sn);
    await sys.cloud.store.markRegistered(sn, 1);
    devices.set(sn, new DeviceClient(sys.cloud.url, id.sn, id.secret, sys.ca));
  }
});

after(async () => {
  for (const d of devices.values()) d.close();
  await sys.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Which devices the cloud offers `releaseId` to, asking as each device (GET /v1/device/ota). */
async function offeredTo(releaseId: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < sns.length; i += 20) {
    const answers = await Promise.all(sns.slice(i, i + 20).map((sn) => dev(sn).get("/v1/device/ota")));
    answers.forEach((a, j) => {
      assert.equal(a.status, 200, a.text);
      if (a.json.release?.release_id === releaseId) out.add(sns[i + j]);
    });
  }
  return out;
}

async function otaEvents(sn: string) {
  const r = await dev(sn).events(0, 0);
  return r.json.events.filter((e: any) => e.type === "ota.available");
}

const v1 = makePackage("1.1.0", 48 * 1024, keys, 1);
const v2 = makePackage("1.2.0", 20_000, keys, 2);
let r1 = "", r2 = "";

test("publishing stores the package and describes it; the same bytes again are the same release", async () => {
  assert.equal((await admin("POST", "/admin/v1/releases", undefined, { raw: makePackage("1.0.9", 1000), token: "wrong" })).status, 401);
  assert.equal((await admin("POST", "/admin/v1/releases", undefined, { raw: v1, token: "wrong" })).status, 413, "a large body only from the back office");
  const made = await admin("POST", "/admin/v1/releases", undefined, { raw: v1 });
  assert.equal(made.status, 200, made.text);
  assert.equal(made.json.created, true);
  r1 = made.json.release.id;
  assert.match(r1, /^r_[0-9a-f]{16}$/);
  assert.equal(made.json.release.image_version, "1.1.0");
  assert.equal(made.json.release.abi_version, 0x10001);
  assert.equal(made.json.release.package_size, v1.length);
  assert.equal(made.json.release.package_sha256, sha(v1));
  assert.ok((await sys.cloud.ota.store.packageBytes(r1))!.equals(Buffer.from(v1)), "the database gives back the exact package");
  const again = await admin("POST", "/admin/v1/releases", undefined, { raw: v1 });
  assert.equal(again.status, 200);
  assert.deepEqual([again.json.created, again.json.release.id], [false, r1]);
  const sameVersion = await admin("POST", "/admin/v1/releases", undefined, { raw: makePackage("1.1.0", 1000, keys, 9) });
  assert.equal(sameVersion.status, 409);
  assert.equal(sameVersion.json.code, -1007);
  const shown = await admin("GET", `/admin/v1/releases/${r1}`);
  assert.equal(shown.json.release.package_sha256, sha(v1));
  assert.equal(shown.json.rollout, null);
  assert.deepEqual(shown.json.states, {});
  assert.equal((await admin("GET", "/admin/v1/releases/r_0000000000000000")).status, 404);
  const made2 = await admin("POST", "/admin/v1/releases", undefined, { raw: v2 });
  r2 = made2.json.release.id;
  assert.equal((await admin("GET", "/admin/v1/releases")).json.releases.map((r: any) => r.image_version).join(), "1.2.0,1.1.0");
});

test("malformed, truncated, tampered, wrong-key and oversize packages are refused with the device's codes and stored nowhere", async () => {
  const refuse = async (bytes: Uint8Array, status: number, code: number, what: string) => {
    const r = await admin("POST", "/admin/v1/releases", undefined, { raw: bytes });
    assert.equal(r.status, status, `${what}: ${r.text}`);
    assert.equal(r.json.code, code, what);
  };
  const good = makePackage("3.0.0", 5000, keys, 3);
  await refuse(good.slice(0, 40), 400, -1002, "shorter than the header");
  await refuse(good.slice(0, good.length - 1), 400, -1002, "truncated image");
  await refuse(Buffer.concat([good, Buffer.of(0)]), 400, -1003, "a byte after the image");
  const foreign = good.slice(); foreign[0] = 0x50;
  await refuse(foreign, 400, -1003, "wrong magic");
  await refuse(Buffer.from("{\"percent\":5}"), 400, -1002, "JSON instead of a package");
  const badSig = good.slice(); badSig[badSig.length - 5000 - 3] ^= 0x01; // inside the DER signature
  await refuse(badSig, 400, -1012, "bad signature");
  await refuse(makePackage("3.0.0", 5000, otherKeys, 3), 400, -1012, "another key");
  const badImage = good.slice(); badImage[badImage.length - 1] ^= 0xff;
  await refuse(badImage, 400, -1011, "image changed after signing");
  await refuse(makePackage("3.0.0", 300 * 1024, keys, 3), 413, -1005, "larger than any slot");
  // a package with the largest image a slot takes goes up; one byte more does not
  const largest = await admin("POST", "/admin/v1/releases", undefined, { raw: makePackage("2.0.0", 256 * 1024, keys, 6) });
  assert.equal(largest.status, 200, largest.text);
  await refuse(makePackage("2.0.1", 256 * 1024 + 1, keys, 6), 400, -1005, "one byte over the slot (the body fits, the header says too large)");
  assert.deepEqual((await admin("GET", "/admin/v1/releases")).json.releases.map((r: any) => r.image_version), ["2.0.0", "1.2.0", "1.1.0"], "nothing refused was stored");
  // the large body is allowed for the package upload only
  assert.equal((await admin("POST", "/admin/v1/devices", undefined, { raw: Buffer.alloc(9000, 0x20) })).status, 413);
});

test("a percentage rollout reaches a cohort near the percentage that only grows, with one event per device reached", async () => {
  assert.equal((await offeredTo(r1)).size, 0, "nothing before a rollout");
  for (const bad of [{ percent: 101 }, { percent: -1 }, { percent: 2.5 }, { percent: "10" }, {}, { percent: 5, devices: [] }, { devices: ["bad sn"] }]) {
    assert.equal((await admin("POST", `/admin/v1/releases/${r1}/rollout`, bad)).status, 400, JSON.stringify(bad));
  }
  const ten = await admin("POST", `/admin/v1/releases/${r1}/rollout`, { percent: 10 });
  assert.equal(ten.status, 200, ten.text);
  const at10 = await offeredTo(r1);
  assert.equal(ten.json.announced, at10.size);
  const thirty = await admin("POST", `/admin/v1/releases/${r1}/rollout`, { percent: 30 });
  const at30 = await offeredTo(r1);
  for (const sn of at10) assert.ok(at30.has(sn), `${sn} left the cohort when it grew`);
  assert.equal(thirty.json.announced, at30.size - at10.size, "events only for the devices newly reached");
  // Binomial(200, 0.3): mean 60, sd 6.5; 4 sd either side.
  assert.ok(Math.abs(at30.size - 60) <= 26, `${at30.size} of 200 at 30 %`);
  assert.ok(Math.abs(at10.size - 20) <= 17, `${at10.size} of 200 at 10 %`);
  for (const sn of sns) {
    const events = await otaEvents(sn);
    if (!at30.has(sn)) { assert.equal(events.length, 0, sn); continue; }
    assert.equal(events.length, 1, `${sn}: one ota.available`);
    assert.deepEqual({ ...events[0], seq: 0 }, { seq: 0, type: "ota.available", release_id: r1, image_version: "1.1.0",
      abi_version: 0x10001, package_size: v1.length, package_sha256: sha(v1) });
  }
  const all = await admin("POST", `/admin/v1/releases/${r1}/rollout`, { percent: 100 });
  assert.equal(all.json.announced, FLEET - at30.size);
  assert.equal((await offeredTo(r1)).size, FLEET);
  await admin("POST", `/admin/v1/releases/${r1}/rollout`, { percent: 30 });
  assert.deepEqual(await offeredTo(r1), at30, "lowering the percentage gives back the same cohort");
});

test("ranged downloads, by signed query and by Range header, reassemble the exact package; past the end is 416; over 4096 refused", async () => {
  const d = dev(sns[0]);
  await admin("POST", `/admin/v1/releases/${r1}/rollout`, { devices: [d.sn] });
  const parts: Buffer[] = [];
  for (let at = 0; at < v1.length; at += 4093) {
    const r = await download(d, `/v1/device/ota/package/${r1}?offset=${at}&length=4093`);
    assert.equal(r.status, 206);
    assert.equal(r.headers["content-type"], "application/octet-stream");
    const end = Math.min(at + 4093, v1.length) - 1;
    assert.equal(r.headers["content-range"], `bytes ${at}-${end}/${v1.length}`);
    assert.equal(r.body.length, end - at + 1);
    parts.push(r.body);
  }
  assert.equal(sha(Buffer.concat(parts)), sha(v1), "query form reassembles the package");

  const byHeader: Buffer[] = [];
  const sizes = [1, 4096, 777, 3, 4095];
  for (let at = 0, i = 0; at < v1.length; i++) {
    const n = sizes[i % sizes.length];
    const r = await download(d, `/v1/device/ota/package/${r1}`, { range: `bytes=${at}-${at + n - 1}` });
    assert.equal(r.status, 206, r.body.toString());
    byHeader.push(r.body);
    at += r.body.length;
  }
  assert.ok(Buffer.concat(byHeader).equals(Buffer.from(v1)), "Range header form reassembles the package");
  const open = await download(d, `/v1/device/ota/package/${r1}`, { range: `bytes=${v1.length - 10}-` });
  assert.ok(open.body.equals(Buffer.from(v1.slice(-10))));
  const suffix = await download(d, `/v1/device/ota/package/${r1}`, { range: "bytes=-100" });
  assert.equal(suffix.headers["content-range"], `bytes ${v1.length - 100}-${v1.length - 1}/${v1.length}`);
  assert.ok(suffix.body.equals(Buffer.from(v1.slice(-100))));

  const past = await download(d, `/v1/device/ota/package/${r1}?offset=${v1.length}&length=16`);
  assert.equal(past.status, 416);
  assert.equal(JSON.parse(past.body.toString()).code, -1001);
  assert.equal(past.headers["content-range"], `bytes */${v1.length}`);
  assert.equal((await download(d, `/v1/device/ota/package/${r1}`, { range: `bytes=${v1.length + 5}-` })).status, 416);
  for (const q of ["offset=0&length=4097", "offset=0&length=0", "offset=0", "length=10", "offset=-1&length=10", "offset=x&length=1"]) {
    const r = await download(d, `/v1/device/ota/package/${r1}?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(JSON.parse(r.body.toString()).code, -1001, q);
  }
  assert.equal((await download(d, `/v1/device/ota/package/${r1}`, { range: "bytes=0-4096" })).status, 400, "4097 bytes by header");
  assert.equal((await download(d, `/v1/device/ota/package/${r1}`, { range: "bytes=0-1,4-5" })).status, 400, "one range only");
  assert.equal((await download(d, `/v1/device/ota/package/${r1}`)).status, 400, "no range at all");

  const outsider = dev(sns[1]);
  assert.equal((await download(outsider, `/v1/device/ota/package/${r1}?offset=0&length=16`)).status, 404, "not in the rollout");
  assert.equal((await download(d, `/v1/device/ota/package/r_0000000000000000?offset=0&length=16`)).status, 404);
  // unsigned and forged requests never reach the package
  const unsigned = await d.get(`/v1/device/ota/package/${r1}?offset=0&length=16`, { omit: ["x-vsdk-signature"] });
  assert.equal(unsigned.status, 401);
  const forged = await d.get("/v1/device/ota", { secret: "11".repeat(32) });
  assert.deepEqual([forged.status, forged.json.error], [401, "bad_signature"]);
});

test("resume: a download reported part-way continues from the recorded length after a pause stops new devices", async () => {
  // The cohort at 30 % minus the devices that already have a state: pick one that has not started.
  await admin("POST", `/admin/v1/releases/${r1}/rollout`, { percent: 30 });
  const cohort = [...await offeredTo(r1)];
  const sn = cohort.find((s) => s !== sns[0])!;
  const d = dev(sn);
  const first: Buffer[] = [];
  for (let at = 0; at < 20_000; at += 4000) first.push((await download(d, `/v1/device/ota/package/${r1}?offset=${at}&length=4000`)).body);
  const reported = await d.post("/v1/device/ota/state", { release_id: r1, state: "downloading", bytes: 20_000 });
  assert.equal(reported.status, 200, reported.text);

  const paused = await admin("POST", `/admin/v1/releases/${r1}/rollout`, { percent: 0 });
  assert.equal(paused.json.announced, 0);
  const other = cohort.find((s) => s !== sn && s !== sns[0])!;
  assert.equal((await dev(other).get("/v1/device/ota")).json.release, null, "a paused rollout reaches no new device");
  assert.equal((await download(dev(other), `/v1/device/ota/package/${r1}?offset=0&length=16`)).status, 404);

  // The device reboots, asks what to run and where it was, and continues.
  const fresh = new DeviceClient(sys.cloud.url, sn, d.secret, sys.ca);
  try {
    assert.equal((await fresh.get("/v1/device/ota")).json.release.release_id, r1, "a device under way keeps its release");
    const status = await admin("GET", `/admin/v1/devices/${sn}/update`);
    const from = status.json.current.bytes;
    assert.equal(from, 20_000);
    const rest: Buffer[] = [];
    for (let at = from; at < v1.length; at += 4096) rest.push((await download(fresh, `/v1/device/ota/package/${r1}?offset=${at}&length=4096`)).body);
    assert.equal(sha(Buffer.concat([...first, ...rest])), sha(v1));
  } finally {
    fresh.close();
  }
  await admin("POST", `/admin/v1/releases/${r1}/rollout`, { percent: 30 });
});

test("state reports are validated, recorded with history, counted per release; progress alone adds no history step", async () => {
  const d = dev(sns[0]);
  const bad = [
    { release_id: r1, state: "flying" }, { release_id: "r_xyz", state: "downloading" }, { state: "downloading" },
    { release_id: r1, state: "downloading", bytes: -1 }, { release_id: r1, state: "downloading", bytes: v1.length + 1 },
    { release_id: r1, state: "failed", code: 1.5 }, { release_id: r1, state: "confirmed", image_version: "1.01.0" },
  ];
  for (const body of bad) assert.equal((await d.post("/v1/device/ota/state", body)).status, 400, JSON.stringify(body));
  assert.equal((await d.post("/v1/device/ota/state", { release_id: "r_0000000000000000", state: "downloading" })).status, 404);
  assert.equal((await d.get("/v1/device/ota/state")).status, 405);
  assert.equal((await d.post("/v1/device/ota/state", { release_id: r1, state: "downloading" }, { omit: ["x-vsdk-signature"] })).status, 401);

  for (const [state, extra] of [["downloading", { bytes: 0 }], ["downloading", { bytes: 4096 }], ["downloading", { bytes: 8192 }],
    ["downloaded", { bytes: v1.length }], ["installing", {}], ["confirmed", { image_version: "1.1.0" }]] as const) {
    const r = await d.post("/v1/device/ota/state", { release_id: r1, state, ...extra });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, state);
  }
  const status = await admin("GET", `/admin/v1/devices/${d.sn}/update`);
  assert.equal(status.status, 200, status.text);
  assert.deepEqual(status.json.history.filter((h: any) => h.release_id === r1).map((h: any) => h.state),
    ["downloading", "downloaded", "installing", "confirmed"]);
  assert.equal(status.json.current.state, "confirmed");
  assert.equal(status.json.current.image_version, "1.1.0");
  const steps = status.json.history.map((h: any) => h.step);
  assert.deepEqual(steps, steps.map((_: number, i: number) => i + 1), "steps numbered in order");
  const counts = (await admin("GET", `/admin/v1/releases/${r1}`)).json.states;
  assert.equal(counts.confirmed, 1);
  assert.equal(counts.downloading, 1, "the resumed device of the previous test");
  assert.equal((await admin("GET", "/admin/v1/devices/SN-NOBODY/update")).status, 404);
});

test("a newer release by device list takes over; after rolled_back it is not offered again, the older one is", async () => {
  const cohort1 = await offeredTo(r1);
  const [a, b] = [...cohort1].filter((sn) => sn !== sns[0]);
  const listed = await admin("POST", `/admin/v1/releases/${r2}/rollout`, { devices: [a, b, a] });
  assert.equal(listed.status, 200, listed.text);
  assert.deepEqual(listed.json.rollout.devices, [a, b]);
  assert.equal(listed.json.announced, 2);
  assert.deepEqual(await offeredTo(r2), new Set([a, b]), "only the listed devices");
  const ev = (await otaEvents(a)).at(-1);
  assert.equal(ev.release_id, r2);
  assert.equal(ev.image_version, "1.2.0");

  const back = await dev(a).post("/v1/device/ota/state", { release_id: r2, state: "rolled_back", code: -1013, image_version: "1.1.0" });
  assert.equal(back.status, 200);
  assert.equal((await dev(a).get("/v1/device/ota")).json.release.release_id, r1, "the older release again, never the rolled-back one");
  assert.equal((await download(dev(a), `/v1/device/ota/package/${r2}?offset=0&length=16`)).status, 206, "(still listed: it may fetch, it is just not offered)");
  const refused = await dev(b).post("/v1/device/ota/state", { release_id: r2, state: "refused", code: -1004 });
  assert.equal(refused.status, 200);
  assert.equal((await dev(b).get("/v1/device/ota")).json.release.release_id, r1);
  // publishing the list again does not announce it to them again
  assert.equal((await admin("POST", `/admin/v1/releases/${r2}/rollout`, { devices: [a, b] })).json.announced, 0);
  const shown = await admin("GET", `/admin/v1/releases/${r2}`);
  assert.deepEqual(shown.json.states, { rolled_back: 1, refused: 1 });
  const history = (await admin("GET", `/admin/v1/devices/${a}/update`)).json.history;
  assert.deepEqual(history.at(-1), { ...history.at(-1), release_id: r2, state: "rolled_back", code: -1013 });
});

/** `vsdk cloud release ...` as a process from the sources, against this test's cloud. */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "cloud", "cli-entry.ts"), "cloud", "release", ...args,
    "--url", sys.cloud.url, "--ca", sys.cloud.caFile!], { cwd: repoRoot, env: { ...process.env, VSDK_ADMIN_TOKEN: sys.cloud.config.adminToken } });
  let stdout = "", stderr = "";
  child.stdout.on("data", (d) => { stdout += d; });
  child.stderr.on("data", (d) => { stderr += d; });
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
}

test("vsdk cloud release publish/rollout/status/device talk to the running cloud's admin API", async () => {
  const help = await cli(["--help"]);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /publish FILE \[--percent P \| --devices/);
  const file = join(dir, "sdk-1.3.0.vota");
  const v3 = makePackage("1.3.0", 6000, keys, 4);
  writeFileSync(file, v3);
  const target = sns[5];
  const published = await cli(["publish", file, "--devices", `${target},${sns[6]}`]);
  assert.equal(published.status, 0, published.stderr);
  const out = JSON.parse(published.stdout);
  assert.equal(out.release.package_sha256, sha(v3));
  assert.deepEqual([out.rollout.devices, out.announced], [[target, sns[6]], 2]);
  assert.equal((await dev(target).get("/v1/device/ota")).json.release.release_id, out.release.id);
  await dev(target).post("/v1/device/ota/state", { release_id: out.release.id, state: "downloading", bytes: 100 });
  const status = await cli(["status", out.release.id]);
  assert.equal(status.status, 0, status.stderr);
  assert.deepEqual(JSON.parse(status.stdout).states, { downloading: 1 });
  const paused = await cli(["rollout", out.release.id, "--percent", "0"]);
  assert.equal(JSON.parse(paused.stdout).rollout.percent, 0);
  assert.equal((await dev(sns[6]).get("/v1/device/ota")).json.release?.release_id === out.release.id, false, "paused: not offered to a device that had not started");
  const device = await cli(["device", target]);
  assert.equal(JSON.parse(device.stdout).current.state, "downloading");
  const bad = makePackage("1.4.0", 100, otherKeys, 5);
  writeFileSync(file, bad);
  const refused = await cli(["publish", file]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /-1012/);
  assert.equal((await cli(["rollout", out.release.id])).status, 2, "rollout needs --percent or --devices");
  assert.equal((await cli(["rollout", out.release.id, "--percent", "150"])).status, 2);
  assert.equal((await cli(["status", "r_0000000000000000"])).status, 1);
});

test("PostgreSQL: publish, roll out, download and report on the same code", async () => {
  let pgServer: PostgresServer | undefined;
  let pgSys: LocalSystem | undefined;
  const pgDir = mkdtempSync(join(tmpdir(), "vsdk-cloud-ota-pg-"));
  try {
    pgServer = await startPostgres();
    pgSys = await startLocalSystem({ cloud: { dataDir: pgDir, databaseUrl: await pgServer.createDatabase("ota"), releasePublicKey: null } });
    const id = await pgSys.provision("SN-OTA-PG");
    await pgSys.cloud.store.markRegistered(id.sn, 1);
    const d = new DeviceClient(pgSys.cloud.url, id.sn, id.secret, pgSys.ca);
    const token = pgSys.cloud.config.adminToken;
    const adm = (method: string, path: string, payload: Buffer, type = "application/json") => send(d.agent, pgSys!.cloud.url, method, path,
      { authorization: `Bearer ${token}`, "content-type": type, "content-length": payload.length }, payload);
    try {
      // Without a release key the cloud still checks structure and the image hash.
      const damaged = v1.slice(); damaged[damaged.length - 1] ^= 1;
      assert.equal((await adm("POST", "/admin/v1/releases", Buffer.from(damaged), "application/octet-stream")).json.code, -1011);
      const made = await adm("POST", "/admin/v1/releases", Buffer.from(v1), "application/octet-stream");
      assert.equal(made.status, 200, made.text);
      const id1 = made.json.release.id;
      assert.equal((await adm("POST", `/admin/v1/releases/${id1}/rollout`, Buffer.from(JSON.stringify({ devices: [id.sn] })))).json.announced, 1);
      assert.equal((await d.get("/v1/device/ota")).json.release.package_sha256, sha(v1));
      const parts: Buffer[] = [];
      for (let at = 0; at < v1.length; at += 4096) parts.push((await download(d, `/v1/device/ota/package/${id1}?offset=${at}&length=4096`)).body);
      assert.equal(sha(Buffer.concat(parts)), sha(v1), "BYTEA gives back the exact bytes");
      for (const state of ["downloading", "downloaded", "rolled_back"]) assert.equal((await d.post("/v1/device/ota/state", { release_id: id1, state })).status, 200);
      assert.equal((await d.get("/v1/device/ota")).json.release, null);
      const status = await adm("GET", `/admin/v1/devices/${id.sn}/update`, Buffer.alloc(0));
      assert.deepEqual(status.json.history.map((h: any) => h.state), ["downloading", "downloaded", "rolled_back"]);
      assert.deepEqual((await adm("GET", `/admin/v1/releases/${id1}`, Buffer.alloc(0))).json.states, { rolled_back: 1 });
    } finally {
      d.close();
    }
  } finally {
    await pgSys?.stop();
    await pgServer?.stop();
    rmSync(pgDir, { recursive: true, force: true });
  }
});
