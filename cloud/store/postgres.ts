// PostgreSQL through node-postgres: a pool for queries and one dedicated client for LISTEN,
// which is how events reach the instance a device's long-poll is parked on.
import pg from "pg";
import type { Db, Param, Queryable } from "./db.js";

// BIGINT (int8) columns hold millisecond times and counters well inside 2^53: read them as numbers.
pg.types.setTypeParser(20, (v: string) => Number(v));

function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function over(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async all<T>(sql: string, params: Param[] = []) {
      return (await client.query(numbered(sql), params)).rows as T[];
    },
    async run(sql: string, params: Param[] = []) {
      return (await client.query(numbered(sql), params)).rowCount ?? 0;
    },
  };
}

export async function openPostgres(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  pool.on("error", () => undefined); // an idle client lost: the pool replaces it
  await pool.query("SELECT 1");
  let listener: pg.Client | null = null;
  let closed = false;
  const handlers = new Map<string, { onMessage: (payload: string) => void; onGap?: () => void }[]>();
  // The LISTEN connection is long-lived: when it drops, reconnect with backoff, LISTEN again, and
  // tell every subscriber that notifications may have been missed meanwhile (onGap).
  const connectListener = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url });
    listener = client;
    let lost = false;
    const onLost = () => {
      if (lost || closed) return;
      lost = true;
      listener = null;
      let delay = 100;
      const retry = () => {
        if (closed) return;
        connectListener().then(() => handlers.forEach((hs) => hs.forEach((h) => h.onGap?.())))
          .catch(() => { delay = Math.min(delay * 2, 5000); setTimeout(retry, delay).unref(); });
      };
      setTimeout(retry, delay).unref();
    };
    client.on("error", onLost);
    client.on("end", onLost);
    client.on("notification", (n) => handlers.get(n.channel)?.forEach((h) => h.onMessage(n.payload ?? "")));
    await client.connect();
    for (const channel of handlers.keys()) await client.query(`LISTEN ${channel}`);
  };
  return {
    kind: "postgres",
    ...over(pool),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn(over(client));
        await client.query("COMMIT");
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async listen(channel, onMessage, onGap) {
      if (!/^[a-z_]+$/.test(channel)) throw new Error(`bad channel name ${channel}`);
      const first = !handlers.has(channel);
      if (first) handlers.set(channel, []);
      handlers.get(channel)!.push({ onMessage, onGap });
      if (!listener) await connectListener();
      else if (first) await listener.query(`LISTEN ${channel}`);
    },
    async notify(channel, payload) {
      await pool.query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    async close() {
      closed = true;
      if (listener) await listener.end().catch(() => undefined);
      await pool.end();
    },
  };
}
