// The image's signalling over real TLS sockets on loopback, against tests/node/device-test-cloud.ts
// (an independent reading of docs/device-api.md that verifies every signature): registration,
// every call outcome in both directions, WeChat's states, reasons and error codes surfaced
// unchanged, busy, timeouts, and recovery from a network cut and a cloud restart mid-call.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Device } from "../../host-node/device.js";
import { E_BUSY, E_STATE, OK, E_NOT_REGISTERED } from "../../host-node/errors.js";
import { TestCloud, selfSignedCert, type TestCert } from "./device-test-cloud.js";

// Phases (assembly/signal/call.ts).
const CALLING = 2, RINGING = 3, TALKING = 5, ENDED = 7;

let cert: TestCert;
const running: Array<{ cloud: TestCloud; device: Device }> = [];
before(() => { cert = selfSignedCert(); });
after(async () => { for (const r of running) { r.device.stop(); await r.cloud.stop(); } });

async function setup(sn = "SN_SIG_1", register = true) {
  const cloud = new TestCloud(sn, cert);
  await cloud.start();
  const device = new Device({ storage: mkdtempSync(join(tmpdir(), "vsdk-dev-")), ca: cert.cert });
  running.push({ cloud, device });
  assert.equal(device.provision(cloud.identity), OK);
  assert.equal(device.init(), OK);
  assert.equal(device.setTimeouts(2, 60000, 60000), OK);
  device.start();
  if (register) assert.equal(await device.register(), OK);
  return { cloud, device };
}

async function done(r: { cloud: TestCloud; device: Device }) {
  r.device.stop();
  await r.cloud.stop();
}

const until = async (what: () => boolean, ms = 10000) => {
  const end = Date.now() + ms;
  while (!what()) { if (Date.now() > end) throw new Error("condition not met in time"); await new Promise((r) => setTimeout(r, 5)); }
};

test("registers over TLS with signed requests and answers is_registered from storage", async () => {
  const r = await setup("SN_REG", false);
  assert.equal(r.device.isRegistered(), 0);
  assert.equal(await r.device.register(), OK);
  assert.equal(r.device.isRegistered(), 1);
  const info = r.device.deviceReport();
  assert.deepEqual(info, { registered: 1, sn: "SN_REG", device_id: "SN_REG", model_id: "MODEL_T",
    wxa_appid: "wx0123456789abcdef", registered_at: 1764000000 });
  const reg = r.cloud.requests("/v1/device/register");
  assert.equal(reg.length, 1);
  assert.equal(reg[0].status, 200, "the test cloud verified the signature");
  assert.equal(reg[0].body, "{}");
  // A second device image on the same storage knows it is registered without the network.
  const again = new Device({ storage: r.device.options.storage, ca: cert.cert });
  assert.equal(again.init(), OK);
  assert.equal(again.isRegistered(), 1);
  await done(r);
});

test("the device fetches a fresh ticket for a user's authorisation; register's ticket is kept too", async () => {
  const r = await setup("SN_TICKET");
  const n = r.device.image.exports.vsdk_device_ticket_read(r.device.image.ioPtr, 64);
  assert.equal(Buffer.from(r.device.image.readIo(n)).toString(), "t", "the ticket from the registration answer");
  assert.equal(await r.device.ticket(), "tkt_1");
  assert.equal(await r.device.ticket(), "tkt_2");
  assert.equal(r.cloud.requests("/v1/device/ticket").every((l) => l.status === 200 && l.method === "GET"), true);
  assert.equal(r.device.image.exports.vsdk_device_ticket_read(r.device.image.ioPtr, 3), -1005);
  await done(r);
});

test("a WeChat refusal of registration surfaces as the negated errcode", async () => {
  const r = await setup("SN_REG_ERR", false);
  r.cloud.registerErrcode = 9800003;
  assert.equal(await r.device.register(), -9800003);
  assert.equal(r.device.isRegistered(), 0);
  await done(r);
});

test("a wrong secret is refused with E_AUTH and leaves the device unregistered", async () => {
  const r = await setup("SN_BADKEY", false);
  assert.equal(r.device.provision({ ...r.cloud.identity, secret: "00".repeat(32) }), OK);
  assert.equal(r.device.init(), OK);
  assert.equal(await r.device.register(), -1012);
  assert.equal(r.cloud.requests("/v1/device/register")[0].auth, "bad_signature");
  assert.equal(r.device.isRegistered(), 0);
  await done(r);
});

test("a device clock the cloud finds stale is corrected from server_time and the request retried once", async () => {
  const r = await setup("SN_STALE", false);
  r.device.stop();
  // A fresh image whose /v1/time answer is 1000 s off.
  r.cloud.clockSkewS = -1000;
  const d = new Device({ storage: r.device.options.storage, ca: cert.cert });
  running.push({ cloud: r.cloud, device: d });
  assert.equal(d.init(), OK);
  d.start();
  assert.equal(await d.register(), OK);
  const regs = r.cloud.requests("/v1/device/register");
  assert.deepEqual(regs.map((l) => l.auth || l.status), ["stale_timestamp", 200]);
  d.stop();
  await r.cloud.stop();
});

test("calls before registration or with bad arguments are refused without a request", async () => {
  const r = await setup("SN_ARGS", false);
  assert.equal(r.device.call("o_user"), E_NOT_REGISTERED);
  assert.equal(await r.device.register(), OK);
  assert.equal(r.device.call(""), -1001);
  assert.equal(r.device.call("o".repeat(129)), -1001);
  assert.equal(r.device.answer(), E_STATE);
  assert.equal(r.device.hangup(), E_STATE);
  assert.equal(r.cloud.requests("/v1/calls").length, 0);
  await done(r);
});

test("device calls a user who answers, then the device hangs up", async () => {
  const r = await setup("SN_OUT_1");
  assert.equal(r.device.call("o_alice", { payload: "p1", customQuery: "q=1" }), OK);
  assert.equal(r.device.call("o_bob"), E_BUSY, "one call at a time");
  const calling = await r.device.waitPhase(CALLING);
  assert.equal(calling.state, 1);
  assert.equal(calling.call_id, "c_1");
  const { codec: _codec, ...media } = r.cloud.media();
  assert.deepEqual(calling.media, media);
  const sent = JSON.parse(r.cloud.requests("/v1/calls")[0].body);
  assert.deepEqual(sent, { callee_openid: "o_alice", room_type: "voice", payload: "p1", custom_query: "q=1" });
  r.cloud.push("call.state", { call_id: "c_1", state: 2, reason: 0 });
  const talking = await r.device.waitPhase(TALKING);
  assert.equal(talking.state, 2);
  assert.equal(r.device.hangup(), OK);
  const ended = await r.device.waitPhase(ENDED);
  assert.equal(r.cloud.requests("/v1/calls/c_1/hangup").length, 1);
  assert.equal(ended.state, 6, "the cloud's state is surfaced as it is");
  assert.equal(ended.reason, 1);
  await done(r);
});

test("the user answers before the cloud has answered the call request: the early state is not lost", async () => {
  const r = await setup("SN_RACE");
  r.cloud.beforeCallAnswer = async (id) => {
    r.cloud.push("call.state", { call_id: id, state: 2, reason: 0 });
    // Long enough for the device's long poll to deliver the event first.
    await new Promise((res) => setTimeout(res, 300));
  };
  assert.equal(r.device.call("o_alice"), OK);
  const talking = await r.device.waitPhase(TALKING, 5000);
  assert.equal(talking.state, 2);
  const states = r.device.events.filter((e) => e.name === "state").map((e) => e.a);
  assert.deepEqual(states, [1, 2], "each state reported once, in order");
  await done(r);
});

test("device calls a user who hangs up; states and reasons pass through unchanged", async () => {
  const r = await setup("SN_OUT_2");
  assert.equal(r.device.call("o_alice"), OK);
  await r.device.waitPhase(CALLING);
  r.cloud.push("call.state", { call_id: "c_1", state: 2, reason: 0 });
  await r.device.waitPhase(TALKING);
  r.cloud.push("call.state", { call_id: "c_1", state: 6, reason: 7 });
  const ended = await r.device.waitPhase(ENDED);
  assert.equal(ended.state, 6);
  assert.equal(ended.reason, 7);
  const states = r.device.events.filter((e) => e.name === "state").map((e) => [e.a, e.b]);
  assert.deepEqual(states, [[1, 0], [2, 0], [6, 7]]);
  await done(r);
});

for (const [state, reason, what] of [[3, 11, "rejects"], [8, 0, "is busy"], [9, 10, "does not answer"], [7, 8, "fails (aborted)"]] as const) {
  test(`device calls a user who ${what}: state ${state}, reason ${reason}`, async () => {
    const r = await setup(`SN_OUT_S${state}`);
    assert.equal(r.device.call("o_alice"), OK);
    await r.device.waitPhase(CALLING);
    r.cloud.push("call.state", { call_id: "c_1", state, reason });
    const ended = await r.device.waitPhase(ENDED);
    assert.deepEqual([ended.state, ended.reason], [state, reason]);
    await done(r);
  });
}

for (const errcode of [9, 8, 10008]) {
  test(`a call WeChat refuses with errcode ${errcode} returns -${errcode}`, async () => {
    const r = await setup(`SN_OUT_E${errcode}`);
    r.cloud.callPlan = { outcome: { errcode } };
    assert.equal(r.device.call("o_alice"), OK);
    const e = await r.device.waitEvent((ev) => ev.name === "command" && ev.a === 3);
    assert.equal(e.b, -errcode);
    const rep = r.device.callReport();
    assert.equal(rep.error, -errcode);
    assert.equal(rep.phase, ENDED);
    assert.equal(r.device.call("o_alice"), OK, "a new call is possible after a refusal");
    await done(r);
  });
}

test("a cloud that says the device is in a call already (409) gives E_BUSY", async () => {
  const r = await setup("SN_409");
  r.cloud.callPlan = { outcome: { status: 409 } };
  assert.equal(r.device.call("o_alice"), OK);
  const e = await r.device.waitEvent((ev) => ev.name === "command" && ev.a === 3);
  assert.equal(e.b, E_BUSY);
  await done(r);
});

test("device cancels its call while the user's phone rings", async () => {
  const r = await setup("SN_CANCEL");
  assert.equal(r.device.call("o_alice"), OK);
  await r.device.waitPhase(CALLING);
  assert.equal(r.device.cancel(), OK);
  const ended = await r.device.waitPhase(ENDED);
  assert.equal(ended.state, 4);
  assert.equal(r.cloud.requests("/v1/calls/c_1/cancel").length, 1);
  await done(r);
});

test("an unanswered call times out on the device: cancelled, reported as state 9 reason 10", async () => {
  const r = await setup("SN_TIMEOUT");
  assert.equal(r.device.setTimeouts(2, 1000, 60000), OK);
  assert.equal(r.device.call("o_alice"), OK);
  const ended = await r.device.waitPhase(ENDED, 5000);
  assert.deepEqual([ended.state, ended.reason], [9, 10]);
  assert.equal(r.cloud.requests("/v1/calls/c_1/cancel").length, 1);
  await done(r);
});

test("a user calls the device, which answers; the user hangs up", async () => {
  const r = await setup("SN_IN_1");
  r.cloud.push("call.ring", { call_id: "c_in1", from_openid: "o_carol", room_type: "video", media: r.cloud.media() });
  const ring = await r.device.waitEvent((e) => e.name === "ring");
  assert.equal(ring.a, 1, "room type video");
  const ringing = r.device.callReport();
  assert.equal(ringing.phase, RINGING);
  assert.equal(ringing.peer, "o_carol");
  assert.equal(ringing.direction, "incoming");
  assert.equal(r.device.answer(), OK);
  const talking = await r.device.waitPhase(TALKING);
  assert.equal(talking.media?.ssrc, 3333, "media from the answer");
  r.cloud.push("call.state", { call_id: "c_in1", state: 5, reason: 1 });
  const ended = await r.device.waitPhase(ENDED);
  assert.deepEqual([ended.state, ended.reason], [5, 1]);
  await done(r);
});

test("a user calls the device, which rejects", async () => {
  const r = await setup("SN_IN_2");
  r.cloud.push("call.ring", { call_id: "c_in2", from_openid: "o_carol", room_type: "voice" });
  await r.device.waitPhase(RINGING);
  assert.equal(r.device.reject(), OK);
  const ended = await r.device.waitPhase(ENDED);
  assert.equal(ended.state, 3);
  assert.equal(r.cloud.requests("/v1/calls/c_in2/reject").length, 1);
  await done(r);
});

test("a user cancels while the device rings", async () => {
  const r = await setup("SN_IN_3");
  r.cloud.push("call.ring", { call_id: "c_in3", from_openid: "o_carol", room_type: "voice" });
  await r.device.waitPhase(RINGING);
  r.cloud.push("call.state", { call_id: "c_in3", state: 4, reason: 1 });
  const ended = await r.device.waitPhase(ENDED);
  assert.equal(ended.state, 4);
  assert.equal(r.device.answer(), E_STATE);
  await done(r);
});

test("an unanswered ring times out on the device: rejected, reported as state 9 reason 10", async () => {
  const r = await setup("SN_IN_4");
  assert.equal(r.device.setTimeouts(2, 60000, 1000), OK);
  r.cloud.push("call.ring", { call_id: "c_in4", from_openid: "o_carol", room_type: "voice" });
  const ended = await r.device.waitPhase(ENDED, 5000);
  assert.deepEqual([ended.state, ended.reason], [9, 10]);
  assert.equal(r.cloud.requests("/v1/calls/c_in4/reject").length, 1);
  await done(r);
});

test("a second caller during a call is told busy; the first call goes on", async () => {
  const r = await setup("SN_BUSY");
  r.cloud.push("call.ring", { call_id: "c_a", from_openid: "o_carol", room_type: "voice" });
  await r.device.waitPhase(RINGING);
  assert.equal(r.device.answer(), OK);
  await r.device.waitPhase(TALKING);
  r.cloud.push("call.ring", { call_id: "c_b", from_openid: "o_dave", room_type: "voice" });
  const busy = await r.device.waitEvent((e) => e.name === "busy_sent");
  assert.equal(busy.b, OK);
  assert.equal(r.cloud.requests("/v1/calls/c_b/busy").length, 1);
  const rep = r.device.callReport();
  assert.equal(rep.call_id, "c_a");
  assert.equal(rep.phase, TALKING);
  await done(r);
});

test("an event delivered twice is handled once, and state events of other calls are ignored", async () => {
  const r = await setup("SN_DUP");
  assert.equal(r.device.call("o_alice"), OK);
  await r.device.waitPhase(CALLING);
  const seq = r.cloud.push("call.state", { call_id: "c_1", state: 2, reason: 0 });
  await r.device.waitPhase(TALKING);
  r.cloud.push("call.state", { call_id: "c_other", state: 6, reason: 1 });
  r.cloud.replay({ seq, type: "call.state", call_id: "c_1", state: 2, reason: 0 });
  await until(() => r.device.callReport().last_seq === seq + 1);
  await new Promise((res) => setTimeout(res, 100));
  assert.equal(r.device.callReport().phase, TALKING);
  assert.equal(r.device.events.filter((e) => e.name === "state" && e.a === 2).length, 1);
  await done(r);
});

test("a backlog of events larger than the device's buffer drains in steps, in order, each once", async () => {
  const r = await setup("SN_BACKLOG");
  r.device.stop();
  // 16 events of about 300 bytes: one answer of ~5 KB, more than the 2 KiB events buffer.
  for (let i = 0; i < 15; i++) r.cloud.push("call.state", { call_id: `c_old_${i}`, state: 6, reason: 1, note: "n".repeat(250) });
  const last = r.cloud.push("call.ring", { call_id: "c_after_backlog", from_openid: "o_late", room_type: "voice" });
  r.device.start();
  await r.device.waitEvent((e) => e.name === "ring", 15000);
  const rep = r.device.callReport();
  assert.equal(rep.call_id, "c_after_backlog");
  assert.equal(rep.last_seq, last);
  assert.equal(r.device.events.filter((e) => e.name === "ring").length, 1);
  const polls = r.cloud.requests("/v1/device/events").map((l) => Number(/after=(\d+)/.exec(l.path)![1]));
  assert.ok(polls.length >= 3, `drained in several polls: after=${polls.join(",")}`);
  assert.deepEqual([...polls].sort((a, b) => a - b), polls, "the position only moves forward");
  await done(r);
});

test("a network cut mid-call: the link drops, comes back with backoff, and the call state is kept", async () => {
  const r = await setup("SN_CUT");
  r.cloud.push("call.ring", { call_id: "c_cut", from_openid: "o_carol", room_type: "voice" });
  await r.device.waitPhase(RINGING);
  r.device.answer();
  await r.device.waitPhase(TALKING);
  r.cloud.refuse = true;
  r.cloud.dropConnections();
  await r.device.waitEvent((e) => e.name === "link" && e.a === 0);
  await new Promise((res) => setTimeout(res, 1500));
  assert.equal(r.device.callReport().phase, TALKING, "a cut alone does not end the call");
  r.cloud.refuse = false;
  await r.device.waitEvent((e) => e.name === "link" && e.a === 1, 40000);
  r.cloud.push("call.state", { call_id: "c_cut", state: 5, reason: 1 });
  const ended = await r.device.waitPhase(ENDED);
  assert.equal(ended.state, 5);
  await done(r);
});

test("a cloud restart mid-call: unacknowledged events are served again and handled once", async () => {
  const r = await setup("SN_RESTART");
  assert.equal(r.device.call("o_alice"), OK);
  await r.device.waitPhase(CALLING);
  r.cloud.push("call.state", { call_id: "c_1", state: 2, reason: 0 });
  await r.device.waitPhase(TALKING);
  const port = r.cloud.port;
  await r.cloud.stop();
  await r.device.waitEvent((e) => e.name === "link" && e.a === 0);
  await r.cloud.start(port);
  r.cloud.push("call.state", { call_id: "c_1", state: 6, reason: 1 });
  const ended = await r.device.waitPhase(ENDED, 40000);
  assert.deepEqual([ended.state, ended.reason], [6, 1]);
  await done(r);
});

test("responses in chunked coding on connections closed after each answer work alike", async () => {
  const r = await setup("SN_CHUNKED", false);
  r.cloud.chunked = true;
  r.cloud.closeAfterAnswer = true;
  assert.equal(await r.device.register(), OK);
  assert.equal(r.device.call("o_alice"), OK);
  const c = await r.device.waitPhase(CALLING);
  assert.equal(c.media?.relay_port, 40000);
  r.cloud.push("call.state", { call_id: "c_1", state: 9, reason: 10 });
  assert.equal((await r.device.waitPhase(ENDED)).state, 9);
  await done(r);
});

test("temporary 503s are retried with backoff for safe commands", async () => {
  const r = await setup("SN_503", false);
  await until(() => r.device.events.some((e) => e.name === "command" && e.a === 1 && e.b === OK));
  r.cloud.nextStatus = [503, 503];
  assert.equal(await r.device.register(), OK);
  assert.deepEqual(r.cloud.requests("/v1/device/register").map((l) => l.status), [503, 503, 200]);
  await done(r);
});

test("memory in use stays flat over 100 calls", async () => {
  const r = await setup("SN_MEM");
  let before = r.device.memoryUsed;
  const atStart = before;
  for (let i = 1; i <= 100; i++) {
    // The first call places the media session (its rings are sized by the call's codec), so
    // the flat line is measured from the end of call 1.
    if (i === 2) before = r.device.memoryUsed;
    if (i % 2) {
      assert.equal(r.device.call("o_alice", { payload: `call ${i}` }), OK);
      const c = await r.device.waitPhase(CALLING);
      r.cloud.push("call.state", { call_id: c.call_id, state: 2, reason: 0 });
      await r.device.waitPhase(TALKING);
    } else {
      r.cloud.push("call.ring", { call_id: `c_in_${i}`, from_openid: "o_carol", room_type: "voice" });
      await r.device.waitPhase(RINGING);
      assert.equal(r.device.answer(), OK);
      await r.device.waitPhase(TALKING);
    }
    assert.equal(r.device.hangup(), OK);
    await r.device.waitPhase(ENDED);
  }
  assert.equal(r.device.memoryUsed, before, `memory in use ${before} -> ${r.device.memoryUsed}`);
  assert.ok(before <= 32 * 1024, `the whole image (signalling, media, static data) uses ${before} bytes during a call, over 32 KiB`);
  process.stdout.write(`# image memory in use: registered ${atStart}, after call 1 ${before}, after call 100 ${r.device.memoryUsed} bytes\n`);
  await done(r);
});

test("register, ticket and call are accepted right after init, while the time request is in flight", async () => {
  const r = await setup("SN_EARLY", false);
  r.device.stop();
  const d = new Device({ storage: r.device.options.storage, ca: cert.cert });
  running.push({ cloud: r.cloud, device: d });
  const from = r.cloud.log.length;
  assert.equal(d.init(), OK);
  d.tick(); // the first tick sends GET /v1/time
  assert.equal(d.image.exports.vsdk_device_register(Number(process.hrtime.bigint() / 1_000_000n) >>> 0), OK);
  d.start();
  const e = await d.waitEvent((ev) => ev.name === "registered");
  assert.equal(e.a, OK);
  assert.deepEqual(r.cloud.log.slice(from).map((l) => l.path.split("?")[0]).filter((p) => p !== "/v1/device/events"),
    ["/v1/time", "/v1/device/register"], "the time first, then register, with no E_BUSY in between");
  d.stop();
  await r.cloud.stop();
});

test("a device restarted mid-call ends that call with the cloud at its next start", async () => {
  const r = await setup("SN_REBOOT");
  assert.equal(r.device.call("o_alice"), OK);
  await r.device.waitPhase(CALLING);
  r.cloud.push("call.state", { call_id: "c_1", state: 2, reason: 0 });
  await r.device.waitPhase(TALKING);
  await new Promise((res) => setTimeout(res, 50));
  r.device.stop(); // the power goes: no hang-up is sent
  const reboot = () => {
    const d = new Device({ storage: r.device.options.storage, ca: cert.cert });
    running.push({ cloud: r.cloud, device: d });
    assert.equal(d.init(), OK);
    d.start();
    return d;
  };
  const d = reboot();
  const ended = await d.waitPhase(ENDED);
  assert.equal(r.cloud.requests("/v1/calls/c_1/hangup").length, 1);
  assert.equal(ended.call_id, "c_1");
  assert.equal(ended.state, 6);
  d.stop();
  // Over now: the next start has nothing to end.
  const again = reboot();
  await new Promise((res) => setTimeout(res, 300));
  again.stop();
  assert.equal(r.cloud.requests("/v1/calls/").length, 1);
  assert.equal(again.callReport().phase, 0);
  // A ring that was pending when the device stopped is rejected at the next start.
  const d3 = reboot();
  r.cloud.push("call.ring", { call_id: "c_ring", from_openid: "o_carol", room_type: "voice" });
  await d3.waitPhase(RINGING);
  await new Promise((res) => setTimeout(res, 50));
  d3.stop();
  const d4 = reboot();
  assert.equal((await d4.waitPhase(ENDED)).state, 3);
  assert.equal(r.cloud.requests("/v1/calls/c_ring/reject").length, 1);
  await done({ cloud: r.cloud, device: d4 });
});
