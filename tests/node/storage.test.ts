// Persistent state through the key-value import: identity, registration and the event position
// survive a power cut at every single file write (old or new state, never a mix), a corrupt
// store is reported as E_STORAGE_CORRUPT rather than trusted, and is_registered answers from
// storage. The "flash" is host-node/imports/kv.ts, told to lose power after N writes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, unlinkSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Device } from "../../host-node/device.js";
import { OK, E_STORAGE_CORRUPT, E_NOT_REGISTERED, E_IO, E_MALFORMED, E_STATE } from "../../host-node/errors.js";
import { TestCloud, selfSignedCert, type TestCert } from "./device-test-cloud.js";

let cert: TestCert;
let cloud: TestCloud;
before(async () => { cert = selfSignedCert(); cloud = new TestCloud("SN_STORE", cert); await cloud.start(); });
after(async () => { await cloud.stop(); });

const freshDir = () => mkdtempSync(join(tmpdir(), "vsdk-kv-"));

function boot(dir: string, powerCutAfterWrites?: number, atomic = true): Device {
  return new Device({ storage: dir, ca: cert.cert, kv: { powerCutAfterWrites, atomic } });
}

/** Provision, register (registered_at = `at`), and handle one event: everything that writes. */
async function life(d: Device, at: number): Promise<void> {
  cloud.registeredAt = at;
  d.provision(cloud.identity);
  if (d.init() !== OK) return;
  d.setTimeouts(1, 60000, 60000);
  d.start();
  try {
    const r = await d.register(5000);
    if (r !== OK) return;
    cloud.push("call.state", { call_id: "none", state: 0, reason: 0 });
    await d.waitEvent(() => false, 300).catch(() => undefined);
  } finally { d.stop(); }
}

test("a power cut at every write leaves the old or the new state, never a corrupt one", async () => {
  // How many writes a whole first life takes, uncut.
  const probe = boot(freshDir());
  await life(probe, 1764000001);
  const total = probe.kvFiles.writes;
  assert.ok(total >= 6, `expected provision, registration and event seq writes (2 each), got ${total}`);
  const seen = new Set<string>();
  for (let cut = 0; cut <= total; cut++) {
    const dir = freshDir();
    const d = boot(dir, cut);
    await life(d, 1764000001);
    assert.equal(d.kvFiles.powerLost, cut < total, `cut ${cut}`);
    const after = boot(dir);
    const init = after.init();
    assert.ok(init === OK || init === E_NOT_REGISTERED, `cut after ${cut} writes: init ${init}`);
    const reg = init === OK ? after.isRegistered() : 0;
    assert.ok(reg === 0 || reg === 1, `cut after ${cut} writes: is_registered ${reg}`);
    if (reg === 1) assert.equal(after.deviceReport().registered_at, 1764000001);
    assert.ok(!readdirSync(dir).some((f) => f.endsWith(".tmp")), "reboot clears torn temporary files");
    seen.add(`${init}/${reg}`);
  }
  // The cuts covered every stage: nothing provisioned, provisioned only, registered.
  assert.deepEqual([...seen].sort(), [`${E_NOT_REGISTERED}/0`, `${OK}/0`, `${OK}/1`].sort());
});

test("re-registration cut at every write keeps the old registration or the new one", async () => {
  const base = freshDir();
  await life(boot(base), 1764000001);
  const snapshot = Object.fromEntries(readdirSync(base).map((f) => [f, readFileSync(join(base, f))]));
  const outcomes = new Set<number>();
  for (let cut = 0; cut <= 2; cut++) {
    const dir = freshDir();
    for (const [f, data] of Object.entries(snapshot)) writeFileSync(join(dir, f), data);
    const d = boot(dir, cut);
    assert.equal(d.init(), OK);
    d.start();
    cloud.registeredAt = 1764009999;
    const r = await d.register(5000);
    d.stop();
    assert.equal(r, cut < 2 ? E_IO : OK, `cut ${cut}: the failed write is reported`);
    const after = boot(dir);
    assert.equal(after.init(), OK);
    assert.equal(after.isRegistered(), 1, `cut ${cut}`);
    outcomes.add(after.deviceReport().registered_at!);
  }
  assert.deepEqual([...outcomes].sort(), [1764000001, 1764009999]);
});

test("without atomic writes a cut tears the record, and the image says corrupt instead of trusting it", async () => {
  const base = freshDir();
  await life(boot(base), 1764000001);
  const d = boot(base, 0, false);
  assert.equal(d.init(), OK);
  d.start();
  cloud.registeredAt = 1764009999;
  assert.equal(await d.register(5000), E_IO);
  d.stop();
  const after = boot(base);
  assert.equal(after.init(), OK);
  assert.equal(after.isRegistered(), E_STORAGE_CORRUPT);
  assert.equal(after.deviceReport().registered, E_STORAGE_CORRUPT);
});

test("a corrupt, truncated, oversized or misplaced record is E_STORAGE_CORRUPT", async () => {
  const base = freshDir();
  await life(boot(base), 1764000001);
  const reg = join(base, "registration");
  const good = readFileSync(reg);
  const variants: Array<[string, Buffer]> = [
    ["one bit flipped in the payload", Buffer.from(good.map((b, i) => (i === 10 ? b ^ 1 : b)))],
    ["checksum changed", Buffer.from(good.map((b, i) => (i === good.length - 1 ? b ^ 0x80 : b)))],
    ["truncated", good.subarray(0, good.length - 3)],
    ["only the header", good.subarray(0, 6)],
    ["longer than any record", Buffer.alloc(600, 0x41)],
    ["another record's kind", readFileSync(join(base, "identity"))],
  ];
  for (const [what, bytes] of variants) {
    writeFileSync(reg, bytes);
    const d = boot(base);
    assert.equal(d.init(), OK, what);
    assert.equal(d.isRegistered(), E_STORAGE_CORRUPT, what);
  }
  // A corrupt identity stops init with the same code.
  writeFileSync(reg, good);
  const id = readFileSync(join(base, "identity"));
  writeFileSync(join(base, "identity"), Buffer.from(id.map((b, i) => (i === 8 ? b ^ 4 : b))));
  assert.equal(boot(base).init(), E_STORAGE_CORRUPT);
});

test("is_registered answers from storage, not from memory", async () => {
  const base = freshDir();
  await life(boot(base), 1764000001);
  const d = boot(base);
  assert.equal(d.init(), OK);
  assert.equal(d.isRegistered(), 1);
  unlinkSync(join(base, "registration"));
  assert.equal(d.isRegistered(), 0);
});

test("a registration stored for another sn is reported as E_STATE after re-provisioning", async () => {
  const base = freshDir();
  await life(boot(base), 1764000001);
  const d = boot(base);
  assert.equal(d.provision({ ...cloud.identity, sn: "SN_OTHER" }), OK);
  assert.equal(d.init(), OK);
  assert.equal(d.isRegistered(), E_STATE);
});

test("bad provisioning input is refused and leaves the stored identity intact", () => {
  const base = freshDir();
  const d = boot(base);
  assert.equal(d.provision(cloud.identity), OK);
  const stored = readFileSync(join(base, "identity"));
  const bad = [
    { ...cloud.identity, sn: "bad sn!" },
    { ...cloud.identity, sn: "x".repeat(129) },
    { ...cloud.identity, secret: "zz".repeat(32) },
    { ...cloud.identity, secret: "ab" },
    { ...cloud.identity, cloud: "ftp://host" },
    { ...cloud.identity, cloud: "https://host:99999" },
    { sn: "SN1" },
  ];
  for (const b of bad) {
    const r = d.provision(b as never);
    assert.ok(r === E_MALFORMED || r === -1004, `${JSON.stringify(b)} -> ${r}`);
  }
  // Not JSON at all.
  d.image.writeIo(Buffer.from("{\"sn\":"));
  assert.equal(d.image.exports.vsdk_device_provision(d.image.ioPtr, 6), E_MALFORMED);
  assert.deepEqual(readFileSync(join(base, "identity")), stored);
  assert.equal(d.init(), OK);
  assert.equal(d.deviceReport().sn, "SN_STORE");
});
