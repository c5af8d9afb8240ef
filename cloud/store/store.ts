// The cloud's records: devices, users' authorisations, replay nonces, the per-device event log,
// calls with their state history, and seen pushes. Every method is one or a few statements in
// SQL both databases run; nothing is kept in memory except immutable device secrets.
import type { Db, Queryable } from "./db.js";

export interface Device {
  sn: string;
  model_id: string;
  secret: string;
  name: string;
  created_at: number;
  registered_at: number | null;
  last_event_seq: number;
  acked_seq: number;
}

export interface StoredEvent {
  seq: number;
  type: string;
  body: Record<string, unknown>;
}

export type Direction = "device_to_user" | "user_to_device";

export interface Call {
  id: string;
  sn: string;
  openid: string;
  direction: Direction;
  room_type: string;
  room_id: string | null;
  payload: string;
  state: number;
  reason: number;
  media: Record<string, unknown>;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
}

export interface CallStateRecord { at: number; state: number; reason: number; source: string }

const NONCE_BATCH = 256; // rows per statement: 768 parameters, well inside both databases' limits

type CallRow = Omit<Call, "media"> & { media: string; instance?: string };
const toCall = ({ instance: _instance, ...r }: CallRow): Call => ({ ...r, media: JSON.parse(r.media) });

export class Store {
  private secrets = new Map<string, Device>();
  constructor(readonly db: Db) {}

  async createDevice(d: { sn: string; model_id: string; secret: string; name?: string }): Promise<void> {
    await this.db.run(`INSERT INTO devices (sn, model_id, secret, name, created_at) VALUES (?, ?, ?, ?, ?)`,
      [d.sn, d.model_id, d.secret, d.name ?? "", Date.now()]);
  }

  async device(sn: string): Promise<Device | null> {
    const rows = await this.db.all<Device>(`SELECT * FROM devices WHERE sn = ?`, [sn]);
    return rows[0] ?? null;
  }

  /** The device's secret and model for request verification; cached because neither changes. */
  async identity(sn: string): Promise<{ secret: string; model_id: string } | null> {
    const hit = this.secrets.get(sn);
    if (hit) return hit;
    const d = await this.device(sn);
    if (!d) return null;
    if (this.secrets.size > 100_000) this.secrets.clear();
    this.secrets.set(sn, d);
    return d;
  }

  async markRegistered(sn: string, at: number): Promise<void> {
    await this.db.run(`UPDATE devices SET registered_at = ? WHERE sn = ?`, [at, sn]);
  }

  /**
   * Records a nonce; false when it was already used (a replay). Every device request writes one,
   * so the nonces of requests arriving together are written with one statement and one commit
   * (group commit), which is most of the cloud's throughput.
   */
  useNonce(sn: string, nonce: string, expiresAt: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.nonceQueue.push({ sn, nonce: nonce.toLowerCase(), expiresAt, resolve, reject });
      if (this.nonceQueue.length === 1) setImmediate(() => void this.flushNonces());
    });
  }

  private nonceQueue: { sn: string; nonce: string; expiresAt: number; resolve: (fresh: boolean) => void; reject: (e: unknown) => void }[] = [];

  private async flushNonces(): Promise<void> {
    const batch = this.nonceQueue.splice(0, NONCE_BATCH);
    if (this.nonceQueue.length > 0) setImmediate(() => void this.flushNonces());
    const first = new Map<string, number>(); // a nonce twice in one batch: the second is the replay
    batch.forEach((n, i) => { const k = `${n.sn}\n${n.nonce}`; if (!first.has(k)) first.set(k, i); });
    const unique = [...first.values()].map((i) => batch[i]);
    try {
      const rows = await this.db.all<{ sn: string; nonce: string }>(
        `INSERT INTO nonces (sn, nonce, expires_at) VALUES ${unique.map(() => "(?, ?, ?)").join(", ")} ON CONFLICT DO NOTHING RETURNING sn, nonce`,
        unique.flatMap((n) => [n.sn, n.nonce, n.expiresAt]));
      const inserted = new Set(rows.map((r) => `${r.sn}\n${r.nonce}`));
      batch.forEach((n, i) => { const k = `${n.sn}\n${n.nonce}`; n.resolve(first.get(k) === i && inserted.has(k)); });
    } catch (err) {
      batch.forEach((n) => n.reject(err));
    }
  }

  async purgeNonces(now: number): Promise<number> {
    return this.db.run(`DELETE FROM nonces WHERE expires_at < ?`, [now]);
  }

  async appendEvent(sn: string, type: string, body: Record<string, unknown>, tx?: Queryable): Promise<number> {
    const write = async (q: Queryable) => {
      const rows = await q.all<{ last_event_seq: number }>(
        `UPDATE devices SET last_event_seq = last_event_seq + 1 WHERE sn = ? RETURNING last_event_seq`, [sn]);
      if (rows.length === 0) throw new Error(`no device ${sn}`);
      const seq = Number(rows[0].last_event_seq);
      await q.run(`INSERT INTO events (sn, seq, type, body, created_at) VALUES (?, ?, ?, ?, ?)`,
        [sn, seq, type, JSON.stringify(body), Date.now()]);
      return seq;
    };
    return tx ? write(tx) : this.db.transaction(write);
  }

  async eventsAfter(sn: string, after: number, limit = 16): Promise<StoredEvent[]> {
    const rows = await this.db.all<{ seq: number; type: string; body: string }>(
      `SELECT seq, type, body FROM events WHERE sn = ? AND seq > ? ORDER BY seq LIMIT ?`, [sn, after, limit]);
    return rows.map((r) => ({ seq: Number(r.seq), type: r.type, body: JSON.parse(r.body) }));
  }

  /**
   * Acknowledges every event up to `seq`: they are delivered and can go. A `seq` beyond the last
   * event written acknowledges only what exists, so a confused device cannot drop future events.
   */
  async acknowledge(sn: string, seq: number): Promise<void> {
    if (seq <= 0) return;
    const changed = await this.db.run(
      `UPDATE devices SET acked_seq = CASE WHEN ? > last_event_seq THEN last_event_seq ELSE ? END WHERE sn = ? AND acked_seq < ? AND acked_seq < last_event_seq`,
      [seq, seq, sn, seq]);
    if (changed) await this.db.run(`DELETE FROM events WHERE sn = ? AND seq <= ?`, [sn, seq]);
  }

  async authorise(sn: string, openid: string): Promise<void> {
    await this.db.run(`INSERT INTO authorisations (sn, openid, granted_at) VALUES (?, ?, ?)
      ON CONFLICT (sn, openid) DO UPDATE SET granted_at = excluded.granted_at, revoked_at = NULL`, [sn, openid, Date.now()]);
  }

  async revoke(sn: string, openid: string): Promise<boolean> {
    return (await this.db.run(`UPDATE authorisations SET revoked_at = ? WHERE sn = ? AND openid = ? AND revoked_at IS NULL`,
      [Date.now(), sn, openid])) === 1;
  }

  async isAuthorised(sn: string, openid: string): Promise<boolean> {
    const rows = await this.db.all(`SELECT 1 FROM authorisations WHERE sn = ? AND openid = ? AND revoked_at IS NULL`, [sn, openid]);
    return rows.length > 0;
  }

  async createCall(c: Omit<Call, "created_at" | "updated_at" | "ended_at" | "reason"> & { source: string; instance?: string }): Promise<Call> {
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      await tx.run(`INSERT INTO calls (id, sn, openid, direction, room_type, room_id, payload, state, reason, media, created_at, updated_at, instance)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
        [c.id, c.sn, c.openid, c.direction, c.room_type, c.room_id, c.payload, c.state, JSON.stringify(c.media), now, now, c.instance ?? ""]);
      await tx.run(`INSERT INTO call_states (call_id, step, at, state, reason, source) VALUES (?, 1, ?, ?, 0, ?)`, [c.id, now, c.state, c.source]);
    });
    return (await this.call(c.id))!;
  }

  /** True for the error a unique index raises, on SQLite and on PostgreSQL. */
  static isUniqueViolation(err: unknown): boolean {
    const code = (err as { code?: unknown })?.code;
    return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "23505";
  }

  async call(id: string): Promise<Call | null> {
    const rows = await this.db.all<CallRow>(`SELECT * FROM calls WHERE id = ?`, [id]);
    return rows[0] ? toCall(rows[0]) : null;
  }

  async callByRoom(roomId: string): Promise<Call | null> {
    const rows = await this.db.all<CallRow>(`SELECT * FROM calls WHERE room_id = ?`, [roomId]);
    return rows[0] ? toCall(rows[0]) : null;
  }

  async openCallOf(sn: string): Promise<Call | null> {
    const rows = await this.db.all<CallRow>(`SELECT * FROM calls WHERE sn = ? AND ended_at IS NULL ORDER BY created_at DESC LIMIT 1`, [sn]);
    return rows[0] ? toCall(rows[0]) : null;
  }

  async setRoom(id: string, roomId: string, media?: Record<string, unknown>): Promise<void> {
    if (media) await this.db.run(`UPDATE calls SET room_id = ?, media = ? WHERE id = ?`, [roomId, JSON.stringify(media), id]);
    else await this.db.run(`UPDATE calls SET room_id = ? WHERE id = ?`, [roomId, id]);
  }

  async setMedia(id: string, media: Record<string, unknown>): Promise<void> {
    await this.db.run(`UPDATE calls SET media = ? WHERE id = ?`, [JSON.stringify(media), id]);
  }

  /**
   * Moves a call to `state` unless it has already ended (a terminal state never changes again)
   * or is already in it,
   * records the step, and appends the device's call.state event in the same transaction.
   * Returns the updated call, or null when the call had already ended.
   */
  async transition(id: string, state: number, reason: number, source: string, terminal: boolean,
    event?: (call: Call) => Record<string, unknown>): Promise<Call | null> {
    const now = Date.now();
    return this.db.transaction(async (tx) => {
      // A state reported twice (a join answer and a live update can both carry it) is one step.
      const changed = await tx.run(`UPDATE calls SET state = ?, reason = ?, updated_at = ?, ended_at = ? WHERE id = ? AND ended_at IS NULL AND state <> ?`,
        [state, reason, now, terminal ? now : null, id, state]);
      if (changed === 0) return null;
      await tx.run(`INSERT INTO call_states (call_id, step, at, state, reason, source)
        SELECT CAST(? AS TEXT), COALESCE(MAX(step), 0) + 1, CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT)
        FROM call_states WHERE call_id = ?`, [id, now, state, reason, source, id]);
      const rows = await tx.all<CallRow>(`SELECT * FROM calls WHERE id = ?`, [id]);
      const call = toCall(rows[0]);
      if (event) await this.appendEvent(call.sn, "call.state", event(call), tx);
      return call;
    });
  }

  /** Calls still open whose worker ran on `instance` (every open call, when `instance` is null). */
  async openCallsOf(instance: string | null): Promise<Call[]> {
    const rows = instance === null
      ? await this.db.all<CallRow>(`SELECT * FROM calls WHERE ended_at IS NULL`)
      : await this.db.all<CallRow>(`SELECT * FROM calls WHERE ended_at IS NULL AND instance = ?`, [instance]);
    return rows.map(toCall);
  }

  async callHistory(id: string): Promise<CallStateRecord[]> {
    return (await this.db.all<CallStateRecord>(`SELECT at, state, reason, source FROM call_states WHERE call_id = ? ORDER BY step`, [id])).map((r) => ({ ...r, at: Number(r.at), state: Number(r.state), reason: Number(r.reason) }));
  }

  /**
   * Remembers a pushed message with the answer given to it. Returns null the first time, and the
   * answer given before when WeChat resends it, so a resend is answered alike and handled once.
   */
  async rememberPush(key: string, errcode: number): Promise<number | null> {
    if ((await this.db.run(`INSERT INTO pushes (msg_key, errcode, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
      [key, errcode, Date.now()])) === 1) return null;
    const rows = await this.db.all<{ errcode: number }>(`SELECT errcode FROM pushes WHERE msg_key = ?`, [key]);
    return Number(rows[0]?.errcode ?? 0);
  }

  async purgePushes(before: number): Promise<number> {
    return this.db.run(`DELETE FROM pushes WHERE received_at < ?`, [before]);
  }

  async deviceCount(): Promise<number> {
    const rows = await this.db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM devices`);
    return Number(rows[0].n);
  }
}
