// docs/abi.md is the host authors' reference: every function the built image exports and every
// import it declares must appear in it, by name or in a `vsdk_<group>_*` row.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../host-node/paths.js";

const doc = readFileSync(join(repoRoot, "docs/abi.md"), "utf8");
const module = new WebAssembly.Module(new Uint8Array(readFileSync(join(repoRoot, "build/sdk.wasm"))));
const groups = [...doc.matchAll(/`(vsdk_[a-z0-9_]+?)_\*`/g)].map((m) => `${m[1]}_`);
const named = (n: string) => doc.includes(`\`${n}\``) || doc.includes(`\`${n}(`);

test("docs/abi.md names every export of build/sdk.wasm", () => {
  const missing = WebAssembly.Module.exports(module)
    .filter((e) => e.kind === "function" && !named(e.name) && !groups.some((g) => e.name.startsWith(g)))
    .map((e) => e.name);
  assert.deepEqual(missing, []);
});

test("docs/abi.md names every import of build/sdk.wasm", () => {
  const missing = WebAssembly.Module.imports(module).filter((i) => !named(i.name)).map((i) => i.name);
  assert.deepEqual(missing, []);
});
