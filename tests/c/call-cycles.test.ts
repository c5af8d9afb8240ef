// 1,000 consecutive calls on the posix device against the independent test cloud, in a build
// with AddressSanitizer and LeakSanitizer (vsdk-device-asan): a user calls, the device answers,
// talks, the user hangs up. wasm3's heap and the image's linear memory are printed before (after
// a warm-up call) and after, and must be equal; the sanitizers must find no invalid access and
// no leak when the device exits. CALL_CYCLES overrides the count.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestCloud, selfSignedCert, type TestCert } from "../node/device-test-cloud.js";
import { PosixDevice } from "./posix-device.js";

const CYCLES = Number(process.env.CALL_CYCLES ?? 1000);
const OK = 0, RINGING = 3, TALKING = 5, ENDED = 7;

let cert: TestCert;
let cloud: TestCloud | null = null;
before(() => { cert = selfSignedCert(); });
after(async () => { await cloud?.stop(); });

async function oneCall(device: PosixDevice, c: TestCloud, i: number): Promise<void> {
  const id = `c_cycle${i}`;
  c.push("call.ring", { call_id: id, from_openid: "o_carol", room_type: "voice", media: c.media() });
  await device.waitPhase(RINGING);
  assert.equal(await device.answer(), OK);
  await device.waitPhase(TALKING);
  c.push("call.state", { call_id: id, state: 5, reason: 1 });
  const ended = await device.waitPhase(ENDED);
  assert.deepEqual([ended.state, ended.reason], [5, 1]);
}

test(`${CYCLES} calls on the posix device: memory flat, no leak, no invalid access`, { timeout: 30 * 60 * 1000 }, async () => {
  cloud = new TestCloud("SN_CYCLES", cert);
  await cloud.start();
  const device = new PosixDevice({ storage: join(mkdtempSync(join(tmpdir(), "vsdk-cycles-")), "flash"), ca: cert.cert });
  assert.equal(await device.provision(cloud.identity), OK);
  assert.equal(await device.init(), OK);
  assert.equal(await device.setTimeouts(2, 60000, 60000), OK);
  assert.equal(await device.start(), OK);
  assert.equal(await device.register(), OK);
  await oneCall(device, cloud, 0);
  const before = await device.stats();
  for (let i = 1; i <= CYCLES; i++) await oneCall(device, cloud, i);
  const afterStats = await device.stats();
  console.log(`${CYCLES} calls: wasm3 heap in use ${before.heap_in_use} bytes before, ${afterStats.heap_in_use} after; ` +
    `image linear memory in use ${before.linear_memory_used} before, ${afterStats.linear_memory_used} after; ` +
    `wasm3 heap peak ${afterStats.heap_peak}`);
  assert.equal(afterStats.heap_in_use, before.heap_in_use);
  assert.equal(afterStats.linear_memory_used, before.linear_memory_used);
  assert.equal(afterStats.traps, 0);
  const code = await device.stop();
  assert.equal(code, 0, `the device exited with ${code} (a sanitizer report?): ${device.stderr.slice(-2000)}`);
});
