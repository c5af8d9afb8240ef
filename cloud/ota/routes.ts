// The OTA endpoints (docs/ota.md, "The update protocol"; docs/cloud.md, "OTA"): the device's
// three (which release to run, ranged package download, state reports) and the back office's
// (publish a package, roll it out, watch it). The server has already verified the device's
// signature or the admin token; everything here is about releases.
import type { KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { E_ARG, E_DUPLICATE } from "../../host-node/errors.js";
import { OtaRefusal, REFUSAL_NAMES } from "../../ota/refusal.js";
import { loadPublicKey } from "../../ota/sign.js";
import { packVersion } from "../../ota/version.js";
import type { EventChannel } from "../device-api/event-channel.js";
import { SN_PATTERN } from "../device-api/signing.js";
import { ApiError, badRequest, methodNotAllowed, notFound, parseJsonObject } from "../http.js";
import type { Logger } from "../log.js";
import type { Db } from "../store/db.js";
import { requestedRange } from "./range.js";
import { announcement, describe, inspectPackage } from "./releases.js";
import { ABANDONED, mayFetch, targets } from "./rollout.js";
import { OtaStore, type DeviceUpdate, type Release, type Rollout } from "./store.js";

export const STATES = ["downloading", "downloaded", "installing", "confirmed", "refused", "rolled_back", "failed"] as const;
const RELEASE_ID = /^r_[0-9a-f]{16}$/;
const PACKAGE_PATH = /^\/v1\/device\/ota\/package\/([^/]+)$/;
const MAX_LISTED_DEVICES = 10_000;
/** Packages are immutable, so a few stay in memory for the chunk-by-chunk downloads. */
const CACHED_PACKAGES = 4;

export const isOtaDevicePath = (path: string): boolean =>
  path === "/v1/device/ota" || path === "/v1/device/ota/state" || PACKAGE_PATH.test(path);

/** POST /admin/v1/releases carries a whole package; every other request keeps the usual limit. */
export const isPackageUpload = (method: string, path: string): boolean => method === "POST" && path === "/admin/v1/releases";

export function loadReleaseKey(pemFile: string | null): KeyObject | null {
  return pemFile ? loadPublicKey(readFileSync(pemFile, "utf8")) : null;
}

const int = (v: unknown, name: string, min: number, max: number, fallback?: number): number => {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new ApiError(400, "bad_request", E_ARG, { detail: `${name} must be a whole number ${min}..${max}` });
  return v;
};

export class OtaRoutes {
  readonly store: OtaStore;
  private cache = new Map<string, Buffer>();

  constructor(db: Db, private readonly events: EventChannel, private readonly publicKey: KeyObject | null, private readonly log: Logger) {
    this.store = new OtaStore(db);
  }

  // ---- device side -------------------------------------------------------------------------

  async device(method: string, path: string, url: URL, sn: string, body: Buffer, req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const expect = (m: string) => { if (method !== m) throw new ApiError(405, "method_not_allowed", -1015); };
    if (path === "/v1/device/ota") {
      expect("GET");
      const release = await this.shouldRun(sn);
      return { release: release ? announcement(release) : null };
    }
    if (path === "/v1/device/ota/state") {
      expect("POST");
      return this.report(sn, parseJsonObject(body));
    }
    expect("GET");
    const id = PACKAGE_PATH.exec(path)![1];
    const release = RELEASE_ID.test(id) ? await this.store.release(id) : null;
    if (!release) throw notFound();
    const rollout = await this.store.rollout(id);
    if (!rollout || !mayFetch(rollout, sn, await this.store.deviceUpdate(sn, id))) throw notFound();
    let range;
    try {
      range = requestedRange(url.searchParams, req.headers.range, release.package_size);
    } catch (err) {
      if (err instanceof ApiError && err.status === 416) res.setHeader("content-range", `bytes */${release.package_size}`);
      throw err;
    }
    const bytes = await this.packageBytes(id);
    const chunk = bytes.subarray(range.start, range.end + 1);
    res.writeHead(206, { "content-type": "application/octet-stream", "content-length": chunk.length,
      "content-range": `bytes ${range.start}-${range.end}/${bytes.length}`, "accept-ranges": "bytes" });
    res.end(chunk);
    return undefined;
  }

  private async packageBytes(id: string): Promise<Buffer> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const bytes = (await this.store.packageBytes(id))!;
    if (this.cache.size >= CACHED_PACKAGES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, bytes);
    return bytes;
  }

  /**
   * The release this device should run: the newest (by image version) whose rollout targets it
   * or that it is already under way with, skipping any it refused or rolled back.
   */
  async shouldRun(sn: string, candidates?: { release: Release; rollout: Rollout }[]): Promise<Release | null> {
    const all = candidates ?? await this.store.rolledOut();
    if (all.length === 0) return null;
    const updates = new Map((await this.store.deviceUpdates(sn)).map((u) => [u.release_id, u]));
    for (const { release, rollout } of all) {
      const update = updates.get(release.id) ?? null;
      if (update && ABANDONED.has(update.state)) continue;
      if (mayFetch(rollout, sn, update)) return release;
    }
    return null;
  }

  private async report(sn: string, json: Record<string, unknown>): Promise<DeviceUpdate> {
    const id = json.release_id, state = json.state;
    if (typeof id !== "string" || !RELEASE_ID.test(id)) throw badRequest("release_id must be r_ and 16 hex digits");
    if (typeof state !== "string" || !(STATES as readonly string[]).includes(state)) throw badRequest(`state must be one of ${STATES.join(", ")}`);
    const release = await this.store.release(id);
    if (!release) throw notFound();
    const code = int(json.code, "code", -0x80000000, 0x7fffffff, 0);
    const bytes = int(json.bytes, "bytes", 0, release.package_size, 0);
    const version = json.image_version ?? "";
    if (typeof version !== "string" || (version !== "" && !isVersion(version))) throw badRequest("image_version must be MAJOR.MINOR.PATCH");
    const recorded = await this.store.report({ sn, release_id: id, state, code, bytes, image_version: version });
    this.log.info("device update state", { sn, release: id, state, code });
    return recorded;
  }

  // ---- back office -------------------------------------------------------------------------

  /** Answers the admin requests that are about releases; undefined for any other. */
  async admin(method: string, parts: string[], body: Buffer): Promise<unknown> {
    const allow = (...methods: string[]) => { if (!methods.includes(method)) throw methodNotAllowed(...methods); };
    if (parts[0] === "devices" && parts.length === 3 && parts[2] === "update") { allow("GET"); return this.deviceStatus(parts[1]); }
    if (parts[0] !== "releases") return undefined;
    if (parts.length === 1) allow("GET", "POST");
    if (parts.length === 1 && method === "POST") return this.publish(body);
    if (parts.length === 1 && method === "GET") {
      const rolled = new Map((await this.store.rolledOut()).map((r) => [r.release.id, r.rollout]));
      return { releases: (await this.store.releases()).map((r) => ({ ...describe(r), rollout: rolled.get(r.id) ?? null })) };
    }
    const release = parts[1] && RELEASE_ID.test(parts[1]) ? await this.store.release(parts[1]) : null;
    if (!release) throw notFound();
    if (parts.length === 2) allow("GET");
    if (parts.length === 3 && parts[2] === "rollout") allow("POST");
    if (parts.length === 2 && method === "GET") {
      return { release: describe(release), rollout: await this.store.rollout(release.id), states: await this.store.stateCounts(release.id) };
    }
    if (parts.length === 3 && parts[2] === "rollout" && method === "POST") return this.roll(release, parseJsonObject(body));
    throw notFound();
  }

  private async publish(body: Buffer) {
    let release: Release;
    try {
      release = inspectPackage(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), this.publicKey);
    } catch (err) {
      if (err instanceof OtaRefusal) throw new ApiError(400, "package_refused", err.code, { refusal: REFUSAL_NAMES[err.code], detail: err.message });
      throw err;
    }
    const existing = await this.store.releaseByVersion(release.image_version);
    if (existing) {
      if (existing.package_sha256 === release.package_sha256) return { release: describe(existing), created: false };
      throw new ApiError(409, "version_exists", E_DUPLICATE, { detail: `release ${existing.id} already has image version ${describe(existing).image_version}`, release_id: existing.id });
    }
    if (!await this.store.addRelease(release, body)) throw new ApiError(409, "version_exists", E_DUPLICATE, { detail: "published concurrently" });
    this.log.info("release published", { release: release.id, image_version: describe(release).image_version, size: release.package_size });
    return { release: describe(release), created: true };
  }

  /**
   * Sets the release's rollout and tells each registered device it newly reaches (and for which
   * this is now the release to run) with an `ota.available` event.
   */
  private async roll(release: Release, json: Record<string, unknown>) {
    const hasPercent = json.percent !== undefined, hasDevices = json.devices !== undefined;
    if (hasPercent === hasDevices) throw badRequest("give either percent (0..100) or devices ([sn, ...])");
    let percent: number | null = null, devices: string[] | null = null;
    if (hasPercent) percent = int(json.percent, "percent", 0, 100);
    else {
      const list = json.devices;
      if (!Array.isArray(list) || list.length > MAX_LISTED_DEVICES || !list.every((sn) => typeof sn === "string" && SN_PATTERN.test(sn))) {
        throw badRequest(`devices must be a list of at most ${MAX_LISTED_DEVICES} serial numbers`);
      }
      devices = [...new Set(list as string[])];
    }
    const before = await this.store.rollout(release.id);
    await this.store.setRollout(release.id, percent, devices);
    const rollout = (await this.store.rollout(release.id))!;
    const candidates = await this.store.rolledOut();
    let announced = 0;
    for (const sn of await this.store.registeredDevices()) {
      if (!targets(rollout, sn) || (before && targets(before, sn))) continue;
      const runs = await this.shouldRun(sn, candidates);
      if (runs?.id !== release.id) continue;
      await this.events.publish(sn, "ota.available", announcement(release));
      announced++;
    }
    this.log.info("rollout set", { release: release.id, percent, devices: devices?.length ?? null, announced });
    return { rollout, announced };
  }

  private async deviceStatus(sn: string) {
    if (!SN_PATTERN.test(sn) || !await this.store.deviceExists(sn)) throw notFound();
    const updates = await this.store.deviceUpdates(sn);
    const offered = await this.shouldRun(sn);
    return { sn, current: updates[0] ?? null, updates, history: await this.store.history(sn), offered: offered ? announcement(offered) : null };
  }
}

function isVersion(text: string): boolean {
  try { packVersion(text); return true; } catch { return false; }
}
