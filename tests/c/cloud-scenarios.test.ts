// The call flows of tests/node/cloud-device.test.ts, run against the posix device (the C runtime
// on real wasm3 with the host shims and mbedTLS) instead of the Node host: it registers with and
// calls through the real vendor cloud, which talks to the WeChat emulator (cloud/local-system.ts).
// Only the phone user's behaviour is scripted.
process.env.VSDK_LOG ??= "silent";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalSystem, type LocalSystem } from "../../cloud/local-system.js";
import { repoRoot } from "../../host-node/paths.js";
import { DeviceClient } from "../node/helpers/device-client.js";
import { authoriseUser } from "../node/helpers/authorise.js";
import { DEVICE_BINARY, PosixDevice } from "./posix-device.js";

const OK = 0, CALLING = 2, RINGING = 3, TALKING = 5, ENDED = 7;
let sys: LocalSystem;
let dir: string;
const devices: PosixDevice[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "vsdk-posix-cloud-"));
  sys = await startLocalSystem({ cloud: { dataDir: join(dir, "cloud") }, emulator: { ringTimeoutMs: 3000 } });
});
after(async () => {
  for (const d of devices) {
    const code = await d.stop();
    assert.equal(code, 0, "the device exits cleanly");
  }
  await sys.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function device(sn: string, openid: string): Promise<PosixDevice> {
  const id = await sys.provision(sn);
  const d = new PosixDevice({ storage: join(mkdtempSync(join(dir, "dev-")), "flash"), ca: sys.ca });
  devices.push(d);
  assert.equal(await d.provision({ sn, secret: id.secret, cloud: sys.cloud.url }), OK);
  assert.equal(await d.init(), OK);
  assert.equal(await d.setTimeouts(2, 60000, 60000), OK);
  assert.equal(await d.start(), OK);
  assert.equal(await d.register(), OK);
  await authoriseUser(sys, sn, id.secret, openid);
  return d;
}

test("the posix device registers with the cloud, which got WeChat's ticket for it", async () => {
  const d = await device("SN-PX-1", "o_px_1");
  const report = await d.deviceReport();
  assert.equal(report.registered, 1);
  assert.equal(report.device_id, "SN-PX-1");
  assert.equal(report.model_id, "vsdk-model-1");
  assert.equal(report.wxa_appid, sys.emulator.options.appid);
  const stored = await sys.cloud.store.device("SN-PX-1");
  assert.equal(stored?.registered_at, report.registered_at);
});

test("the posix device calls a user who answers, then hangs up (5, reason 1)", async () => {
  const d = await device("SN-PX-2", "o_px_2");
  await sys.emulatorCall("/emulator/users/o_px_2/script", { answer: "answer", after_ms: 200 });
  assert.equal(await d.call("o_px_2", { payload: "px" }), OK);
  const calling = await d.waitPhase(CALLING, 10000);
  assert.match(calling.call_id, /^c_/);
  assert.ok(calling.media && calling.media.relay_port > 0);
  assert.equal((await d.waitPhase(TALKING, 10000)).state, 2);
  assert.equal(await d.hangup(), OK);
  const ended = await d.waitPhase(ENDED, 10000);
  assert.deepEqual([ended.state, ended.reason], [5, 1]);
  const call = await sys.cloud.store.call(calling.call_id);
  assert.equal(call?.state, 5);
  const room = await sys.emulatorCall(`/emulator/rooms/${call!.room_id}`);
  assert.deepEqual(room.history.map((h: { state: number }) => h.state), [1, 2, 5]);
});

test("the posix device's call to a user who has not authorised it returns -9", async () => {
  const d = await device("SN-PX-3", "o_px_3");
  assert.equal(await d.call("o_px_nobody"), OK);
  const e = await d.waitEvent((ev) => ev.name === "command" && ev.a === 3, 10000);
  assert.equal(e.b, -9);
  assert.equal((await d.callReport()).phase, ENDED);
});

test("a user calls the posix device, which answers; the user hangs up (5)", async () => {
  const d = await device("SN-PX-4", "o_px_4");
  const call = await sys.emulatorCall("/emulator/users/o_px_4/call", { sn: "SN-PX-4", model_id: "vsdk-model-1", room_type: "voice" });
  assert.equal(call.push_errcode, 0);
  await d.waitEvent((e) => e.name === "ring", 10000);
  const ringing = await d.callReport();
  assert.equal(ringing.phase, RINGING);
  assert.equal(ringing.peer, "o_px_4");
  assert.equal(await d.answer(), OK);
  await d.waitPhase(TALKING, 10000);
  assert.equal((await sys.emulatorCall(`/emulator/rooms/${call.roomid}`)).state, 2);
  await sys.emulatorCall(`/emulator/rooms/${call.roomid}/hangup`, {});
  const ended = await d.waitPhase(ENDED, 10000);
  assert.deepEqual([ended.state, ended.reason], [5, 1]);
});

test("a user calls the posix device, which rejects (3, reason 11)", async () => {
  const d = await device("SN-PX-5", "o_px_5");
  const call = await sys.emulatorCall("/emulator/users/o_px_5/call", { sn: "SN-PX-5", model_id: "vsdk-model-1" });
  await d.waitEvent((e) => e.name === "ring", 10000);
  assert.equal(await d.reject(), OK);
  assert.equal((await d.waitPhase(ENDED, 10000)).state, 3);
  const room = await sys.emulatorCall(`/emulator/rooms/${call.roomid}`);
  assert.deepEqual([room.state, room.reason], [3, 11]);
});

// Power of one frequency in a signal (Goertzel), for telling two tones apart.
function power(pcm: ArrayLike<number>, rate: number, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0, s2 = 0;
  for (let i = 0; i < pcm.length; i++) { const s0 = pcm[i] + k * s1 - s2; s2 = s1; s1 = s0; }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}

test("audio both ways in a call: the phone's 440 Hz tone reaches the posix device's speaker, its 1 kHz tone reaches the phone", async () => {
  const d = await device("SN-PX-6", "o_px_6");
  await sys.emulatorCall("/emulator/users/o_px_6/script", { answer: "answer", after_ms: 100, speech: { tone_hz: 440 } });
  assert.equal(await d.call("o_px_6"), OK);
  const calling = await d.waitPhase(CALLING, 10000);
  await d.waitPhase(TALKING, 10000);
  assert.equal(await d.tone(1000, 100), OK);
  await new Promise((r) => setTimeout(r, 2600));
  const heard = await d.played();
  assert.ok(heard.frames >= 90, `the device ran ${heard.frames} frames`);
  // Skip the jitter buffer's start; the rest must be the phone's tone, not our own.
  const tail = heard.pcm.subarray(Math.min(heard.pcm.length, heard.rate / 2));
  assert.ok(tail.length >= heard.rate, `the speaker got ${tail.length} samples after the first 0.5 s`);
  const p440 = power(tail, heard.rate, 440), p1000 = power(tail, heard.rate, 1000);
  console.log(`device speaker: power at 440 Hz / 1 kHz = ${(p440 / Math.max(1, p1000)).toFixed(1)}`);
  assert.ok(p440 > 20 * p1000, "the phone's 440 Hz dominates what the device plays");
  assert.equal(await d.hangup(), OK);
  await d.waitPhase(ENDED, 10000);
  const call = await sys.cloud.store.call(calling.call_id);
  const wav = Buffer.from(await (await fetch(`${sys.emulator.url}/emulator/rooms/${call!.room_id}/recording.wav`)).arrayBuffer());
  const rec = new Int16Array(wav.buffer, wav.byteOffset + 44, (wav.length - 44) >> 1);
  const rate = wav.readUInt32LE(24);
  assert.ok(rec.length >= rate, `the phone recorded ${rec.length} samples`);
  const q1000 = power(rec, rate, 1000), q440 = power(rec, rate, 440);
  console.log(`phone recording: ${rec.length} samples at ${rate} Hz, power at 1 kHz / 440 Hz = ${(q1000 / Math.max(1, q440)).toFixed(1)}`);
  assert.ok(q1000 > 20 * q440, "the device's 1 kHz dominates what the phone heard");
});

// vsdk-device takes the verbs and options of `vsdk device` (cli/commands/device.ts).
function runDevice(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(DEVICE_BINARY, args);
    let out = "";
    child.stdout.on("data", (d) => { out += String(d); });
    child.stderr.on("data", (d) => { out += String(d); });
    child.on("exit", (code) => resolve({ code, out }));
  });
}

function wavOf(pcm: Int16Array, rate: number): Buffer {
  const b = Buffer.alloc(44 + pcm.length * 2);
  b.write("RIFF", 0); b.writeUInt32LE(36 + pcm.length * 2, 4); b.write("WAVEfmt ", 8);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write("data", 36);
  b.writeUInt32LE(pcm.length * 2, 40);
  for (let i = 0; i < pcm.length; i++) b.writeInt16LE(pcm[i], 44 + 2 * i);
  return b;
}

test("the vsdk-device command, with `vsdk device`'s verbs and options: provision, register, status, OTA image precedence, call with WAV audio", async () => {
  const sn = "SN-PX-CLI", openid = "o_px_cli";
  const id = await sys.provision(sn);
  const storage = join(mkdtempSync(join(dir, "cli-")), "flash");
  const caFile = join(dir, "cli-ca.pem");
  writeFileSync(caFile, sys.ca);
  const common = ["--storage", storage, "--ca", caFile, "--json"];
  const p = await runDevice(["provision", "--sn", sn, "--secret", id.secret, "--cloud", sys.cloud.url, ...common]);
  assert.equal(p.code, 0, p.out);
  const r = await runDevice(["register", "--wait", "2", ...common]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /"what":"registered".*"registered":1/);
  const s = await runDevice(["status", ...common]);
  assert.equal(s.code, 0, s.out);
  assert.match(s.out, /"image":"flash"/);
  // An OTA image in storage takes precedence when its digest holds; a torn one is refused and
  // the image linked in runs on.
  const ota = readFileSync(join(repoRoot, "build", "sdk.wasm"));
  writeFileSync(join(storage, "ota-image.wasm"), ota);
  writeFileSync(join(storage, "ota-image.sha256"), createHash("sha256").update(ota).digest("hex"));
  const withOta = await runDevice(["status", ...common]);
  assert.equal(withOta.code, 0, withOta.out);
  assert.match(withOta.out, /"image":"ota"/);
  writeFileSync(join(storage, "ota-image.wasm"), ota.subarray(0, ota.length - 100));
  const torn = await runDevice(["status", ...common]);
  assert.equal(torn.code, 0, torn.out);
  assert.match(torn.out, /the OTA image .* failed.*"code":-1101/);
  assert.match(torn.out, /"image":"flash"/);
  // The user authorises the device, then answers its call and speaks 440 Hz; the device's
  // microphone is a 1 kHz WAV and its speaker a WAV file.
  const client = new DeviceClient(sys.cloud.url, sn, id.secret, sys.ca);
  const ticket = await client.get("/v1/device/ticket");
  client.close();
  assert.equal((await sys.emulatorCall("/emulator/grant", { openid, sn, model_id: "vsdk-model-1", sn_ticket: ticket.json.sn_ticket, device_name: "Doorbell" })).errcode, 0);
  await sys.emulatorCall(`/emulator/users/${openid}/script`, { answer: "answer", after_ms: 100, speech: { tone_hz: 440 } });
  const mic = new Int16Array(8000 * 3);
  for (let i = 0; i < mic.length; i++) mic[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  const micFile = join(dir, "mic.wav"), speakerFile = join(dir, "speaker.wav");
  writeFileSync(micFile, wavOf(mic, 8000));
  const c = await runDevice(["call", openid, "--payload", "cli", "--hangup-after", "2", "--in", micFile, "--out", speakerFile, "--wait", "2", ...common]);
  assert.equal(c.code, 0, c.out);
  assert.match(c.out, /"what":"call over","state":5,"reason":1,"error":0/);
  const heard = readFileSync(speakerFile);
  const rate = heard.readUInt32LE(24);
  const pcm = new Int16Array(heard.buffer, heard.byteOffset + 44, (heard.length - 44) >> 1).subarray(rate / 2);
  assert.ok(pcm.length >= rate, `the speaker file holds ${pcm.length} samples after the first 0.5 s`);
  assert.ok(power(pcm, rate, 440) > 20 * power(pcm, rate, 1000), "the speaker file holds the phone's 440 Hz");
});
