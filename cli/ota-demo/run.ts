// The OTA demonstration on one machine: a device running the built-in image gets a good update
// (downloaded in chunks, verified by the host, switched to on trial, confirmed), then a bad one
// whose first tick traps (switched to, rolled back to the good one). Everything is real: the
// vendor cloud's release store and rollout, the image's signed downloads, the Node host's slots
// and verifier. Returns a timeline and figures; `vsdk ota-demo` prints them, `vsdk start` puts
// them in its report.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LocalSystem } from "../../cloud/local-system.js";
import { call, type Reply } from "../../cloud/ota/cli.js";
import { Device } from "../../host-node/device.js";
import { OK } from "../../host-node/errors.js";
import { repoRoot } from "../../host-node/paths.js";
import { signedPackage } from "../../ota/release-maker.js";
import { generateKeyPair, loadPrivateKey } from "../../ota/sign.js";
import { unpackVersion } from "../../ota/version.js";
import { trappingImage } from "../../tools/ota/variants.js";

export interface OtaDemoStep { t_ms: number; who: "cloud" | "device" | "host"; what: string }
export interface OtaDemoUpdate {
  release_id: string; image_version: string; package_bytes: number; outcome: string; code: number;
  states: string[]; ms_to_outcome: number; running_after: string;
}
export interface OtaDemoResult { sn: string; timeline: OtaDemoStep[]; good: OtaDemoUpdate; bad: OtaDemoUpdate }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runOtaDemo(sys: LocalSystem, o: { dir: string; sn?: string; say?: (line: string) => void }): Promise<OtaDemoResult> {
  const sn = o.sn ?? "VSDK-OTA-DEMO-1";
  const t0 = performance.now();
  const timeline: OtaDemoStep[] = [];
  const note = (who: OtaDemoStep["who"], what: string) => {
    const step = { t_ms: Math.round(performance.now() - t0), who, what };
    timeline.push(step);
    o.say?.(`${(step.t_ms / 1000).toFixed(3).padStart(7)} s  ${who.padEnd(6)} ${what}`);
  };
  mkdirSync(o.dir, { recursive: true });
  // A release key made for this run only: the private half never leaves this process.
  const keys = generateKeyPair();
  const priv = loadPrivateKey(keys.privatePem);
  const image = new Uint8Array(readFileSync(join(repoRoot, "build/sdk.wasm")));
  const makePackage = (wasm: Uint8Array, version: string) => signedPackage(wasm, version, priv);

  const admin = async (method: string, path: string, body?: Buffer, type?: string): Promise<any> => {
    const r: Reply = await call(new URL(path, sys.cloud.url), method, sys.cloud.config.adminToken, sys.ca, body, type);
    if (r.status !== 200 && r.status !== 201) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.json;
  };
  const cloudState = async () => (await admin("GET", `/admin/v1/devices/${sn}/update`)).current as { release_id: string; state: string; code: number } | null;

  const identity = await sys.provision(sn);
  const device = new Device({ storage: join(o.dir, "device-flash"), ca: sys.ca, ota: { publicKey: keys.publicPem, healthTimeoutMs: 20_000 } });
  device.on("restart", (r: { slot: string; version: number; rollback: number }) =>
    note("host", r.rollback ? `rolled back (reason ${r.rollback}): now running ${describe(r.version)} from slot ${r.slot}`
      : `restarted into ${describe(r.version)} from slot ${r.slot}${device.ota.onTrial ? " on trial" : ""}`));
  device.on("ota", () => note("device", "event: the cloud offers an update"));
  device.on("ota_ready", () => note("device", "event 10: package verified and staged; idle, so the host may switch"));
  try {
    must(device.provision({ sn, secret: identity.secret, cloud: sys.cloud.url }), "provision");
    must(device.init(), "init");
    must(device.setTimeouts(1, 60_000, 60_000, 5_000), "timeouts");
    device.start();
    must(await device.register(), "register");
    note("device", `registered, running ${describe(device.ota.record.activeVersion)}`);

    const run = async (wasm: Uint8Array, version: string, expect: string): Promise<OtaDemoUpdate> => {
      const pkg = makePackage(wasm, version);
      const published = await admin("POST", "/admin/v1/releases", Buffer.from(pkg), "application/octet-stream");
      const id = published.release.id as string;
      note("cloud", `release ${id} (${version}, ${pkg.length} bytes) published`);
      const started = performance.now();
      await admin("POST", `/admin/v1/releases/${id}/rollout`, Buffer.from(JSON.stringify({ percent: 100 })));
      note("cloud", `release ${id} rolled out to 100 % of devices`);
      let last = "";
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(20)) {
        const s = await cloudState();
        if (!s || s.release_id !== id) continue;
        if (s.state !== last) { note("cloud", `device reports ${s.state}${s.code ? ` (code ${s.code})` : ""}`); last = s.state; }
        if (s.state === expect || ["refused", "failed", "rolled_back", "confirmed"].includes(s.state)) {
          const history = (await admin("GET", `/admin/v1/devices/${sn}/update`)).history as { release_id: string; state: string }[];
          return { release_id: id, image_version: version, package_bytes: pkg.length, outcome: s.state, code: s.code ?? 0,
            states: history.filter((h) => h.release_id === id).map((h) => h.state), ms_to_outcome: Math.round(performance.now() - started),
            running_after: describe(device.ota.record.activeVersion) };
        }
      }
      throw new Error(`release ${version}: the device did not reach ${expect} in 60 s (last state: ${last || "none"})`);
    };
    const good = await run(image, "1.1.0", "confirmed");
    const bad = await run(trappingImage(image), "1.2.0", "rolled_back");
    return { sn, timeline, good, bad };
  } finally {
    device.stop();
  }
}

function describe(version: number): string {
  return version === 0 ? "the built-in image" : `image ${unpackVersion(version)}`;
}

function must(code: number, what: string): void {
  if (code !== OK) throw new Error(`${what} failed with ${code}`);
}
