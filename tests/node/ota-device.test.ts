// Over-the-air updates end to end on the Node host: the real vendor cloud (SQLite, HTTPS) and
// WeChat emulator, the real image downloading through its own signed requests, packages made by
// ota/package.ts with keys generated here, and the Node host's slots, verifier and switch
// (host-node/ota/). What the cloud records for each device (its per-release state and history)
// is what the device reported, so each case reads the outcome from the cloud.
//
// The failing images are variants of build/sdk.wasm (tools/ota/variants.ts, binaryen), so the path that
// fails is the real one: one whose vsdk_signal_tick traps (the first tick after the switch), one
// whose ota_confirm import is renamed so the host answers E_UNSUPPORTED and it never confirms.
process.env.VSDK_LOG ??= "silent";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { startLocalSystem, type LocalSystem } from "../../cloud/local-system.js";
import { Device, type DeviceEvent } from "../../host-node/device.js";
import { repoRoot } from "../../host-node/paths.js";
import { E_AGAIN, E_AUTH, E_MALFORMED, E_NOSPACE, E_STATE, E_STORAGE_CORRUPT, E_TIMEOUT, E_TRUNCATED, E_UNSUPPORTED, OK } from "../../host-node/errors.js";
import type { OtaHostOptions } from "../../host-node/ota/host.js";
import { SlotStore } from "../../host-node/ota/slots.js";
import { signedPackage } from "../../ota/release-maker.js";
import { generateKeyPair, loadPrivateKey, type KeyPairPem } from "../../ota/sign.js";
import { packVersion } from "../../ota/version.js";
import { OtaBackOffice } from "./helpers/ota-back-office.js";
import { trappingImage as trappingVariant, unconfirmingImage as unconfirmingVariant } from "../../tools/ota/variants.js";
import { authoriseUser } from "./helpers/authorise.js";

const TALKING = 5, ENDED = 7;
let sys: LocalSystem;
let dir: string;
let office: OtaBackOffice;
const devices: Device[] = [];
const keys = generateKeyPair();
const otherKeys = generateKeyPair();
const image = new Uint8Array(readFileSync(join(repoRoot, "build/sdk.wasm")));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "vsdk-ota-device-"));
  // No release key in the cloud: it stores any well-formed package, so the devices are the
  // ones that must refuse the forged ones.
  sys = await startLocalSystem({ cloud: { dataDir: join(dir, "cloud"), releasePublicKey: null }, emulator: { ringTimeoutMs: 4000 } });
  office = new OtaBackOffice(sys);
});
after(async () => {
  for (const d of devices) d.stop();
  await sys.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface PackOptions { wasm?: Uint8Array; keys?: KeyPairPem; abi?: number; badSignature?: boolean }

function makePackage(version: string, o: PackOptions = {}): Uint8Array {
  return signedPackage(o.wasm ?? image, version, loadPrivateKey((o.keys ?? keys).privatePem), { abi: o.abi, badSignature: o.badSignature });
}

const release = (pkg: Uint8Array, sns: string[]) => office.release(pkg, sns);
const cloudView = (sn: string) => office.view(sn);
const cloudState = (sn: string, id: string, state: string, timeoutMs?: number) => office.waitState(sn, id, state, timeoutMs);
const statesOf = (sn: string, id: string) => office.statesOf(sn, id);

async function waitFor(what: string, ok: () => boolean, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface DeviceSetup { ota?: OtaHostOptions; storage?: string; openid?: string; network?: { up: boolean } }

function newDevice(sn: string, secret: string, storage: string, ota: OtaHostOptions, network = { up: true }): Device {
  const d = new Device({ storage, ca: sys.ca, gate: () => network.up, ota: { publicKey: keys.publicPem, healthTimeoutMs: 20000, ...ota } });
  devices.push(d);
  return d;
}

/** A provisioned, registered device running (a one-second event long poll). */
async function device(sn: string, o: DeviceSetup = {}): Promise<{ d: Device; secret: string; storage: string }> {
  const id = await sys.provision(sn);
  const storage = o.storage ?? mkdtempSync(join(dir, "dev-"));
  const d = newDevice(sn, id.secret, storage, o.ota ?? {}, o.network);
  assert.equal(d.provision({ sn, secret: id.secret, cloud: sys.cloud.url }), OK);
  assert.equal(d.init(), OK);
  assert.equal(d.setTimeouts(1, 60000, 60000, 3000), OK);
  d.start();
  assert.equal(await d.register(), OK);
  if (o.openid) await authoriseUser(sys, sn, id.secret, o.openid);
  return { d, secret: id.secret, storage };
}

/** Records every ota_write the host takes: when, where and how much. */
function spyWrites(d: Device): { at: number; offset: number; len: number }[] {
  const writes: { at: number; offset: number; len: number }[] = [];
  const write = d.ota.write.bind(d.ota);
  d.ota.write = (offset: number, bytes: Uint8Array) => {
    const r = write(offset, bytes);
    if (r >= 0) writes.push({ at: Date.now(), offset, len: bytes.length });
    return r;
  };
  return writes;
}

test("a release rolled out to a device is downloaded, verified, switched to and confirmed", async (t) => {
  const sn = "SN-OTAD-HAPPY";
  const { d } = await device(sn);
  const restarts: unknown[] = [];
  d.on("restart", (r) => restarts.push(r));
  const writes = spyWrites(d);
  // Every durable write the host's flash takes for the update (appends, records, erases).
  let flashWrites = 0;
  const slots = d.ota.slots as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const m of ["writeAtomic", "append", "clear", "remove"]) {
    const f = slots[m].bind(slots);
    slots[m] = (...a: unknown[]) => { flashWrites++; return f(...a); };
  }
  const pkg = makePackage("2.0.0");
  const t0 = Date.now();
  const id = await release(pkg, [sn]);
  const confirmed = await cloudState(sn, id, "confirmed");
  t.diagnostic(`rollout to confirmed ${Date.now() - t0} ms for a ${pkg.length}-byte package: ${writes.length} chunks ` +
    `in ${writes[writes.length - 1].at - writes[0].at} ms, ${flashWrites} durable writes in the Node host's slots`);
  assert.equal(writes.reduce((n, w) => n + w.len, 0), pkg.length, "every byte written once");
  assert.equal(confirmed.image_version, "2.0.0");
  assert.deepEqual(await statesOf(sn, id), ["downloading", "downloaded", "installing", "confirmed"]);
  const r = d.ota.record;
  assert.equal(r.active, "a");
  assert.equal(r.activeVersion, packVersion("2.0.0"));
  assert.equal(r.lastConfirmed, packVersion("2.0.0"));
  assert.equal(r.trial, false);
  assert.equal(restarts.length, 1, "one restart, into the new image");
  assert.ok(d.events.some((e) => e.name === "ota_ready"), "event 10 raised");
  assert.deepEqual(new Uint8Array(readFileSync(d.ota.slots.imagePath("a"))), image, "the slot holds the signed image");
  // The updated device goes on working: a signed request through the new image.
  assert.equal(typeof await d.ticket(), "string");
  // The image's own view (vsdk_ota_field): running 2.0.0, confirmed, off trial, idle.
  const field = (n: number) => d.image.exports.vsdk_ota_field(n) as number;
  assert.equal(field(3) >>> 0, packVersion("2.0.0"));
  assert.equal(field(4) >>> 0, packVersion("2.0.0"));
  assert.equal(field(7), 0);
  assert.equal(field(0), 0);
  // Asking again after the boot, the cloud offers the release it runs: nothing is downloaded.
  assert.equal((await cloudView(sn)).current?.state, "confirmed");
});

/**
 * Holds back the cloud's answers on `pathname` for `ms` (each answer is computed at once and
 * delivered late, as on a slow network); `seen` resolves at the first such request.
 */
function delayAnswers(pathname: string, ms: number): { seen: Promise<void>; release(): void } {
  const server = (sys.cloud as unknown as { server: Server }).server;
  let saw!: () => void;
  const seen = new Promise<void>((r) => { saw = r; });
  const hook = (req: IncomingMessage, res: ServerResponse) => {
    if (new URL(req.url ?? "/", "http://x").pathname !== pathname) return;
    saw();
    const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
    res.end = ((...a: unknown[]) => { setTimeout(() => end(...a), ms); return res; }) as typeof res.end;
  };
  server.prependListener("request", hook);
  return { seen, release: () => { server.off("request", hook); } };
}

test("an offer that arrives while the boot-time check is in flight is not lost to the check's older answer", async () => {
  const sn = "SN-OTAD-RACE";
  const { d, storage, secret } = await device(sn);
  const first = await release(makePackage("10.0.0"), [sn]);
  await cloudState(sn, first, "confirmed");
  d.stop();
  // Power on with the check's answer ("run 10.0.0", computed now) held back, and roll out 10.1.0
  // while it is on its way: the event for 10.1.0 reaches the device first.
  const slow = delayAnswers("/v1/device/ota", 2000);
  try {
    const d2 = newDevice(sn, secret, storage, {});
    assert.equal(d2.init(), OK);
    assert.equal(d2.setTimeouts(1, 60000, 60000, 5000), OK);
    d2.start();
    await slow.seen;
    const second = await release(makePackage("10.1.0"), [sn]);
    const done = await cloudState(sn, second, "confirmed", 30000);
    assert.equal(done.image_version, "10.1.0");
    assert.equal(d2.ota.record.activeVersion, packVersion("10.1.0"));
  } finally { slow.release(); }
});

test("a download interrupted by the device stopping resumes from the bytes already stored", async () => {
  const sn = "SN-OTAD-RESUME";
  const { d, storage, secret } = await device(sn);
  const writes1 = spyWrites(d);
  const pkg = makePackage("2.1.0");
  const id = await release(pkg, [sn]);
  await waitFor("16 KiB downloaded", () => writes1.reduce((n, w) => n + w.len, 0) >= 16 * 1024);
  d.stop(); // power off mid-download
  const stored = d.ota.slots.stored("a");
  assert.ok(stored >= 16 * 1024 && stored < pkg.length, `${stored} bytes stored`);
  // Power on: a new host over the same flash.
  const d2 = newDevice(sn, secret, storage, {});
  const begins: number[] = [];
  const begin = d2.ota.begin.bind(d2.ota);
  d2.ota.begin = (pid: Uint8Array, size: number) => { const r = begin(pid, size); begins.push(r); return r; };
  const writes2 = spyWrites(d2);
  assert.equal(d2.init(), OK);
  assert.equal(d2.setTimeouts(1, 60000, 60000, 3000), OK);
  d2.start();
  await cloudState(sn, id, "confirmed");
  assert.deepEqual(begins, [stored], "ota_begin answered the stored length");
  assert.equal(writes2[0].offset, stored, "the download went on from there");
  const total = [...writes1, ...writes2].reduce((n, w) => n + w.len, 0);
  assert.equal(total, pkg.length, "no byte was fetched twice");
  assert.equal(d2.ota.record.activeVersion, packVersion("2.1.0"));
});

test("a network cut in the middle of a download is retried with backoff, and the download completes", async () => {
  const sn = "SN-OTAD-CUT";
  const network = { up: true };
  const { d } = await device(sn, { network });
  const writes = spyWrites(d);
  const pkg = makePackage("2.4.0");
  const id = await release(pkg, [sn]);
  await waitFor("8 KiB downloaded", () => writes.reduce((n, w) => n + w.len, 0) >= 8 * 1024);
  network.up = false;
  d.io.streams.closeAll(); // the link drops under the open connections
  const atCut = writes.length;
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(writes.length, atCut, "nothing stored while the network is down");
  network.up = true;
  await cloudState(sn, id, "confirmed", 40000);
  assert.equal(writes.reduce((n, w) => n + w.len, 0), pkg.length, "every byte written once");
  assert.equal(d.ota.record.activeVersion, packVersion("2.4.0"));
});

test("no download during a call: it pauses while the call lasts and resumes after", async () => {
  const sn = "SN-OTAD-CALL", openid = "o_otad_call";
  const { d } = await device(sn, { openid });
  await sys.emulatorCall(`/emulator/users/${openid}/script`, { answer: "answer", after_ms: 100 });
  const writes = spyWrites(d);
  const ready: number[] = [];
  d.on("ota_ready", () => ready.push(Date.now()));
  const pkg = makePackage("2.2.0");
  const id = await release(pkg, [sn]);
  await waitFor("8 KiB downloaded", () => writes.reduce((n, w) => n + w.len, 0) >= 8 * 1024);
  assert.equal(d.call(openid), OK);
  const placed = Date.now();
  await d.waitPhase(TALKING, 10000);
  const talking = Date.now();
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(d.hangup(), OK);
  await d.waitPhase(ENDED, 10000);
  const ended = Date.now();
  const during = writes.filter((w) => w.at > placed && w.at < ended);
  // A chunk already in flight when the call was placed lands before the call request goes out.
  assert.ok(during.length <= 1 && during.every((w) => w.at < talking), `writes during the call: ${JSON.stringify(during)}`);
  await cloudState(sn, id, "confirmed");
  assert.ok(writes.some((w) => w.at > ended), "the download resumed after the call");
  assert.equal(ready.length, 1);
  assert.ok(ready[0] > ended, "the switch waited for the call to end");
});

test("bad signature, wrong key, ABI mismatch, downgrade, oversize and a host without a key are refused with their codes, nothing switched", async () => {
  const cases: { name: string; sn: string; version: string; pack?: PackOptions; ota?: OtaHostOptions; lastConfirmed?: string; code: number }[] = [
    { name: "bad signature", sn: "SN-OTAD-BADSIG", version: "4.0.1", pack: { badSignature: true }, code: E_AUTH },
    { name: "wrong key", sn: "SN-OTAD-WRONGKEY", version: "4.0.2", pack: { keys: otherKeys }, code: E_AUTH },
    { name: "ABI mismatch", sn: "SN-OTAD-ABI", version: "4.0.3", pack: { abi: (2 << 16) | 0 }, code: E_UNSUPPORTED },
    // The device confirmed 5.0.0 before (its boot record says so); 4.0.4 would be a downgrade.
    { name: "downgrade", sn: "SN-OTAD-DOWN", version: "4.0.4", lastConfirmed: "5.0.0", code: E_STATE },
    { name: "oversize", sn: "SN-OTAD-BIG", version: "4.0.5", ota: { slotBytes: 32 * 1024 }, code: E_NOSPACE },
    // A host given no release key trusts nothing.
    { name: "no key in the host", sn: "SN-OTAD-NOKEY", version: "4.0.6", ota: { publicKey: undefined }, code: E_AUTH },
  ];
  await Promise.all(cases.map(async (c) => {
    const storage = mkdtempSync(join(dir, "dev-"));
    if (c.lastConfirmed) {
      const slots = new SlotStore(join(storage, "ota-slots"));
      slots.boot = { ...slots.boot, lastConfirmed: packVersion(c.lastConfirmed) };
    }
    const { d } = await device(c.sn, { storage, ota: c.ota });
    const restarts: unknown[] = [];
    d.on("restart", (r) => restarts.push(r));
    const id = await release(makePackage(c.version, c.pack), [c.sn]);
    const refused = await cloudState(c.sn, id, "refused");
    assert.equal(refused.code, c.code, `${c.name}: refusal code`);
    const r = d.ota.record;
    assert.equal(r.active, "factory", `${c.name}: still the built-in image`);
    assert.equal(r.staged, null, `${c.name}: nothing staged`);
    assert.equal(restarts.length, 0, `${c.name}: no restart`);
    assert.equal(d.ota.slots.stored("a"), 0, `${c.name}: the slot was discarded`);
    assert.ok(!d.events.some((e: DeviceEvent) => e.name === "ota_ready"), `${c.name}: no switch`);
  }));
});

const trappingImage = (exported?: string) => trappingVariant(image, exported);
const unconfirmingImage = () => unconfirmingVariant(image);

test("a trial image that traps is rolled back and the cloud sees rolled_back", async () => {
  const sn = "SN-OTAD-TRAP";
  const { d } = await device(sn);
  const id = await release(makePackage("6.0.0", { wasm: trappingImage() }), [sn]);
  const rolled = await cloudState(sn, id, "rolled_back");
  assert.equal(rolled.code, E_STATE, "reason: trap");
  const r = d.ota.record;
  assert.equal(r.active, "factory");
  assert.equal(r.activeVersion, 0);
  assert.equal(r.lastConfirmed, 0);
  assert.ok(d.ota.history.some((h) => h.what === "rollback" && h.reason === E_STATE));
  // Never tried again, even when offered: make the cloud forget what the device reported, so
  // it offers the release anew, and restart the device (it asks at boot).
  await sys.cloud.store.db.run(`DELETE FROM device_update WHERE sn = ? AND release_id = ?`, [sn, id]);
  assert.equal((await cloudView(sn) as unknown as { offered: { release_id: string } | null }).offered?.release_id, id, "offered again");
  const writes = spyWrites(d);
  d.restart();
  await new Promise((res) => setTimeout(res, 2000));
  assert.deepEqual(writes, [], "nothing downloaded");
  assert.equal(d.image.exports.vsdk_ota_field(0), 0, "the updater is idle");
  assert.equal(d.ota.record.active, "factory");
});

test("a trial image that traps as it starts (in init) is rolled back and the device carries on", async () => {
  const sn = "SN-OTAD-TRAPINIT";
  const { d } = await device(sn);
  const id = await release(makePackage("6.1.0", { wasm: trappingImage("vsdk_device_init") }), [sn]);
  const rolled = await cloudState(sn, id, "rolled_back");
  assert.equal(rolled.code, E_STATE);
  assert.equal(d.ota.record.active, "factory");
  // The built-in image runs again, initialised and registered: a signed request works.
  assert.equal(d.isRegistered(), 1);
  assert.equal(typeof await d.ticket(), "string");
});

test("a trial image that never confirms is rolled back after the health timeout", async () => {
  const sn = "SN-OTAD-NOCONFIRM";
  const { d } = await device(sn, { ota: { healthTimeoutMs: 3000 } });
  const id = await release(makePackage("7.0.0", { wasm: unconfirmingImage() }), [sn]);
  const rolled = await cloudState(sn, id, "rolled_back", 30000);
  assert.equal(rolled.code, E_TIMEOUT, "reason: no confirm in time");
  const states = await statesOf(sn, id);
  assert.ok(states.includes("installing"), `the trial image ran and reported: ${states.join(",")}`);
  assert.equal(d.ota.record.active, "factory");
  assert.equal(d.ota.record.trial, false);
});

test("a staged image restarted on trial three times without confirming is rolled back (trial boots exhausted)", () => {
  const storage = mkdtempSync(join(dir, "dev-"));
  const make = () => { const d = new Device({ storage, ota: { publicKey: keys.publicPem } }); devices.push(d); return d; };
  // Stage a package through the imports, as the image would, without a cloud.
  const host = make().ota;
  const pkg = makePackage("8.0.0");
  const id = new Uint8Array(createHash("sha256").update(pkg).digest());
  assert.equal(host.begin(id, pkg.length), 0);
  for (let at = 0; at < pkg.length; at += 1024) assert.equal(host.write(at, pkg.subarray(at, at + 1024)), Math.min(pkg.length, at + 1024));
  assert.equal(host.finish(), OK);
  assert.equal(host.record.staged, "a");
  // Three boots on trial, each counted before the image runs; power is lost before each confirms.
  for (let boot = 1; boot <= 3; boot++) {
    const r = make().ota.record;
    assert.equal(r.active, "a", `boot ${boot} runs the new image`);
    assert.equal(r.trial, true);
    assert.equal(r.trialsLeft, 3 - boot);
  }
  const r = make().ota.record;
  assert.equal(r.active, "factory", "the fourth boot goes back");
  assert.equal(r.trial, false);
  assert.equal(r.rollbackReason, E_AGAIN);
  assert.equal(r.lastConfirmed, 0);
});

test("vsdk device listen --ota-pub takes an update as a process and says so in its timeline", async () => {
  const sn = "SN-OTAD-CLI";
  const id = await sys.provision(sn);
  const files = mkdtempSync(join(dir, "cli-"));
  writeFileSync(join(files, "ca.pem"), sys.ca);
  writeFileSync(join(files, "release-key.pub.pem"), keys.publicPem);
  const common = ["--storage", join(files, "flash"), "--ca", join(files, "ca.pem")];
  const run = (args: string[]) => spawn(process.execPath, [join(repoRoot, "bin/vsdk.js"), "device", ...args, ...common],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
  const finished = (child: ReturnType<typeof run>) => new Promise<number>((r) => child.on("close", (code) => r(code ?? -1)));
  assert.equal(await finished(run(["provision", "--sn", sn, "--secret", id.secret, "--cloud", sys.cloud.url])), 0);
  assert.equal(await finished(run(["register"])), 0);
  const child = run(["listen", "--wait", "1", "--ota-pub", join(files, "release-key.pub.pem")]);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => { out += d.toString(); });
  const closed = finished(child);
  try {
    await waitFor("the listening device", () => out.includes("waiting for calls"), 30000);
    const rel = await release(makePackage("2.3.0"), [sn]);
    await cloudState(sn, rel, "confirmed");
    assert.match(out, /the cloud offers an update/);
    assert.match(out, /update verified and staged; restarting into it/);
    assert.match(out, /restarted into the a image \(2\.3\.0\) on trial/);
  } finally {
    child.kill("SIGTERM");
    await closed;
  }
});

test("the Node host's imports: header refusals after 72 bytes, early finish, no download on trial, a damaged staged image rolls back", () => {
  const storage = mkdtempSync(join(dir, "dev-"));
  const make = () => { const d = new Device({ storage, ota: { publicKey: keys.publicPem } }); devices.push(d); return d; };
  const host = make().ota;
  const pkg = makePackage("9.0.0");
  const id = new Uint8Array(createHash("sha256").update(pkg).digest());
  const writeAll = () => { for (let at = 0; at < pkg.length; at += 1024) assert.ok(host.write(at, pkg.subarray(at, at + 1024)) > 0); };
  // Not a package: refused by ota_write once the header is in, and the download is dropped.
  const foreign = Uint8Array.from(pkg);
  foreign[0] = 0x58;
  assert.equal(host.begin(id, pkg.length), 0);
  assert.equal(host.write(0, foreign.subarray(0, 40)), 40);
  assert.equal(host.write(40, foreign.subarray(40, 100)), E_MALFORMED);
  assert.equal(host.write(100, foreign.subarray(100, 200)), E_STATE);
  assert.equal(host.finish(), E_STATE);
  // A format this host does not read.
  const future = Uint8Array.from(pkg);
  future[4] = 2;
  assert.equal(host.begin(id, pkg.length), 0);
  assert.equal(host.write(0, future.subarray(0, 1024)), E_UNSUPPORTED);
  // Finishing before every byte is stored.
  assert.equal(host.begin(id, pkg.length), 0);
  assert.equal(host.write(0, pkg.subarray(0, 1024)), 1024);
  assert.equal(host.finish(), E_TRUNCATED);
  assert.equal(host.finish(), E_STATE, "the download was dropped");
  assert.equal(host.record.staged, null);
  // A whole package stages; its image is then damaged in the slot before the boot.
  assert.equal(host.begin(id, pkg.length), 0);
  writeAll();
  assert.equal(host.finish(), OK);
  const imagePath = host.slots.imagePath("a");
  const damaged = readFileSync(imagePath);
  damaged[100] ^= 0xff;
  writeFileSync(imagePath, damaged);
  const after = make().ota;
  assert.equal(after.record.active, "factory");
  assert.equal(after.record.rollbackReason, E_STORAGE_CORRUPT);
  assert.ok(after.history.some((h) => h.what === "rollback" && h.reason === E_STORAGE_CORRUPT));
  // Staged again and booted on trial: no download may start until it confirms.
  assert.equal(after.begin(id, pkg.length), 0);
  for (let at = 0; at < pkg.length; at += 1024) after.write(at, pkg.subarray(at, at + 1024));
  assert.equal(after.finish(), OK);
  const trial = make().ota;
  assert.equal(trial.onTrial, true);
  assert.equal(trial.begin(id, pkg.length), E_STATE);
  assert.equal(trial.confirm(), OK);
  assert.equal(trial.record.rollbackReason, 0, "a confirm clears the rollback flag");
  assert.equal(trial.confirm(), E_STATE, "not on trial any more");
});
