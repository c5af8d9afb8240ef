// One whole over-the-air update of a 56 KiB image (the real one, padded), on both hosts: the Node
// host and the posix device (the C runtime on wasm3). The real cloud on loopback HTTPS, the real image's updater,
// the host's verifier and switch. Reported per host: time from rollout to the cloud hearing
// "confirmed"; the device's bytes on the wire (TCP payload counted at the cloud's sockets, TLS
// records included, long poll and state reports included); and durable flash writes.
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import type { Socket } from "node:net";
import type { Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchPart } from "./part.js";
import { startLocalSystem, type LocalSystem } from "../cloud/local-system.js";
import { call } from "../cloud/ota/cli.js";
import { Device } from "../host-node/device.js";
import { KvFiles } from "../host-node/imports/kv.js";
import { SlotStore } from "../host-node/ota/slots.js";
import { repoRoot } from "../host-node/paths.js";
import { signedPackage } from "../ota/release-maker.js";
import { loadPrivateKey } from "../ota/sign.js";
import { paddedImage } from "../tools/ota/variants.js";
import { PosixDevice, DEVICE_BINARY } from "../tests/c/posix-device.js";

const IMAGE_BYTES = 56 * 1024;   // above build/sdk.wasm (49.6 KB), so every run sends the same size
const DEV_KEY = process.env.VSDK_OTA_DEV_KEY ?? join(repoRoot, "build", "native", "ota-dev-key", "release-key.pem");

interface HostFigures { ms: number; bytes_down: number; bytes_up: number; connections: number; flash_writes: number; package_bytes: number }

/** Totals of the TCP payload of every connection the cloud has taken since this was called
 * (open or closed: a closed socket keeps its counts), as the cloud writes (down) and reads (up). */
function trackBytes(sys: LocalSystem): () => { down: number; up: number; connections: number } {
  const server = (sys.cloud as unknown as { server: Server }).server;
  const sockets: Socket[] = [];
  server.on("connection", (s: Socket) => { sockets.push(s); });
  return () => sockets.reduce((t, s) => ({ down: t.down + s.bytesWritten, up: t.up + s.bytesRead, connections: t.connections + 1 }),
    { down: 0, up: 0, connections: 0 });
}

async function admin(sys: LocalSystem, method: string, path: string, body?: Buffer, type?: string): Promise<any> {
  const r = await call(new URL(path, sys.cloud.url), method, sys.cloud.config.adminToken, sys.ca, body, type);
  if (r.status !== 200 && r.status !== 201) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
  return r.json;
}

async function update(sys: LocalSystem, bytes: () => { down: number; up: number; connections: number }, sn: string, pkg: Uint8Array,
  writes: () => Promise<number>): Promise<HostFigures> {
  const published = await admin(sys, "POST", "/admin/v1/releases", Buffer.from(pkg), "application/octet-stream");
  const id = published.release.id as string;
  // Let the device's long poll settle, so the counted connections are the update's own.
  await new Promise((r) => setTimeout(r, 300));
  const before = bytes();
  const writesBefore = await writes();
  const t0 = performance.now();
  await admin(sys, "POST", `/admin/v1/releases/${id}/rollout`, Buffer.from(JSON.stringify({ devices: [sn] })));
  // Watched in the database, not through the admin API, so only the device's traffic is counted.
  for (const deadline = Date.now() + 120_000; ; await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > deadline) throw new Error(`${sn}: no confirmed update in 120 s`);
    const [s] = await sys.cloud.store.db.all<{ state: string; code: number }>("SELECT state, code FROM device_update WHERE sn = ? AND release_id = ?", [sn, id]);
    if (s?.state === "confirmed") break;
    if (s && ["refused", "failed", "rolled_back"].includes(s.state)) throw new Error(`${sn}: ${s.state} ${s.code}`);
  }
  const ms = Math.round(performance.now() - t0);
  const after = bytes();
  return { ms, bytes_down: after.down - before.down, bytes_up: after.up - before.up, connections: after.connections - before.connections, flash_writes: (await writes()) - writesBefore, package_bytes: pkg.length };
}

export const otaUpdate: BenchPart = {
  name: "OTA update (56 KiB image, both hosts)",
  async run() {
    process.env.VSDK_LOG ??= "silent";
    const privateKey = loadPrivateKey(readFileSync(DEV_KEY, "utf8"));
    const image = paddedImage(new Uint8Array(readFileSync(join(repoRoot, "build/sdk.wasm"))), IMAGE_BYTES);
    const makePackage = (version: string) => signedPackage(image, version, privateKey);
    const dir = mkdtempSync(join(tmpdir(), "vsdk-bench-ota-"));
    const sys = await startLocalSystem({ cloud: { dataDir: join(dir, "cloud"), releasePublicKey: null } });
    const bytes = trackBytes(sys);
    const figures: Record<string, unknown> = { ota_image_bytes: image.length };
    const lines: string[] = [];
    try {
      // Node host: flash writes are the slot store's durable steps plus the image's key-value writes.
      let nodeWrites = 0;
      const restore: (() => void)[] = [];
      const count = (proto: object, names: string[]) => {
        const methods = proto as Record<string, (...a: unknown[]) => unknown>;
        for (const n of names) {
          const original = methods[n];
          methods[n] = function (this: unknown, ...a: unknown[]) { nodeWrites++; return original.apply(this, a); };
          restore.push(() => { methods[n] = original; });
        }
      };
      count(SlotStore.prototype, ["writeAtomic", "remove", "clear", "append"]);
      count(KvFiles.prototype, ["set", "delete"]);
      const id = await sys.provision("VSDK-BENCH-OTA-NODE");
      const device = new Device({ storage: join(dir, "node-flash"), ca: sys.ca, ota: { publicKey: readFileSync(DEV_KEY.replace(/\.pem$/, ".pub.pem"), "utf8") } });
      try {
        device.provision({ sn: "VSDK-BENCH-OTA-NODE", secret: id.secret, cloud: sys.cloud.url });
        device.init();
        device.setTimeouts(1, 60_000, 60_000, 5_000);
        device.start();
        await device.register();
        const node = await update(sys, bytes, "VSDK-BENCH-OTA-NODE", makePackage("1.1.0"), async () => nodeWrites);
        figures.ota_update_node = node;
        lines.push(`Node host:    ${node.package_bytes}-byte package, rollout to confirmed ${node.ms} ms, ${node.bytes_down} bytes down / ${node.bytes_up} up on the wire over ${node.connections} new TLS connections, ${node.flash_writes} durable writes`);
      } finally {
        device.stop();
        restore.forEach((r) => r());
      }

      // posix device: the C runtime's own count of durable writes (slots, boot record, key-value).
      if (existsSync(DEVICE_BINARY)) {
        const pid = await sys.provision("VSDK-BENCH-OTA-POSIX");
        const d = new PosixDevice({ storage: join(dir, "posix-flash"), ca: sys.ca });
        try {
          await d.provision({ sn: "VSDK-BENCH-OTA-POSIX", secret: pid.secret, cloud: sys.cloud.url });
          await d.init();
          await d.setTimeouts(1, 60_000, 60_000, 5_000);
          await d.start();
          await d.register();
          const posix = await update(sys, bytes, "VSDK-BENCH-OTA-POSIX", makePackage("1.2.0"),
            async () => ((await d.stats()) as unknown as { durable_writes: number }).durable_writes);
          figures.ota_update_posix = posix;
          lines.push(`posix device: ${posix.package_bytes}-byte package, rollout to confirmed ${posix.ms} ms, ${posix.bytes_down} bytes down / ${posix.bytes_up} up on the wire over ${posix.connections} new TLS connections, ${posix.flash_writes} durable writes`);
        } finally { await d.stop(); }
      } else lines.push("posix device: not built (npm run build), skipped");
    } finally {
      await sys.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    return { figures, lines };
  },
};
