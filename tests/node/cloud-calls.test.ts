// Calls both ways through the whole platform side on one machine: the device (our signing test
// client plus a UDP socket for its RTP), the vendor cloud with a room worker process per call,
// and the WeChat emulator whose simulated user answers, rejects, is busy, never answers or hangs
// up as each test scripts it. Every outcome is checked in the device's events, in the cloud's
// recorded state history and in the emulator's room.
process.env.VSDK_LOG ??= "silent";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import type { LocalSystem } from "../../cloud/local-system.js";
import { DeviceClient, send } from "./helpers/device-client.js";
import { startCloudWithDevice, stopCloudWithDevice, type CloudWithDevice } from "./helpers/cloud-with-device.js";
import { encryptMessage, messageSignature } from "../../cloud/wechat/message-crypto.js";

let setup: CloudWithDevice;
let sys: LocalSystem;
let dev: DeviceClient;
let lastSeq = 0;
const SN = "SN-CALLS-1";
const USER = "o_calls_user";
const USER2 = "o_calls_second";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  setup = await startCloudWithDevice("cloud-calls", SN, { ringTimeoutMs: 3000 }); // long enough for a loaded machine
  ({ sys, dev } = setup);
  const reg = await dev.post("/v1/device/register");
  assert.equal(reg.status, 200);
  const grant = await sys.emulatorCall("/emulator/grant", { openid: USER, sn: SN, model_id: "vsdk-model-1", sn_ticket: reg.json.sn_ticket, device_name: "Intercom" });
  assert.equal(grant.errcode, 0);
  const grant2 = await sys.emulatorCall("/emulator/grant", { openid: USER2, sn: SN, model_id: "vsdk-model-1", sn_ticket: reg.json.sn_ticket, device_name: "Intercom" });
  assert.equal(grant2.errcode, 0);
});

after(() => stopCloudWithDevice(setup));

/** Long-polls until an event matching `want` arrives (acknowledging everything before it). */
async function nextEvent(want: (e: any) => boolean, ms = 8000): Promise<any> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const r = await dev.events(lastSeq, 2);
    assert.equal(r.status, 200);
    for (const e of r.json.events) {
      lastSeq = e.seq;
      if (want(e)) return e;
    }
  }
  throw new Error("no such event in time");
}

const stateEvent = (callId: string, state: number) => (e: any) => e.type === "call.state" && e.call_id === callId && e.state === state;

async function history(callId: string): Promise<{ state: number; reason: number }[]> {
  const { call, history } = await adminGet(`/admin/v1/calls/${callId}`);
  assert.equal(call.id, callId);
  return history.map((h: any) => ({ state: h.state, reason: h.reason }));
}

async function adminGet(path: string): Promise<any> {
  const r = await send(dev.agent, sys.cloud.url, "GET", path, { authorization: `Bearer ${sys.cloud.config.adminToken}` }, Buffer.alloc(0));
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function script(s: Record<string, unknown>) {
  assert.equal((await sys.emulatorCall(`/emulator/users/${USER}/script`, s)).errcode, 0);
}

async function room(callId: string) {
  const { call } = await adminGet(`/admin/v1/calls/${callId}`);
  return sys.emulatorCall(`/emulator/rooms/${call.room_id}`);
}

test("device calls a user who answers: media flows both ways through the relay, device hangs up (5)", async () => {
  await script({ answer: "answer", after_ms: 100, speech: { tone_hz: 1000 } });
  const r = await dev.post("/v1/calls", { callee_openid: USER, room_type: "voice", payload: "cam-7" });
  assert.equal(r.status, 200, r.text);
  assert.equal(await sys.cloud.store.isAuthorised(SN, USER), true, "the accepted call records the user's grant");
  assert.match(r.json.call_id, /^c_[0-9a-f]+$/);
  assert.equal(r.json.state, 1);
  const m = r.json.media;
  assert.equal(m.codec, "PCMU");
  assert.equal(m.payload_type, 0);
  const callId = r.json.call_id;
  const talking = await nextEvent(stateEvent(callId, 2));
  assert.equal(talking.media.relay_port, m.relay_port);

  // The device's RTP (its SSRC) reaches the room; the room's speech comes back with peer_ssrc.
  const sock = createSocket("udp4");
  await new Promise<void>((res) => sock.bind(0, "127.0.0.1", () => res()));
  const received: Buffer[] = [];
  sock.on("message", (p) => received.push(p));
  const payload = Buffer.alloc(160, 0x55);
  for (let i = 0; i < 10; i++) {
    const h = Buffer.alloc(12);
    h[0] = 0x80; h[1] = 0; h.writeUInt16BE(i, 2); h.writeUInt32BE(i * 160, 4); h.writeUInt32BE(m.ssrc, 8);
    sock.send(Buffer.concat([h, payload]), m.relay_port, m.relay_host);
    await sleep(20);
  }
  // A packet with a foreign SSRC is not relayed, nor one with the right SSRC from another address.
  const alien = Buffer.alloc(172); alien[0] = 0x80; alien.writeUInt32BE((m.ssrc ^ 1) >>> 0, 8);
  sock.send(alien, m.relay_port, m.relay_host);
  const intruder = createSocket("udp4");
  const spoofed = Buffer.alloc(172); spoofed[0] = 0x80; spoofed.writeUInt32BE(m.ssrc, 8);
  await new Promise<void>((res) => intruder.send(spoofed, m.relay_port, m.relay_host, () => res()));
  intruder.close();
  await sleep(200);
  const rm = await room(callId);
  assert.equal(rm.state, 2);
  assert.equal(rm.received.packets, 10);
  assert.equal(rm.received.bytes, 1600);
  assert.deepEqual(rm.received.payload_types, [0]);
  assert.ok(received.length >= 5, `room audio reached the device (${received.length} packets)`);
  assert.ok(received.every((p) => p.readUInt32BE(8) === m.peer_ssrc), "re-stamped with peer_ssrc");
  assert.equal(received[0].length, 172);
  sock.close();

  const recording = await fetch(`${sys.emulator.url}/emulator/rooms/${rm.roomid}/recording.wav`);
  assert.equal((await recording.arrayBuffer()).byteLength, 44 + 1600 * 2);

  const busy = await dev.post("/v1/calls", { callee_openid: USER });
  assert.equal(busy.status, 409, "one call at a time");

  const hang = await dev.post(`/v1/calls/${callId}/hangup`);
  assert.equal(hang.status, 200, hang.text);
  assert.equal(hang.json.state, 5);
  assert.equal(hang.json.reason, 1);
  await nextEvent(stateEvent(callId, 5));
  assert.deepEqual(await history(callId), [{ state: 1, reason: 0 }, { state: 2, reason: 0 }, { state: 5, reason: 1 }]);
  const again = await dev.post(`/v1/calls/${callId}/hangup`);
  assert.equal(again.status, 409);
  assert.equal(again.json.error, "bad_state");
});

test("two call requests racing from one device: one call, the other told busy (-1016)", async () => {
  await script({ answer: "no_answer", after_ms: 0 });
  const [a, b] = await Promise.all([dev.post("/v1/calls", { callee_openid: USER }), dev.post("/v1/calls", { callee_openid: USER })]);
  const statuses = [a.status, b.status].sort();
  assert.deepEqual(statuses, [200, 409], `${a.text} / ${b.text}`);
  const loser = a.status === 409 ? a : b;
  assert.equal(loser.json.code, -1016);
  const winner = a.status === 200 ? a : b;
  const cancel = await dev.post(`/v1/calls/${winner.json.call_id}/cancel`);
  assert.equal(cancel.status, 200, cancel.text);
  await nextEvent(stateEvent(winner.json.call_id, 4));
});

test("user rejects (3, reason 11), is busy (8), never answers (9, reason 10)", async () => {
  const cases = [
    { s: { answer: "reject", after_ms: 50 }, state: 3, reason: 11 },
    { s: { answer: "busy", after_ms: 50 }, state: 8, reason: 0 },
    { s: { answer: "no_answer", after_ms: 0 }, state: 9, reason: 10 },
  ];
  for (const c of cases) {
    await script(c.s);
    const r = await dev.post("/v1/calls", { callee_openid: USER });
    assert.equal(r.status, 200, r.text);
    const e = await nextEvent(stateEvent(r.json.call_id, c.state));
    assert.equal(e.reason, c.reason);
    assert.deepEqual(await history(r.json.call_id), [{ state: 1, reason: 0 }, { state: c.state, reason: c.reason }]);
  }
});

test("device cancels while ringing (4); user hangs up while talking (6)", async () => {
  await script({ answer: "no_answer", after_ms: 0 });
  const r = await dev.post("/v1/calls", { callee_openid: USER });
  await sleep(100);
  const c = await dev.post(`/v1/calls/${r.json.call_id}/cancel`);
  assert.equal(c.json.state, 4);
  await nextEvent(stateEvent(r.json.call_id, 4));

  await script({ answer: "answer", after_ms: 50, hangup_after_ms: 200 });
  const r2 = await dev.post("/v1/calls", { callee_openid: USER });
  await nextEvent(stateEvent(r2.json.call_id, 2));
  const e = await nextEvent(stateEvent(r2.json.call_id, 6));
  assert.equal(e.reason, 1);
});

test("WeChat's call errors come back as its errcode: 9 for a user who has not authorised the device", async () => {
  const r = await dev.post("/v1/calls", { callee_openid: "o_stranger" });
  assert.equal(r.status, 200);
  assert.equal(r.json.call_id, null);
  assert.equal(r.json.errcode, 9);
  // and the device is free again: the refused call is recorded as ended
  await script({ answer: "reject", after_ms: 10 });
  const ok = await dev.post("/v1/calls", { callee_openid: USER });
  assert.equal(ok.status, 200);
  await nextEvent(stateEvent(ok.json.call_id, 3));
});

test("user calls the device: ring event, device answers (2), device hangs up (6)", async () => {
  await script({ answer: "answer", after_ms: 0 });
  const call = await sys.emulatorCall(`/emulator/users/${USER}/call`, { sn: SN, model_id: "vsdk-model-1", room_type: "voice" });
  assert.equal(call.errcode, 0);
  assert.equal(call.push_errcode, 0);
  const ring = await nextEvent((e) => e.type === "call.ring");
  assert.equal(ring.from_openid, USER);
  assert.equal(ring.media.codec, "PCMU");
  const a = await dev.post(`/v1/calls/${ring.call_id}/answer`);
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.state, 2);
  const h = await dev.post(`/v1/calls/${ring.call_id}/hangup`);
  assert.equal(h.json.state, 6);
  const rm = await sys.emulatorCall(`/emulator/rooms/${call.roomid}`);
  assert.equal(rm.state, 6);
  assert.equal(rm.caller, "user");
  assert.deepEqual(await history(ring.call_id), [{ state: 1, reason: 0 }, { state: 2, reason: 0 }, { state: 6, reason: 1 }]);
});

test("user calls the device: reject (3), busy (8), no answer (9), user cancels ringing (5), user hangs up talking (5)", async () => {
  const ringAnd = async (op: string | null, s: Record<string, unknown> = {}) => {
    await script({ answer: "answer", after_ms: 0, ...s });
    const call = await sys.emulatorCall(`/emulator/users/${USER}/call`, { sn: SN, model_id: "vsdk-model-1" });
    assert.equal(call.errcode, 0);
    const ring = await nextEvent((e) => e.type === "call.ring");
    if (op) {
      const r = await dev.post(`/v1/calls/${ring.call_id}/${op}`);
      assert.equal(r.status, 200, r.text);
    }
    return ring.call_id as string;
  };
  const rejected = await ringAnd("reject");
  assert.equal((await nextEvent(stateEvent(rejected, 3))).reason, 11);
  const busy = await ringAnd("busy");
  await nextEvent(stateEvent(busy, 8));
  const unanswered = await ringAnd(null);
  assert.equal((await nextEvent(stateEvent(unanswered, 9), 8000)).reason, 10);
  const cancelled = await ringAnd(null, { cancel_after_ms: 100 });
  assert.equal((await nextEvent(stateEvent(cancelled, 5))).reason, 1);
  const talked = await ringAnd("answer", { hangup_after_ms: 150 });
  assert.equal((await nextEvent(stateEvent(talked, 5))).reason, 1);
  // answering an ended call is refused
  const late = await dev.post(`/v1/calls/${talked}/answer`);
  assert.equal(late.status, 409);
});

test("a push resent three times (answers lost) is handled once", async () => {
  await script({ answer: "answer", after_ms: 0 });
  const handled = sys.cloud.push.handled, dups = sys.cloud.push.duplicates;
  await sys.emulatorCall("/emulator/faults", { ignore_push_answers: 3 });
  const call = await sys.emulatorCall(`/emulator/users/${USER}/call`, { sn: SN, model_id: "vsdk-model-1" });
  assert.equal(call.push_attempts, 4);
  assert.equal(call.push_errcode, 0);
  assert.equal(sys.cloud.push.handled, handled + 1);
  assert.equal(sys.cloud.push.duplicates, dups + 3);
  const ring = await nextEvent((e) => e.type === "call.ring");
  await dev.post(`/v1/calls/${ring.call_id}/reject`);
  await sleep(300);
  const more = await dev.events(lastSeq, 0);
  assert.equal(more.json.events.filter((e: any) => e.type === "call.ring").length, 0, "one ring only");
});

test("pushes with a bad signature or for an unknown device are refused", async () => {
  const bad = await fetch(`${sys.emulator.url}/emulator/users/${USER}/call`, { method: "POST", body: JSON.stringify({ sn: "SN-UNKNOWN", model_id: "vsdk-model-1" }) });
  assert.equal((await bad.json()).errcode, 9, "WeChat itself refuses a device the user never authorised");
  const { send } = await import("./helpers/device-client.js");
  const forged = await send(dev.agent, sys.cloud.url, "POST", "/wechat/push?timestamp=1&nonce=2&msg_signature=00", { "content-type": "application/json" },
    Buffer.from(JSON.stringify({ ToUserName: "x", Encrypt: "AAAA" })));
  assert.equal(forged.status, 401);
});

test("a second caller while the device talks is told busy (8) by the cloud; the first call goes on", async () => {
  await script({ answer: "answer", after_ms: 0 });
  const first = await dev.post("/v1/calls", { callee_openid: USER });
  await nextEvent(stateEvent(first.json.call_id, 2));
  const second = await sys.emulatorCall(`/emulator/users/${USER2}/call`, { sn: SN, model_id: "vsdk-model-1" });
  assert.equal(second.push_errcode, 0);
  const deadline = Date.now() + 5000;
  let busyRoom: any;
  do { busyRoom = await sys.emulatorCall(`/emulator/rooms/${second.roomid}`); await sleep(50); } while (busyRoom.state !== 8 && Date.now() < deadline);
  assert.equal(busyRoom.state, 8);
  const events = await dev.events(lastSeq, 0);
  assert.equal(events.json.events.filter((e: any) => e.type === "call.ring").length, 0, "the busy device is not rung");
  assert.equal((await room(first.json.call_id)).state, 2, "the first call goes on");
  const hang = await dev.post(`/v1/calls/${first.json.call_id}/hangup`);
  assert.equal(hang.json.state, 5);
});

test("a push for a device the cloud does not know is refused (errcode 2), which cancels the call", async () => {
  const o = sys.emulator.options;
  const message = { ToUserName: "gh", FromUserName: USER, CreateTime: 1, MsgType: "event", Event: "iot_voip_notify", Action: "join_voip_room",
    RoomId: "room_forged", SessionKey: "k", ServerToken: "t", Payload: "", ModelId: "vsdk-model-1", Sn: "SN-NOT-OURS" };
  const encrypted = encryptMessage(o.encodingAesKey, o.appid, JSON.stringify(message));
  const ts = "1700000000", nonce = "n1";
  const q = `timestamp=${ts}&nonce=${nonce}&encrypt_type=aes&msg_signature=${messageSignature(o.pushToken, ts, nonce, encrypted)}`;
  const r = await send(dev.agent, sys.cloud.url, "POST", `/wechat/push?${q}`, { "content-type": "application/json" }, Buffer.from(JSON.stringify({ ToUserName: "gh", Encrypt: encrypted })));
  assert.equal(r.status, 200);
  assert.equal(r.json.errcode, 2);
  const again = await send(dev.agent, sys.cloud.url, "POST", `/wechat/push?${q}`, { "content-type": "application/json" }, Buffer.from(JSON.stringify({ ToUserName: "gh", Encrypt: encrypted })));
  assert.equal(again.json.errcode, 2, "a resend gets the same answer");
  const wrongKey = encryptMessage("A".repeat(43), o.appid, JSON.stringify(message));
  const q2 = `timestamp=${ts}&nonce=${nonce}&encrypt_type=aes&msg_signature=${messageSignature(o.pushToken, ts, nonce, wrongKey)}`;
  const garbled = await send(dev.agent, sys.cloud.url, "POST", `/wechat/push?${q2}`, { "content-type": "application/json" }, Buffer.from(JSON.stringify({ ToUserName: "gh", Encrypt: wrongKey })));
  assert.equal(garbled.status, 400, "a push encrypted with another key is refused");
  const check = await send(dev.agent, sys.cloud.url, "GET", `/wechat/push?timestamp=${ts}&nonce=${nonce}&echostr=hello&signature=${messageSignature(o.pushToken, ts, nonce)}`, {}, Buffer.alloc(0));
  assert.equal(check.text, "hello", "WeChat's URL check is echoed");
});

test("a cloud restart leaves no call open (its worker hangs up, or the new run aborts it: 4 or 7) and the device can call again", async () => {
  await script({ answer: "no_answer", after_ms: 0 });
  const r = await dev.post("/v1/calls", { callee_openid: USER });
  assert.equal(r.status, 200);
  await sleep(200);
  await sys.restartCloud();
  dev.close();
  dev = new DeviceClient(sys.cloud.url, dev.sn, dev.secret, sys.ca);
  const ended = await nextEvent((e) => e.type === "call.state" && e.call_id === r.json.call_id && [7, 5, 4].includes(e.state));
  assert.ok(ended, "the open call was ended");
  const { call } = await adminGet(`/admin/v1/calls/${r.json.call_id}`);
  assert.ok(call.ended_at);
  await script({ answer: "reject", after_ms: 10 });
  const next = await dev.post("/v1/calls", { callee_openid: USER });
  assert.equal(next.status, 200, next.text);
  await nextEvent(stateEvent(next.json.call_id, 3));
});
