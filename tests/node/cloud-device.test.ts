// The two halves of the device API, written independently, against each other: the real image
// (build/sdk.wasm in the Node host, host-node/device.ts) registers with and calls through the
// real vendor cloud, which talks to the WeChat emulator. Nothing here is scripted on the cloud's
// side: only the phone user's behaviour is.
process.env.VSDK_LOG ??= "silent";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalSystem, type LocalSystem } from "../../cloud/local-system.js";
import { Device } from "../../host-node/device.js";
import { OK } from "../../host-node/errors.js";
import { authoriseUser } from "./helpers/authorise.js";

const CALLING = 2, RINGING = 3, TALKING = 5, ENDED = 7;
let sys: LocalSystem;
let dir: string;
const devices: Device[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "vsdk-cloud-device-"));
  sys = await startLocalSystem({ cloud: { dataDir: join(dir, "cloud") }, emulator: { ringTimeoutMs: 3000 } });
});
after(async () => {
  for (const d of devices) d.stop();
  await sys.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function device(sn: string, openid: string): Promise<Device> {
  const id = await sys.provision(sn);
  const d = new Device({ storage: mkdtempSync(join(dir, "dev-")), ca: sys.ca });
  devices.push(d);
  assert.equal(d.provision({ sn, secret: id.secret, cloud: sys.cloud.url }), OK);
  assert.equal(d.init(), OK);
  assert.equal(d.setTimeouts(2, 60000, 60000), OK);
  d.start();
  assert.equal(await d.register(), OK);
  await authoriseUser(sys, sn, id.secret, openid);
  return d;
}

test("the image registers with the cloud, which got WeChat's ticket for it", async () => {
  const d = await device("SN-IMG-1", "o_img_1");
  const report = d.deviceReport();
  assert.equal(report.registered, 1);
  assert.equal(report.device_id, "SN-IMG-1");
  assert.equal(report.model_id, "vsdk-model-1");
  assert.equal(report.wxa_appid, sys.emulator.options.appid);
  const stored = await sys.cloud.store.device("SN-IMG-1");
  assert.equal(stored?.registered_at, report.registered_at);
});

test("the image calls a user who answers, then hangs up (5, reason 1)", async () => {
  const d = await device("SN-IMG-2", "o_img_2");
  await sys.emulatorCall("/emulator/users/o_img_2/script", { answer: "answer", after_ms: 200 });
  assert.equal(d.call("o_img_2", { payload: "img" }), OK);
  const calling = await d.waitPhase(CALLING, 10000);
  assert.match(calling.call_id, /^c_/);
  assert.ok(calling.media && calling.media.relay_port > 0);
  const talking = await d.waitPhase(TALKING, 10000);
  assert.equal(talking.state, 2);
  assert.equal(d.hangup(), OK);
  const ended = await d.waitPhase(ENDED, 10000);
  assert.deepEqual([ended.state, ended.reason], [5, 1]);
  const call = await sys.cloud.store.call(calling.call_id);
  assert.equal(call?.state, 5);
  const room = await sys.emulatorCall(`/emulator/rooms/${call!.room_id}`);
  assert.deepEqual(room.history.map((h: any) => h.state), [1, 2, 5]);
});

test("the image's call to a user who has not authorised it returns -9", async () => {
  const d = await device("SN-IMG-3", "o_img_3");
  assert.equal(d.call("o_img_nobody"), OK);
  const e = await d.waitEvent((ev) => ev.name === "command" && ev.a === 3, 10000);
  assert.equal(e.b, -9);
  assert.equal(d.callReport().phase, ENDED);
});

test("a user calls the image, which answers; the user hangs up (5)", async () => {
  const d = await device("SN-IMG-4", "o_img_4");
  const call = await sys.emulatorCall("/emulator/users/o_img_4/call", { sn: "SN-IMG-4", model_id: "vsdk-model-1", room_type: "voice" });
  assert.equal(call.push_errcode, 0);
  await d.waitEvent((e) => e.name === "ring", 10000);
  const ringing = d.callReport();
  assert.equal(ringing.phase, RINGING);
  assert.equal(ringing.peer, "o_img_4");
  assert.equal(d.answer(), OK);
  await d.waitPhase(TALKING, 10000);
  assert.equal((await sys.emulatorCall(`/emulator/rooms/${call.roomid}`)).state, 2);
  await sys.emulatorCall(`/emulator/rooms/${call.roomid}/hangup`, {});
  const ended = await d.waitPhase(ENDED, 10000);
  assert.deepEqual([ended.state, ended.reason], [5, 1]);
});

test("a user calls the image, which rejects (3, reason 11)", async () => {
  const d = await device("SN-IMG-5", "o_img_5");
  const call = await sys.emulatorCall("/emulator/users/o_img_5/call", { sn: "SN-IMG-5", model_id: "vsdk-model-1" });
  await d.waitEvent((e) => e.name === "ring", 10000);
  assert.equal(d.reject(), OK);
  const ended = await d.waitPhase(ENDED, 10000);
  assert.equal(ended.state, 3);
  const room = await sys.emulatorCall(`/emulator/rooms/${call.roomid}`);
  assert.deepEqual([room.state, room.reason], [3, 11]);
});
