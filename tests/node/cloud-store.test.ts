// The cloud's storage, the same checks on SQLite and on a private PostgreSQL server, through the
// same migrations: devices, nonces (replays), the event log's order and acknowledgement, call
// state history with terminal states that never change, pushes remembered with their answer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Db } from "../../cloud/store/db.js";
import { migrate, migrations } from "../../cloud/store/migrations.js";
import { Store } from "../../cloud/store/store.js";
import { startPostgres, type PostgresServer } from "./helpers/postgres.js";

let pgServer: PostgresServer;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "vsdk-store-"));
  pgServer = await startPostgres();
});
after(async () => {
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const backends: [string, () => Promise<string>][] = [
  ["sqlite", async () => `sqlite:${join(dir, `s${Math.random().toString(36).slice(2)}.db`)}`],
  ["postgres", async () => pgServer.createDatabase(`s${Math.random().toString(36).slice(2)}`)],
];

for (const [kind, makeUrl] of backends) {
  const withStore = async (fn: (store: Store, db: Db, url: string) => Promise<void>) => {
    const url = await makeUrl();
    const db = await openDatabase(url);
    try {
      assert.equal(db.kind, kind);
      assert.equal(await migrate(db), migrations.length);
      await fn(new Store(db), db, url);
    } finally { await db.close(); }
  };

  test(`${kind}: migrations apply once, also from a second and third connection`, () => withStore(async (_s, db, url) => {
    assert.equal(await migrate(db), 0);
    const a = await openDatabase(url), b = await openDatabase(url);
    // Two PostgreSQL migrators race (the advisory lock orders them); two SQLite connections in one
    // thread would block each other synchronously, so they take turns.
    const counts = kind === "postgres" ? await Promise.all([migrate(a), migrate(b)]) : [await migrate(a), await migrate(b)];
    assert.deepEqual(counts, [0, 0]);
    await a.close(); await b.close();
    const rows = await db.all<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
    assert.deepEqual(rows.map((r) => Number(r.version)), migrations.map((_, i) => i + 1));
  }));

  test(`${kind}: devices and nonces`, () => withStore(async (store) => {
    await store.createDevice({ sn: "D1", model_id: "M", secret: "aa".repeat(32) });
    await assert.rejects(store.createDevice({ sn: "D1", model_id: "M", secret: "bb".repeat(32) }), "sn is unique");
    assert.equal((await store.identity("D1"))?.secret, "aa".repeat(32));
    assert.equal(await store.identity("D2"), null);
    assert.equal(await store.useNonce("D1", "00ff", Date.now() + 1000), true);
    assert.equal(await store.useNonce("D1", "00FF", Date.now() + 1000), false, "nonces compare case-insensitively");
    assert.equal(await store.useNonce("D1", "0100", Date.now() - 1), true);
    assert.equal(await store.purgeNonces(Date.now()), 1);
    assert.equal(await store.useNonce("D1", "00ff", Date.now() + 1000), false);
    // nonces arriving together are written together; a repeat within the batch is still a replay
    const together = await Promise.all(["aa11", "AA11", "bb22", "00ff", "cc33"].map((n) => store.useNonce("D1", n, Date.now() + 1000)));
    assert.deepEqual(together, [true, false, true, false, true]);
    const many = await Promise.all(Array.from({ length: 600 }, (_, i) => store.useNonce("D1", `f${i % 300}`, Date.now() + 1000)));
    assert.equal(many.filter(Boolean).length, 300, "600 requests, 300 distinct nonces, across several batches");
  }));

  test(`${kind}: events are numbered per device, in order, under concurrency, and go once acknowledged`, () => withStore(async (store) => {
    await store.createDevice({ sn: "E1", model_id: "M", secret: "aa".repeat(32) });
    await store.createDevice({ sn: "E2", model_id: "M", secret: "aa".repeat(32) });
    const seqs = await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendEvent("E1", "t", { i })));
    assert.deepEqual([...seqs].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.equal(await store.appendEvent("E2", "t", {}), 1, "each device counts from 1");
    const first = await store.eventsAfter("E1", 0, 100);
    assert.deepEqual(first.map((e) => e.seq), seqs.slice().sort((a, b) => a - b));
    await store.acknowledge("E1", 15);
    assert.deepEqual((await store.eventsAfter("E1", 0, 100)).map((e) => e.seq), [16, 17, 18, 19, 20]);
    await store.acknowledge("E1", 3); // an old acknowledgement changes nothing
    assert.equal((await store.device("E1"))?.acked_seq, 15);
    await assert.rejects(store.appendEvent("NOPE", "t", {}));
    await store.acknowledge("E2", 99); // beyond the last event: acknowledges only what exists
    assert.equal((await store.device("E2"))?.acked_seq, 1);
    assert.equal(await store.appendEvent("E2", "t", {}), 2);
    assert.deepEqual((await store.eventsAfter("E2", 1)).map((e) => e.seq), [2], "later events still arrive");
  }));

  test(`${kind}: call states are recorded in order; a terminal state is final`, () => withStore(async (store) => {
    await store.createDevice({ sn: "C1", model_id: "M", secret: "aa".repeat(32) });
    await store.createCall({ id: "c_1", sn: "C1", openid: "o1", direction: "device_to_user", room_type: "voice", room_id: null,
      payload: "p", state: 1, media: { relay_port: 5 }, source: "device" });
    assert.equal((await store.openCallOf("C1"))?.id, "c_1");
    const talking = await store.transition("c_1", 2, 0, "room", false, (c) => ({ call_id: c.id, state: 2 }));
    assert.equal(talking?.state, 2);
    assert.equal(await store.transition("c_1", 2, 0, "room", false), null, "the same state twice is one step");
    const ended = await store.transition("c_1", 6, 1, "room", true, (c) => ({ call_id: c.id, state: 6 }));
    assert.ok(ended?.ended_at);
    assert.equal(await store.transition("c_1", 2, 0, "room", false), null, "nothing after the end");
    assert.deepEqual((await store.callHistory("c_1")).map((h) => [h.state, h.reason, h.source]), [[1, 0, "device"], [2, 0, "room"], [6, 1, "room"]]);
    assert.deepEqual((await store.eventsAfter("C1", 0)).map((e) => e.body.state), [2, 6], "events written with the states");
    assert.equal(await store.openCallOf("C1"), null);
    await store.setRoom("c_1", "room_x");
    assert.equal((await store.callByRoom("room_x"))?.id, "c_1");
    assert.deepEqual((await store.call("c_1"))?.media, { relay_port: 5 });
  }));

  test(`${kind}: authorisations and pushes`, () => withStore(async (store) => {
    await store.createDevice({ sn: "A1", model_id: "M", secret: "aa".repeat(32) });
    assert.equal(await store.isAuthorised("A1", "o1"), false);
    await store.authorise("A1", "o1");
    await store.authorise("A1", "o1");
    assert.equal(await store.isAuthorised("A1", "o1"), true);
    assert.equal(await store.revoke("A1", "o1"), true);
    assert.equal(await store.isAuthorised("A1", "o1"), false);
    assert.equal(await store.rememberPush("k1", 0), null);
    assert.equal(await store.rememberPush("k1", 0), 0);
    assert.equal(await store.rememberPush("k2", 2), null);
    assert.equal(await store.rememberPush("k2", 0), 2, "a resend gets the first answer");
  }));
}
