// The C runtime builds wasm3 with one name per function (d_m3MaxDuplicateFunctionImpl=1 in
// runtime/wasm3.cmake, to save 8 bytes in each of the image's function records). wasm3 would
// then find only the first of two exports that name the same function (binaryen merges
// functions with identical bodies, so two small exports can end up as one). This checks, on the
// built release image, that every exported function index is exported once; the checker is
// shown to catch a module that does export one function twice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../host-node/paths.js";

function leb(bytes: Uint8Array, at: { pos: number }): number {
  let result = 0, shift = 0, b: number;
  do {
    b = bytes[at.pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return result;
}

// Function index -> the export names that refer to it (from the binary's export section).
function exportedFunctions(wasm: Uint8Array): Map<number, string[]> {
  const names = new Map<number, string[]>();
  const at = { pos: 8 };
  while (at.pos < wasm.length) {
    const id = wasm[at.pos++];
    const size = leb(wasm, at);
    const end = at.pos + size;
    if (id === 7) {
      const count = leb(wasm, at);
      for (let i = 0; i < count; i++) {
        const len = leb(wasm, at);
        const name = Buffer.from(wasm.subarray(at.pos, at.pos + len)).toString("utf8");
        at.pos += len;
        const kind = wasm[at.pos++];
        const index = leb(wasm, at);
        if (kind === 0) names.set(index, [...(names.get(index) ?? []), name]);
      }
    }
    at.pos = end;
  }
  return names;
}

const shared = (wasm: Uint8Array) => [...exportedFunctions(wasm).values()].filter((n) => n.length > 1);

test("every exported function of the release image is exported under one name", () => {
  const wasm = new Uint8Array(readFileSync(join(repoRoot, "build/sdk.wasm")));
  const functions = exportedFunctions(wasm);
  assert.ok(functions.size >= 20, `${functions.size} exported functions found`);
  assert.deepEqual(shared(wasm), []);
});

test("the check sees two exports of one function", () => {
  // (module (func) (export "a" (func 0)) (export "b" (func 0)))
  const twice = Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,               // type: () -> ()
    0x03, 0x02, 0x01, 0x00,                           // function 0 of type 0
    0x07, 0x09, 0x02, 0x01, 0x61, 0x00, 0x00, 0x01, 0x62, 0x00, 0x00,
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,               // its body
  ]);
  assert.ok(WebAssembly.validate(twice), "the test module is valid wasm");
  assert.deepEqual(shared(twice), [["a", "b"]]);
});
