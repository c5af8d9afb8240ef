// Replays calls recorded from a simulated device (VSDK_RX_RECORD=FILE, host-node/rx-record.ts)
// through one or more images' media sessions, and libspeexdsp's buffer, on exactly the packets
// and playout ticks the device had: what a change to the buffer does to a real call over real
// sockets and timers, deterministically.
//   VSDK_RX_RECORD=/tmp/calls.rec npx vsdk start
//   npx tsx tools/traces/replay-call.ts /tmp/calls.rec [--image A.wasm,B.wasm] [--ticks]
// Per call (events more than CALL_GAP_MS apart start a new one): ticks, concealed ticks, merges;
// speex: packets it lost (late), each a concealed tick.
import { readFileSync } from "node:fs";
import { Image, DEFAULT_IMAGE } from "../../host-node/image.js";
import { CONCEAL, KIND_CONCEAL, KIND_MERGE, type Tick } from "../../host-node/jitter-sim.js";
import { runSpeex } from "../../host-node/jitter-speex.js";
import { arg } from "./args.js";

const CALL_GAP_MS = 500;
const PCMU = 0;
const MEDIA_STAT_LAST_KIND = 10;

type Event = { tick: true; ms: number } | { tick: false; ms: number; bytes: Buffer };

function readCalls(path: string): Event[][] {
  const calls: Event[][] = [];
  let call: Event[] = [];
  let last = -Infinity;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const [kind, ms, hex] = line.trim().split(" ");
    if (kind !== "t" && kind !== "r") continue;
    const at = Number(ms);
    if (at - last > CALL_GAP_MS && call.length > 0) { calls.push(call); call = []; }
    last = at;
    call.push(kind === "t" ? { tick: true, ms: at } : { tick: false, ms: at, bytes: Buffer.from(hex ?? "", "hex") });
  }
  if (call.length > 0) calls.push(call);
  return calls.filter((c) => c.some((e) => !e.tick));
}

function replayOurs(call: Event[], imagePath: string, showTicks: boolean): string {
  const image = Image.load({}, imagePath);
  const x = image.exports, io = image.ioPtr;
  const first = call.find((e) => !e.tick) as { bytes: Buffer };
  if (x.vsdk_media_start(PCMU, -1, 8000, 20, 0x2222, first.bytes.readUInt32BE(8)) !== 0) throw new Error("vsdk_media_start failed");
  let ticks = 0, concealed = 0, merges = 0, line = "";
  for (const e of call) {
    if (!e.tick) {
      image.memory.set(e.bytes, io + 1024);
      x.vsdk_media_receive(io + 1024, e.bytes.length, e.ms >>> 0);
      continue;
    }
    x.vsdk_media_playout(e.ms >>> 0, io, 160);
    const kind = x.vsdk_media_stat(MEDIA_STAT_LAST_KIND);
    ticks++;
    if (kind === KIND_CONCEAL) concealed++;
    if (kind === KIND_MERGE) merges++;
    line += "s.CFM"[kind] ?? "?";
  }
  return `${ticks} ticks, ${concealed} concealed, ${merges} merges${showTicks ? `\n  ${line}` : ""}`;
}

function replaySpeex(call: Event[]): string {
  const ticks: Tick[] = [];
  let puts: Tick["puts"] = [];
  let id = 0;
  for (const e of call) {
    if (!e.tick) puts.push({ id: id++, seq: e.bytes.readUInt16BE(2), ts: e.bytes.readUInt32BE(4), arrivalMs: e.ms });
    else if (id > 0) { ticks.push({ atMs: e.ms, puts }); puts = []; }
  }
  const out = runSpeex(ticks);
  const played = out.map((o, i) => (typeof o === "number" && o >= 0 ? i : -1)).filter((i) => i >= 0);
  const span = played.length > 0 ? out.slice(played[0], played[played.length - 1]) : [];
  return `${span.filter((o) => o === CONCEAL).length} concealed`;
}

const path = process.argv[2];
if (!path || path.startsWith("--")) {
  console.error("usage: npx tsx tools/traces/replay-call.ts RECORDING [--image A.wasm,B.wasm] [--ticks]");
  process.exit(2);
}
const images = arg("--image", DEFAULT_IMAGE).split(",");
const showTicks = process.argv.includes("--ticks");
readCalls(path).forEach((call, n) => {
  console.log(`call ${n + 1}: speex ${replaySpeex(call)}`);
  for (const image of images) console.log(`  ${image}: ${replayOurs(call, image, showTicks)}`);
});
