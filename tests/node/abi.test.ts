// The image's ABI surface: version, I/O buffer, error codes mirrored for TypeScript hosts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Image } from "../../host-node/image.js";
import { repoRoot } from "../../host-node/paths.js";
import * as errors from "../../host-node/errors.js";

test("image exports its ABI version and a usable I/O buffer", () => {
  const image = Image.load();
  assert.equal(image.exports.vsdk_abi_version() >>> 16, 1);
  assert.ok(image.ioCapacity >= 1920, "I/O buffer holds 20 ms of 48 kHz mono PCM");
  image.writeIo(new Uint8Array([1, 2, 3]));
  assert.deepEqual([...image.readIo(3)], [1, 2, 3]);
  assert.throws(() => image.writeIo(new Uint8Array(image.ioCapacity + 1)), RangeError);
});

test("TypeScript error codes mirror assembly/abi/errors.ts", () => {
  const source = readFileSync(join(repoRoot, "assembly/abi/errors.ts"), "utf8");
  const found = [...source.matchAll(/export const (\w+): i32 = (-?\d+);/g)];
  assert.ok(found.length >= 10);
  for (const [, name, value] of found) {
    assert.equal((errors as Record<string, number>)[name], Number(value), name);
  }
  assert.equal(Object.keys(errors).length, found.length, "no extra TypeScript-only codes");
});

test("image stays below half a wasm page of linear memory at start", () => {
  const image = Image.load();
  assert.ok(image.exports.vsdk_memory_used() <= 32 * 1024);
});
