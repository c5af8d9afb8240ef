// The cloud's side of one update, measured: a 48 KiB image's package published, rolled out to
// one device, and fetched by that device the way the protocol has it (GET /v1/device/ota, then
// signed ranged GETs, then its state reports), over keep-alive HTTPS on loopback with the cloud
// in its own process. Reported per chunk size: requests, time, and the HTTP bytes each way
// (request and status lines, headers, bodies; TLS framing not included). 1024 is the chunk the
// image asks for, 4096 the most the cloud serves in one answer.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:https";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { BenchPart } from "../../bench/part.js";
import { repoRoot } from "../../host-node/paths.js";
import { prng } from "../../host-node/prng.js";
import { pack } from "../../ota/package.js";
import { generateKeyPair, keyId, loadPrivateKey, signBytes } from "../../ota/sign.js";
import { packVersion } from "../../ota/version.js";
import { sign } from "../device-api/signing.js";
import { selfCommand } from "../self-command.js";

const IMAGE_BYTES = 48 * 1024;
const CHUNKS = [1024, 4096];

interface Exchange { status: number; body: Buffer; up: number; down: number }

function exchange(agent: Agent, base: string, method: string, path: string, headers: Record<string, string>, body: Uint8Array = new Uint8Array(0)): Promise<Exchange> {
  const all = { ...headers, "content-length": String(body.length) };
  // What goes up: request line, Host, our headers (node adds Connection: keep-alive), blank line, body.
  const up = `${method} ${path} HTTP/1.1\r\nHost: ${new URL(base).host}\r\nConnection: keep-alive\r\n`.length
    + Object.entries(all).reduce((n, [k, v]) => n + k.length + 2 + v.length + 2, 0) + 2 + body.length;
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, agent, headers: all }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const b = Buffer.concat(chunks);
        let head = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + 2;
        for (let i = 0; i < res.rawHeaders.length; i += 2) head += res.rawHeaders[i].length + 2 + res.rawHeaders[i + 1].length + 2;
        resolve({ status: res.statusCode ?? 0, body: b, up, down: head + b.length });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

function signed(sn: string, secret: string, method: string, path: string, body: Buffer): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000)), nonce = randomBytes(16).toString("hex");
  return { "x-vsdk-device": sn, "x-vsdk-timestamp": ts, "x-vsdk-nonce": nonce, "x-vsdk-signature": sign(secret, method, path, ts, nonce, body) };
}

async function startCloud(dataDir: string): Promise<{ child: ChildProcess; url: string; ca: Buffer }> {
  const cmd = selfCommand(["cloud", "--port", "0", "--data", dataDir]);
  const child = spawn(cmd[0], cmd.slice(1), { cwd: repoRoot, stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, VSDK_LOG: "warn" } });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`cloud exited with ${code}`)));
  });
  const { url, ca } = JSON.parse(line);
  return { child, url, ca: readFileSync(ca) };
}

/** One device's whole exchange with the cloud for an update, on a fresh connection. */
async function oneUpdate(base: string, ca: Buffer, sn: string, secret: string, releaseId: string, size: number, chunk: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });
  let up = 0, down = 0, requests = 0;
  const go = async (method: string, path: string, json?: unknown) => {
    const body = json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(json));
    const r = await exchange(agent, base, method, path, { ...signed(sn, secret, method, path, body), ...(json ? { "content-type": "application/json" } : {}) }, body);
    up += r.up; down += r.down; requests++;
    if (r.status !== 200 && r.status !== 206) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
    return r;
  };
  const started = performance.now();
  await go("GET", "/v1/device/ota");
  await go("POST", "/v1/device/ota/state", { release_id: releaseId, state: "downloading", bytes: 0 });
  let got = 0;
  for (let at = 0; at < size; at += chunk) got += (await go("GET", `/v1/device/ota/package/${releaseId}?offset=${at}&length=${chunk}`)).body.length;
  await go("POST", "/v1/device/ota/state", { release_id: releaseId, state: "downloaded", bytes: size });
  const ms = performance.now() - started;
  agent.destroy();
  if (got !== size) throw new Error(`downloaded ${got} of ${size} bytes`);
  return { ms, up, down, requests };
}

export const otaCloudDownload: BenchPart = {
  name: "cloud OTA download",
  async run({ quick }) {
    const figures: Record<string, unknown> = {};
    const lines: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), "vsdk-bench-ota-"));
    const cloud = await startCloud(dir);
    try {
      const admin = new Agent({ keepAlive: true, ca: cloud.ca });
      const token = process.env.VSDK_ADMIN_TOKEN ?? "dev-admin-token";
      const call = (method: string, path: string, body: Uint8Array, type = "application/json") =>
        exchange(admin, cloud.url, method, path, { authorization: `Bearer ${token}`, "content-type": type }, body);
      const made = await call("POST", "/admin/v1/devices", Buffer.from(JSON.stringify({ sn: "BENCH-OTA-1", model_id: "vsdk-model-1" })));
      const { sn, secret } = JSON.parse(made.body.toString());
      const rnd = prng(48);
      const image = new Uint8Array(IMAGE_BYTES).map(() => Math.floor(rnd() * 256));
      const key = loadPrivateKey(generateKeyPair().privatePem);
      const pkg = pack({ image, abiVersion: 0x10001, imageVersion: packVersion("1.0.1"), minRuntimeVersion: 0, keyId: keyId(key), sign: (m) => signBytes(key, m) });
      const t0 = performance.now();
      const published = await call("POST", "/admin/v1/releases", Buffer.from(pkg), "application/octet-stream");
      const publishMs = performance.now() - t0;
      if (published.status !== 200) throw new Error(`publish: ${published.status} ${published.body}`);
      const releaseId: string = JSON.parse(published.body.toString()).release.id;
      await call("POST", `/admin/v1/releases/${releaseId}/rollout`, Buffer.from(JSON.stringify({ devices: [sn] })));
      admin.destroy();
      figures.ota_package_bytes = pkg.length;
      figures.ota_publish_ms = +publishMs.toFixed(1);
      lines.push(`package of a ${IMAGE_BYTES}-byte image: ${pkg.length} bytes; published (checked, stored) in ${publishMs.toFixed(1)} ms`);
      const rounds = quick ? 1 : 5;
      await oneUpdate(cloud.url, cloud.ca, sn, secret, releaseId, pkg.length, 4096); // warm-up, not reported
      for (const chunk of CHUNKS) {
        const runs = [];
        for (let i = 0; i < rounds; i++) runs.push(await oneUpdate(cloud.url, cloud.ca, sn, secret, releaseId, pkg.length, chunk));
        runs.sort((a, b) => a.ms - b.ms);
        const mid = runs[Math.floor(runs.length / 2)];
        figures[`ota_download_c${chunk}_ms`] = +mid.ms.toFixed(1);
        figures[`ota_download_c${chunk}_requests`] = mid.requests;
        figures[`ota_download_c${chunk}_http_bytes_down`] = mid.down;
        figures[`ota_download_c${chunk}_http_bytes_up`] = mid.up;
        lines.push(`${String(chunk).padStart(4)}-byte chunks: ${mid.requests} requests (check, 2 reports, ${mid.requests - 3} chunks) in ${mid.ms.toFixed(1)} ms `
          + `(median of ${rounds}, TLS handshake included); HTTP ${mid.down} bytes down (${((mid.down / pkg.length - 1) * 100).toFixed(1)} % over the package), ${mid.up} up`);
      }
      lines.push(`loopback, cloud on SQLite in its own process; machine load average ${loadavg()[0].toFixed(2)}`);
    } finally {
      cloud.child.kill("SIGTERM");
      await new Promise((r) => cloud.child.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    }
    return { figures, lines };
  },
};
