// The vendor cloud's device API end to end on SQLite, against the WeChat emulator, over real
// HTTPS with the development CA: signing and replay refusals, malformed and oversize requests,
// registration through getSnTicket, the event channel (also across a restart), pushes resent.
process.env.VSDK_LOG ??= "silent";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect } from "node:tls";
import { join } from "node:path";
import type { LocalSystem } from "../../cloud/local-system.js";
import { DeviceClient } from "./helpers/device-client.js";
import { startCloudWithDevice, stopCloudWithDevice, type CloudWithDevice } from "./helpers/cloud-with-device.js";
import { WechatClient } from "../../cloud/wechat/client.js";

let setup: CloudWithDevice;
let sys: LocalSystem;
let dir: string;
let dev: DeviceClient;

before(async () => {
  setup = await startCloudWithDevice("cloud-api", "SN-API-1");
  ({ sys, dir, dev } = setup);
});

after(() => stopCloudWithDevice(setup));

test("GET /v1/time is unsigned and near our clock; /healthz reports the database", async () => {
  const t = await dev.get("/v1/time", { omit: ["x-vsdk-signature", "x-vsdk-device", "x-vsdk-nonce", "x-vsdk-timestamp"] });
  assert.equal(t.status, 200);
  assert.ok(Math.abs(t.json.server_time - Date.now() / 1000) < 5);
  const h = await dev.get("/healthz");
  assert.equal(h.json.ok, true);
  assert.equal(h.json.database, "sqlite");
});

test("a correctly signed request is accepted over HTTPS verified by the development CA", async () => {
  const r = await dev.events(0, 0);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { events: [] });
});

test("forged, unknown, stale and replayed requests are refused with distinct errors", async () => {
  const forged = await dev.get("/v1/device/events?after=0&wait=0", { secret: "11".repeat(32) });
  assert.equal(forged.status, 401);
  assert.equal(forged.json.error, "bad_signature");
  assert.equal(forged.json.code, -1012);

  const tampered = await dev.post("/v1/device/register", {}, { tamperBody: true });
  assert.equal(tampered.json.error, "bad_signature");

  const stranger = new DeviceClient(sys.cloud.url, "SN-NOBODY", "22".repeat(32), sys.ca);
  const unknown = await stranger.events(0, 0);
  stranger.close();
  assert.equal(unknown.status, 401);
  assert.equal(unknown.json.error, "unknown_device");

  const stale = await dev.events(0, 0).then(() => dev.get("/v1/device/events?after=0&wait=0", { timestamp: Math.floor(Date.now() / 1000) - 301 }));
  assert.equal(stale.status, 401);
  assert.equal(stale.json.error, "stale_timestamp");
  assert.equal(stale.json.code, -1013);
  assert.ok(Math.abs(stale.json.server_time - Date.now() / 1000) < 5, "server_time lets the device fix its clock");
  const future = await dev.get("/v1/device/events?after=0&wait=0", { timestamp: Math.floor(Date.now() / 1000) + 400 });
  assert.equal(future.json.error, "stale_timestamp");

  const nonce = "ab".repeat(16);
  const first = await dev.get("/v1/device/events?after=0&wait=0", { nonce });
  assert.equal(first.status, 200);
  const replay = await dev.get("/v1/device/events?after=0&wait=0", { nonce });
  assert.equal(replay.status, 401);
  assert.equal(replay.json.error, "replayed_nonce");
  assert.equal(replay.json.code, -1007);

  for (const omit of ["x-vsdk-signature", "x-vsdk-nonce", "x-vsdk-timestamp", "x-vsdk-device"]) {
    const r = await dev.get("/v1/device/events?after=0&wait=0", { omit: [omit] });
    assert.equal(r.json.error, "missing_auth", omit);
  }
  const shortNonce = await dev.get("/v1/device/events?after=0&wait=0", { nonce: "abc" });
  assert.equal(shortNonce.json.error, "missing_auth");
});

test("a forged request does not burn the nonce it carried", async () => {
  const nonce = "cd".repeat(16);
  const forged = await dev.get("/v1/device/events?after=0&wait=0", { nonce, secret: "33".repeat(32) });
  assert.equal(forged.json.error, "bad_signature");
  const real = await dev.get("/v1/device/events?after=0&wait=0", { nonce });
  assert.equal(real.status, 200);
});

test("malformed JSON, wrong fields, unknown paths, wrong methods, oversize bodies", async () => {
  const bad = await dev.request("POST", "/v1/calls", { rawBody: Buffer.from("{not json") });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.code, -1003);
  const arr = await dev.request("POST", "/v1/calls", { rawBody: Buffer.from("[1,2]") });
  assert.equal(arr.status, 400);
  const badField = await dev.post("/v1/calls", { callee_openid: "has spaces!" });
  assert.equal(badField.status, 400);
  const badType = await dev.post("/v1/calls", { callee_openid: "o_user", room_type: "hologram" });
  assert.equal(badType.status, 400);
  const unknownPath = await dev.get("/v1/nothing-here");
  assert.equal(unknownPath.status, 404);
  const wrongMethod = await dev.get("/v1/device/register");
  assert.equal(wrongMethod.status, 405);
  const big = await dev.request("POST", "/v1/calls", { rawBody: Buffer.alloc(9000, 0x20) });
  assert.equal(big.status, 413);
  const badWait = await dev.get("/v1/device/events?after=0&wait=99");
  assert.equal(badWait.status, 400);
  const badAfter = await dev.get("/v1/device/events?after=-4&wait=0");
  assert.equal(badAfter.status, 400);
});

test("an oversize chunked body (no length given) is cut off at 8 KiB with 413", async () => {
  const { request } = await import("node:https");
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(`${sys.cloud.url}/v1/calls`, { method: "POST", ca: sys.ca, headers: { "transfer-encoding": "chunked",
      "x-vsdk-device": dev.sn, "x-vsdk-timestamp": String(Math.floor(Date.now() / 1000)), "x-vsdk-nonce": "12".repeat(16), "x-vsdk-signature": "00".repeat(32) } },
      (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on("error", reject);
    for (let i = 0; i < 10; i++) req.write(Buffer.alloc(1000, 0x20));
    req.end();
  });
  assert.equal(status, 413);
});

test("the back office needs its token; it provisions devices and records users' grants", async () => {
  const { send } = await import("./helpers/device-client.js");
  const admin = (method: string, path: string, body?: unknown, token = sys.cloud.config.adminToken) =>
    send(dev.agent, sys.cloud.url, method, path, { authorization: `Bearer ${token}`, "content-type": "application/json" }, Buffer.from(body === undefined ? "" : JSON.stringify(body)));
  assert.equal((await admin("GET", "/admin/v1/devices/SN-API-1", undefined, "wrong")).status, 401);
  const made = await admin("POST", "/admin/v1/devices", { sn: "SN-ADMIN-1", model_id: "vsdk-model-1", name: "Lobby" });
  assert.equal(made.status, 200, made.text);
  assert.match(made.json.secret, /^[0-9a-f]{64}$/);
  assert.equal((await admin("POST", "/admin/v1/devices", { sn: "SN-ADMIN-1", model_id: "vsdk-model-1" })).status, 409, "once only");
  assert.equal((await admin("POST", "/admin/v1/devices", { sn: "bad sn", model_id: "m" })).status, 400);
  const fresh = new DeviceClient(sys.cloud.url, "SN-ADMIN-1", made.json.secret, sys.ca);
  assert.equal((await fresh.events(0, 0)).status, 200, "the new secret signs");
  fresh.close();
  const shown = await admin("GET", "/admin/v1/devices/SN-ADMIN-1");
  assert.equal(shown.json.name, "Lobby");
  assert.equal(shown.json.secret, undefined, "secrets are never shown again");
  assert.equal((await admin("POST", "/admin/v1/authorisations", { sn: "SN-ADMIN-1", openid: "o_admin" })).json.authorised, true);
  assert.equal(await sys.cloud.store.isAuthorised("SN-ADMIN-1", "o_admin"), true);
  assert.equal((await admin("POST", "/admin/v1/authorisations/revoke", { sn: "SN-ADMIN-1", openid: "o_admin" })).json.revoked, true);
  assert.equal(await sys.cloud.store.isAuthorised("SN-ADMIN-1", "o_admin"), false);
  assert.equal((await admin("POST", "/admin/v1/authorisations", { sn: "SN-NONE", openid: "o_admin" })).status, 404);
  assert.equal((await admin("GET", "/admin/v1/calls/c_00")).status, 404);
});

test("malformed HTTP gets a 400 and the server keeps serving", async () => {
  const reply = await new Promise<string>((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port: sys.cloud.port, ca: sys.ca, servername: "localhost" }, () => s.write("BLAH /\x00 HTTP/9.9\r\n\r\n"));
    let text = "";
    s.on("data", (d) => { text += d.toString(); });
    s.on("end", () => resolve(text));
    s.on("error", reject);
  });
  assert.match(reply, /^HTTP\/1\.1 400/);
  assert.equal((await dev.events(0, 0)).status, 200);
});

test("registration obtains WeChat's device ticket; WeChat's errors pass through", async () => {
  const r = await dev.post("/v1/device/register");
  assert.equal(r.status, 200);
  assert.equal(r.json.device_id, "SN-API-1");
  assert.equal(r.json.model_id, "vsdk-model-1");
  assert.equal(r.json.wxa_appid, sys.emulator.options.appid);
  assert.equal(r.json.ticket_expires_in, 300);
  assert.ok(r.json.sn_ticket.length > 10);
  // The ticket is WeChat's: the user can authorise the device with it in the emulator.
  const grant = await sys.emulatorCall("/emulator/grant", { openid: "o_api_user", sn: "SN-API-1", model_id: "vsdk-model-1", sn_ticket: r.json.sn_ticket, device_name: "Doorbell" });
  assert.equal(grant.errcode, 0);
  const again = await dev.post("/v1/device/register");
  assert.equal(again.json.registered_at, r.json.registered_at, "registering again keeps the first date");
  const ticket = await dev.get("/v1/device/ticket");
  assert.equal(ticket.status, 200);
  assert.notEqual(ticket.json.sn_ticket, r.json.sn_ticket);

  await sys.emulatorCall("/emulator/faults", { getsnticket_busy: 1 });
  const busy = await dev.post("/v1/device/register");
  assert.equal(busy.status, 503);
  assert.equal(busy.json.errcode, -1);

  const other = await sys.provision("SN-OTHER-MODEL", "unregistered-model");
  const od = new DeviceClient(sys.cloud.url, other.sn, other.secret, sys.ca);
  const refused = await od.post("/v1/device/register");
  od.close();
  assert.equal(refused.status, 502);
  assert.equal(refused.json.errcode, 9800003);
});

test("the access token is cached and renewed when WeChat calls it expired", async () => {
  const before = sys.emulator.platform.tokensIssued;
  await dev.get("/v1/device/ticket");
  await dev.get("/v1/device/ticket");
  assert.equal(sys.emulator.platform.tokensIssued, before, "a live token is reused");
  await sys.emulatorCall("/emulator/faults", { expire_tokens: true });
  const r = await dev.get("/v1/device/ticket");
  assert.equal(r.status, 200);
  assert.equal(sys.emulator.platform.tokensIssued, before + 1);
});

test("the access token is renewed five minutes before it expires, once for concurrent callers", async () => {
  let now = Date.now();
  const client = new WechatClient({ apiBase: sys.emulator.url, appid: sys.emulator.options.appid, secret: sys.emulator.options.secret, now: () => now });
  const first = await Promise.all([client.accessToken(), client.accessToken(), client.accessToken()]);
  assert.equal(client.tokenFetches, 1, "one fetch for three concurrent callers");
  assert.ok(first.every((t) => t === first[0]));
  now += (7200 - 301) * 1000; // 301 s left: still good
  assert.equal(await client.accessToken(), first[0]);
  now += 2000; // 299 s left: renewed ahead of expiry
  const renewed = await client.accessToken();
  assert.notEqual(renewed, first[0]);
  assert.equal(client.tokenFetches, 2);
  assert.equal((await client.getSnTicket("SN-TOKEN", "vsdk-model-1")).length > 10, true, "the renewed token works");
});

test("WeChat's own rules: sn characters and length, token errors (emulator)", async () => {
  const token = await sys.emulatorCall(`/cgi-bin/token?grant_type=client_credential&appid=${sys.emulator.options.appid}&secret=${sys.emulator.options.secret}`);
  const t = token.access_token;
  const post = (body: unknown, tok = t) => sys.emulatorCall(`/wxa/getsnticket?access_token=${tok}`, body);
  assert.equal((await post({ sn: "x".repeat(129), model_id: "vsdk-model-1" })).errcode, 9800001);
  assert.equal((await post({ sn: "bad sn!", model_id: "vsdk-model-1" })).errcode, 9800002);
  assert.equal((await post({ sn: "GOOD", model_id: "nope" })).errcode, 9800003);
  assert.equal((await post({ sn: "GOOD", model_id: "vsdk-model-1" })).errcode, 0);
  assert.equal((await post({ sn: "GOOD", model_id: "vsdk-model-1" }, "forged")).errcode, 40001);
  const wrongSecret = await sys.emulatorCall(`/cgi-bin/token?grant_type=client_credential&appid=${sys.emulator.options.appid}&secret=nope`);
  assert.equal(wrongSecret.errcode, 40125);
});

test("the event channel: long-poll wakes on a new event, order and acknowledgement hold", async () => {
  const polled = dev.events(0, 10);
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  await sys.cloud.events.publish("SN-API-1", "test.one", { n: 1 });
  const r = await polled;
  assert.ok(Date.now() - started < 1000, "answered on the event, not on the timeout");
  assert.equal(r.json.events.length, 1);
  assert.equal(r.json.events[0].type, "test.one");
  const seq1 = r.json.events[0].seq;
  await sys.cloud.events.publish("SN-API-1", "test.two", { n: 2 });
  await sys.cloud.events.publish("SN-API-1", "test.three", { n: 3 });
  const again = await dev.events(0, 0);
  assert.deepEqual(again.json.events.map((e: any) => e.n), [1, 2, 3], "unacknowledged events are served again, in order");
  const acked = await dev.events(seq1, 0);
  assert.deepEqual(acked.json.events.map((e: any) => e.seq), [seq1 + 1, seq1 + 2]);
  const none = await dev.events(seq1 + 2, 0);
  assert.deepEqual(none.json.events, []);
  const timed = Date.now();
  const empty = await dev.events(seq1 + 2, 1);
  assert.deepEqual(empty.json.events, []);
  assert.ok(Date.now() - timed >= 900, "an empty long-poll waits its time");
});

test("events pending at a restart are served by the restarted cloud", async () => {
  const seq = await sys.cloud.events.publish("SN-API-1", "test.pending", { keep: true });
  await sys.restartCloud();
  const d2 = new DeviceClient(sys.cloud.url, dev.sn, dev.secret, sys.ca);
  const r = await d2.events(seq - 1, 0);
  d2.close();
  dev.close();
  dev = new DeviceClient(sys.cloud.url, d2.sn, d2.secret, sys.ca);
  assert.equal(r.status, 200);
  assert.equal(r.json.events[0].seq, seq);
  assert.equal(r.json.events[0].type, "test.pending");
  // the restart kept the development CA: the same trust still verifies
  assert.equal((await dev.events(seq, 0)).status, 200);
});

test("a room worker that cannot start gives 503 room_unavailable and leaves the device free", async () => {
  const { Cloud } = await import("../../cloud/server.js");
  const { provisionDevice } = await import("../../cloud/provision.js");
  const broken = await Cloud.start({ port: 0, dataDir: join(dir, "broken"), roomWorker: [process.execPath, "-e", "process.exit(3)"],
    wechat: { ...sys.cloud.config.wechat } });
  try {
    const id = await provisionDevice(broken.store, { sn: "SN-BROKEN", model_id: "vsdk-model-1" });
    const d = new DeviceClient(broken.url, id.sn, id.secret, readFileSync(broken.caFile!));
    assert.equal((await d.post("/v1/device/register")).status, 200);
    const r = await d.post("/v1/calls", { callee_openid: "o_api_user" });
    assert.equal(r.status, 503);
    assert.equal(r.json.error, "room_unavailable");
    assert.equal(r.json.error, "room_unavailable");
    assert.equal(await broken.store.openCallOf("SN-BROKEN"), null);
    d.close();
  } finally {
    await broken.stop();
  }
});

test("WeChat unreachable: registration answers 503 with errcode -1 (retry later)", async () => {
  const { Cloud } = await import("../../cloud/server.js");
  const { provisionDevice } = await import("../../cloud/provision.js");
  const lonely = await Cloud.start({ port: 0, dataDir: join(dir, "lonely"), wechat: { ...sys.cloud.config.wechat, apiBase: "http://127.0.0.1:9" } });
  try {
    const id = await provisionDevice(lonely.store, { sn: "SN-LONELY", model_id: "vsdk-model-1" });
    const d = new DeviceClient(lonely.url, id.sn, id.secret, readFileSync(lonely.caFile!));
    const r = await d.post("/v1/device/register");
    d.close();
    assert.equal(r.status, 503);
    assert.equal(r.json.errcode, -1);
    assert.equal((await lonely.store.device("SN-LONELY"))?.registered_at, null, "nothing recorded");
  } finally {
    await lonely.stop();
  }
});
