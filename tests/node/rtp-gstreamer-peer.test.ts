// A call leg on real UDP sockets against a real RTP stack: GStreamer's rtpsession receives the
// image's RTP stream and sender reports, and answers with its own receiver reports, which the
// image's RTCP parser reads. Checks both directions: what GStreamer understood of our packets
// and SRs, and that its RR blocks about us say what we sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { repoRoot } from "../../host-node/paths.js";
import { RTCP_FIELD, RTP_FIELD, loadImage } from "../../tools/oracles/rtp_image.js";

const PYTHON = "/usr/bin/python3";
const OUR_SSRC = 0x7e57ab1e;

function haveGstreamer(): boolean {
  return spawnSync(PYTHON, ["-c", "import gi; gi.require_version('Gst','1.0'); from gi.repository import Gst; Gst.init(None); assert Gst.ElementFactory.find('rtpsession')"]).status === 0;
}

async function boundSocket(port = 0): Promise<Socket> {
  const s = createSocket("udp4");
  s.bind(port, "127.0.0.1");
  await once(s, "listening");
  return s;
}

// Two consecutive free ports for the peer's RTP and RTCP (probed, then released for it).
async function freePorts(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const a = await boundSocket();
    const port = a.address().port;
    const b = createSocket("udp4");
    const ok = await new Promise<boolean>((resolve) => {
      b.once("error", () => resolve(false));
      b.bind(port + 1, "127.0.0.1", () => resolve(true));
    });
    a.close();
    if (ok) { b.close(); return port; }
  }
  throw new Error("no two free UDP ports in a row");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("live call leg against GStreamer's rtpsession over UDP: it reads our RTP and SRs, we read its RRs", { skip: !haveGstreamer() && "GStreamer missing", timeout: 30_000 }, async () => {
  const image = loadImage();
  const e = image.exports;
  const io = image.ioPtr;
  const reply = await boundSocket();
  const port = await freePorts();
  const peer = spawn(PYTHON, [join(repoRoot, "tools/oracles/rtp_gst_peer.py"), String(port), String(port + 1),
    String(reply.address().port), "5", "8000", "0", "PCMU", String(OUR_SSRC)], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: peer.stdout! });
  const output: string[] = [];
  const ready = new Promise<void>((resolve) => lines.on("line", (l) => { output.push(l); if (l === "ready") resolve(); }));
  const exited = once(peer, "exit");
  await ready;

  // Everything GStreamer sends back, parsed by the image when it arrives.
  const reports: { at: number; parts: number; type: number; sender: number; block: number[] | null }[] = [];
  reply.on("message", (msg) => {
    image.writeIo(new Uint8Array(msg));
    const parts = e.vsdk_rtcp_parse(io, msg.length, OUR_SSRC);
    const our = parts > 0 ? e.vsdk_rtcp_get(RTCP_FIELD.ourBlock) : -1;
    reports.push({
      at: Date.now(), parts, type: parts > 0 ? e.vsdk_rtcp_get(RTCP_FIELD.reportType) : 0,
      sender: e.vsdk_rtcp_get(RTCP_FIELD.senderSsrc) >>> 0,
      block: our >= 0 ? Array.from({ length: 7 }, (_, f) => e.vsdk_rtcp_block(our, f) >>> 0) : null,
    });
  });

  // 150 packets of PCMU (3 s), three never sent; an SR every 500 ms.
  const send = createSocket("udp4");
  const firstSeq = 65450, skipped = new Set([20, 60, 100]);
  const srSent: { middle: number; at: number; ntp: bigint; packets: number; octets: number }[] = [];
  let packets = 0, octets = 0;
  const t0 = Date.now();
  e.vsdk_rtp_set(RTP_FIELD.payloadType, 0);
  e.vsdk_rtp_set(RTP_FIELD.ssrc, OUR_SSRC | 0);
  e.vsdk_rtp_set(RTP_FIELD.csrcCount, 0);
  e.vsdk_rtp_set(RTP_FIELD.extProfile, -1);
  e.vsdk_rtp_set(RTP_FIELD.paddingLength, 0);
  e.vsdk_rtp_set(RTP_FIELD.payloadPtr, io + 512);
  e.vsdk_rtp_set(RTP_FIELD.payloadLength, 160);
  image.writeIo(new Uint8Array(160).fill(0xd5), 512);
  for (let i = 0; i < 150; i++) {
    await sleep(Math.max(0, t0 + i * 20 - Date.now()));
    if (!skipped.has(i)) {
      e.vsdk_rtp_set(RTP_FIELD.sequence, (firstSeq + i) & 0xffff);
      e.vsdk_rtp_set(RTP_FIELD.timestamp, (1000 + i * 160) | 0);
      e.vsdk_rtp_set(RTP_FIELD.marker, i === 0 ? 1 : 0);
      const n = e.vsdk_rtp_write(io, 256);
      assert.equal(n, 172);
      send.send(image.readIo(n), port, "127.0.0.1");
      packets++; octets += 160;
    }
    if (i % 25 === 24) {
      const ms = Date.now() - t0;
      const msw = 3_900_000_000 + Math.floor(ms / 1000), lsw = Math.floor(((ms % 1000) / 1000) * 2 ** 32) >>> 0;
      const n = e.vsdk_rtcp_write_sr(io + 1024, 512, OUR_SSRC, msw, lsw, 1000 + i * 160, packets, octets, 0, 0);
      assert.equal(n, 28);
      send.send(image.readIo(n, 1024), port + 1, "127.0.0.1");
      srSent.push({ middle: ((msw & 0xffff) * 65536 + (lsw >>> 16)) >>> 0, at: Date.now(), ntp: (BigInt(msw) << 32n) | BigInt(lsw), packets, octets });
    }
  }
  await exited;
  send.close();
  reply.close();
  const result = JSON.parse(output[output.length - 1]);

  // GStreamer understood our stream and our last SR.
  assert.equal(result.received, packets, "GStreamer counts every packet we sent (its probation packet included)");
  assert.equal(result.lost, skipped.size - 1, "three never sent, less the one GStreamer counts from probation");
  assert.equal(result.have_sr, true);
  const last = srSent[srSent.length - 1];
  assert.equal(BigInt(result.sr_ntptime), last.ntp);
  assert.equal(result.sr_packet_count, last.packets);
  assert.equal(result.sr_octet_count, last.octets);

  // Every RTCP compound GStreamer sent is valid to our parser and starts with its report.
  assert.ok(reports.length >= 5, `${reports.length} reports from GStreamer`);
  for (const r of reports) {
    assert.ok(r.parts >= 2, `compound of ${r.parts} parts`); // RR (or SR) + SDES at least
    assert.ok(r.type === 201 || r.type === 200);
    assert.equal(r.sender, result.internal_ssrc >>> 0);
  }
  const withBlock = reports.filter((r) => r.block !== null);
  assert.ok(withBlock.length >= 3, `${withBlock.length} reports about us`);
  const final = withBlock[withBlock.length - 1].block!;
  assert.equal(final[0], OUR_SSRC);
  assert.equal(final[3], firstSeq + 149, "extended highest sequence number, across the wrap");
  assert.equal(final[2], skipped.size - 1, "cumulative lost as GStreamer counts it");
  for (const r of withBlock) {
    const [, fraction, , , , lsr, dlsr] = r.block!;
    assert.ok(fraction <= 255);
    if (lsr === 0) continue;
    const sr = srSent.find((s) => s.middle === lsr);
    assert.ok(sr, `LSR ${lsr.toString(16)} names one of our SRs`);
    assert.ok(dlsr <= ((r.at - sr!.at + 20) * 65536) / 1000, `DLSR ${dlsr} within the time since that SR`);
  }
  assert.ok(withBlock.some((r) => r.block![5] !== 0), "some report echoes an SR");
});
