// The WeChat platform emulator on its own: token expiry, ticket and grant rules, pushes that
// are resent when unanswered and abort the room when refused, room signalling keys, and the
// simulated user's speech from a WAV file. The push receiver here is a plain HTTP server that
// checks the signature and decrypts, as a vendor cloud would.
process.env.VSDK_LOG ??= "silent";
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Socket } from "node:net";
import { Emulator } from "../../emulator/server.js";
import { decryptMessage, messageSignature } from "../../cloud/wechat/message-crypto.js";
import { encodeWav } from "../../host-node/wav.js";
import { linearToMulaw } from "../../emulator/mulaw.js";

const dir = mkdtempSync(join(tmpdir(), "vsdk-emulator-"));
const started: { stop(): Promise<void> }[] = [];
after(async () => { for (const s of started) await s.stop(); rmSync(dir, { recursive: true, force: true }); });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function emulator(o: Parameters<typeof Emulator.start>[0] = {}) {
  const e = await Emulator.start({ port: 0, pushUrl: null, ...o });
  started.push(e);
  const call = async (path: string, body?: unknown) => (await fetch(`${e.url}${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) })).json() as Promise<any>;
  return { e, call };
}

/** A push receiver that verifies and decrypts, answering as `answer` says (null: never answer). */
async function receiver(e: Emulator, answer: (n: number) => number | null) {
  const got: any[] = [];
  let hits = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const q = new URL(req.url!, "http://x").searchParams;
      const body = JSON.parse(Buffer.concat(chunks).toString());
      assert.equal(q.get("encrypt_type"), "aes");
      assert.equal(messageSignature(e.options.pushToken, q.get("timestamp")!, q.get("nonce")!, body.Encrypt), q.get("msg_signature"));
      got.push(JSON.parse(decryptMessage(e.options.encodingAesKey, e.options.appid, body.Encrypt)));
      const a = answer(++hits);
      if (a === null) return; // never answer: the emulator must give up on this copy and resend
      res.end(JSON.stringify({ errcode: a, errmsg: "x" }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  started.push({ stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) });
  e.options.pushUrl = `http://127.0.0.1:${(server.address() as any).port}/wechat/push`;
  return got;
}

async function grantedUser(call: (p: string, b?: unknown) => Promise<any>, e: Emulator, openid: string, sn: string) {
  const tok = await call(`/cgi-bin/token?grant_type=client_credential&appid=${e.options.appid}&secret=${e.options.secret}`);
  const t = await call(`/wxa/getsnticket?access_token=${tok.access_token}`, { sn, model_id: "vsdk-model-1" });
  assert.equal((await call("/emulator/grant", { openid, sn, model_id: "vsdk-model-1", sn_ticket: t.sn_ticket, device_name: "Cam" })).errcode, 0);
  return tok.access_token as string;
}

test("access tokens expire; stable_token issues them too", async () => {
  const { e, call } = await emulator({ tokenTtlSeconds: 0.2 });
  const tok = await call(`/cgi-bin/token?grant_type=client_credential&appid=${e.options.appid}&secret=${e.options.secret}`);
  assert.equal((await call(`/wxa/getsnticket?access_token=${tok.access_token}`, { sn: "S1", model_id: "vsdk-model-1" })).errcode, 0);
  await sleep(300);
  assert.equal((await call(`/wxa/getsnticket?access_token=${tok.access_token}`, { sn: "S1", model_id: "vsdk-model-1" })).errcode, 42001);
  const stable = await call("/cgi-bin/stable_token", { grant_type: "client_credential", appid: e.options.appid, secret: e.options.secret });
  assert.equal(typeof stable.access_token, "string");
  assert.equal((await call("/cgi-bin/stable_token", { grant_type: "client_credential", appid: "wxnope", secret: "x" })).errcode, 40013);
  assert.equal((await call(`/cgi-bin/token?grant_type=password&appid=${e.options.appid}&secret=${e.options.secret}`)).errcode, 40002);
  const bad = await fetch(`${e.url}/wxa/getsnticket?access_token=x`, { method: "POST", body: "{oops" });
  assert.equal((await bad.json() as any).errcode, 47001);
});

test("grants: a ticket proves the device, expires, and belongs to one device; names are short", async () => {
  const { e, call } = await emulator({ ticketTtlSeconds: 0.2 });
  const tok = await call(`/cgi-bin/token?grant_type=client_credential&appid=${e.options.appid}&secret=${e.options.secret}`);
  const t = (await call(`/wxa/getsnticket?access_token=${tok.access_token}`, { sn: "S2", model_id: "vsdk-model-1" })).sn_ticket;
  assert.equal((await call("/emulator/grant", { openid: "o1", sn: "S2", model_id: "vsdk-model-1", sn_ticket: t, device_name: "fourteen chars" })).errcode, 40097);
  assert.equal((await call("/emulator/grant", { openid: "o1", sn: "OTHER", model_id: "vsdk-model-1", sn_ticket: t, device_name: "ok" })).errcode, 2);
  assert.equal((await call("/emulator/grant", { openid: "o1", sn: "S2", model_id: "vsdk-model-1", sn_ticket: t, device_name: "thirteen char" })).errcode, 0);
  await sleep(300);
  assert.equal((await call("/emulator/grant", { openid: "o2", sn: "S2", model_id: "vsdk-model-1", sn_ticket: t, device_name: "x" })).errcode, 10008);
  // the call API honours grants and revocations
  assert.equal((await call(`/wxa/business/iot/voip/call?access_token=${tok.access_token}`, { sn: "S2", model_id: "vsdk-model-1", openid: "o2", room_type: "voice" })).errcode, 9);
  assert.equal((await call(`/wxa/business/iot/voip/call?access_token=${tok.access_token}`, { sn: "S2", model_id: "vsdk-model-1", openid: "bad openid!", room_type: "voice" })).errcode, 20);
  assert.equal((await call("/emulator/revoke", { openid: "o1", sn: "S2" })).revoked, true);
  assert.equal((await call(`/wxa/business/iot/voip/call?access_token=${tok.access_token}`, { sn: "S2", model_id: "vsdk-model-1", openid: "o1", room_type: "voice" })).errcode, 9);
});

test("an unanswered push is resent three times, then the room is aborted", async () => {
  const { e, call } = await emulator({ pushAnswerTimeoutMs: 150 });
  const got = await receiver(e, () => null);
  const token = await grantedUser(call, e, "o3", "S3");
  const r = await call(`/wxa/business/iot/voip/call?access_token=${token}`, { sn: "S3", model_id: "vsdk-model-1", openid: "o3", room_type: "voice", payload: "p1" });
  assert.equal(r.errcode, 0);
  const push = await call(`/emulator/rooms/${r.roomid}/push`);
  assert.deepEqual({ errcode: push.errcode, attempts: push.attempts, answered: push.answered }, { errcode: -1, attempts: 4, answered: false });
  assert.equal(got.length, 4);
  assert.ok(got.every((m) => JSON.stringify(m) === JSON.stringify(got[0])), "every copy is the same message");
  assert.equal(got[0].Action, "join_voip_room");
  assert.equal(got[0].RoomId, r.roomid);
  assert.equal(got[0].Payload, "p1");
  assert.equal(got[0].FromUserName, "o3");
  assert.equal((await call(`/emulator/rooms/${r.roomid}`)).state, 7);
});

test("a refused push (non-zero errcode) aborts the room; the second copy answered counts", async () => {
  const { e, call } = await emulator({ pushAnswerTimeoutMs: 150 });
  await receiver(e, (n) => (n === 1 ? null : 5));
  const token = await grantedUser(call, e, "o4", "S4");
  const r = await call(`/wxa/business/iot/voip/call?access_token=${token}`, { sn: "S4", model_id: "vsdk-model-1", openid: "o4", room_type: "voice" });
  const push = await call(`/emulator/rooms/${r.roomid}/push`);
  assert.equal(push.errcode, 5);
  assert.equal(push.attempts, 2);
  const room = await call(`/emulator/rooms/${r.roomid}`);
  assert.equal(room.state, 7);
  assert.deepEqual(room.history.map((h: any) => h.state), [1, 7]);
});

function joinRoom(e: Emulator, m: Record<string, unknown>): Promise<{ socket: Socket; first: any; lines: AsyncIterator<string> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${e.url}/room/connect`, { headers: { connection: "upgrade", upgrade: "vsdk-room" } });
    req.on("upgrade", async (_res, socket) => {
      const lines = createInterface({ input: socket })[Symbol.asyncIterator]();
      socket.write(JSON.stringify(m) + "\n");
      const first = JSON.parse((await lines.next()).value);
      resolve({ socket, first, lines });
    });
    req.on("error", reject);
    req.end();
  });
}

test("room keys are checked; the user speaks a WAV file as PCMU and records what it hears", async () => {
  const { e, call } = await emulator({ pushAnswerTimeoutMs: 500 });
  const got = await receiver(e, () => 0);
  const wav = join(dir, "speech.wav");
  const samples = new Int16Array(16000 * 2); // 2 s at 16 kHz: a ramp that is easy to check
  for (let i = 0; i < samples.length; i++) samples[i] = ((i * 37) % 20000) - 10000;
  writeFileSync(wav, encodeWav(samples, 16000));
  await call("/emulator/users/o5/script", { answer: "answer", after_ms: 0, speech: { wav } });
  const token = await grantedUser(call, e, "o5", "S5");
  const r = await call(`/wxa/business/iot/voip/call?access_token=${token}`, { sn: "S5", model_id: "vsdk-model-1", openid: "o5", room_type: "voice" });
  await call(`/emulator/rooms/${r.roomid}/push`);
  const push = got[0];
  const wrong = await joinRoom(e, { join: r.roomid, session_key: "nope", server_token: push.ServerToken });
  assert.deepEqual([wrong.first.joined, wrong.first.errcode], [false, 1]);
  wrong.socket.destroy();
  const noRoom = await joinRoom(e, { join: "room_missing", session_key: push.SessionKey, server_token: push.ServerToken });
  assert.equal(noRoom.first.joined, false);
  noRoom.socket.destroy();

  const j = await joinRoom(e, { join: r.roomid, session_key: push.SessionKey, server_token: push.ServerToken, role: "caller" });
  assert.equal(j.first.joined, true);
  const media = createSocket("udp4");
  await new Promise<void>((res) => media.bind(0, "127.0.0.1", () => res()));
  const heard: Buffer[] = [];
  media.on("message", (p) => heard.push(p));
  media.send(Buffer.alloc(0), j.first.media_port, "127.0.0.1"); // hello: where to send
  await sleep(300);
  for (let i = 0; i < 5; i++) {
    const h = Buffer.alloc(12); h[0] = 0x80; h[1] = 0; h.writeUInt32BE(42, 8); h.writeUInt16BE(i, 2); h.writeUInt32BE(i * 160, 4);
    media.send(Buffer.concat([h, Buffer.alloc(160, i)]), j.first.media_port, "127.0.0.1");
  }
  await sleep(100);
  j.socket.write(JSON.stringify({ op: "hangup" }) + "\n");
  const end = JSON.parse((await j.lines.next()).value);
  assert.deepEqual([end.state, end.reason], [5, 1]);
  media.close();
  j.socket.destroy();

  assert.ok(heard.length >= 5, `heard ${heard.length} frames`);
  // The user talks from the moment of answering; frames before our hello were not sendable.
  for (const frame of heard.slice(0, 5)) {
    const index = frame.readUInt16BE(2);
    assert.equal(frame.length, 12 + 160);
    assert.equal(frame[1] & 0x7f, 0);
    assert.equal(frame.readUInt32BE(4), index * 160, "RTP timestamp advances 160 a frame");
    for (let i = 0; i < 160; i++) assert.equal(frame[12 + i], linearToMulaw(samples[(index * 160 + i) * 2]), `frame ${index} sample ${i}`);
  }
  const room = await call(`/emulator/rooms/${r.roomid}`);
  assert.equal(room.received.packets, 5);
  assert.deepEqual(room.received.ssrcs, [42]);
  const rec = Buffer.from(await (await fetch(`${e.url}/emulator/rooms/${r.roomid}/recording.wav`)).arrayBuffer());
  assert.equal(rec.length, 44 + 5 * 160 * 2);
});
