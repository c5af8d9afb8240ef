// One small interface over the two databases the cloud supports: SQLite (embedded, the default)
// and PostgreSQL (several stateless cloud instances on one server). SQL is written once with `?`
// placeholders in the subset both understand; the PostgreSQL side renumbers them to $1, $2...
export type Row = Record<string, unknown>;
export type Param = string | number | null;

export interface Queryable {
  all<T = Row>(sql: string, params?: Param[]): Promise<T[]>;
  run(sql: string, params?: Param[]): Promise<number>; // rows changed
}

export interface Db extends Queryable {
  readonly kind: "sqlite" | "postgres";
  /** Runs fn in one transaction; everything inside must go through `tx`. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Cross-instance notifications (PostgreSQL LISTEN/NOTIFY); SQLite has one instance, so local
   * only. `onGap` runs when notifications may have been lost (the listening connection dropped
   * and came back), so a subscriber can look again instead of waiting for one that never comes.
   */
  listen(channel: string, onMessage: (payload: string) => void, onGap?: () => void): Promise<void>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

export async function openDatabase(url: string): Promise<Db> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { openPostgres } = await import("./postgres.js");
    return openPostgres(url);
  }
  const { openSqlite } = await import("./sqlite.js");
  return openSqlite(url.replace(/^sqlite:/, ""));
}
