// SQLite through better-sqlite3 (synchronous, in-process). WAL with synchronous=NORMAL keeps
// commits durable across a process crash while staying fast; transactions are serialised with
// a promise chain because the callback is async and one connection is shared.
import Database from "better-sqlite3";
import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Db, Param, Queryable } from "./db.js";

export function openSqlite(path: string): Db {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  db.pragma("wal_autocheckpoint = 4000"); // fewer, larger checkpoints: nonce writes come with every request
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let s = statements.get(sql);
    if (!s) { s = db.prepare(sql); statements.set(sql, s); }
    return s;
  };
  const direct: Queryable = {
    async all<T>(sql: string, params: Param[] = []) {
      const s = prepare(sql);
      return (s.reader ? s.all(...params) : (s.run(...params), [])) as T[];
    },
    async run(sql: string, params: Param[] = []) {
      const s = prepare(sql);
      if (s.reader) { s.all(...params); return 0; }
      return s.run(...params).changes;
    },
  };
  const local = new EventEmitter();
  let chain: Promise<unknown> = Promise.resolve();
  let inTransaction = false;
  return {
    kind: "sqlite",
    all: (sql, params) => {
      if (inTransaction) return chain.then(() => direct.all(sql, params)) as never;
      return direct.all(sql, params);
    },
    run: (sql, params) => {
      if (inTransaction) return chain.then(() => direct.run(sql, params));
      return direct.run(sql, params);
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const next = chain.then(async () => {
        inTransaction = true;
        db.exec("BEGIN IMMEDIATE");
        try {
          const result = await fn(direct);
          db.exec("COMMIT");
          return result;
        } catch (err) {
          db.exec("ROLLBACK");
          throw err;
        } finally {
          inTransaction = false;
        }
      });
      chain = next.catch(() => undefined);
      return next;
    },
    async listen(channel, onMessage) { local.on(channel, onMessage); },
    async notify(channel, payload) { local.emit(channel, payload); },
    async close() { db.close(); },
  };
}
