// The OTA records: releases (the whole package and the header fields the cloud decides with),
// one rollout per release, each device's current update state per release, and every state
// change in order. SQL in the subset SQLite and PostgreSQL share, like cloud/store/store.ts.
import type { Db, Param } from "../store/db.js";
import { Store } from "../store/store.js";

export interface Release {
  id: string;
  image_version: number;        // packed MAJOR.MINOR.PATCH (ota/version.ts)
  abi_version: number;
  min_runtime_version: number;
  image_size: number;
  image_sha256: string;
  key_id: string;
  package_size: number;
  package_sha256: string;
  created_at: number;
}

export interface Rollout {
  release_id: string;
  percent: number | null;       // 0..100, or null when the rollout is a device list
  devices: string[] | null;
  updated_at: number;
}

export interface DeviceUpdate {
  sn: string;
  release_id: string;
  state: string;
  code: number;
  bytes: number;
  image_version: string;
  updated_at: number;
}

export interface DeviceUpdateStep {
  step: number;
  release_id: string;
  at: number;
  state: string;
  code: number;
  bytes: number;
}

const RELEASE_COLUMNS = "id, image_version, abi_version, min_runtime_version, image_size, image_sha256, key_id, package_size, package_sha256, created_at";

// PostgreSQL's BIGINT already arrives as a number (cloud/store/postgres.ts); SQLite's COUNT too.
// Converting anyway keeps both drivers' rows alike whatever a future parser does.
const num = <T extends object>(row: T, keys: (keyof T)[]): T => {
  const out = { ...row } as Record<keyof T, unknown>;
  for (const k of keys) if (out[k] !== null) out[k] = Number(out[k]);
  return out as T;
};
const toRelease = (r: Release): Release =>
  num(r, ["image_version", "abi_version", "min_runtime_version", "image_size", "package_size", "created_at"]);
const toUpdate = (r: DeviceUpdate): DeviceUpdate => num(r, ["code", "bytes", "updated_at"]);
type RolloutRow = { release_id: string; percent: number | null; devices: string | null; updated_at: number };
const toRollout = (r: RolloutRow): Rollout => ({ release_id: r.release_id, percent: r.percent === null ? null : Number(r.percent),
  devices: r.devices === null ? null : JSON.parse(r.devices) as string[], updated_at: Number(r.updated_at) });

export class OtaStore {
  constructor(readonly db: Db) {}

  /** Stores a release; false when its image version (or the same package) is already there. */
  async addRelease(r: Release, packageBytes: Uint8Array): Promise<boolean> {
    // Both drivers take a Buffer for a BLOB/BYTEA parameter; db.ts's Param names only the
    // scalar types the rest of the cloud uses.
    const blob = Buffer.from(packageBytes.buffer, packageBytes.byteOffset, packageBytes.byteLength) as unknown as Param;
    const changed = await this.db.run(`INSERT INTO releases (${RELEASE_COLUMNS}, package) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [r.id, r.image_version, r.abi_version, r.min_runtime_version, r.image_size, r.image_sha256, r.key_id, r.package_size, r.package_sha256, r.created_at, blob]);
    return changed === 1;
  }

  async release(id: string): Promise<Release | null> {
    const rows = await this.db.all<Release>(`SELECT ${RELEASE_COLUMNS} FROM releases WHERE id = ?`, [id]);
    return rows[0] ? toRelease(rows[0]) : null;
  }

  async releaseByVersion(imageVersion: number): Promise<Release | null> {
    const rows = await this.db.all<Release>(`SELECT ${RELEASE_COLUMNS} FROM releases WHERE image_version = ?`, [imageVersion]);
    return rows[0] ? toRelease(rows[0]) : null;
  }

  async releases(): Promise<Release[]> {
    return (await this.db.all<Release>(`SELECT ${RELEASE_COLUMNS} FROM releases ORDER BY image_version DESC`)).map(toRelease);
  }

  async packageBytes(id: string): Promise<Buffer | null> {
    const rows = await this.db.all<{ package: Buffer }>(`SELECT package FROM releases WHERE id = ?`, [id]);
    return rows[0] ? Buffer.from(rows[0].package) : null;
  }

  async setRollout(releaseId: string, percent: number | null, devices: string[] | null): Promise<void> {
    await this.db.run(`INSERT INTO rollouts (release_id, percent, devices, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (release_id) DO UPDATE SET percent = excluded.percent, devices = excluded.devices, updated_at = excluded.updated_at`,
      [releaseId, percent, devices === null ? null : JSON.stringify(devices), Date.now()]);
  }

  async rollout(releaseId: string): Promise<Rollout | null> {
    const rows = await this.db.all<RolloutRow>(`SELECT * FROM rollouts WHERE release_id = ?`, [releaseId]);
    return rows[0] ? toRollout(rows[0]) : null;
  }

  /** Every release that has a rollout, newest image first: the candidates a device may be offered. */
  async rolledOut(): Promise<{ release: Release; rollout: Rollout }[]> {
    const rows = await this.db.all<Release & { r_percent: number | null; r_devices: string | null; r_updated_at: number }>(
      `SELECT ${RELEASE_COLUMNS.split(", ").map((c) => `r.${c}`).join(", ")}, o.percent AS r_percent, o.devices AS r_devices, o.updated_at AS r_updated_at
       FROM releases r JOIN rollouts o ON o.release_id = r.id ORDER BY r.image_version DESC`);
    return rows.map(({ r_percent, r_devices, r_updated_at, ...r }) => ({ release: toRelease(r as Release),
      rollout: toRollout({ release_id: r.id, percent: r_percent, devices: r_devices, updated_at: r_updated_at }) }));
  }

  async deviceExists(sn: string): Promise<boolean> {
    return (await this.db.all(`SELECT 1 FROM devices WHERE sn = ?`, [sn])).length > 0;
  }

  async registeredDevices(): Promise<string[]> {
    return (await this.db.all<{ sn: string }>(`SELECT sn FROM devices WHERE registered_at IS NOT NULL ORDER BY sn`)).map((r) => r.sn);
  }

  async deviceUpdates(sn: string): Promise<DeviceUpdate[]> {
    return (await this.db.all<DeviceUpdate>(`SELECT * FROM device_update WHERE sn = ? ORDER BY updated_at DESC, release_id`, [sn])).map(toUpdate);
  }

  async deviceUpdate(sn: string, releaseId: string): Promise<DeviceUpdate | null> {
    const rows = await this.db.all<DeviceUpdate>(`SELECT * FROM device_update WHERE sn = ? AND release_id = ?`, [sn, releaseId]);
    return rows[0] ? toUpdate(rows[0]) : null;
  }

  /**
   * Records a device's report. The history gains a step only when the state or its code changes,
   * so a device reporting its download progress chunk by chunk moves `bytes` without filling the
   * history. Returns the current record.
   */
  async report(u: Omit<DeviceUpdate, "updated_at">): Promise<DeviceUpdate> {
    // Two reports of one device racing on two PostgreSQL instances can pick the same step
    // number; the loser tries again with the next one.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.reportOnce(u);
      } catch (err) {
        if (attempt >= 3 || !Store.isUniqueViolation(err)) throw err;
      }
    }
  }

  private async reportOnce(u: Omit<DeviceUpdate, "updated_at">): Promise<DeviceUpdate> {
    const now = Date.now();
    return this.db.transaction(async (tx) => {
      const before = await tx.all<DeviceUpdate>(`SELECT * FROM device_update WHERE sn = ? AND release_id = ?`, [u.sn, u.release_id]);
      const prev = before[0] ? toUpdate(before[0]) : null;
      await tx.run(`INSERT INTO device_update (sn, release_id, state, code, bytes, image_version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (sn, release_id) DO UPDATE SET state = excluded.state, code = excluded.code, bytes = excluded.bytes,
        image_version = excluded.image_version, updated_at = excluded.updated_at`,
        [u.sn, u.release_id, u.state, u.code, u.bytes, u.image_version, now]);
      if (!prev || prev.state !== u.state || prev.code !== u.code) {
        await tx.run(`INSERT INTO device_update_history (sn, step, release_id, at, state, code, bytes)
          SELECT CAST(? AS TEXT), COALESCE(MAX(step), 0) + 1, CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT)
          FROM device_update_history WHERE sn = ?`, [u.sn, u.release_id, now, u.state, u.code, u.bytes, u.sn]);
      }
      return { ...u, updated_at: now };
    });
  }

  async history(sn: string): Promise<DeviceUpdateStep[]> {
    return (await this.db.all<DeviceUpdateStep>(`SELECT step, release_id, at, state, code, bytes FROM device_update_history WHERE sn = ? ORDER BY step`, [sn]))
      .map((r) => num(r, ["step", "at", "code", "bytes"]));
  }

  async stateCounts(releaseId: string): Promise<Record<string, number>> {
    const rows = await this.db.all<{ state: string; n: number }>(`SELECT state, COUNT(*) AS n FROM device_update WHERE release_id = ? GROUP BY state`, [releaseId]);
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }
}
