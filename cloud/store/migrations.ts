// The schema, as an ordered list of migrations that run unchanged on SQLite and PostgreSQL
// (TEXT, BIGINT, composite primary keys, ON CONFLICT: the common subset). Append, never edit.
import type { Db } from "./db.js";

export const migrations: string[][] = [
  [
    `CREATE TABLE devices (
      sn TEXT PRIMARY KEY,
      model_id TEXT NOT NULL,
      secret TEXT NOT NULL,
      name TEXT NOT NULL DEFAULT '',
      created_at BIGINT NOT NULL,
      registered_at BIGINT,
      last_event_seq BIGINT NOT NULL DEFAULT 0,
      acked_seq BIGINT NOT NULL DEFAULT 0
    )`,
    `CREATE TABLE authorisations (
      sn TEXT NOT NULL REFERENCES devices(sn),
      openid TEXT NOT NULL,
      granted_at BIGINT NOT NULL,
      revoked_at BIGINT,
      PRIMARY KEY (sn, openid)
    )`,
    `CREATE TABLE nonces (
      sn TEXT NOT NULL,
      nonce TEXT NOT NULL,
      expires_at BIGINT NOT NULL,
      PRIMARY KEY (sn, nonce)
    )`,
    `CREATE INDEX nonces_expiry ON nonces (expires_at)`,
    `CREATE TABLE events (
      sn TEXT NOT NULL REFERENCES devices(sn),
      seq BIGINT NOT NULL,
      type TEXT NOT NULL,
      body TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (sn, seq)
    )`,
    `CREATE TABLE calls (
      id TEXT PRIMARY KEY,
      sn TEXT NOT NULL REFERENCES devices(sn),
      openid TEXT NOT NULL,
      direction TEXT NOT NULL,
      room_type TEXT NOT NULL,
      room_id TEXT,
      payload TEXT NOT NULL DEFAULT '',
      state BIGINT NOT NULL,
      reason BIGINT NOT NULL DEFAULT 0,
      media TEXT NOT NULL DEFAULT '{}',
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      ended_at BIGINT
    )`,
    `CREATE INDEX calls_room ON calls (room_id)`,
    `CREATE INDEX calls_device_open ON calls (sn, ended_at)`,
    `CREATE TABLE call_states (
      call_id TEXT NOT NULL REFERENCES calls(id),
      step BIGINT NOT NULL,
      at BIGINT NOT NULL,
      state BIGINT NOT NULL,
      reason BIGINT NOT NULL,
      source TEXT NOT NULL,
      PRIMARY KEY (call_id, step)
    )`,
    `CREATE TABLE pushes (
      msg_key TEXT PRIMARY KEY,
      errcode BIGINT NOT NULL,
      received_at BIGINT NOT NULL
    )`,
  ],
  [
    // Every device request writes a nonce; the expiry index doubled that write's cost, and the
    // once-a-minute purge can afford a scan.
    `DROP INDEX IF EXISTS nonces_expiry`,
  ],
  [
    // The instance that runs a call's room worker: a restarted instance ends its orphaned calls.
    `ALTER TABLE calls ADD COLUMN instance TEXT NOT NULL DEFAULT ''`,
  ],
  [
    // One outgoing call per device at a time, even when two requests (or two cloud instances)
    // race past the open-call check. Incoming calls are not covered: a second caller while the
    // device talks is recorded, then told busy.
    `CREATE UNIQUE INDEX calls_one_outgoing_per_device ON calls (sn) WHERE ended_at IS NULL AND direction = 'device_to_user'`,
  ],
  [
    // Over-the-air releases (cloud/ota/). The package is kept whole (BYTEA: SQLite stores the
    // bytes unchanged under any type name) beside the header fields the cloud decides with.
    `CREATE TABLE releases (
      id TEXT PRIMARY KEY,
      image_version BIGINT NOT NULL UNIQUE,
      abi_version BIGINT NOT NULL,
      min_runtime_version BIGINT NOT NULL,
      image_size BIGINT NOT NULL,
      image_sha256 TEXT NOT NULL,
      key_id TEXT NOT NULL,
      package_size BIGINT NOT NULL,
      package_sha256 TEXT NOT NULL UNIQUE,
      package BYTEA NOT NULL,
      created_at BIGINT NOT NULL
    )`,
    // One rollout per release: a percentage of the fleet or a list of devices (JSON), never both.
    `CREATE TABLE rollouts (
      release_id TEXT PRIMARY KEY REFERENCES releases(id),
      percent BIGINT,
      devices TEXT,
      updated_at BIGINT NOT NULL
    )`,
    `CREATE TABLE device_update (
      sn TEXT NOT NULL REFERENCES devices(sn),
      release_id TEXT NOT NULL REFERENCES releases(id),
      state TEXT NOT NULL,
      code BIGINT NOT NULL,
      bytes BIGINT NOT NULL,
      image_version TEXT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (sn, release_id)
    )`,
    `CREATE INDEX device_update_release ON device_update (release_id, state)`,
    `CREATE TABLE device_update_history (
      sn TEXT NOT NULL REFERENCES devices(sn),
      step BIGINT NOT NULL,
      release_id TEXT NOT NULL REFERENCES releases(id),
      at BIGINT NOT NULL,
      state TEXT NOT NULL,
      code BIGINT NOT NULL,
      bytes BIGINT NOT NULL,
      PRIMARY KEY (sn, step)
    )`,
  ],
];

/** Applies the migrations not yet recorded, each in its own transaction; safe to run concurrently. */
export async function migrate(db: Db): Promise<number> {
  await db.run(`CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`);
  let applied = 0;
  for (let version = 1; version <= migrations.length; version++) {
    const done = await db.transaction(async (tx) => {
      // PostgreSQL: one migrator at a time across instances; SQLite's BEGIN IMMEDIATE already is.
      if (db.kind === "postgres") await tx.all(`SELECT pg_advisory_xact_lock(7242001)`);
      const rows = await tx.all(`SELECT version FROM schema_migrations WHERE version = ?`, [version]);
      if (rows.length > 0) return false;
      for (const sql of migrations[version - 1]) await tx.run(sql);
      await tx.run(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, [version, Date.now()]);
      return true;
    });
    if (done) applied++;
  }
  return applied;
}
