// Runs the independent implementations our codecs are checked against: small C programs over a
// Debian library, compiled here at test time with cc, and Python programs over pinned PyPI
// packages. Each reads its input on stdin and writes its answer on stdout.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../host-node/paths.js";
import { parseWav } from "../../host-node/wav.js";

export const oracleDir = join(repoRoot, "tools", "oracles");
const buildDir = mkdtempSync(join(tmpdir(), "vsdk-oracles-"));
process.on("exit", () => rmSync(buildDir, { recursive: true, force: true }));

/** Compiles tools/oracles/<source> with cc and the given libraries; returns the executable. */
export function compileOracle(source: string, libs: string[]): string {
  const exe = join(buildDir, source.replace(/\.c$/, ""));
  execFileSync("cc", ["-O2", "-Wall", "-o", exe, join(oracleDir, source), ...libs], { stdio: ["ignore", "inherit", "inherit"] });
  return exe;
}

/** Runs a program with stdin bytes; throws with its stderr when it fails. */
export function runOracle(cmd: string, args: string[], input: Uint8Array): Uint8Array {
  const r = spawnSync(cmd, args, { input, maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr?.toString()}`);
  return new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength);
}

/** Runs tools/oracles/<script> with python3 (packages from requirements.txt). */
export function runPythonOracle(script: string, args: string[], input: Uint8Array): Uint8Array {
  return runOracle("python3", [join(oracleDir, script), ...args], input);
}

/** Synthesises `text` with espeak-ng (in `voice`) and converts it with sox to 16-bit mono at `rate` Hz. */
export function speech(text: string, rate: number, voice = "en"): Int16Array {
  const dir = mkdtempSync(join(buildDir, "speech-"));
  const raw = join(dir, "espeak.wav");
  const out = join(dir, `speech-${rate}.wav`);
  execFileSync("espeak-ng", ["-v", voice, "-s", "150", "-w", raw, text]);
  // -D: no dither, so the same text always gives the same samples (sox dithers randomly by default).
  execFileSync("sox", ["-D", raw, "-r", String(rate), "-c", "1", "-b", "16", out]);
  return parseWav(new Uint8Array(readFileSync(out))).samples;
}

/** Bytes of 16-bit samples (little-endian, as on every host we run). */
export function pcmBytes(samples: Int16Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** 16-bit samples from little-endian bytes (copied, so alignment never matters). */
export function pcmFromBytes(bytes: Uint8Array): Int16Array {
  return new Int16Array(bytes.slice().buffer, 0, bytes.length >> 1);
}
