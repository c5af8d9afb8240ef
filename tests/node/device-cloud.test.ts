// The image against the real vendor cloud and WeChat emulator (cloud/local-system.ts) when things
// go wrong: the cloud restarts in the middle of a call, the device's network is cut for 10 s
// while the user hangs up, a second caller arrives during a call (the cloud answers busy itself;
// the device's own busy path is tested in signal.test.ts), the user is busy or rejects,
// and the device cancels while the phone rings. The cloud's own record of each call is compared
// with what the device reports. (tests/node/cloud-device.test.ts covers the plain call flows.)
process.env.VSDK_LOG ??= "silent";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalSystem, type LocalSystem } from "../../cloud/local-system.js";
import { Device } from "../../host-node/device.js";
import { OK } from "../../host-node/errors.js";

const CALLING = 2, RINGING = 3, TALKING = 5, ENDED = 7;
let sys: LocalSystem;
let dir: string;
const devices: Device[] = [];

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "vsdk-device-cloud-"));
  // A fixed port, so a restarted cloud is where the device looks for it.
  sys = await startLocalSystem({ cloud: { dataDir: join(dir, "cloud"), port: await freePort() }, emulator: { ringTimeoutMs: 4000 } });
});
after(async () => {
  for (const d of devices) d.stop();
  await sys.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function device(sn: string, openid: string, network = { up: true }): Promise<Device> {
  const id = await sys.provision(sn);
  const d = new Device({ storage: mkdtempSync(join(dir, "dev-")), ca: sys.ca, gate: () => network.up });
  devices.push(d);
  assert.equal(d.provision({ sn, secret: id.secret, cloud: sys.cloud.url }), OK);
  assert.equal(d.init(), OK);
  assert.equal(d.setTimeouts(2, 60000, 60000, 3000), OK);
  d.start();
  assert.equal(await d.register(), OK);
  // The user authorises the device with a ticket the image itself fetched.
  const ticket = await d.ticket();
  assert.equal(typeof ticket, "string", `ticket: ${ticket}`);
  const grant = await sys.emulatorCall("/emulator/grant", { openid, sn, model_id: "vsdk-model-1", sn_ticket: ticket, device_name: "Doorbell" });
  assert.equal(grant.errcode, 0);
  return d;
}

test("the cloud restarts mid-call: the device reconnects and ends the call as the cloud recorded it", async () => {
  const d = await device("SN-DC-RESTART", "o_dc_1");
  await sys.emulatorCall("/emulator/users/o_dc_1/script", { answer: "answer", after_ms: 100 });
  assert.equal(d.call("o_dc_1"), OK);
  const talking = await d.waitPhase(TALKING, 10000);
  await sys.restartCloud();
  const ended = await d.waitPhase(ENDED, 40000);
  const stored = await sys.cloud.store.call(talking.call_id);
  assert.equal(ended.state, stored?.state, "device and cloud agree on how the call ended");
  assert.equal(ended.state, 7, "a call the restarted cloud could not carry on is aborted");
  assert.ok(d.events.some((e) => e.name === "link" && e.a === 1), "the link came back");
  // And the device goes on working with the new cloud instance.
  assert.equal(d.call("o_dc_1"), OK);
  await d.waitPhase(TALKING, 10000);
  assert.equal(d.hangup(), OK);
  assert.equal((await d.waitPhase(ENDED, 10000)).state, 5);
});

test("a 10 s network cut mid-call: the user's hang-up during the cut reaches the device afterwards", async () => {
  const network = { up: true };
  const d = await device("SN-DC-CUT", "o_dc_2", network);
  await sys.emulatorCall("/emulator/users/o_dc_2/script", { answer: "answer", after_ms: 100 });
  assert.equal(d.call("o_dc_2"), OK);
  const talking = await d.waitPhase(TALKING, 10000);
  network.up = false;
  d.io.streams.dropAll();
  await d.waitEvent((e) => e.name === "link" && e.a === 0, 10000);
  const stored = await sys.cloud.store.call(talking.call_id);
  await sys.emulatorCall(`/emulator/rooms/${stored!.room_id}/hangup`, {});
  await new Promise((r) => setTimeout(r, 10000));
  assert.equal(d.phase, TALKING, "cut off, the device cannot know yet");
  const t0 = Date.now();
  network.up = true;
  const ended = await d.waitPhase(ENDED, 40000);
  assert.deepEqual([ended.state, ended.reason], [6, 1]);
  process.stdout.write(`# reconnect after a 10 s cut: call end delivered ${Date.now() - t0} ms after the network returned\n`);
});

test("a second user calling during a call gets busy (from the cloud, which knows); the device's call goes on", async () => {
  const d = await device("SN-DC-BUSY", "o_dc_3");
  const grantOther = async () => {
    const ticket = await d.ticket();
    await sys.emulatorCall("/emulator/grant", { openid: "o_dc_3b", sn: "SN-DC-BUSY", model_id: "vsdk-model-1", sn_ticket: ticket, device_name: "Doorbell" });
  };
  await grantOther();
  const first = await sys.emulatorCall("/emulator/users/o_dc_3/call", { sn: "SN-DC-BUSY", model_id: "vsdk-model-1", room_type: "voice" });
  await d.waitPhase(RINGING, 10000);
  assert.equal(d.answer(), OK);
  await d.waitPhase(TALKING, 10000);
  const second = await sys.emulatorCall("/emulator/users/o_dc_3b/call", { sn: "SN-DC-BUSY", model_id: "vsdk-model-1", room_type: "voice" });
  const deadline = Date.now() + 5000;
  let room2 = await sys.emulatorCall(`/emulator/rooms/${second.roomid}`);
  while (room2.state !== 8 && Date.now() < deadline) { await new Promise((r) => setTimeout(r, 50)); room2 = await sys.emulatorCall(`/emulator/rooms/${second.roomid}`); }
  assert.equal(room2.state, 8, "the second caller's room says busy");
  assert.equal(d.callReport().phase, TALKING);
  assert.equal(d.events.filter((e) => e.name === "ring").length, 1, "the device was not rung twice");
  assert.equal((await sys.emulatorCall(`/emulator/rooms/${first.roomid}`)).state, 2);
  assert.equal(d.hangup(), OK);
  assert.equal((await d.waitPhase(ENDED, 10000)).state, 6);
});

for (const [answer, state] of [["busy", 8], ["reject", 3], ["no_answer", 9]] as const) {
  test(`the user ${answer === "no_answer" ? "does not answer" : `is ${answer === "busy" ? "busy" : "rejecting"}`}: the device reports state ${state}`, async () => {
    const d = await device(`SN-DC-${answer}`, `o_dc_${answer}`);
    await sys.emulatorCall(`/emulator/users/o_dc_${answer}/script`, { answer, after_ms: 100 });
    assert.equal(d.call(`o_dc_${answer}`), OK);
    const c = await d.waitPhase(CALLING, 10000);
    const ended = await d.waitPhase(ENDED, 15000);
    assert.equal(ended.state, state);
    assert.equal((await sys.cloud.store.call(c.call_id))?.state, state);
  });
}

test("the device cancels while the user's phone rings (4)", async () => {
  const d = await device("SN-DC-CANCEL", "o_dc_5");
  await sys.emulatorCall("/emulator/users/o_dc_5/script", { answer: "answer", after_ms: 3000 });
  assert.equal(d.call("o_dc_5"), OK);
  const c = await d.waitPhase(CALLING, 10000);
  assert.equal(d.cancel(), OK);
  const ended = await d.waitPhase(ENDED, 10000);
  assert.equal(ended.state, 4);
  assert.equal((await sys.cloud.store.call(c.call_id))?.state, 4);
});

test("figures: signalling latencies on loopback over the real cloud (printed, not asserted)", async () => {
  const t0 = Date.now();
  const d = await device("SN-DC-FIG", "o_dc_fig");
  const setupMs = Date.now() - t0;
  await sys.emulatorCall("/emulator/users/o_dc_fig/script", { answer: "answer", after_ms: 0 });
  const toCalling: number[] = [], toTalking: number[] = [], hangup: number[] = [], remoteEnd: number[] = [], ring: number[] = [];
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  for (let i = 0; i < 10; i++) {
    let t = Date.now();
    const answered = d.waitEvent((e) => e.name === "command" && e.a === 3, 10000);
    assert.equal(d.call("o_dc_fig"), OK);
    toCalling.push((await answered).at - t);
    await d.waitPhase(TALKING, 10000);
    toTalking.push(Date.now() - t);
    t = Date.now();
    assert.equal(d.hangup(), OK);
    await d.waitPhase(ENDED, 10000);
    hangup.push(Date.now() - t);
    // The user calls, the device answers at once, the user hangs up.
    t = Date.now();
    const call = await sys.emulatorCall("/emulator/users/o_dc_fig/call", { sn: "SN-DC-FIG", model_id: "vsdk-model-1", room_type: "voice" });
    await d.waitPhase(RINGING, 10000);
    ring.push(Date.now() - t);
    assert.equal(d.answer(), OK);
    await d.waitPhase(TALKING, 10000);
    t = Date.now();
    await sys.emulatorCall(`/emulator/rooms/${call.roomid}/hangup`, {});
    await d.waitPhase(ENDED, 10000);
    remoteEnd.push(Date.now() - t);
  }
  process.stdout.write(`# signalling on loopback (median of 10, ms): provision+register+ticket+grant ${setupMs}; ` +
    `call -> the cloud's answer (state 1, media) ${median(toCalling)}; call -> talking (user answers at once) ${median(toTalking)}; ` +
    `device hang-up -> ended ${median(hangup)}; user's callDevice -> device rings ${median(ring)}; ` +
    `user's hang-up -> device ended ${median(remoteEnd)}\n`);
});
