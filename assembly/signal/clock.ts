// Unix time for request signing on a device without a wall clock: the cloud's server_time
// (from GET /v1/time, or from a stale_timestamp refusal) plus the monotonic milliseconds since.
let syncedUnix: i64 = 0;
let syncedAtMs: u32 = 0;
let synced: bool = false;

export function clockSync(serverTime: i64, nowMs: u32): void {
  syncedUnix = serverTime;
  syncedAtMs = nowMs;
  synced = true;
}

export function clockIsSynced(): bool { return synced; }

export function unixNow(nowMs: u32): i64 {
  return syncedUnix + <i64>((nowMs - syncedAtMs) / 1000);
}
