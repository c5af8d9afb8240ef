import type { Command } from "../command.js";
import { parseOptions } from "../command.js";

const HELP = `usage: vsdk device <verb> --storage DIR [options]
A simulated device: build/sdk.wasm in the Node host, its flash a folder of key-value files.

  provision --sn SN --secret HEX --cloud URL   write the factory identity (or --identity FILE,
                                               the JSON \`vsdk provision\` prints, plus --cloud)
  register                                     register with the cloud (once per device)
  status                                       is_registered (from storage) and the registration
  ticket                                       a fresh device ticket for a user's authorisation
  call OPENID [--payload P] [--query Q] [--hangup-after S]
                                               call a user; hang up after S seconds of talk
  listen [--answer | --reject] [--hangup-after S] [--calls N]
                                               wait for users' calls; answer or reject each

  --storage DIR     the device's storage folder (default .vsdk/device)
  --ca FILE         CA certificate(s) the device trusts for its cloud (PEM), e.g. the cloud's
                    development CA (.vsdk/cloud/tls/dev-ca.pem)
  --mic FILE        what the microphone hears during calls: a 16-bit mono WAV at the call's rate
                    (8 kHz for G.711), looped; --say TEXT speaks TEXT instead (espeak-ng);
                    silence when neither is given
  --speaker FILE    write what the speaker played during the (last) call as a WAV file
  --wait S          event long-poll wait in seconds (default 25)
  --ota-pub FILE    the release public key (PEM) the device trusts for over-the-air updates;
                    without it every update is refused (E_AUTH). Slots live in DIR/ota-slots
  --ota-health-timeout S
                    how long an updated image has to confirm before it is rolled back (120)
  --json            one JSON object per event instead of a readable timeline
Exit status: 0 when the verb succeeded, 1 with the image's error code printed otherwise.`;

export const device: Command = {
  summary: "run a simulated device (the image in the Node host): provision, register, call, listen",
  async run(argv) {
    const o = parseOptions(argv, ["help", "json", "answer", "reject"]);
    const verb = o._[0];
    if (o.help || !verb) { console.log(HELP); return verb || o.help ? 0 : 2; }
    const { readFileSync, writeFileSync } = await import("node:fs");
    const { Device, PHASE_NAMES, STATE_NAMES, COMMAND_NAMES } = await import("../../host-node/device.js");
    const { errorName } = await import("../../host-node/error-names.js");
    const storage = typeof o.storage === "string" ? o.storage : ".vsdk/device";
    const ota = {
      publicKey: typeof o["ota-pub"] === "string" ? readFileSync(o["ota-pub"], "utf8") : undefined,
      healthTimeoutMs: typeof o["ota-health-timeout"] === "string" ? Number(o["ota-health-timeout"]) * 1000 : undefined,
    };
    const d = new Device({ storage, ca: typeof o.ca === "string" ? readFileSync(o.ca) : undefined, ota });
    const json = o.json === true;
    const t0 = Date.now();
    const say = (what: string, extra: Record<string, unknown> = {}) => {
      if (json) console.log(JSON.stringify({ t_ms: Date.now() - t0, what, ...extra }));
      else console.log(`${((Date.now() - t0) / 1000).toFixed(3).padStart(8)} s  ${what}${Object.keys(extra).length ? "  " + JSON.stringify(extra) : ""}`);
    };
    const fail = (what: string, code: number) => { say(`${what} failed`, { code, error: errorName(code) }); d.stop(); return 1; };
    d.on("event", (e) => {
      if (e.name === "state") say(`call state ${e.a} (${STATE_NAMES[e.a] ?? "?"}), reason ${e.b}`);
      else if (e.name === "ring") say(`ring (${e.a ? "video" : "voice"}) from ${d.callReport().peer}`);
      else if (e.name === "media") say("media ready", { ...d.callReport().media });
      else if (e.name === "link") say(e.a ? "cloud reachable" : "cloud unreachable, retrying", e.a ? {} : { code: e.b });
      else if (e.name === "command" && e.b !== 0) say(`${COMMAND_NAMES[e.a]} failed`, { code: e.b, error: errorName(e.b) });
      else if (e.name === "busy_sent") say("told a second caller the device is busy");
      else if (e.name === "ota") say("the cloud offers an update");
      else if (e.name === "ota_ready") say("update verified and staged; restarting into it");
    });
    d.on("restart", (r: { slot: string; version: number; rollback: number }) => {
      const v = `${r.version >>> 24}.${(r.version >>> 16) & 0xff}.${r.version & 0xffff}`;
      if (r.rollback) say(`rolled back to the ${r.slot} image (${v})`, { reason: r.rollback, error: errorName(r.rollback) });
      else say(`restarted into the ${r.slot} image (${v})${d.ota.onTrial ? " on trial" : ""}`);
    });

    if (verb === "provision") {
      let identity: { sn?: string; secret?: string } = {};
      if (typeof o.identity === "string") identity = JSON.parse(readFileSync(o.identity, "utf8"));
      const sn = typeof o.sn === "string" ? o.sn : identity.sn;
      const secret = typeof o.secret === "string" ? o.secret : identity.secret;
      if (!sn || !secret || typeof o.cloud !== "string") { console.error(HELP); return 2; }
      const r = d.provision({ sn, secret, cloud: o.cloud });
      if (r !== 0) return fail("provision", r);
      say("provisioned", { sn, cloud: o.cloud, storage });
      return 0;
    }
    const init = d.init();
    if (init !== 0) return fail("init (is the device provisioned?)", init);
    if (typeof o.wait === "string") d.setTimeouts(Number(o.wait), 60000, 60000);
    if (verb === "status") {
      say("status", { ...d.deviceReport() });
      return d.isRegistered() === 1 ? 0 : 1;
    }
    d.start();
    if (verb === "register") {
      const r = await d.register(60000);
      if (r !== 0) return fail("register", r);
      say("registered", { ...d.deviceReport() });
      d.stop();
      return 0;
    }
    if (verb === "ticket") {
      const t = await d.ticket(60000);
      if (typeof t === "number") return fail("ticket", t);
      say("ticket", { sn_ticket: t });
      d.stop();
      return 0;
    }
    // Hang up after some talk, when asked: armed when the call starts talking.
    const hangupAfter = typeof o["hangup-after"] === "string" ? Number(o["hangup-after"]) * 1000 : 0;
    let hangupTimer: NodeJS.Timeout | undefined;
    d.on("state", (e) => {
      if (e.a !== 2 || hangupAfter <= 0) return;
      hangupTimer = setTimeout(() => { if (d.phase === 5) { say("hanging up"); d.hangup(); } }, hangupAfter);
    });
    // Microphone and speaker: an audio pump runs while a call talks (host-node/audio-pump.ts).
    const { AudioPump } = await import("../../host-node/audio-pump.js");
    const { parseWav, encodeWav } = await import("../../host-node/wav.js");
    let mic: Int16Array = new Int16Array(8000);
    if (typeof o.mic === "string") mic = parseWav(new Uint8Array(readFileSync(o.mic))).samples;
    else if (typeof o.say === "string") mic = (await import("../../tools/oracles/oracles.js")).speech(o.say, 8000);
    let pump: InstanceType<typeof AudioPump> | null = null;
    let rate = 8000;
    const stopPump = () => {
      if (!pump) return;
      pump.stop();
      if (typeof o.speaker === "string") {
        writeFileSync(o.speaker, encodeWav(pump.received, rate));
        say("speaker audio written", { file: o.speaker, samples: pump.received.length });
      }
      pump = null;
    };
    d.on("state", (e) => {
      if (e.a === 2 && !pump) {
        rate = Math.max(8000, d.image.exports.vsdk_audio_rate());
        pump = new AudioPump(d, mic);
        pump.start();
      }
      else if (e.a !== 1 && e.a !== 2) stopPump();
    });
    const finish = (code: number) => { clearTimeout(hangupTimer); stopPump(); d.stop(); return code; };
    if (verb === "call") {
      const openid = o._[1];
      if (!openid) { console.error(HELP); return 2; }
      const r = d.call(openid, { payload: typeof o.payload === "string" ? o.payload : "", customQuery: typeof o.query === "string" ? o.query : "" });
      if (r !== 0) return fail("call", r);
      say(`calling ${openid}`);
      const rep = await d.waitPhase(7, 600000);
      say(`call over: ${PHASE_NAMES[rep.phase]}`, { state: rep.state, reason: rep.reason, error: rep.error, call_id: rep.call_id });
      return finish(rep.error === 0 ? 0 : 1);
    }
    if (verb === "listen") {
      const calls = typeof o.calls === "string" ? Number(o.calls) : Infinity;
      say("waiting for calls");
      for (let n = 0; n < calls; n++) {
        await d.waitEvent((e) => e.name === "ring", 24 * 3600_000);
        if (o.reject === true) d.reject();
        else if (o.answer === true) d.answer();
        const rep = await d.waitPhase(7, 600000);
        clearTimeout(hangupTimer);
        say("call over", { state: rep.state, reason: rep.reason, call_id: rep.call_id });
      }
      return finish(0);
    }
    console.error(HELP);
    d.stop();
    return 2;
  },
};
