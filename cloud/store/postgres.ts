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
  const handlers = new Map<string, ((payload: string) => void)[]>();
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
    async listen(channel, onMessage) {
      if (!/^[a-z_]+$/.test(channel)) throw new Error(`bad channel name ${channel}`);
      if (!listener) {
        listener = new pg.Client({ connectionString: url });
        listener.on("error", () => undefined);
        await listener.connect();
        listener.on("notification", (n) => handlers.get(n.channel)?.forEach((h) => h(n.payload ?? "")));
      }
      if (!handlers.has(channel)) { handlers.set(channel, []); await listener.query(`LISTEN ${channel}`); }
      handlers.get(channel)!.push(onMessage);
    },
    async notify(channel, payload) {
      await pool.query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    async close() {
      if (listener) await listener.end().catch(() => undefined);
      await pool.end();
    },
  };
}
