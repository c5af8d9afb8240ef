// The receiving side on real UDP sockets against a real RTP stack: GStreamer encodes a tone,
// packetises it with its own payloaders (rtppcmupay, rtpopuspay) and sends it with SRs; the
// image takes every packet (PCMU sizes, Opus TOC, timestamps), reads the SRs and answers with
// its RRs, which GStreamer reads back: loss, highest sequence and a round trip from LSR/DLSR.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { repoRoot } from "../../host-node/paths.js";
import { RTCP_FIELD, RX_FIELD, loadImage } from "../../tools/oracles/rtp_image.js";

const PYTHON = "/usr/bin/python3";
const THEIR_SSRC = 0x6a57a11;
const OUR_SSRC = 0xdec0de;

function haveGstreamer(): boolean {
  return spawnSync(PYTHON, ["-c", "import gi; gi.require_version('Gst','1.0'); from gi.repository import Gst; Gst.init(None); assert all(Gst.ElementFactory.find(e) for e in ['rtpsession', 'rtppcmupay', 'rtpopuspay', 'opusenc', 'mulawenc'])"]).status === 0;
}

async function boundSocket(port = 0): Promise<Socket> {
  const s = createSocket("udp4");
  await new Promise<void>((resolve, reject) => { s.once("error", reject); s.bind(port, "127.0.0.1", () => resolve()); });
  return s;
}

// Our RTP and RTCP sockets on two consecutive ports (GStreamer sends RTCP to RTP + 1).
async function socketPair(): Promise<[Socket, Socket]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const rtp = await boundSocket();
    try { return [rtp, await boundSocket(rtp.address().port + 1)]; } catch { rtp.close(); }
  }
  throw new Error("no two free UDP ports in a row");
}

for (const { codec, pt, clockRate, step } of [
  { codec: "pcmu", pt: 0, clockRate: 8000, step: 160 },
  { codec: "opus", pt: 111, clockRate: 48000, step: 960 },
]) {
  test(`${codec.toUpperCase()} from GStreamer's payloader over UDP: every packet taken, its SRs read, our RRs read back by GStreamer`, { skip: !haveGstreamer() && "GStreamer missing", timeout: 30_000 }, async () => {
    const image = loadImage();
    const e = image.exports;
    const io = image.ioPtr;
    assert.equal(e.vsdk_rtp_rx_init(pt, clockRate, THEIR_SSRC), 0);
    const [rtp, rtcp] = await socketPair();
    const t0 = Date.now();
    const now = () => (Date.now() - t0) >>> 0;
    const statuses = new Map<number, number>();
    let published = 0, lastTs: number | null = null, lastSeq: number | null = null, badSteps = 0;
    rtp.on("message", (msg) => {
      image.writeIo(new Uint8Array(msg));
      const status = e.vsdk_rtp_rx_push(io, msg.length, now());
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status !== 1) return;
      published++;
      const seq = e.vsdk_rtp_rx_get(RX_FIELD.sequence), ts = e.vsdk_rtp_rx_get(RX_FIELD.timestamp) >>> 0;
      // the payloader's timestamps advance by the samples of each packet
      if (lastSeq !== null && seq === ((lastSeq + 1) & 0xffff) && ((ts - lastTs!) >>> 0) !== step) badSteps++;
      lastSeq = seq; lastTs = ts;
    });
    let srs = 0, compounds = 0, refused = 0;
    rtcp.on("message", (msg) => {
      image.writeIo(new Uint8Array(msg), 1024);
      const parts = e.vsdk_rtp_rx_rtcp(io + 1024, msg.length, OUR_SSRC, now());
      if (parts < 0) { refused++; return; }
      compounds++;
      if (e.vsdk_rtcp_get(RTCP_FIELD.reportType) === 200 && (e.vsdk_rtcp_get(RTCP_FIELD.senderSsrc) >>> 0) === THEIR_SSRC) srs++;
    });
    // a free port for GStreamer's RTCP listener (probed, then released before it binds it)
    const probe = await boundSocket();
    const listenPort = probe.address().port;
    probe.close();
    const sender = spawn(PYTHON, [join(repoRoot, "tools/oracles/rtp_gst_sender.py"), codec, String(rtp.address().port),
      String(listenPort), "4", String(THEIR_SSRC), String(pt)], { stdio: ["ignore", "pipe", "inherit"] });
    const output: string[] = [];
    createInterface({ input: sender.stdout! }).on("line", (l) => output.push(l));
    const exited = once(sender, "exit");
    // our RR every 300 ms, to GStreamer's RTCP port
    const out = createSocket("udp4");
    const timer = setInterval(() => {
      const n = e.vsdk_rtp_rx_report(io + 1536, 512, OUR_SSRC, now());
      if (n > 0) out.send(image.readIo(n, 1536), listenPort, "127.0.0.1");
    }, 300);
    await exited;
    clearInterval(timer);
    for (const s of [rtp, rtcp, out]) s.close();
    const result = JSON.parse(output[output.length - 1]);

    // Every packet GStreamer sent reached us and was taken (one held back for probation).
    assert.deepEqual([...statuses.keys()].filter((s) => s < 0), [], `refused: ${JSON.stringify([...statuses])}`);
    assert.ok(result.packets_sent >= 150, `${result.packets_sent} sent`);
    assert.ok(published >= result.packets_sent - 3 && published <= result.packets_sent - 1, `${published} of ${result.packets_sent} published`);
    assert.equal(badSteps, 0, "timestamp steps");
    assert.equal(e.vsdk_rtp_rx_get(RX_FIELD.lost), 0);
    // Its RTCP parsed, SRs among it.
    assert.equal(refused, 0);
    assert.ok(compounds >= 5 && srs >= 5, `${compounds} compounds, ${srs} SRs`);
    // GStreamer read our RRs about its stream.
    const report = result.reports.find((r: { ssrc: number }) => r.ssrc === OUR_SSRC);
    assert.ok(report && report.have_rb, "GStreamer has our report block");
    assert.equal(report.rb_packetslost, 0);
    assert.ok(report.rb_exthighestseq > 0 && report.rb_exthighestseq <= e.vsdk_rtp_rx_get(RX_FIELD.extendedMax) >>> 0);
    assert.notEqual(report.rb_lsr, 0, "our RR echoes its SR");
    // a round trip on loopback: under 100 ms (units of 1/65536 s)
    assert.ok(report.rb_round_trip < 6554, `round trip ${report.rb_round_trip}`);
  });
}
