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
import { Agent } from "node:https";
import binaryen from "binaryen";
import { startLocalSystem, type LocalSystem } from "../../cloud/local-system.js";
import { repoRoot } from "../../host-node/paths.js";
import { pack, HEADER_BYTES } from "../../ota/package.js";
import { keyId, loadPrivateKey, signBytes } from "../../ota/sign.js";
import { packVersion } from "../../ota/version.js";
import { send } from "../node/helpers/device-client.js";
import { PosixDevice } from "./posix-device.js";

const OK = 0, E_AUTH = -1012, E_STATE = -1006, POWER_CUT_EXIT = 86;
const keyFile = process.env.VSDK_OTA_DEV_KEY ?? join(repoRoot, "build", "native", "ota-dev-key", "release-key.pem");
const privateKey = loadPrivateKey(readFileSync(keyFile, "utf8"));
const image = new Uint8Array(readFileSync(join(repoRoot, "build/sdk.wasm")));
let sys: LocalSystem;
let dir: string;
let agent: Agent;
const devices: PosixDevice[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "vsdk-posix-ota-"));
  sys = await startLocalSystem({ cloud: { dataDir: join(dir, "cloud"), releasePublicKey: null }, emulator: { ringTimeoutMs: 4000 } });
  agent = new Agent({ keepAlive: true, ca: sys.ca });
});
after(async () => {
  for (const d of devices) await d.stop();
  agent.destroy();
  await sys.stop();
  rmSync(dir, { recursive: true, force: true });
});

function imageAbi(wasm: Uint8Array): number {
  const module = new WebAssembly.Module(wasm);
  const vsdk: Record<string, () => number> = {};
  for (const i of WebAssembly.Module.imports(module)) vsdk[i.name] = () => 0;
  return (new WebAssembly.Instance(module, { vsdk }).exports.vsdk_abi_version as () => number)();
}

function makePackage(version: string, o: { wasm?: Uint8Array; badSignature?: boolean } = {}): Uint8Array {
  const wasm = o.wasm ?? image;
  const pkg = pack({ image: wasm, abiVersion: imageAbi(wasm), imageVersion: packVersion(version), minRuntimeVersion: 0,
    keyId: keyId(privateKey), sign: (m) => signBytes(privateKey, m) });
  if (o.badSignature) {
    const manifestLength = pkg[64] | (pkg[65] << 8), signatureLength = pkg[66] | (pkg[67] << 8);
    pkg[HEADER_BYTES + manifestLength + signatureLength - 1] ^= 0x01;
  }
  return pkg;
}

async function admin(method: string, path: string, body: Buffer, type = "application/json") {
  const a = await send(agent, sys.cloud.url, method, path, { authorization: `Bearer ${sys.cloud.config.adminToken}`,
    "content-type": type, "content-length": body.length }, body);
  assert.ok(a.status === 200 || a.status === 201, `${method} ${path}: ${a.status} ${a.text}`);
  return a.json;
}

async function release(pkg: Uint8Array, sns: string[]): Promise<string> {
  const published = await admin("POST", "/admin/v1/releases", Buffer.from(pkg), "application/octet-stream");
  const id = published.release.id as string;
  await admin("POST", `/admin/v1/releases/${id}/rollout`, Buffer.from(JSON.stringify({ devices: sns })));
  return id;
}

interface Update { release_id: string; state: string; code: number; bytes: number; image_version: string }
async function cloudView(sn: string): Promise<{ current: Update | null; history: Update[] }> {
  const a = await send(agent, sys.cloud.url, "GET", `/admin/v1/devices/${sn}/update`, { authorization: `Bearer ${sys.cloud.config.adminToken}` }, Buffer.alloc(0));
  assert.equal(a.status, 200, a.text);
  return a.json;
}

async function cloudState(sn: string, id: string, state: string, timeoutMs = 60000): Promise<Update> {
  const deadline = Date.now() + timeoutMs;
  let last: Update | null = null;
  while (Date.now() < deadline) {
    last = (await cloudView(sn)).current;
    if (last && last.release_id === id && last.state === state) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${sn}: cloud has ${JSON.stringify(last)}, not ${state} for ${id}, after ${timeoutMs} ms`);
}

const statesOf = async (sn: string, id: string) => (await cloudView(sn)).history.filter((u) => u.release_id === id).map((u) => u.state);

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

/** build/sdk.wasm with vsdk_signal_tick replaced by a trap. */
function trappingImage(): Uint8Array {
  const m = binaryen.readBinary(image);
  try {
    m.setFeatures(binaryen.Features.All);
    const fn = binaryen.getExportInfo(m.getExport("vsdk_signal_tick")).value;
    const info = binaryen.getFunctionInfo(m.getFunction(fn));
    m.removeFunction(fn);
    m.addFunction(fn, info.params, info.results, [], m.unreachable());
    assert.ok(m.validate(), "the variant validates");
    return m.emitBinary();
  } finally { m.dispose(); }
}

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
