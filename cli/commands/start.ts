// `vsdk start` (npm start): the main job. On one machine, with embedded defaults and no
// configuration: the WeChat platform emulator, the vendor cloud (SQLite file, generated
// certificates) and one simulated device running build/sdk.wasm. The device is provisioned and
// registers; a user authorises it; the device calls the user, then the user calls the device;
// both talk with speech both ways and hang up. Writes out/: report.json, report.html and the
// audio each side sent and received as WAV.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "../command.js";
import { parseOptions } from "../command.js";
import { startLocalSystem } from "../../cloud/local-system.js";
import { Device, PHASE_NAMES, STATE_NAMES } from "../../host-node/device.js";
import { AudioPump } from "../../host-node/audio-pump.js";
import { encodeWav, parseWav } from "../../host-node/wav.js";
import { OK } from "../../host-node/errors.js";
import { authoriseUser } from "../../tests/node/helpers/authorise.js";
import { speech } from "../../tools/oracles/oracles.js";
import { matchSpeech } from "../../tools/audio/speech-match.js";
import { reportHtml, type CallSection } from "../start/report-html.js";
import { runOtaDemo, type OtaDemoResult } from "../ota-demo/run.js";

const TALKING = 5, ENDED = 7;
const SN = "VSDK-DEMO-0001";
const OPENID = "o_demo_user";
const DEVICE_SAYS = "Hello from the doorbell. Somebody is at your front door. Can you hear me?";
const PHONE_SAYS = "Hi, this is the phone. I hear you well. Please leave the parcel by the door.";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const start: Command = {
  summary: "the main job: a whole simulated call on this machine, with a report in out/",
  async run(argv) {
    const opts = parseOptions(argv, ["help", "quiet"]);
    if (opts.help) {
      console.log(`usage: vsdk start [--out DIR] [--talk-ms N] [--quiet]
  Starts the WeChat emulator, the vendor cloud and one simulated device on loopback, places a
  device-to-user and a user-to-device call with speech both ways, then shows over-the-air
  updates on a second device (one confirmed, one rolled back), and writes DIR (default out/):
  report.json, report.html, and *.wav (what each side said and heard).
  --talk-ms  how long each call talks (default 5000)`);
      return 0;
    }
    const outDir = resolve(typeof opts.out === "string" ? opts.out : "out");
    const talkMs = Number(opts["talk-ms"] ?? 5000);
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    process.env.VSDK_LOG ??= "silent";

    const t0 = performance.now();
    const timeline: string[] = [];
    const say = (line: string) => {
      const entry = `${((performance.now() - t0) / 1000).toFixed(3).padStart(7)} s  ${line}`;
      timeline.push(entry);
      if (!opts.quiet) console.log(entry);
    };

    say("generating speech for the device's microphone and the phone user (espeak-ng)");
    const deviceMic = speech(DEVICE_SAYS, 8000);
    const phoneSpeech = speech(PHONE_SAYS, 8000);
    writeFileSync(join(outDir, "device-says.wav"), encodeWav(deviceMic, 8000));
    writeFileSync(join(outDir, "phone-says.wav"), encodeWav(phoneSpeech, 8000));

    // No release key for the cloud: the OTA part signs with a key made for this run, which only its
    // device trusts (a VSDK_RELEASE_PUBLIC_KEY in the environment would refuse those packages).
    const sys = await startLocalSystem({ cloud: { dataDir: join(outDir, "cloud-data"), releasePublicKey: null }, emulator: { ringTimeoutMs: 30_000 } });
    say(`WeChat emulator at ${sys.emulator.url}, vendor cloud at ${sys.cloud.url} (SQLite, development CA)`);
    const device = new Device({ storage: join(outDir, "device-flash"), ca: sys.ca });
    device.on("event", (e: { name: string; a: number; b: number }) => {
      const detail = e.name === "phase" ? PHASE_NAMES[e.a] ?? e.a : e.name === "state" ? `${e.a} ${STATE_NAMES[e.a] ?? ""}` : `${e.a} ${e.b}`;
      say(`device event: ${e.name} ${detail}`);
    });
    const calls: CallSection[] = [];
    let ota: OtaDemoResult | undefined;
    const report: Record<string, unknown> = { started_at: new Date().toISOString(), sn: SN, openid: OPENID };
    try {
      const identity = await sys.provision(SN);
      say(`provisioned device ${SN} (per-device secret recorded by the cloud)`);
      must(device.provision({ sn: SN, secret: identity.secret, cloud: sys.cloud.url }), "provision");
      must(device.init(), "init");
      device.start();
      const registeredIn = performance.now();
      must(await device.register(), "register");
      say(`device registered in ${Math.round(performance.now() - registeredIn)} ms: ${JSON.stringify(device.deviceReport())}`);

      // The user scans the device's ticket in the Mini Program (wx.requestDeviceVoIP).
      await authoriseUser(sys, SN, identity.secret, OPENID);
      say(`user ${OPENID} authorised the device`);
      const phoneWav = join(outDir, "phone-says.wav");

      // 1. The device calls the user, who answers after 800 ms; the device hangs up.
      await sys.emulatorCall(`/emulator/users/${OPENID}/script`, { answer: "answer", after_ms: 800, speech: { wav: phoneWav } });
      say("device calls the user (audio)");
      must(device.call(OPENID, { payload: "front-door" }), "call");
      calls.push(await talk("device calls user", device, deviceMic, phoneSpeech, talkMs, say, sys, outDir, "call1", async () => {
        must(device.hangup(), "hangup");
        say("device hangs up");
      }));

      // 2. The user calls the device, which rings and answers; the user hangs up.
      await sys.emulatorCall(`/emulator/users/${OPENID}/script`, { answer: "answer", after_ms: 0, speech: { wav: phoneWav } });
      say("user calls the device from the Mini Program (callDevice, isCloud)");
      const ring = device.waitPhase(3, 15000);
      const placed = await sys.emulatorCall(`/emulator/users/${OPENID}/call`, { sn: SN, model_id: "vsdk-model-1", room_type: "voice", payload: "app" });
      if (placed.errcode !== 0) throw new Error(`callDevice failed: ${JSON.stringify(placed)}`);
      await ring;
      say("device rings; answering");
      must(device.answer(), "answer");
      calls.push(await talk("user calls device", device, deviceMic, phoneSpeech, talkMs, say, sys, outDir, "call2", async () => {
        await sys.emulatorCall(`/emulator/rooms/${placed.roomid}/hangup`, {});
        say("user hangs up");
      }, placed.roomid));
      report.memory_bytes_after_calls = device.image.exports.vsdk_memory_used();
      report.calls = calls.map((c) => c.summary);
      // 3. Over-the-air updates on a second device: one confirmed, one bad one rolled back.
      say("OTA: a good update rolled out and confirmed, then a bad one rolled back (vsdk ota-demo)");
      ota = await runOtaDemo(sys, { dir: join(outDir, "ota"), say: (l) => say(`ota ${l.trim()}`) });
      report.ota = ota;
      report.ok = calls.every((c) => (c.summary.ok as boolean)) && ota.good.outcome === "confirmed" && ota.bad.outcome === "rolled_back";
    } finally {
      device.stop();
      await sys.stop();
    }
    report.timeline = timeline;
    writeFileSync(join(outDir, "report.json"), JSON.stringify(report, null, 2) + "\n");
    writeFileSync(join(outDir, "report.html"), reportHtml("vsdk: a whole call on one machine", timeline, calls, ota));
    say(`wrote ${outDir}/report.json, report.html and the WAV files`);
    if (!report.ok) { console.error("vsdk start: a call did not meet its checks (see report.json)"); return 1; }
    return 0;
  },
};

function must(code: number, what: string): void {
  if (code !== OK) throw new Error(`${what} failed with ${code}`);
}

async function talk(title: string, device: Device, mic: Int16Array, phoneSpeech: Int16Array, talkMs: number,
  say: (l: string) => void, sys: Awaited<ReturnType<typeof startLocalSystem>>, outDir: string, name: string,
  hangUp: () => Promise<void>, knownRoom?: string): Promise<CallSection> {
  const asked = performance.now();
  const talking = await device.waitPhase(TALKING, 20000);
  const answeredAt = performance.now();
  say(`talking (WeChat state ${talking.state}) ${Math.round(answeredAt - asked)} ms after the request; media ${JSON.stringify(talking.media)}`);
  const pump = new AudioPump(device, mic);
  pump.start();
  await sleep(talkMs);
  await hangUp();
  const ended = await device.waitPhase(ENDED, 10000);
  pump.stop();
  say(`call ended: state ${ended.state} (${STATE_NAMES[ended.state]}), reason ${ended.reason}`);
  const stats = [0, 1, 2, 3, 4, 5, 6, 7].map((f) => device.image.exports.vsdk_media_stat(f));
  const heard = pump.received;
  writeFileSync(join(outDir, `${name}-device-heard.wav`), encodeWav(heard, 8000));
  const room = knownRoom ?? (await sys.cloud.store.call(talking.call_id))?.room_id;
  const rec = await fetch(`${sys.emulator.url}/emulator/rooms/${room}/recording.wav`);
  const phoneHeard = parseWav(new Uint8Array(await rec.arrayBuffer())).samples;
  writeFileSync(join(outDir, `${name}-phone-heard.wav`), encodeWav(phoneHeard, 8000));
  const roomInfo = await sys.emulatorCall(`/emulator/rooms/${room}`);
  // Speech both ways: what the phone heard against the device's microphone, and the reverse;
  // the first talkMs of each signal (both loop), at lags up to 1 s.
  const upLen = Math.min(mic.length, phoneHeard.length, (talkMs / 1000) * 8000 - 8000);
  const downLen = Math.min(phoneSpeech.length, heard.length, (talkMs / 1000) * 8000 - 8000);
  const uplink = matchSpeech(mic.subarray(0, Math.max(0, upLen)), phoneHeard, 8000);
  const downlink = matchSpeech(phoneSpeech.subarray(0, Math.max(0, downLen)), heard, 8000);
  const summary = {
    title,
    call_id: talking.call_id,
    final_state: ended.state,
    final_state_name: STATE_NAMES[ended.state],
    hangup_reason: ended.reason,
    room_states: roomInfo.history?.map((h: { state: number }) => h.state),
    setup_ms: Math.round(answeredAt - asked),
    answer_to_first_audio_ms: pump.firstAudioMs,
    packets_sent: stats[0], packets_received: stats[2], packets_refused: stats[3],
    frames_played: stats[4], frames_concealed: stats[5], frames_silent: stats[6],
    mean_playout_delay_ms: Math.round(pump.trace.reduce((a, p) => a + p.delay, 0) / Math.max(1, pump.trace.length)),
    uplink_speech: { correlation: +uplink.correlation.toFixed(3), snr_db: +uplink.snrDb.toFixed(1), segments: uplink.segments, lag_ms: uplink.maxLag / 8 },
    downlink_speech: { correlation: +downlink.correlation.toFixed(3), snr_db: +downlink.snrDb.toFixed(1), segments: downlink.segments, lag_ms: downlink.maxLag / 8 },
    ok: ended.phase === ENDED && uplink.correlation >= 0.8 && downlink.correlation >= 0.8,
  };
  say(`${title}: sent ${stats[0]} packets, received ${stats[2]}, concealed ${stats[5]} frames; speech correlation up ${summary.uplink_speech.correlation}, down ${summary.downlink_speech.correlation}`);
  return { title, summary, trace: pump.trace };
}
