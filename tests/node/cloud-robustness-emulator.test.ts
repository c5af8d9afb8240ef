// The WeChat emulator against clients other than our vendor cloud: room-link peers that send
// JSON that is not an object, endless lines or their join right behind the upgrade request;
// HTTP bodies that are arrays or not UTF-8; paths with bad escapes; scripts, models and faults
// with values of the wrong kind; wrong methods and unknown paths; slow and oversize uploads.
// Every case gets WeChat's errcode (or the room link's error line) and the emulator serves on.
process.env.VSDK_LOG ??= "silent";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Emulator } from "../../emulator/server.js";
import type { UserScript } from "../../emulator/room.js";
import { uploadAfterRefusal } from "./helpers/upload-after-refusal.js";

const dir = mkdtempSync(join(tmpdir(), "vsdk-emulator-robust-"));
let e: Emulator;
let port: number;

before(async () => {
  e = await Emulator.start({ port: 0, pushUrl: null });
  port = Number(new URL(e.url).port);
});
after(async () => { await e.stop(); rmSync(dir, { recursive: true, force: true }); });

const call = async (path: string, init: RequestInit = {}) => {
  const r = await fetch(`${e.url}${path}`, init);
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
};
const post = (path: string, body: unknown) => call(path, { method: "POST",
  body: typeof body === "string" ? body : body instanceof Uint8Array ? Uint8Array.from(body) : JSON.stringify(body) });
const alive = async () => assert.equal((await call("/healthz")).json.ok, true);

/** Opens the room link; writes `first` right behind the upgrade request, `later` after the 101. */
function roomLink(first: string, later?: string, ms = 1500): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    const s: Socket = connect(port, "127.0.0.1", () => {
      s.write(`GET /room/connect HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: vsdk-room\r\n\r\n${first}`);
    });
    s.on("data", (d) => {
      const before = got;
      got += d;
      if (later !== undefined && !before.includes("\r\n\r\n") && got.includes("\r\n\r\n")) s.write(later);
    });
    s.on("error", () => undefined);
    const timer = setTimeout(() => s.destroy(), ms);
    s.on("close", () => { clearTimeout(timer); resolve(got.slice(got.indexOf("\r\n\r\n") + 4)); });
  });
}

test("room link: JSON that is not an object, an endless line and garbage get an error line, not a crash", async () => {
  for (const line of ["null", "[1]", "42", "\"join\"", "{not json"]) {
    const answer = await roomLink("", `${line}\n`);
    assert.deepEqual(JSON.parse(answer), { error: "each line must be a JSON object" }, line);
  }
  const long = await roomLink("", "x".repeat(20_000));
  assert.deepEqual(JSON.parse(long), { error: "a line is at most 4096 bytes" });
  await alive();
});

test("room link: a join sent right behind the upgrade request is answered", async () => {
  const answer = await roomLink(`${JSON.stringify({ join: "room_0000", session_key: "k", server_token: "t", role: "caller" })}\n`);
  assert.deepEqual(JSON.parse(answer), { joined: false, errcode: 1, errmsg: "roomid wrong" });
});

test("bodies that are arrays, scalars or not UTF-8 are WeChat's 47001 data format error", async () => {
  for (const body of ["[1,2]", "\"x\"", "null", "3", new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])]) {
    const r = await post("/cgi-bin/stable_token", body);
    assert.equal(r.status, 200);
    assert.equal(r.json.errcode, 47001, String(body));
  }
  const script = await post("/emulator/users/o_arr/script", [{ answer: "reject" }]);
  assert.equal(script.json.errcode, 47001);
});

test("a path with a bad escape is errcode 20 (openid invalid), not a server error", async () => {
  const r = await post("/emulator/users/%ZZ/script", {});
  assert.equal(r.status, 200);
  assert.equal(r.json.errcode, 20);
});

test("scripts are checked when set (40097), and a refused one leaves the previous script in force", async () => {
  const scripts = (e as unknown as { scripts: Map<string, UserScript> }).scripts;
  assert.equal((await post("/emulator/users/o_script/script", { answer: "reject", after_ms: 10 })).json.errcode, 0);
  const wav = join(dir, "not-a.wav");
  writeFileSync(wav, "this is not RIFF");
  for (const bad of [{ after_ms: "soon" }, { after_ms: -1 }, { after_ms: 1.5 }, { hangup_after_ms: 1e12 }, { cancel_after_ms: null },
    { answer: "maybe" }, { speech: { tone_hz: 5000 } }, { speech: { tone_hz: "440" } }, { speech: { wav } }, { speech: { wav: join(dir, "missing.wav") } },
    { speech: "tone" }]) {
    const r = await post("/emulator/users/o_script/script", bad);
    assert.equal(r.json.errcode, 40097, JSON.stringify(bad));
  }
  assert.deepEqual(scripts.get("o_script"), { answer: "reject", after_ms: 10, speech: { tone_hz: 440 } });
});

test("models and faults take only values of their kind", async () => {
  for (const model of [{ model_id: { a: 1 } }, {}, { model_id: "" }, { model_id: "has space" }]) {
    assert.equal((await post("/emulator/models", model)).json.errcode, 40097, JSON.stringify(model));
  }
  assert.equal(e.platform.models.has("[object Object]") || e.platform.models.has("undefined"), false);
  for (const fault of [{ getsnticket_busy: -3 }, { getsnticket_busy: 1.5 }, { ignore_push_answers: "2" }]) {
    assert.equal((await post("/emulator/faults", fault)).json.errcode, 40097, JSON.stringify(fault));
  }
  assert.equal(e.platform.busyTickets, 0);
});

test("wrong methods get WeChat's 43001/43002, unknown paths HTTP 404, HEAD answers like GET", async () => {
  const getToken = await call("/cgi-bin/token", { method: "POST" });
  assert.equal(getToken.json.errcode, 43001);
  const ticket = await call("/wxa/getsnticket");
  assert.equal(ticket.json.errcode, 43002);
  const room = await call("/emulator/rooms/room_x", { method: "DELETE" });
  assert.equal(room.json.errcode, 43001);
  const unknown = await call("/nothing/here");
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.errcode, 404);
  const head = await fetch(`${e.url}/healthz`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal((await head.text()).length, 0);
});

test("50 parallel ticket requests each get their own ticket", async () => {
  const tok = (await call(`/cgi-bin/token?grant_type=client_credential&appid=${e.options.appid}&secret=${e.options.secret}`)).json.access_token;
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => post(`/wxa/getsnticket?access_token=${tok}`, { sn: `SN-PAR-${i}`, model_id: "vsdk-model-1" })));
  assert.deepEqual([...new Set(answers.map((a) => a.json.errcode))], [0]);
  assert.equal(new Set(answers.map((a) => a.json.sn_ticket)).size, 50);
});

test("an oversize chunked upload gets 413 (curl), and a client gone mid-body harms nothing", async () => {
  const big = join(dir, "big.bin");
  writeFileSync(big, Buffer.alloc(1024 * 1024, 0x20));
  for (let i = 0; i < 6; i++) {
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn("curl", ["-s", "-H", "transfer-encoding: chunked", "--data-binary", `@${big}`, "-w", "\n%{http_code}", `${e.url}/emulator/grant`]);
      let text = "";
      p.stdout.on("data", (d) => { text += d; });
      p.on("error", (err) => reject(new Error(`curl is needed for this test (tools/apt-packages.txt): ${err.message}`)));
      p.on("close", () => resolve(text));
    });
    assert.equal(out.split("\n").pop(), "413", `try ${i}`);
    assert.equal(JSON.parse(out.split("\n")[0]).errcode, 40002);
  }
  await new Promise<void>((resolve) => {
    const s = connect(port, "127.0.0.1", () => { s.write("POST /emulator/grant HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n{\"openid"); setTimeout(() => { s.destroy(); resolve(); }, 50); });
  });
  await alive();
});

test("after refusing an upload the emulator reads and drops the rest instead of resetting; 100-continue is not sent for it", async () => {
  const outcome = await uploadAfterRefusal((onConnect) => connect({ port, host: "127.0.0.1", allowHalfOpen: true }, onConnect),
    "POST /emulator/grant HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 0x20000);
  assert.equal(outcome.status, "HTTP/1.1 413 Payload Too Large");
  assert.equal(outcome.error, null, "no reset while the client finishes sending");
  assert.equal(outcome.ended, true);
  const first = await new Promise<string>((resolve) => {
    let got = "";
    const s = connect(port, "127.0.0.1", () => s.write("POST /emulator/grant HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n\r\n"));
    s.on("data", (d) => { got += d; s.destroy(); resolve(got.split("\r\n")[0]); });
    s.on("error", () => resolve(got));
  });
  assert.equal(first, "HTTP/1.1 413 Payload Too Large");
});

test("slow clients are cut off with 408", async () => {
  const slow = await Emulator.start({ port: 0, pushUrl: null, headersTimeoutMs: 1000, requestTimeoutMs: 2000 });
  try {
    const t0 = Date.now();
    const text = await new Promise<string>((resolve) => {
      let got = "";
      const s = connect(Number(new URL(slow.url).port), "127.0.0.1", () => s.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
      const iv = setInterval(() => { if (s.writable) s.write("X-Slow: 1\r\n"); }, 300);
      const give = setTimeout(() => s.destroy(), 8000);
      s.on("data", (d) => { got += d; });
      s.on("error", () => undefined);
      s.on("close", () => { clearInterval(iv); clearTimeout(give); resolve(got); });
    });
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - t0 < 4000, `cut after ${Date.now() - t0} ms`);
  } finally {
    await slow.stop();
  }
});

test("a push receiver that dribbles or streams its answer without end counts as not answering", async () => {
  const pushing = await Emulator.start({ port: 0, pushUrl: null, pushAnswerTimeoutMs: 300 });
  const receivers: Server[] = [];
  try {
    const api = async (path: string, body?: unknown) => (await fetch(`${pushing.url}${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) })).json() as Promise<any>;
    const token = (await api(`/cgi-bin/token?grant_type=client_credential&appid=${pushing.options.appid}&secret=${pushing.options.secret}`)).access_token;
    const ticket = (await api(`/wxa/getsnticket?access_token=${token}`, { sn: "SN-PUSHED", model_id: "vsdk-model-1" })).sn_ticket;
    assert.equal((await api("/emulator/grant", { openid: "o_pushed", sn: "SN-PUSHED", model_id: "vsdk-model-1", sn_ticket: ticket })).errcode, 0);
    const answers: Record<string, (res: import("node:http").ServerResponse) => void> = {
      dribbled: (res) => { res.writeHead(200); const iv = setInterval(() => res.write(" "), 50); res.on("close", () => clearInterval(iv)); },
      endless: (res) => { res.writeHead(200); const iv = setInterval(() => res.write(Buffer.alloc(65536, 0x20)), 5); res.on("close", () => clearInterval(iv)); },
    };
    for (const [kind, answer] of Object.entries(answers)) {
      let hits = 0;
      const receiver = createServer((req, res) => { hits++; req.resume(); answer(res); });
      receivers.push(receiver);
      await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
      pushing.options.pushUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/wechat/push`;
      const t0 = Date.now();
      const placed = await (await fetch(`${pushing.url}/emulator/users/o_pushed/call`, { method: "POST", signal: AbortSignal.timeout(6000),
        body: JSON.stringify({ sn: "SN-PUSHED", model_id: "vsdk-model-1", room_type: "voice" }) })).json() as any;
      assert.equal(placed.push_errcode, -1, kind);
      assert.equal(placed.push_attempts, 4, kind);
      assert.equal(hits, 4, kind);
      assert.ok(Date.now() - t0 < 3000, `${kind}: ${Date.now() - t0} ms`);
      assert.equal((await api(`/emulator/rooms/${placed.roomid}`)).state, 7, `${kind}: the room is aborted`);
    }
  } finally {
    for (const r of receivers) { r.closeAllConnections(); r.close(); }
    await pushing.stop();
  }
});
