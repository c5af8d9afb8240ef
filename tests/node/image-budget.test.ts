// The image's embedded budgets, checked on the built release image: integer-only (so wasm3 can be
// built without float support), imports only from the "vsdk" module, at most one wasm page of
// memory declared, and no more than 32 KiB of linear memory in use after init.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../host-node/paths.js";
import { Image } from "../../host-node/image.js";

const wat = readFileSync(join(repoRoot, "build/sdk.wat"), "utf8");

test("release image uses no floating point at all", () => {
  const floatOps = wat.match(/\b[fF](32|64)\.[a-z_]+|\(param[^)]*f(32|64)|\(result[^)]*f(32|64)|\(local[^)]*f(32|64)/g) ?? [];
  assert.deepEqual(floatOps.slice(0, 5), [], `float instructions or types in build/sdk.wat: ${floatOps.length}`);
});

test("release image declares at most one page of memory and imports only vsdk.*", () => {
  const mem = /\(memory \$\S+ (\d+)(?: (\d+))?\)/.exec(wat);
  assert.ok(mem, "memory declared");
  assert.ok(Number(mem![1]) <= 1 && Number(mem![2] ?? mem![1]) <= 1, `memory ${mem![0]}`);
  const module = new WebAssembly.Module(new Uint8Array(readFileSync(join(repoRoot, "build/sdk.wasm"))));
  for (const imp of WebAssembly.Module.imports(module)) assert.equal(imp.module, "vsdk", `${imp.module}.${imp.name}`);
});

test("linear memory in use after init stays within 32 KiB", () => {
  const image = Image.load();
  const used = image.exports.vsdk_memory_used();
  assert.ok(used <= 32 * 1024, `${used} bytes in use`);
  // Nothing may live above what the image reports: bytes beyond it are untouched.
  const mem = image.memory;
  const firstDirty = mem.subarray(used).findIndex((b) => b !== 0);
  assert.equal(firstDirty, -1, `byte ${used + firstDirty} written above vsdk_memory_used()`);
});

test("the audio media core alone (build/audio.wasm) stays within its 16 KiB budget", () => {
  const bytes = readFileSync(join(repoRoot, "build/audio.wasm")).length;
  assert.ok(bytes <= 16 * 1024, `build/audio.wasm is ${bytes} bytes`);
  // It is the media part of the image, not an empty stand-in: the media exports are there.
  const exports = WebAssembly.Module.exports(new WebAssembly.Module(new Uint8Array(readFileSync(join(repoRoot, "build/audio.wasm"))))).map((e) => e.name);
  for (const name of ["vsdk_media_start", "vsdk_media_receive", "vsdk_jitter_get", "vsdk_g711_encode"]) assert.ok(exports.includes(name), `${name} exported`);
});
