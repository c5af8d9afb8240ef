// Oracle for RTP/RTCP wire formats: Wireshark's dissectors, through tshark. Packets are
// written into a classic pcap file as UDP datagrams (RTP to port 5004, RTCP to 5005, decoded
// as such), and tshark reports the fields it reads, one line per packet.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const RTP_PORT = 5004;
export const RTCP_PORT = 5005;

export interface CapturedDatagram {
  bytes: Uint8Array;
  port: number;
  /** Capture time in milliseconds; defaults to the packet's index x 20 ms. */
  timeMs?: number;
  /** Sent the other way (from 10.0.0.2 to 10.0.0.1), e.g. a report answering a report. */
  reverse?: boolean;
}

/** A pcap file (libpcap format, Ethernet link type) holding each datagram as IPv4/UDP. */
export function pcapFile(datagrams: CapturedDatagram[]): Buffer {
  const parts: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  parts.push(global);
  datagrams.forEach((d, i) => {
    const udpLength = 8 + d.bytes.length;
    const frame = Buffer.alloc(14 + 20 + udpLength);
    frame.writeUInt16BE(0x0800, 12); // IPv4
    const ip = 14;
    frame[ip] = 0x45;
    frame.writeUInt16BE(20 + udpLength, ip + 2);
    frame[ip + 8] = 64;
    frame[ip + 9] = 17; // UDP
    frame.set([10, 0, 0, d.reverse ? 2 : 1], ip + 12);
    frame.set([10, 0, 0, d.reverse ? 1 : 2], ip + 16);
    let sum = 0;
    for (let k = 0; k < 20; k += 2) sum += frame.readUInt16BE(ip + k);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    frame.writeUInt16BE(~sum & 0xffff, ip + 10);
    const udp = ip + 20;
    frame.writeUInt16BE(d.port, udp);
    frame.writeUInt16BE(d.port, udp + 2);
    frame.writeUInt16BE(udpLength, udp + 4); // checksum 0: not computed, allowed for IPv4
    frame.set(d.bytes, udp + 8);
    const ms = d.timeMs ?? i * 20;
    const record = Buffer.alloc(16);
    record.writeUInt32LE(Math.floor(ms / 1000), 0);
    record.writeUInt32LE((ms % 1000) * 1000, 4);
    record.writeUInt32LE(frame.length, 8);
    record.writeUInt32LE(frame.length, 12);
    parts.push(record, frame);
  });
  return Buffer.concat(parts);
}

/** True when tshark is on this machine (tools/apt-packages.txt installs it). */
export function haveTshark(): boolean {
  return spawnSync("tshark", ["--version"], { encoding: "utf8" }).status === 0;
}

/**
 * Runs tshark over the datagrams and returns, per packet, the values of `fields` (every
 * occurrence, in order, as strings). RTP and RTCP are decoded on their ports.
 */
export function tsharkFields(datagrams: CapturedDatagram[], fields: string[], extraArgs: string[] = []): string[][][] {
  const dir = mkdtempSync(join(tmpdir(), "vsdk-rtp-pcap-"));
  try {
    const file = join(dir, "capture.pcap");
    writeFileSync(file, pcapFile(datagrams));
    const r = spawnSync("tshark", ["-n", "-r", file,
      "-d", `udp.port==${RTP_PORT},rtp`, "-d", `udp.port==${RTCP_PORT},rtcp`,
      ...extraArgs, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=|",
      ...fields.flatMap((f) => ["-e", f])], { encoding: "utf8", maxBuffer: 256 << 20 });
    if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
    const lines = r.stdout.split("\n").filter((l, i, all) => i < all.length - 1 || l !== "");
    return lines.map((line) => line.split("\t").map((v) => (v === "" ? [] : v.split("|"))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
