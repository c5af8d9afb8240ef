// Who a rollout reaches. A percentage picks devices by a hash of serial number and release, so
// each device has a fixed place (its bucket) per release: raising the percentage only adds
// devices, lowering it (0 pauses) only removes them, and two releases pick independent cohorts.
import { createHash } from "node:crypto";
import type { DeviceUpdate, Rollout } from "./store.js";

export const BUCKETS = 10_000;

/** The device's place in the release's cohort, 0..9999 (uniform: the first 4 bytes of a SHA-256). */
export function bucket(sn: string, releaseId: string): number {
  const digest = createHash("sha256").update(`${sn}\n${releaseId}`).digest();
  return digest.readUInt32BE(0) % BUCKETS;
}

export function inCohort(sn: string, releaseId: string, percent: number): boolean {
  return bucket(sn, releaseId) < percent * (BUCKETS / 100);
}

export function targets(rollout: Rollout, sn: string): boolean {
  if (rollout.devices !== null) return rollout.devices.includes(sn);
  return inCohort(sn, rollout.release_id, rollout.percent ?? 0);
}

/** States after which the device has no more to do with the release (it will not be offered again). */
export const ABANDONED = new Set(["refused", "rolled_back"]);
/** States of a device that has started on a release: a paused rollout lets it finish. */
export const UNDER_WAY = new Set(["downloading", "downloaded", "installing", "confirmed"]);

/**
 * Whether a device may fetch a release: targeted by its rollout now, or already under way with
 * it (pausing stops new devices, not the ones mid-download or on trial).
 */
export function mayFetch(rollout: Rollout, sn: string, update: DeviceUpdate | null): boolean {
  return targets(rollout, sn) || (update !== null && UNDER_WAY.has(update.state));
}
