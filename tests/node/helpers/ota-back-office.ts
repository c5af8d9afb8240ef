// The vendor's OTA back office as tests drive it: publish a package and roll it out to devices,
// then read what the cloud recorded from each device's own reports (cloud/ota/, admin API).
import type { LocalSystem } from "../../../cloud/local-system.js";
import { call } from "../../../cloud/ota/cli.js";

export interface UpdateRecord { release_id: string; state: string; code: number; bytes: number; image_version: string }

export class OtaBackOffice {
  constructor(private readonly sys: LocalSystem) {}

  async admin(method: string, path: string, body?: Buffer, type = "application/json"): Promise<any> {
    const r = await call(new URL(path, this.sys.cloud.url), method, this.sys.cloud.config.adminToken, this.sys.ca, body, type);
    if (r.status !== 200 && r.status !== 201) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.json;
  }

  /** Publishes a package and rolls it out to the listed devices (or a percentage); the release id. */
  async release(pkg: Uint8Array, to: string[] | { percent: number }): Promise<string> {
    const published = await this.admin("POST", "/admin/v1/releases", Buffer.from(pkg), "application/octet-stream");
    const id = published.release.id as string;
    await this.admin("POST", `/admin/v1/releases/${id}/rollout`, Buffer.from(JSON.stringify(Array.isArray(to) ? { devices: to } : to)));
    return id;
  }

  async view(sn: string): Promise<{ current: UpdateRecord | null; history: UpdateRecord[] }> {
    return this.admin("GET", `/admin/v1/devices/${sn}/update`);
  }

  /** Waits until the cloud records `state` for the device and release. */
  async waitState(sn: string, id: string, state: string, timeoutMs = 30000): Promise<UpdateRecord> {
    const deadline = Date.now() + timeoutMs;
    let last: UpdateRecord | null = null;
    while (Date.now() < deadline) {
      last = (await this.view(sn)).current;
      if (last && last.release_id === id && last.state === state) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${sn}: cloud has ${JSON.stringify(last)}, not ${state} for ${id}, after ${timeoutMs} ms`);
  }

  /** The states the device went through for a release, one step per change, in order. */
  async statesOf(sn: string, id: string): Promise<string[]> {
    return (await this.view(sn)).history.filter((u) => u.release_id === id).map((u) => u.state);
  }
}
