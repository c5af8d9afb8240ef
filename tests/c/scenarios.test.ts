// The signalling scenarios of tests/node/signal.test.ts, run against the posix device: the C
// runtime on real wasm3 with the host shims, mbedTLS over real loopback sockets, files for
// storage, talking to the same independent test cloud (tests/node/device-test-cloud.ts).
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestCloud, selfSignedCert, type TestCert } from "../node/device-test-cloud.js";
import { PosixDevice } from "./posix-device.js";

const OK = 0, E_BUSY = -1016, E_STATE = -1006, E_NOT_REGISTERED = -1014;
const CALLING = 2, RINGING = 3, TALKING = 5, ENDED = 7;

let cert: TestCert;
const running: Array<{ cloud: TestCloud; device: PosixDevice }> = [];
before(() => { cert = selfSignedCert(); });
after(async () => { for (const r of running) { await r.device.stop(); await r.cloud.stop(); } });

async function setup(sn: string, register = true) {
  const cloud = new TestCloud(sn, cert);
  await cloud.start();
  const root = mkdtempSync(join(tmpdir(), "vsdk-posix-"));
  const device = new PosixDevice({ storage: join(root, "flash"), ca: cert.cert });
  running.push({ cloud, device });
  assert.equal(await device.provision(cloud.identity), OK);
  assert.equal(await device.init(), OK);
  assert.equal(await device.setTimeouts(2, 60000, 60000), OK);
  assert.equal(await device.start(), OK);
  if (register) assert.equal(await device.register(), OK);
  return { cloud, device, root };
}

async function done(r: { cloud: TestCloud; device: PosixDevice }) {
  const stats = await r.device.stats();
  assert.equal(stats.traps, 0, "the image never trapped");
  await r.device.stop();
  await r.cloud.stop();
}

test("posix device registers over TLS (mbedTLS) with signed requests; is_registered from storage", async () => {
  const r = await setup("SN_PX_REG", false);
  assert.equal(await r.device.isRegistered(), 0);
  assert.equal(await r.device.register(), OK);
  assert.equal(await r.device.isRegistered(), 1);
  assert.deepEqual(await r.device.deviceReport(), { registered: 1, sn: "SN_PX_REG", device_id: "SN_PX_REG",
    model_id: "MODEL_T", wxa_appid: "wx0123456789abcdef", registered_at: 1764000000 });
  const reg = r.cloud.requests("/v1/device/register");
  assert.equal(reg.length, 1);
  assert.equal(reg[0].status, 200, "the test cloud verified the signature");
  await r.device.stop();
  // A restarted device on the same flash knows it is registered without the network.
  const again = new PosixDevice({ storage: r.device.options.storage, ca: cert.cert });
  running.push({ cloud: r.cloud, device: again });
  assert.equal(await again.init(), OK);
  assert.equal(await again.isRegistered(), 1);
  await done({ cloud: r.cloud, device: again });
});

test("posix device: a WeChat refusal of registration surfaces as the negated errcode", async () => {
  const r = await setup("SN_PX_REG_ERR", false);
  r.cloud.registerErrcode = 9800003;
  assert.equal(await r.device.register(), -9800003);
  assert.equal(await r.device.isRegistered(), 0);
  await done(r);
});

test("posix device: calls before registration or with bad arguments are refused without a request", async () => {
  const r = await setup("SN_PX_ARGS", false);
  assert.equal(await r.device.call("o_user"), E_NOT_REGISTERED);
  assert.equal(await r.device.register(), OK);
  assert.equal(await r.device.call(""), -1001);
  assert.equal(await r.device.answer(), E_STATE);
  assert.equal(r.cloud.requests("/v1/calls").length, 0);
  await done(r);
});

test("posix device calls a user who answers, then hangs up", async () => {
  const r = await setup("SN_PX_OUT");
  assert.equal(await r.device.call("o_alice", { payload: "p1", customQuery: "q=1" }), OK);
  assert.equal(await r.device.call("o_bob"), E_BUSY, "one call at a time");
  const calling = await r.device.waitPhase(CALLING);
  assert.equal(calling.state, 1);
  assert.equal(calling.call_id, "c_1");
  const { codec: _codec, ...media } = r.cloud.media();
  assert.deepEqual(calling.media, media);
  assert.deepEqual(JSON.parse(r.cloud.requests("/v1/calls")[0].body),
    { callee_openid: "o_alice", room_type: "voice", payload: "p1", custom_query: "q=1" });
  r.cloud.push("call.state", { call_id: "c_1", state: 2, reason: 0 });
  assert.equal((await r.device.waitPhase(TALKING)).state, 2);
  assert.equal(await r.device.hangup(), OK);
  const ended = await r.device.waitPhase(ENDED);
  assert.equal(r.cloud.requests("/v1/calls/c_1/hangup").length, 1);
  assert.deepEqual([ended.state, ended.reason], [6, 1]);
  await done(r);
});

for (const errcode of [9, 10008]) {
  test(`posix device: a call WeChat refuses with errcode ${errcode} returns -${errcode}`, async () => {
    const r = await setup(`SN_PX_E${errcode}`);
    r.cloud.callPlan = { outcome: { errcode } };
    assert.equal(await r.device.call("o_alice"), OK);
    const e = await r.device.waitEvent((ev) => ev.name === "command" && ev.a === 3);
    assert.equal(e.b, -errcode);
    assert.equal((await r.device.callReport()).error, -errcode);
    await done(r);
  });
}

test("a user calls the posix device, which answers; the user hangs up", async () => {
  const r = await setup("SN_PX_IN");
  r.cloud.push("call.ring", { call_id: "c_in1", from_openid: "o_carol", room_type: "video", media: r.cloud.media() });
  const ring = await r.device.waitEvent((e) => e.name === "ring");
  assert.equal(ring.a, 1, "room type video");
  const ringing = await r.device.callReport();
  assert.equal(ringing.phase, RINGING);
  assert.equal(ringing.peer, "o_carol");
  assert.equal(await r.device.answer(), OK);
  assert.equal((await r.device.waitPhase(TALKING)).media?.ssrc, 3333);
  r.cloud.push("call.state", { call_id: "c_in1", state: 5, reason: 1 });
  const ended = await r.device.waitPhase(ENDED);
  assert.deepEqual([ended.state, ended.reason], [5, 1]);
  await done(r);
});

test("a user calls the posix device, which rejects", async () => {
  const r = await setup("SN_PX_IN2");
  r.cloud.push("call.ring", { call_id: "c_in2", from_openid: "o_carol", room_type: "voice" });
  await r.device.waitPhase(RINGING);
  assert.equal(await r.device.reject(), OK);
  assert.equal((await r.device.waitPhase(ENDED)).state, 3);
  assert.equal(r.cloud.requests("/v1/calls/c_in2/reject").length, 1);
  await done(r);
});

test("a posix device that does not trust the cloud's certificate never registers", async () => {
  const cloud = new TestCloud("SN_PX_UNTRUSTED", cert);
  await cloud.start();
  const other = selfSignedCert();
  const device = new PosixDevice({ storage: join(mkdtempSync(join(tmpdir(), "vsdk-posix-")), "flash"), ca: other.cert });
  running.push({ cloud, device });
  assert.equal(await device.provision(cloud.identity), OK);
  assert.equal(await device.init(), OK);
  assert.equal(await device.setTimeouts(2, 60000, 60000, 1500), OK);
  assert.equal(await device.start(), OK);
  const result = await device.register(4000).catch(() => "no answer");
  assert.notEqual(result, OK);
  assert.equal(cloud.requests("/v1/device/register").length, 0, "no request reached the cloud");
  assert.equal(await device.isRegistered(), 0);
  await device.stop();
  await cloud.stop();
});
