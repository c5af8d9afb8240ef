// Runs every test suite and closes with one line "N passed, N failed":
//   types   TypeScript type check of the desktop code (tsc --noEmit)
//   as      as-pect unit tests of the image's modules (tests/as/**/*.spec.ts)
//   node    node:test suites over the built image, CLI, cloud and hosts (tests/node/**/*.test.ts)
//   native  CTest suites of the C runtime, shims and ports (build/native), when built
// `node tools/test.mjs [--only as,node] [name-filter]` runs a subset.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const onlyIdx = args.indexOf("--only");
const only = onlyIdx >= 0 ? args.splice(onlyIdx, 2)[1].split(",") : null;
const filter = args[0] ?? "";
const totals = { passed: 0, failed: 0 };
const results = [];

function files(dir, suffix) {
  const out = [];
  const visit = (d) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) visit(p);
      else if (p.endsWith(suffix) && relative(root, p).includes(filter)) out.push(p);
    }
  };
  visit(join(root, dir));
  return out.sort();
}

function record(suite, passed, failed) {
  totals.passed += passed;
  totals.failed += failed;
  results.push(`${suite}: ${passed} passed, ${failed} failed`);
}

function run(cmd, argv, opts = {}) {
  return spawnSync(cmd, argv, { cwd: root, stdio: "inherit", ...opts });
}

const suites = {
  types() {
    const r = run(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"]);
    record("types", r.status === 0 ? 1 : 0, r.status === 0 ? 0 : 1);
  },
  as() {
    if (files("tests/as", ".spec.ts").length === 0) return;
    const r = spawnSync(join(root, "node_modules/.bin/asp"), ["--config", "as-pect.config.js"],
      { cwd: root, encoding: "utf8", maxBuffer: 64 << 20, env: { ...process.env, VSDK_AS_FILTER: filter } });
    process.stdout.write(r.stdout ?? "");
    process.stderr.write(r.stderr ?? "");
    const plain = (r.stdout ?? "").replace(/\x1b\[[0-9;]*m/g, "");
    const m = /\[Tests\]: (\d+) \/ (\d+)/.exec(plain);
    const passed = m ? Number(m[1]) : 0;
    const total = m ? Number(m[2]) : 0;
    // A crash before the summary counts as one failure, so it can never look green.
    record("as", passed, r.status === 0 && m ? total - passed : Math.max(1, total - passed));
  },
  node() {
    const tests = files("tests/node", ".test.ts");
    if (tests.length === 0) return;
    const tap = join(mkdtempSync(join(tmpdir(), "vsdk-test-")), "node.tap");
    const r = run(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1",
      "--test-reporter=spec", "--test-reporter-destination=stdout",
      "--test-reporter=tap", `--test-reporter-destination=${tap}`, ...tests]);
    const text = existsSync(tap) ? readFileSync(tap, "utf8") : "";
    const num = (k) => Number((new RegExp(`^# ${k} (\\d+)`, "m").exec(text) ?? [0, 0])[1]);
    const failed = num("fail") + num("cancelled");
    record("node", num("pass"), r.status === 0 ? failed : Math.max(1, failed));
  },
  native() {
    const dir = join(root, "build", "native");
    if (!existsSync(join(dir, "CTestTestfile.cmake"))) return;
    const r = spawnSync("ctest", ["--test-dir", dir, "--output-on-failure", ...(filter ? ["-R", filter] : [])],
      { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
    process.stdout.write(r.stdout ?? "");
    process.stderr.write(r.stderr ?? "");
    const m = /(\d+) tests failed out of (\d+)/.exec(r.stdout ?? "");
    const failed = m ? Number(m[1]) : 1;
    const total = m ? Number(m[2]) : 1;
    record("native", total - failed, r.status === 0 ? failed : Math.max(1, failed));
  },
};

for (const [name, suite] of Object.entries(suites)) {
  if (only && !only.includes(name)) continue;
  console.log(`\n=== ${name} ===`);
  suite();
}
console.log("\n" + results.join("\n"));
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 && totals.passed > 0 ? 0 : 1);
