// Whole calls over the real processes' code on loopback: the WeChat emulator, the vendor cloud
// (SQLite, real TLS, a room-worker process per call relaying RTP over real UDP) and a simulated
// device running build/sdk.wasm in the Node host, with its media path impaired like a bad
// network (host-node/net-impairment.ts). Speech is compared with tools/audio/speech-match.ts
// (each 200 ms speech segment at its best lag; mean normalised correlation):
//   - clean network: >= 0.9 both ways;
//   - 20 % loss and up to 200 ms of jitter towards the device (20 % loss from it): >= 0.6 both
//     ways (lost speech is concealed by the device, left silent by the emulated phone, never
//     restored; what arrives must stay intact and in place).
process.env.VSDK_LOG ??= "silent";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalSystem, type LocalSystem } from "../../cloud/local-system.js";
import { Device } from "../../host-node/device.js";
import { AudioPump } from "../../host-node/audio-pump.js";
import { impairUdp, type Impairment } from "../../host-node/net-impairment.js";
import { parseWav, encodeWav } from "../../host-node/wav.js";
import { OK } from "../../host-node/errors.js";
import { authoriseUser } from "./helpers/authorise.js";
import { speech } from "../../tools/oracles/oracles.js";
import { matchSpeech } from "../../tools/audio/speech-match.js";

const RINGING = 3, TALKING = 5, ENDED = 7;
let sys: LocalSystem;
let dir: string;
let phoneWav: string;
let deviceMic: Int16Array;
let phoneSpeech: Int16Array;
const devices: Device[] = [];
const pumps: AudioPump[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "vsdk-scenarios-"));
  deviceMic = speech("Hello from the doorbell. Somebody is at your front door. Can you hear me?", 8000);
  phoneSpeech = speech("Hi, this is the phone. I hear you well. Please leave the parcel by the door.", 8000);
  phoneWav = join(dir, "phone.wav");
  (await import("node:fs")).writeFileSync(phoneWav, encodeWav(phoneSpeech, 8000));
  // A fixed port, so the device finds the cloud again after a restart.
  sys = await startLocalSystem({ cloud: { dataDir: join(dir, "cloud"), port: await freePort() }, emulator: { ringTimeoutMs: 4000 } });
});
after(async () => {
  for (const p of pumps) p.stop();          // a failed test must not leave audio running
  for (const d of devices) d.stop();
  await sys.stop();
  rmSync(dir, { recursive: true, force: true });
});

let cutUntil = 0;
const isCut = () => performance.now() < cutUntil;

async function device(sn: string, openid: string): Promise<Device> {
  const id = await sys.provision(sn);
  const d = new Device({ storage: mkdtempSync(join(dir, "dev-")), ca: sys.ca, gate: () => !isCut() });
  devices.push(d);
  assert.equal(d.provision({ sn, secret: id.secret, cloud: sys.cloud.url }), OK);
  assert.equal(d.init(), OK);
  assert.equal(d.setTimeouts(2, 60000, 60000), OK);
  d.start();
  assert.equal(await d.register(), OK);
  await authoriseUser(sys, sn, id.secret, openid);
  return d;
}

async function phoneRecording(callId: string): Promise<Int16Array> {
  const room = (await sys.cloud.store.call(callId))!.room_id;
  const res = await fetch(`${sys.emulator.url}/emulator/rooms/${room}/recording.wav`);
  return parseWav(new Uint8Array(await res.arrayBuffer())).samples;
}

async function talkingCall(d: Device, openid: string, talkMs: number, impairment?: Impairment) {
  await sys.emulatorCall(`/emulator/users/${openid}/script`, { answer: "answer", after_ms: 100, speech: { wav: phoneWav } });
  assert.equal(d.call(openid), OK);
  const talking = await d.waitPhase(TALKING, 15000);
  const stats = impairment ? impairUdp(d.io.udp, () => d.image.memory, impairment) : null;
  const pump = new AudioPump(d, deviceMic);
  pumps.push(pump);
  pump.start();
  await sleep(talkMs);
  return { talking, pump, stats };
}

// `segment`: samples aligned on their own. The device's jitter buffer moves its delay during a
// call (a wait for a late packet adds a frame, time-compression takes it back over a few ticks),
// so what the device heard is matched in 50 ms pieces: the speech is there, at a delay that moves.
function compare(sent: Int16Array, received: Int16Array, talkMs: number, segment = 1600) {
  const len = Math.min(sent.length, (talkMs / 1000 - 1) * 8000);
  return matchSpeech(sent.subarray(0, len), received, 8000, segment);
}

test("clean network: speech both ways matches what was said", { timeout: 120_000 }, async (t) => {
  const d = await device("SN-SCN-1", "o_scn_1");
  const { talking, pump } = await talkingCall(d, "o_scn_1", 5000);
  assert.equal(d.hangup(), OK);
  const ended = await d.waitPhase(ENDED, 10000);
  pump.stop();
  assert.deepEqual([ended.state, ended.reason], [5, 1]);
  const down = compare(phoneSpeech, pump.received, 5000, 400);
  const up = compare(deviceMic, await phoneRecording(talking.call_id), 5000);
  t.diagnostic(`device: ${d.image.exports.vsdk_media_stat(4)} frames played, ${d.image.exports.vsdk_media_stat(5)} concealed`);
  t.diagnostic(`device heard: correlation ${down.correlation.toFixed(3)}, SNR ${down.snrDb.toFixed(1)} dB; phone heard: ${up.correlation.toFixed(3)}, ${up.snrDb.toFixed(1)} dB; first audio ${pump.firstAudioMs} ms after talking; phone mouth to device ear (relay + jitter buffer + concealment delay) about ${down.maxLag / 8} ms`);
  assert.ok(down.correlation >= 0.9, `device heard ${down.correlation}`);
  assert.ok(up.correlation >= 0.9, `phone heard ${up.correlation}`);
});

test("a network tick held up for a second at a time: audio_out reads the socket itself, and every frame plays", { timeout: 120_000 }, async (t) => {
  // The host's network task and its audio task run apart; here the network tick (vsdk_signal_tick,
  // which also drains the media socket) runs once a second while the audio pump plays a frame
  // every 20 ms. Packets that reached the socket must still play in their frame: vsdk_audio_out
  // reads what is waiting before it plays. Without that, 31 of about 200 frames played (the rest
  // concealed, or silence once starved), and the speech matched at 0.38.
  const d = await device("SN-SCN-T", "o_scn_t");
  await sys.emulatorCall(`/emulator/users/o_scn_t/script`, { answer: "answer", after_ms: 100, speech: { wav: phoneWav } });
  assert.equal(d.call("o_scn_t"), OK);
  await d.waitPhase(TALKING, 15000);
  d.setTickMs(1000);
  const pump = new AudioPump(d, deviceMic);
  pumps.push(pump);
  pump.start();
  await sleep(4000);
  const played = d.image.exports.vsdk_media_stat(4), concealed = d.image.exports.vsdk_media_stat(5);
  d.setTickMs(5);
  assert.equal(d.hangup(), OK);
  await d.waitPhase(ENDED, 10000);
  pump.stop();
  const down = compare(phoneSpeech, pump.received, 4000, 400);
  t.diagnostic(`device: ${played} frames played, ${concealed} concealed; heard correlation ${down.correlation.toFixed(3)}`);
  assert.ok(played >= 150, `${played} frames played in 4 s`);
  assert.ok(concealed <= 10, `${concealed} frames concealed`);
  assert.ok(down.correlation >= 0.9, `device heard ${down.correlation}`);
});

test("20 % loss and 200 ms jitter on the media path: speech stays intelligible", { timeout: 120_000 }, async (t) => {
  const d = await device("SN-SCN-2", "o_scn_2");
  const { talking, pump, stats } = await talkingCall(d, "o_scn_2", 6000, { downLoss: 0.2, downJitterMs: 200, upLoss: 0.2, seed: 11 });
  assert.equal(d.hangup(), OK);
  await d.waitPhase(ENDED, 10000);
  pump.stop();
  const concealed = d.image.exports.vsdk_media_stat(5);
  const down = compare(phoneSpeech, pump.received, 6000);
  const up = compare(deviceMic, await phoneRecording(talking.call_id), 6000);
  t.diagnostic(`dropped ${stats!.downDropped} down / ${stats!.upDropped} up; concealed ${concealed}; device heard ${down.correlation.toFixed(3)}, phone heard ${up.correlation.toFixed(3)}`);
  assert.ok(stats!.downDropped > 30 && stats!.upDropped > 30, "the impairment really dropped packets");
  assert.ok(concealed > 10, "losses were concealed");
  assert.ok(down.correlation >= 0.6, `device heard ${down.correlation}`);
  assert.ok(up.correlation >= 0.6, `phone heard ${up.correlation}`);
});

test("a 10 s network cut mid-call: the call survives and audio resumes", { timeout: 120_000 }, async (t) => {
  const d = await device("SN-SCN-3", "o_scn_3");
  const { pump } = await talkingCall(d, "o_scn_3", 1500, { cut: isCut });
  const playedBefore = d.image.exports.vsdk_media_stat(4);
  cutUntil = performance.now() + 10000;
  d.io.streams.closeAll();           // connections reset, as a router reboot would do
  await sleep(10000);
  const duringCut = d.image.exports.vsdk_media_stat(4) - playedBefore;
  // Audio must come back: 50 frames (1 s) played within 15 s of the network's return.
  let resumed = 0;
  for (let waited = 0; waited < 15000 && resumed < 50; waited += 250) {
    await sleep(250);
    resumed = d.image.exports.vsdk_media_stat(4) - playedBefore - duringCut;
  }
  const x = d.image.exports;
  const report = d.callReport();
  t.diagnostic(`frames played: ${playedBefore} before, ${duringCut} during the cut, ${resumed} soon after; ` +
    `phase ${report.phase} state ${report.state}; packets buffered ${x.vsdk_media_stat(2)}, refused ${x.vsdk_media_stat(3)}, ` +
    `concealed ${x.vsdk_media_stat(5)}, silent ${x.vsdk_media_stat(6)}, target ${x.vsdk_media_stat(8)} ms, delay ${x.vsdk_media_stat(9)} ms`);
  assert.ok(duringCut <= 15, "nothing real played while the network was cut");
  assert.ok(resumed >= 50, "audio resumed after the cut");
  assert.equal(d.phase, TALKING);
  assert.equal(d.hangup(), OK);
  const ended = await d.waitPhase(ENDED, 15000);
  pump.stop();
  assert.equal(ended.state, 5);
});

test("a cloud restart mid-call ends the call cleanly, and the device calls again afterwards", { timeout: 120_000 }, async (t) => {
  const d = await device("SN-SCN-4", "o_scn_4");
  const { pump } = await talkingCall(d, "o_scn_4", 1000);
  await sys.restartCloud();
  const ended = await d.waitPhase(ENDED, 30000);
  pump.stop();
  t.diagnostic(`after the restart the call ended with state ${ended.state}, reason ${ended.reason}`);
  assert.ok([5, 6, 7].includes(ended.state), `ended with state ${ended.state}`);
  await sys.emulatorCall(`/emulator/users/o_scn_4/script`, { answer: "answer", after_ms: 0 });
  assert.equal(d.call("o_scn_4"), OK);
  await d.waitPhase(TALKING, 20000);
  assert.equal(d.hangup(), OK);
  assert.equal((await d.waitPhase(ENDED, 10000)).state, 5);
});

test("the user calls the device, which rings, answers and hears the user", { timeout: 120_000 }, async (t) => {
  const d = await device("SN-SCN-5", "o_scn_5");
  await sys.emulatorCall(`/emulator/users/o_scn_5/script`, { answer: "answer", after_ms: 0, speech: { wav: phoneWav } });
  const ring = d.waitPhase(RINGING, 15000);
  const placed = await sys.emulatorCall(`/emulator/users/o_scn_5/call`, { sn: "SN-SCN-5", model_id: "vsdk-model-1", room_type: "voice" });
  assert.equal(placed.errcode, 0);
  await ring;
  const rangAt = performance.now();
  assert.equal(d.answer(), OK);
  await d.waitPhase(TALKING, 10000);
  const setupMs = performance.now() - rangAt;
  const pump = new AudioPump(d, deviceMic);
  pumps.push(pump);
  pump.start();
  await sleep(4000);
  await sys.emulatorCall(`/emulator/rooms/${placed.roomid}/hangup`, {});
  const ended = await d.waitPhase(ENDED, 10000);
  pump.stop();
  const down = compare(phoneSpeech, pump.received, 4000);
  t.diagnostic(`answer to talking ${setupMs.toFixed(0)} ms, talking to first audio ${pump.firstAudioMs} ms; device heard ${down.correlation.toFixed(3)}`);
  assert.equal(ended.state, 5);
  assert.ok(down.correlation >= 0.9, `device heard ${down.correlation}`);
});

test("a hundred calls leave the image's memory where one call left it", { timeout: 120_000 }, async (t) => {
  const d = await device("SN-SCN-6", "o_scn_6");
  await sys.emulatorCall(`/emulator/users/o_scn_6/script`, { answer: "answer", after_ms: 0 });
  const before = d.image.exports.vsdk_memory_used();
  let afterFirst = 0;
  for (let i = 0; i < 100; i++) {
    assert.equal(d.call("o_scn_6"), OK);
    await d.waitPhase(TALKING, 10000);
    assert.equal(d.hangup(), OK);
    await d.waitPhase(ENDED, 10000);
    if (i === 0) afterFirst = d.image.exports.vsdk_memory_used();
  }
  const after = d.image.exports.vsdk_memory_used();
  t.diagnostic(`linear memory in use: ${before} bytes before, ${afterFirst} after one call, ${after} after 100`);
  assert.equal(after, afterFirst);
  assert.ok(after <= 32 * 1024);
});

test("every outcome of the device's call, as WeChat reports it", { timeout: 120_000 }, async (t) => {
  const d = await device("SN-SCN-7", "o_scn_7");
  const outcomes: [string, Record<string, unknown>, (() => void) | null, number][] = [
    ["user rejects", { answer: "reject", after_ms: 200 }, null, 3],
    ["user is busy", { answer: "busy", after_ms: 200 }, null, 8],
    ["user never answers", { answer: "no_answer" }, null, 9],
    ["device cancels while ringing", { answer: "no_answer" }, () => assert.equal(d.cancel(), OK), 4],
    ["user answers, then hangs up", { answer: "answer", after_ms: 100, hangup_after_ms: 1500 }, null, 6],
  ];
  for (const [name, script, act, state] of outcomes) {
    await sys.emulatorCall("/emulator/users/o_scn_7/script", script);
    assert.equal(d.call("o_scn_7"), OK);
    await d.waitPhase(2, 10000);
    if (act) { await sleep(300); act(); }
    const ended = await d.waitPhase(ENDED, 15000);
    t.diagnostic(`${name}: state ${ended.state}, reason ${ended.reason}`);
    assert.equal(ended.state, state, name);
  }
  // A user who never authorised the device: WeChat's errcode 9 comes back negated.
  assert.equal(d.call("o_scn_nobody"), OK);
  const refused = await d.waitPhase(ENDED, 10000);
  assert.equal(refused.error, -9);
});
