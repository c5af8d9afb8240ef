// The vendor cloud against clients it was not written with: curl, raw TLS sockets speaking
// HTTP/1.0, pipelining, Expect: 100-continue, oversize and dribbled uploads, bodies that are not
// UTF-8 or not objects, pushes whose decrypted message is malformed, duplicate and concurrent
// provisioning, and odd query values. Each answer must be a clear error with the right status,
// and the server must go on serving with its state as it was.
process.env.VSDK_LOG ??= "silent";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connect, type ConnectionOptions } from "node:tls";
import { join } from "node:path";
import { startLocalSystem, type LocalSystem } from "../../cloud/local-system.js";
import { encryptMessage, messageSignature } from "../../cloud/wechat/message-crypto.js";
import { DeviceClient, send } from "./helpers/device-client.js";
import { startCloudWithDevice, stopCloudWithDevice, type CloudWithDevice } from "./helpers/cloud-with-device.js";
import { uploadAfterRefusal } from "./helpers/upload-after-refusal.js";

let setup: CloudWithDevice;
let sys: LocalSystem;
let dir: string;
let dev: DeviceClient;
let caFile: string;

before(async () => {
  setup = await startCloudWithDevice("cloud-robust", "SN-ROBUST-1");
  ({ sys, dir, dev } = setup);
  caFile = sys.cloud.caFile!;
});

after(() => stopCloudWithDevice(setup));

const admin = (method: string, path: string, body?: unknown, raw?: Buffer) =>
  send(dev.agent, sys.cloud.url, method, path, { authorization: `Bearer ${sys.cloud.config.adminToken}`, "content-type": "application/json" },
    raw ?? Buffer.from(body === undefined ? "" : JSON.stringify(body)));

/** Writes `text` on a fresh TLS connection and collects everything until the server closes (or `ms`). */
function rawTls(text: string | Buffer, o: { alpn?: string[]; ms?: number; port?: number } = {}): Promise<{ text: string; closed: boolean; error?: string }> {
  return new Promise((resolve) => {
    let got = "";
    const s = connect({ host: "127.0.0.1", port: o.port ?? sys.cloud.port, ca: sys.ca, servername: "localhost", ALPNProtocols: o.alpn }, () => s.write(text));
    const timer = setTimeout(() => { s.destroy(); resolve({ text: got, closed: false }); }, o.ms ?? 5000);
    s.on("data", (d) => { got += d.toString("latin1"); });
    s.on("close", () => { clearTimeout(timer); resolve({ text: got, closed: true }); });
    s.on("error", (e) => { clearTimeout(timer); resolve({ text: got, closed: true, error: e.message }); });
  });
}

function curl(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn("curl", ["-s", "--cacert", caFile, ...args]);
    let out = "";
    p.stdout.on("data", (d) => { out += d; });
    p.on("error", (e) => reject(new Error(`curl is needed for this test (tools/apt-packages.txt): ${e.message}`)));
    p.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

test("a client that offers only http/1.0 by ALPN is served (curl --http1.0, raw TLS)", async () => {
  const r = await rawTls("GET /v1/time HTTP/1.0\r\n\r\n", { alpn: ["http/1.0"] });
  assert.equal(r.error, undefined, "the TLS handshake must not be refused");
  assert.match(r.text, /^HTTP\/1\.1 200 /);
  assert.ok(Math.abs(JSON.parse(r.text.slice(r.text.indexOf("\r\n\r\n") + 4)).server_time - Date.now() / 1000) < 5);
  const c = await curl(["--http1.0", "-w", "\n%{http_code}", `${sys.cloud.url}/healthz`]);
  assert.equal(c.code, 0, "curl's exit code");
  assert.equal(c.out.split("\n").pop(), "200");
  assert.equal(JSON.parse(c.out.split("\n")[0]).ok, true);
});

test("keep-alive and pipelining: several requests on one connection are answered in order", async () => {
  const r = await rawTls("GET /v1/time HTTP/1.1\r\nhost: x\r\n\r\n" + "GET /healthz?probe=1 HTTP/1.1\r\nHOST: x\r\n\r\n"
    + "GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const statuses = [...r.text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]); // a body has no newline before the next answer
  assert.deepEqual(statuses, ["200", "200", "404"]);
  assert.match(r.text, /"server_time":\d+/);
  assert.match(r.text, /"database":"sqlite"/);
  assert.match(r.text, /\{"error":"not_found","code":-1015\}$/);
});

test("HEAD is answered like GET without a body; a 405 names the allowed methods", async () => {
  const head = await rawTls("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.match(head.text, /^HTTP\/1\.1 200 /);
  assert.ok(head.text.endsWith("\r\n\r\n"), "no body after the headers");
  const time = await curl(["-I", "-w", "%{http_code}", `${sys.cloud.url}/v1/time`]);
  assert.match(time.out, /200$/);
  const post = await send(dev.agent, sys.cloud.url, "POST", "/v1/time", {}, Buffer.alloc(0));
  assert.equal(post.status, 405);
  assert.deepEqual(post.json, { error: "method_not_allowed", code: -1015 });
  const options = await rawTls("OPTIONS /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.match(options.text, /^HTTP\/1\.1 405 /);
  assert.match(options.text, /\r\nallow: GET, HEAD\r\n/i);
  const adminWrong = await admin("GET", "/admin/v1/authorisations");
  assert.equal(adminWrong.status, 405);
  for (const [method, path] of [["PUT", "/admin/v1/releases"], ["POST", "/admin/v1/devices/SN-ROBUST-1/update"], ["DELETE", "/admin/v1/devices/SN-ROBUST-1"]]) {
    assert.equal((await admin(method, path)).status, 405, `${method} ${path}`);
  }
  const push = await rawTls("PUT /wechat/push HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  assert.match(push.text, /^HTTP\/1\.1 405 /);
  assert.match(push.text, /\r\nallow: GET, POST\r\n/i);
});

test("unusual but valid requests: chunked body, Expect: 100-continue, charset, query on a POST, unicode", async () => {
  const body = JSON.stringify({ sn: "SN-ROBUST-CHUNKED", model_id: "vsdk-model-1", name: "门铃 Ünï 🚪" });
  const headers = "POST /admin/v1/devices?source=robustness HTTP/1.1\r\nHost: x\r\nauthorization: Bearer dev-admin-token\r\n"
    + "Content-Type: application/json; charset=utf-8\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  const bytes = Buffer.from(body, "utf8");
  const chunked = Buffer.concat([Buffer.from(headers), Buffer.from(`7\r\n`), bytes.subarray(0, 7), Buffer.from(`\r\n${(bytes.length - 7).toString(16)}\r\n`),
    bytes.subarray(7), Buffer.from("\r\n0\r\n\r\n")]);
  const made = await rawTls(chunked);
  assert.match(made.text, /^HTTP\/1\.1 200 /);
  assert.equal((await sys.cloud.store.device("SN-ROBUST-CHUNKED"))?.name, "门铃 Ünï 🚪");
  writeFileSync(join(dir, "expect.json"), JSON.stringify({ sn: "SN-ROBUST-EXPECT", model_id: "vsdk-model-1" }));
  const expect = await curl(["-H", "expect: 100-continue", "-H", "authorization: Bearer dev-admin-token", "-H", "content-type: application/json; charset=utf-8",
    "--data-binary", `@${join(dir, "expect.json")}`, "-w", "\n%{http_code}", `${sys.cloud.url}/admin/v1/devices`]);
  assert.equal(expect.out.split("\n").pop(), "200");
  assert.ok(await sys.cloud.store.device("SN-ROBUST-EXPECT"));
  // A signed POST whose URL carries a query: the signature covers it, and it is accepted.
  const registered = await dev.post("/v1/device/register?firmware=1.2.3", {});
  assert.equal(registered.status, 200, registered.text);
  assert.equal(registered.json.device_id, "SN-ROBUST-1");
});

test("a body that is not UTF-8 is refused, and nothing is stored", async () => {
  const raw = Buffer.concat([Buffer.from('{"sn":"SN-ROBUST-UTF8","model_id":"vsdk-model-1","name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  const r = await admin("POST", "/admin/v1/devices", undefined, raw);
  assert.equal(r.status, 400);
  assert.equal(r.json.code, -1003);
  assert.match(r.json.detail, /UTF-8/);
  assert.equal(await sys.cloud.store.device("SN-ROBUST-UTF8"), null);
  const signed = await dev.request("POST", "/v1/calls", { rawBody: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]) });
  assert.equal(signed.status, 400);
  assert.match(signed.json.detail, /UTF-8/);
});

test("JSON that is not an object, and fields of the wrong type, get 400 naming the problem", async () => {
  for (const raw of ["[]", '"text"', "null", "42", "true"]) {
    const r = await dev.request("POST", "/v1/calls", { rawBody: Buffer.from(raw) });
    assert.equal(r.status, 400, raw);
    assert.equal(r.json.detail, "body must be a JSON object", raw);
  }
  const wrongType = await admin("POST", "/admin/v1/devices", { sn: 5, model_id: "vsdk-model-1" });
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.json.detail, "sn is missing or malformed");
  const longName = await admin("POST", "/admin/v1/devices", { sn: "SN-ROBUST-LONG", model_id: "vsdk-model-1", name: "x".repeat(65) });
  assert.equal(longName.status, 400);
  assert.match(longName.json.detail, /name must be a string of at most 64 bytes/);
  assert.equal(await sys.cloud.store.device("SN-ROBUST-LONG"), null);
});

test("provisioning a serial number twice is 409 already_provisioned, also when 20 requests race", async () => {
  const first = await admin("POST", "/admin/v1/devices", { sn: "SN-ROBUST-TWICE", model_id: "vsdk-model-1" });
  assert.equal(first.status, 200);
  const again = await admin("POST", "/admin/v1/devices", { sn: "SN-ROBUST-TWICE", model_id: "vsdk-model-1" });
  assert.equal(again.status, 409);
  assert.equal(again.json.error, "already_provisioned");
  assert.equal(again.json.code, -1007);
  const race = await Promise.all(Array.from({ length: 20 }, () => admin("POST", "/admin/v1/devices", { sn: "SN-ROBUST-RACE", model_id: "vsdk-model-1" })));
  assert.deepEqual(race.map((r) => r.status).sort(), [200, ...Array(19).fill(409)]);
  const winner = race.find((r) => r.status === 200)!;
  const signer = new DeviceClient(sys.cloud.url, "SN-ROBUST-RACE", winner.json.secret, sys.ca);
  assert.equal((await signer.events(0, 0)).status, 200, "the secret that was handed out is the one stored");
  signer.close();
});

test("back-office paths are exact: an extra segment is 404 and changes nothing", async () => {
  const r = await admin("POST", "/admin/v1/authorisations/whatever", { sn: "SN-ROBUST-1", openid: "o_robust" });
  assert.equal(r.status, 404);
  assert.equal(await sys.cloud.store.isAuthorised("SN-ROBUST-1", "o_robust"), false);
});

test("event-channel query values must be plain whole numbers", async () => {
  for (const q of ["after=1e3&wait=0", "after=0x10&wait=0", "after=&wait=0", "after=0&wait=", "after=0&wait=1.5", "after=-1&wait=0",
    "after=99999999999999999999&wait=0", "after=0&wait=31"]) {
    const r = await dev.get(`/v1/device/events?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.json.code, -1003, q);
  }
  assert.equal((await dev.get("/v1/device/events?after=9007199254740991&wait=0")).status, 200);
});

test("an oversize upload gets its 413 even from curl, whether chunked, length-framed or after 100-continue", async () => {
  const big = join(dir, "big.bin");
  writeFileSync(big, Buffer.alloc(1024 * 1024, 0x20));
  // Closing with the rest of a chunked body unread made TCP reset the connection, and curl then
  // reported a send error instead of the answer in 3 to 8 tries of 10; so 22 tries, every one a 413.
  const chunked = ["-H", "transfer-encoding: chunked"], noExpect = ["-H", "expect:"];
  const tries = [...Array(10).fill(chunked), ...Array(10).fill([...chunked, ...noExpect]), noExpect, []] as string[][];
  for (const [i, extra] of tries.entries()) {
    const r = await curl([...extra, "--data-binary", `@${big}`, "-w", "\n%{http_code}", `${sys.cloud.url}/v1/calls`]);
    assert.equal(r.out.split("\n").pop(), "413", `try ${i} ${extra.join(" ")}: curl exit ${r.code}`);
    assert.deepEqual(JSON.parse(r.out.split("\n")[0]), { error: "too_large", code: -1005 });
  }
  assert.equal((await dev.events(0, 0)).status, 200, "the cloud serves on");
});

test("after refusing an upload the cloud reads and drops the rest for a while instead of resetting", async () => {
  // Deterministic form of the curl case: the client keeps sending after it has the 413. A socket
  // closed at once answers those bytes with a TCP reset (EPIPE/ECONNRESET here); a lingering
  // close takes them and ends the connection cleanly.
  // Half-open, like a client busy uploading: the cloud's FIN does not stop our writes.
  // (tls.connect passes allowHalfOpen on to its socket; Node's types leave it out.)
  const options = { host: "127.0.0.1", port: sys.cloud.port, ca: sys.ca, servername: "localhost", allowHalfOpen: true };
  const outcome = await uploadAfterRefusal((onConnect) => connect(options as ConnectionOptions, onConnect),
    "POST /v1/calls HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 0x5000);
  assert.equal(outcome.status, "HTTP/1.1 413 Payload Too Large");
  assert.equal(outcome.error, null, "no reset while the client finishes sending");
  assert.equal(outcome.ended, true, "the cloud ended the connection itself");
});

test("Expect: 100-continue with a declared oversize body is refused before the body is invited", async () => {
  const r = await rawTls("POST /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\nExpect: 100-continue\r\n\r\n");
  assert.match(r.text, /^HTTP\/1\.1 413 /, "no 100 Continue first");
  assert.ok(r.closed);
  const small = await rawTls("POST /v1/time HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n", { ms: 1000 });
  assert.match(small.text, /^HTTP\/1\.1 100 Continue\r\n/, "a body within the limit is invited");
});

test("a client that goes away mid-body leaves nothing behind; the next requests are served", async () => {
  for (const head of ["POST /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{\"callee", "POST /admin/v1/devices HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"sn\""]) {
    await new Promise<void>((resolve) => {
      const s = connect({ host: "127.0.0.1", port: sys.cloud.port, ca: sys.ca, servername: "localhost" }, () => { s.write(head); setTimeout(() => { s.destroy(); resolve(); }, 50); });
      s.on("error", () => resolve());
    });
  }
  const results = await Promise.all(Array.from({ length: 50 }, () => dev.events(0, 0)));
  assert.deepEqual([...new Set(results.map((r) => r.status))], [200], "50 parallel signed requests");
});

test("headers over Node's 16 KiB are 431, and the connection after them is served", async () => {
  const r = await rawTls(`GET /v1/time HTTP/1.1\r\nHost: x\r\nX-Long: ${"a".repeat(20_000)}\r\n\r\n`);
  assert.match(r.text, /^HTTP\/1\.1 431 /);
  const longUrl = await rawTls(`GET /v1/time?${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.match(longUrl.text, /^HTTP\/1\.1 431 /);
  assert.equal((await dev.events(0, 0)).status, 200);
});

test("parallel call requests from one device start one room worker; the rest are 409 at once", async () => {
  const id = await sys.provision("SN-ROBUST-STORM");
  const storm = new DeviceClient(sys.cloud.url, id.sn, id.secret, sys.ca);
  try {
    assert.equal((await storm.post("/v1/device/register", {})).status, 200);
    let peak = 0;
    const watch = setInterval(() => { peak = Math.max(peak, sys.cloud.calls.active()); }, 5);
    // The user never authorised the device, so WeChat refuses the one call that gets through (9).
    const answers = await Promise.all(Array.from({ length: 8 }, () => storm.post("/v1/calls", { callee_openid: "o_storm" })));
    clearInterval(watch);
    const placed = answers.filter((a) => a.status === 200);
    assert.equal(placed.length, 1, answers.map((a) => `${a.status} ${a.text}`).join("\n"));
    assert.equal(placed[0].json.errcode, 9);
    for (const a of answers.filter((x) => x.status !== 200)) {
      assert.equal(a.status, 409);
      assert.equal(a.json.code, -1016);
    }
    assert.ok(peak <= 1, `${peak} room workers at once`);
    const again = await storm.post("/v1/calls", { callee_openid: "o_storm" });
    assert.equal(again.status, 200, "the device may call again once the first request is answered");
    for (let i = 0; i < 100 && sys.cloud.calls.active() > 0; i++) await new Promise((r) => setTimeout(r, 50)); // refused calls' workers exit
  } finally {
    storm.close();
  }
});

/** A message as WeChat would push it, encrypted and signed with the cloud's push settings. */
async function push(message: unknown) {
  const w = sys.cloud.config.wechat;
  const encrypted = encryptMessage(w.encodingAesKey, w.appid, typeof message === "string" ? message : JSON.stringify(message));
  const timestamp = String(Math.floor(Date.now() / 1000)), nonce = "robust" + Math.random().toString(16).slice(2);
  const q = `timestamp=${timestamp}&nonce=${nonce}&encrypt_type=aes&msg_signature=${messageSignature(w.pushToken, timestamp, nonce, encrypted)}`;
  return send(dev.agent, sys.cloud.url, "POST", `/wechat/push?${q}`, { "content-type": "application/json" }, Buffer.from(JSON.stringify({ ToUserName: "gh", Encrypt: encrypted })));
}

test("the push address answers every malformed request in WeChat's style (errcode, errmsg)", async () => {
  const post = (raw: Buffer) => send(dev.agent, sys.cloud.url, "POST", "/wechat/push?timestamp=1&nonce=2", { "content-type": "application/json" }, raw);
  for (const raw of ["{not json", "[1]", "null", "7"].map((t) => Buffer.from(t)).concat([Buffer.from([0x7b, 0xff, 0x7d])])) {
    const r = await post(raw);
    assert.equal(r.status, 400, raw.toString());
    assert.equal(r.json.errcode, 47001, raw.toString());
    assert.equal(typeof r.json.errmsg, "string");
  }
  const huge = await post(Buffer.alloc(9000, 0x20));
  assert.equal(huge.status, 413);
  assert.equal(huge.json.errcode, 47001);
});

test("a signed push whose message is not an object, or lacks join_voip_room's fields, is refused without a call", async () => {
  const before = sys.cloud.calls.active();
  for (const message of ["[1,2]", "null", "\"text\""]) {
    const r = await push(message);
    assert.equal(r.status, 400, message);
    assert.equal(r.json.errcode, 40002, message);
  }
  const join = { MsgType: "event", Event: "iot_voip_notify", Action: "join_voip_room", RoomId: "room_x", SessionKey: "k", ServerToken: "t",
    Payload: "", ModelId: "vsdk-model-1", Sn: "SN-ROBUST-1", FromUserName: "o_robust", CreateTime: 1, RoomType: "voice" };
  for (const broken of [{ ...join, Sn: undefined }, { ...join, Payload: 5 }, { ...join, RoomId: ["room_x"] }, { ...join, RoomType: {} }]) {
    const r = await push(broken);
    assert.equal(r.status, 200);
    assert.equal(r.json.errcode, 40002, JSON.stringify(broken));
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(sys.cloud.calls.active(), before, "no room worker was started");
  assert.equal(await sys.cloud.store.openCallOf("SN-ROBUST-1"), null);
});

test("slow clients are cut off: dribbled headers and a dribbled body get 408, a long poll is not affected", async () => {
  const slow = await startLocalSystem({ cloud: { dataDir: join(dir, "slow"), headersTimeoutMs: 1000, requestTimeoutMs: 2000 } });
  try {
    const dribble = (start: string, piece: string) => new Promise<{ ms: number; text: string }>((resolve) => {
      const t0 = Date.now();
      let got = "";
      const s = connect({ host: "127.0.0.1", port: slow.cloud.port, ca: slow.ca, servername: "localhost" }, () => s.write(start));
      const iv = setInterval(() => { if (s.writable) s.write(piece); }, 300);
      const give = setTimeout(() => s.destroy(), 8000);
      s.on("data", (d) => { got += d; });
      s.on("error", () => undefined);
      s.on("close", () => { clearInterval(iv); clearTimeout(give); resolve({ ms: Date.now() - t0, text: got }); });
    });
    const [headers, body] = await Promise.all([
      dribble("GET /v1/time HTTP/1.1\r\nHost: x\r\n", "X-Slow: 1\r\n"),
      dribble("POST /admin/v1/devices HTTP/1.1\r\nHost: x\r\nContent-Length: 8000\r\n\r\n", " "),
    ]);
    assert.match(headers.text, /^HTTP\/1\.1 408 /);
    assert.ok(headers.ms < 4000, `headers cut after ${headers.ms} ms`);
    assert.match(body.text, /^HTTP\/1\.1 408 /);
    assert.ok(body.ms < 5000, `body cut after ${body.ms} ms`);
    const id = await slow.provision("SN-ROBUST-SLOW");
    const d = new DeviceClient(slow.cloud.url, id.sn, id.secret, slow.ca);
    const t0 = Date.now();
    const poll = await d.events(0, 3);
    d.close();
    assert.equal(poll.status, 200);
    assert.ok(Date.now() - t0 >= 2900, "the poll waited its 3 s, past both timeouts");
  } finally {
    await slow.stop();
  }
});

test("a room worker survives room-link lines that are JSON but not messages, and an unusable media port", async () => {
  const { WorkerProcess, defaultWorkerCommand } = await import("../../cloud/rooms/worker-process.js");
  const { createServer } = await import("node:http");
  const room = createServer();
  room.on("upgrade", (_req, socket) => {
    socket.on("error", () => undefined); // a worker that crashed resets the link; the assertions say so
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: vsdk-room\r\nConnection: Upgrade\r\n\r\n");
    socket.once("data", () => {
      socket.write('null\n[1]\n42\n"x"\n{"joined":true,"media_port":"9","state":1,"reason":0}\n');
      setTimeout(() => socket.write('{"state":2,"reason":0}\n'), 50);
      setTimeout(() => socket.write('{"state":6,"reason":1}\n'), 100);
    });
  });
  await new Promise<void>((r) => room.listen(0, "127.0.0.1", () => r()));
  const worker = new WorkerProcess(defaultWorkerCommand());
  try {
    const events: unknown[] = [];
    worker.on("event", (e) => events.push(e));
    worker.send({ op: "init", bind_host: "127.0.0.1", ssrc: 1, peer_ssrc: 2 });
    await worker.next("ready", 15_000);
    const exited = new Promise<number | null>((r) => worker.once("exit", r));
    worker.send({ op: "join", api_base: `http://127.0.0.1:${(room.address() as { port: number }).port}`, room_id: "room_1", session_key: "k", server_token: "t", role: "caller" });
    assert.equal(await exited, 0, "the worker ends the call normally");
    const states = events.filter((e) => (e as { ev: string }).ev === "state").map((e) => (e as { state: number }).state);
    assert.deepEqual(states, [2, 6], "the room's states came through; the junk lines were skipped");
  } finally {
    worker.stop();
    room.closeAllConnections();
    room.close();
  }
});

test("a WeChat answer without the ticket or room id it promised is WeChat's -1, never the text \"undefined\"", async () => {
  const { WechatClient, WechatError } = await import("../../cloud/wechat/client.js");
  const { createServer } = await import("node:http");
  const answers: Record<string, string> = {
    "/cgi-bin/token": JSON.stringify({ access_token: "tok", expires_in: 7200 }),
    "/wxa/getsnticket": JSON.stringify({ errcode: 0, errmsg: "ok" }),
    "/wxa/business/iot/voip/call": "[0]",
  };
  const wechat = createServer((req, res) => { req.resume(); res.end(answers[new URL(req.url!, "http://x").pathname] ?? "{}"); });
  await new Promise<void>((r) => wechat.listen(0, "127.0.0.1", () => r()));
  try {
    const client = new WechatClient({ apiBase: `http://127.0.0.1:${(wechat.address() as { port: number }).port}`, appid: "a", secret: "s" });
    await assert.rejects(client.getSnTicket("SN-1", "m"), (err) => err instanceof WechatError && err.errcode === -1);
    await assert.rejects(client.call({ sn: "SN-1", model_id: "m", openid: "o", room_type: "voice", payload: "", custom_query: "" }),
      (err) => err instanceof WechatError && err.errcode === -1);
  } finally {
    wechat.close();
  }
});
