// Scale-out without home-made clustering: two stateless cloud instances on one PostgreSQL. A
// device registers on one, then moves to the other; an event produced on the first instance
// reaches the device's long-poll on the second through LISTEN/NOTIFY, and the device's answer
// given to the second reaches the call's room worker on the first.
process.env.VSDK_LOG ??= "silent";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cloud } from "../../cloud/server.js";
import { startLocalSystem, type LocalSystem } from "../../cloud/local-system.js";
import { DeviceClient } from "./helpers/device-client.js";
import { startPostgres, type PostgresServer } from "./helpers/postgres.js";
import pg from "pg";

let pgServer: PostgresServer;
let sys: LocalSystem;
let second: Cloud;
let dir: string;
let dbUrl: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "vsdk-cloud-pg-"));
  pgServer = await startPostgres();
  dbUrl = await pgServer.createDatabase("cloud2");
  const url = dbUrl;
  sys = await startLocalSystem({ cloud: { dataDir: dir, databaseUrl: url, instanceId: "a" } });
  second = await sys.addInstance({ instanceId: "b" });
});

after(async () => {
  await sys?.stop();
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("two instances on one PostgreSQL: a device moves between them and its events follow", async () => {
  assert.equal(sys.cloud.store.db.kind, "postgres");
  const id = await sys.provision("SN-PG-1");
  const onA = new DeviceClient(sys.cloud.url, id.sn, id.secret, sys.ca);
  const onB = new DeviceClient(second.url, id.sn, id.secret, sys.ca);
  try {
    const reg = await onA.post("/v1/device/register");
    assert.equal(reg.status, 200);
    assert.equal((await onB.get("/healthz")).json.instance, "b");
    // a nonce used on A is a replay on B: the replay window is shared
    const nonce = "ef".repeat(16);
    assert.equal((await onA.get("/v1/device/events?after=0&wait=0", { nonce })).status, 200);
    assert.equal((await onB.get("/v1/device/events?after=0&wait=0", { nonce })).json.error, "replayed_nonce");

    // The device now long-polls on B; WeChat pushes a user's call to A.
    await sys.emulatorCall("/emulator/grant", { openid: "o_pg_user", sn: id.sn, model_id: "vsdk-model-1", sn_ticket: reg.json.sn_ticket, device_name: "Door" });
    const polled = onB.events(0, 10);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const call = await sys.emulatorCall("/emulator/users/o_pg_user/call", { sn: id.sn, model_id: "vsdk-model-1" });
    assert.equal(call.push_errcode, 0);
    const r = await polled;
    assert.ok(Date.now() - started < 3000, "woken by NOTIFY, not by its timeout");
    const ring = r.json.events.find((e: any) => e.type === "call.ring");
    assert.ok(ring, JSON.stringify(r.json));
    assert.equal(second.events.waiting(), 0);

    // The answer lands on B; the room worker runs on A; the room sees the device answer.
    const answered = await onB.post(`/v1/calls/${ring.call_id}/answer`);
    assert.equal(answered.status, 200, answered.text);
    assert.equal(answered.json.state, 2);
    const room = await sys.emulatorCall(`/emulator/rooms/${call.roomid}`);
    assert.equal(room.state, 2);
    const hung = await onB.post(`/v1/calls/${ring.call_id}/hangup`);
    assert.equal(hung.json.state, 6);
  } finally {
    onA.close();
    onB.close();
  }
});

test("a dropped LISTEN connection comes back, and polls parked meanwhile look again", async () => {
  const id = await sys.provision("SN-PG-2");
  await sys.cloud.store.markRegistered(id.sn, 1);
  const onB = new DeviceClient(second.url, id.sn, id.secret, sys.ca);
  try {
    const parked = onB.events(0, 15);
    await new Promise((r) => setTimeout(r, 300));
    const admin = new pg.Client({ connectionString: dbUrl });
    await admin.connect();
    const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`);
    await admin.end();
    assert.ok(killed.rowCount! >= 2, "both instances' listeners were cut");
    const started = Date.now();
    await sys.cloud.events.publish(id.sn, "test.gap", { n: 1 }); // its NOTIFY may fall in the gap
    const r = await parked;
    assert.ok(Date.now() - started < 8000, "answered after the reconnection, not at the end of the wait");
    assert.equal(r.json.events[0]?.type, "test.gap");
    // and notifications flow again
    const next = onB.events(r.json.events[0].seq, 15);
    await new Promise((res) => setTimeout(res, 300));
    const t = Date.now();
    await sys.cloud.events.publish(id.sn, "test.after", { n: 2 });
    const r2 = await next;
    assert.ok(Date.now() - t < 3000);
    assert.equal(r2.json.events[0]?.type, "test.after");
  } finally {
    onB.close();
  }
});
