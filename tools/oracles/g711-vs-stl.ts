// Repeats the comparison docs/g711.md reports: the ITU-T G.191 STL's G.711 against the image
// and the CI oracles, over all 65,536 inputs and 256 codes of both laws. The STL is not part of
// this repository: pass the path of a checkout (github.com/openitu/STL); its g711.c is compiled
// with a driver of ours into a temporary folder and nothing of it is kept.
//   node --import tsx tools/oracles/g711-vs-stl.ts /path/to/STL
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Image } from "../../host-node/image.js";
import { g711DecodeWithImage, g711EncodeWithImage } from "../../cli/commands/g711.js";
import { compileOracle, pcmBytes, pcmFromBytes, runOracle, runPythonOracle } from "./oracles.js";

const stl = process.argv[2];
const source = stl && join(stl, "src", "g711");
if (!source || !existsSync(join(source, "g711.c"))) {
  console.error("usage: node --import tsx tools/oracles/g711-vs-stl.ts STL_CHECKOUT (with src/g711/g711.c)");
  process.exit(2);
}

// Our driver: every input through the STL's four functions, written as encode bytes
// (µ-law then A-law) and decoded 16-bit samples (µ-law then A-law).
const DRIVER = `#include <stdio.h>
#include "g711.h"
int main(void) {
  static short lin[65536], code[65536], out[256], codes[256];
  for (int i = 0; i < 65536; i++) lin[i] = (short)(i - 32768);
  for (int i = 0; i < 256; i++) codes[i] = (short)i;
  ulaw_compress(65536, lin, code); for (int i = 0; i < 65536; i++) putchar(code[i] & 255);
  alaw_compress(65536, lin, code); for (int i = 0; i < 65536; i++) putchar(code[i] & 255);
  ulaw_expand(256, codes, out); fwrite(out, 2, 256, stdout);
  alaw_expand(256, codes, out); fwrite(out, 2, 256, stdout);
  return 0;
}
`;
const dir = mkdtempSync(join(tmpdir(), "vsdk-stl-"));
try {
  writeFileSync(join(dir, "driver.c"), DRIVER);
  execFileSync("cc", ["-O2", "-I", source, "-o", join(dir, "driver"), join(dir, "driver.c"), join(source, "g711.c")]);
  const ref = new Uint8Array(execFileSync(join(dir, "driver"), { maxBuffer: 1 << 20 }));
  const reference = {
    encode: [ref.subarray(0, 65536), ref.subarray(65536, 131072)],
    decode: [pcmFromBytes(ref.subarray(131072, 131584)), pcmFromBytes(ref.subarray(131584, 132096))],
  };
  const inputs = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
  const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const image = Image.load();
  const spandsp = compileOracle("g711_spandsp.c", ["-lspandsp"]);
  const candidates: Record<string, (law: 0 | 1, verb: "encode" | "decode") => ArrayLike<number>> = {
    "image": (law, verb) => verb === "encode" ? g711EncodeWithImage(image, law, inputs) : g711DecodeWithImage(image, law, codes),
    "PyPI g711": (law, verb) => verb === "encode"
      ? runPythonOracle("g711_pypi.py", ["encode", law ? "a" : "mu"], pcmBytes(inputs))
      : pcmFromBytes(runPythonOracle("g711_pypi.py", ["decode", law ? "a" : "mu"], codes)),
    "spandsp": (law, verb) => verb === "encode"
      ? runOracle(spandsp, ["encode", law ? "a" : "mu"], pcmBytes(inputs))
      : pcmFromBytes(runOracle(spandsp, ["decode", law ? "a" : "mu"], codes)),
  };
  const differ = (a: ArrayLike<number>, b: ArrayLike<number>) => { let n = 0; for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++; return n; };
  console.log("inputs (of 65,536) or codes (of 256) that differ from the STL:");
  for (const [name, run] of Object.entries(candidates)) {
    const cells = ([0, 1] as const).flatMap((law) => [
      `${law ? "A" : "µ"}-law encode ${differ(reference.encode[law], run(law, "encode"))}`,
      `decode ${differ(reference.decode[law], run(law, "decode"))}`,
    ]);
    console.log(`  ${name.padEnd(10)} ${cells.join(", ")}`);
  }
  console.log(`STL source: ${readFileSync(join(source, "g711.c"), "utf8").match(/Version [\d.]+[^\n]*/)?.[0] ?? "g711.c"}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
