// OTA end to end on the posix device: the C runtime on wasm3 with its slots, verifier and
// switch (runtime/src/ota_*.c, the posix slot files), the real image's updater downloading
// through its own signed requests from the real vendor cloud (SQLite, HTTPS). Packages are made
// with ota/package.ts and the development key the runtime was built with
// (VSDK_OTA_DEV_KEY, from runtime/src/ota_key.cmake); what the cloud records is what the device
// reported. The twin of tests/node/ota-device.test.ts for the C runtime, plus a real power cut.
process.env.VSDK_LOG ??= "silent";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalSystem, type LocalSystem } from "../../cloud/local-system.js";
import { repoRoot } from "../../host-node/paths.js";
import { signedPackage } from "../../ota/release-maker.js";
import { loadPrivateKey } from "../../ota/sign.js";
import { packVersion } from "../../ota/version.js";
import { OtaBackOffice } from "../node/helpers/ota-back-office.js";
import { trappingImage as trappingVariant } from "../../tools/ota/variants.js";
import { PosixDevice } from "./posix-device.js";

const OK = 0, E_AUTH = -1012, E_STATE = -1006, POWER_CUT_EXIT = 86;
const keyFile = process.env.VSDK_OTA_DEV_KEY ?? join(repoRoot, "build", "native", "ota-dev-key", "release-key.pem");
const privateKey = loadPrivateKey(readFileSync(keyFile, "utf8"));
const image = new Uint8Array(readFileSync(join(repoRoot, "build/sdk.wasm")));
let sys: LocalSystem;
let dir: string;
let office: OtaBackOffice;
const devices: PosixDevice[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "vsdk-posix-ota-"));
  sys = await startLocalSystem({ cloud: { dataDir: join(dir, "cloud"), releasePublicKey: null }, emulator: { ringTimeoutMs: 4000 } });
  office = new OtaBackOffice(sys);
});
after(async () => {
  for (const d of devices) await d.stop();
  await sys.stop();
  rmSync(dir, { recursive: true, force: true });
});

function makePackage(version: string, o: { wasm?: Uint8Array; badSignature?: boolean } = {}): Uint8Array {
  return signedPackage(o.wasm ?? image, version, privateKey, { badSignature: o.badSignature });
}

const release = (pkg: Uint8Array, sns: string[]) => office.release(pkg, sns);
const cloudView = (sn: string) => office.view(sn);
const cloudState = (sn: string, id: string, state: string, timeoutMs = 60000) => office.waitState(sn, id, state, timeoutMs);
const statesOf = (sn: string, id: string) => office.statesOf(sn, id);

// PosixDevice (tests/c/posix-device.ts) has no verb for these yet: its command line and its
// process are reached directly.
interface DeviceInternals { send(line: string): Promise<string>; child: import("node:child_process").ChildProcess }
const internals = (d: PosixDevice) => d as unknown as DeviceInternals;

interface OtaStatus { running: number; confirmed: number; flags: number; reason: number }
/** The stdio device's "ota" command: vsdk_ota_status(). */
async function otaStatus(d: PosixDevice): Promise<OtaStatus> { return JSON.parse(await internals(d).send("ota")) as OtaStatus; }

function exitOf(d: PosixDevice): Promise<number | null> {
  const child = internals(d).child;
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once("exit", (code) => r(code)));
}

/** The provisioned device over `storage` powered on again, started; `cutAt` arms a power cut
 * at that durable write of the new process (VSDK_POWER_CUT_AT, ports/posix/src/power_cut.c). */
async function boot(storage: string, cutAt?: number): Promise<PosixDevice> {
  if (cutAt) process.env.VSDK_POWER_CUT_AT = String(cutAt);
  const d = new PosixDevice({ storage, ca: sys.ca });
  delete process.env.VSDK_POWER_CUT_AT;
  devices.push(d);
  assert.equal(await d.init(), OK);
  assert.equal(await d.setTimeouts(1, 60000, 60000, 3000), OK);
  assert.equal(await d.start(), OK);
  return d;
}

/** A provisioned, registered posix device. */
async function device(sn: string): Promise<{ d: PosixDevice; secret: string; storage: string }> {
  const id = await sys.provision(sn);
  const storage = join(mkdtempSync(join(dir, "dev-")), "flash");
  const d = new PosixDevice({ storage, ca: sys.ca });
  devices.push(d);
  assert.equal(await d.provision({ sn, secret: id.secret, cloud: sys.cloud.url }), OK);
  assert.equal(await d.init(), OK);
  assert.equal(await d.setTimeouts(1, 60000, 60000, 3000), OK);
  assert.equal(await d.start(), OK);
  assert.equal(await d.register(), OK);
  return { d, secret: id.secret, storage };
}

test("posix device: a release is downloaded into a slot, verified by the C runtime, switched to and confirmed", async (t) => {
  const sn = "SN-PXOTA-HAPPY";
  const { d } = await device(sn);
  assert.deepEqual(await otaStatus(d), { running: 0, confirmed: 0, flags: 0, reason: 0 });
  const pkg = makePackage("2.0.0");
  const writesBefore = (await d.stats() as unknown as { durable_writes: number }).durable_writes;
  const started = Date.now();
  const id = await release(pkg, [sn]);
  const confirmed = await cloudState(sn, id, "confirmed");
  // Figures, not checks: the whole update over loopback TLS (on a machine shared with others),
  // and every durable write it cost (slot, boot record, and the image's own records).
  const ms = Date.now() - started;
  const writes = (await d.stats() as unknown as { durable_writes: number }).durable_writes - writesBefore;
  t.diagnostic(`update of a ${pkg.length}-byte package (image ${image.length} bytes) from rollout to confirmed: ${ms} ms, ${writes} durable writes`);
  assert.equal(confirmed.image_version, "2.0.0");
  assert.deepEqual(await statesOf(sn, id), ["downloading", "downloaded", "installing", "confirmed"]);
  assert.deepEqual(await otaStatus(d), { running: packVersion("2.0.0"), confirmed: packVersion("2.0.0"), flags: 0, reason: 0 });
  assert.ok(d.events.some((e) => e.kind === 10), "event 10 raised");
  assert.equal((await d.deviceReport()).registered, 1, "the new image is registered");
});

test("posix device: a power cut in the middle of the download, then the update resumes and completes", async () => {
  const sn = "SN-PXOTA-CUT";
  const first = await device(sn);
  assert.equal(await first.d.stop(), 0);
  // Power on with a cut armed at the 40th durable write: the download's writes (two per 1 KiB
  // chunk) reach it well before the end of a ~50 KiB package.
  const cut = await boot(first.storage, 40);
  const id = await release(makePackage("2.1.0"), [sn]);
  const exited = await exitOf(cut);
  assert.equal(exited, POWER_CUT_EXIT, "the device lost power");
  const before = (await cloudView(sn)).current;
  assert.equal(before?.state, "downloading");
  const after = await boot(first.storage);
  await cloudState(sn, id, "confirmed");
  assert.deepEqual(await otaStatus(after), { running: packVersion("2.1.0"), confirmed: packVersion("2.1.0"), flags: 0, reason: 0 });
});

test("posix device: a bad signature is refused with E_AUTH and nothing switches", async () => {
  const sn = "SN-PXOTA-BADSIG";
  const { d } = await device(sn);
  const id = await release(makePackage("3.0.0", { badSignature: true }), [sn]);
  const refused = await cloudState(sn, id, "refused");
  assert.equal(refused.code, E_AUTH);
  assert.deepEqual(await otaStatus(d), { running: 0, confirmed: 0, flags: 0, reason: 0 });
  assert.ok(!d.events.some((e) => e.kind === 10), "no switch");
});

const trappingImage = () => trappingVariant(image);

test("posix device: a trial image that traps is rolled back by the C runtime and reported rolled_back", async () => {
  const sn = "SN-PXOTA-TRAP";
  const { d } = await device(sn);
  const id = await release(makePackage("4.0.0", { wasm: trappingImage() }), [sn]);
  const rolledBack = await cloudState(sn, id, "rolled_back");
  assert.equal(rolledBack.code, E_STATE);
  const s = await otaStatus(d);
  assert.equal(s.running, 0, "back on the built-in image");
  assert.equal(s.flags & 2, 2, "the rollback is told");
  assert.equal(s.reason, E_STATE);
});
