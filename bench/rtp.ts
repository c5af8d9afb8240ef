// RTP/RTCP in the image (assembly/rtp/): code bytes in the release image, per module, the
// linear memory its state takes at init, and instructions per operation on wasm3. The release
// image is rebuilt once with a name section (same optimisation, names kept), and each function
// body is charged to the module its name says; the vsdk_rtp_*/vsdk_rtcp_* export wrappers, into
// which binaryen inlines much of the API, count as RTP too. The wasm3 figures come from
// bench/rtp_wasm3.c, built against build/native's runtime with the frame benchmark's flags and
// run under callgrind. Figures only.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../host-node/paths.js";
import type { BenchPart } from "./part.js";

const asc = join(repoRoot, "node_modules", ".bin", "asc");

function compile(entry: string, out: string, extra: string[] = []): void {
  const r = spawnSync(asc, [entry, "--config", "asconfig.json", "--target", "release", "-o", out, ...extra],
    { cwd: repoRoot, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`asc ${entry}: ${r.stderr}`);
}

function leb(bytes: Uint8Array, at: { i: number }): number {
  let result = 0, shift = 0, b: number;
  do { b = bytes[at.i++]; result += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
  return result;
}

// Body size of every defined function, keyed by its name in the name section.
function functionSizes(wasm: Uint8Array): Map<string, number> {
  let imported = 0;
  const bodies: number[] = [];
  const names = new Map<number, string>();
  const at = { i: 8 };
  while (at.i < wasm.length) {
    const id = wasm[at.i++];
    const size = leb(wasm, at);
    const end = at.i + size;
    if (id === 2) { // imports: functions among them shift the index space
      for (let n = leb(wasm, at); n > 0; n--) {
        for (let k = 0; k < 2; k++) { const len = leb(wasm, at); at.i += len; } // module, field names
        const kind = wasm[at.i++];
        if (kind === 0) { leb(wasm, at); imported++; } else if (kind === 1) { at.i++; const f = wasm[at.i++]; leb(wasm, at); if (f & 1) leb(wasm, at); }
        else if (kind === 2) { const f = wasm[at.i++]; leb(wasm, at); if (f & 1) leb(wasm, at); } else { at.i += 2; }
      }
    } else if (id === 10) {
      for (let n = leb(wasm, at); n > 0; n--) { const body = leb(wasm, at); bodies.push(body); at.i += body; }
    } else if (id === 0) {
      const nameLength = leb(wasm, at);
      const section = new TextDecoder().decode(wasm.subarray(at.i, at.i + nameLength));
      at.i += nameLength;
      while (section === "name" && at.i < end) {
        const sub = wasm[at.i++];
        const subSize = leb(wasm, at);
        const subEnd = at.i + subSize;
        if (sub === 1) {
          for (let n = leb(wasm, at); n > 0; n--) {
            const index = leb(wasm, at);
            const len = leb(wasm, at);
            names.set(index, new TextDecoder().decode(wasm.subarray(at.i, at.i + len)));
            at.i += len;
          }
        }
        at.i = subEnd;
      }
    }
    at.i = end;
  }
  const sizes = new Map<string, number>();
  bodies.forEach((size, k) => sizes.set(names.get(imported + k) ?? `#${imported + k}`, size));
  return sizes;
}

// The compile and link flags CMake uses for the frame benchmark: the same runtime, shims and
// wasm3 settings.
function nativeFlags(): { compile: string[]; link: string[] } | null {
  const dir = join(repoRoot, "build", "native", "bench", "native");
  const flagsFile = join(dir, "CMakeFiles", "frame_wasm3.dir", "flags.make");
  const linkFile = join(dir, "CMakeFiles", "frame_wasm3.dir", "link.txt");
  if (!existsSync(flagsFile) || !existsSync(linkFile)) return null;
  const flags = readFileSync(flagsFile, "utf8");
  const line = (key: string) => (new RegExp(`^${key} = (.*)$`, "m").exec(flags)?.[1] ?? "").split(/\s+/).filter(Boolean);
  const linkWords = readFileSync(linkFile, "utf8").trim().split(/\s+/);
  const libraries = linkWords.slice(linkWords.indexOf("-o") + 2)
    .map((w) => (w.startsWith("-") || w.startsWith("/") ? w : join(dir, w)));
  return { compile: [...line("C_DEFINES"), ...line("C_INCLUDES")], link: libraries };
}

function callgrindCount(program: string[], fn: string): number {
  const dir = mkdtempSync(join(tmpdir(), "vsdk-rtp-cg-"));
  try {
    const r = spawnSync("valgrind", ["--tool=callgrind", `--callgrind-out-file=${join(dir, "cg.out")}`, `--toggle-collect=${fn}`, ...program],
      { encoding: "utf8", cwd: dir });
    const m = /Collected : (\d+)/.exec(r.stderr ?? "");
    if (r.status !== 0 || !m) throw new Error(`callgrind ${fn}: ${(r.stderr ?? "").slice(-300)}`);
    return Number(m[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Instructions per operation: a long run minus a short one, over the difference in count.
function wasm3Costs(work: string): Record<string, number> {
  const flags = nativeFlags();
  if (!flags) throw new Error("build/native is not built (run `npm run build`)");
  const program = join(work, "rtp_wasm3");
  const cc = spawnSync("cc", ["-O2", "-g", "-std=c99", ...flags.compile, join(repoRoot, "bench", "rtp_wasm3.c"), "-o", program, ...flags.link],
    { encoding: "utf8" });
  if (cc.status !== 0) throw new Error(`cc rtp_wasm3.c: ${cc.stderr.slice(-400)}`);
  const image = join(repoRoot, "build", "sdk.wasm");
  const per = (op: string) => (callgrindCount([program, image, op, "1100"], `op_${op}`) - callgrindCount([program, image, op, "100"], `op_${op}`)) / 1000;
  const call = per("call");
  return { call, parse: per("parse") - call, receive: per("receive") - call, write: per("write") - call };
}

export const rtpSize: BenchPart = {
  name: "RTP/RTCP code and memory",
  async run() {
    const dir = mkdtempSync(join(tmpdir(), "vsdk-bench-rtp-"));
    try {
      const named = join(dir, "sdk.names.wasm");
      compile("assembly/index.ts", named, ["--debug"]);
      const sizes = functionSizes(readFileSync(named));
      const perModule = new Map<string, number>();
      for (const [name, size] of sizes) {
        const m = /^assembly\/rtp\/(\w+)\//.exec(name);
        const module = m ? m[1] : /\/vsdk_rtc?p_/.test(name) ? "exports" : null;
        if (module) perModule.set(module, (perModule.get(module) ?? 0) + size);
      }
      const total = [...perModule.values()].reduce((a, b) => a + b, 0);
      const releaseBytes = readFileSync(join(repoRoot, "build", "sdk.wasm")).length;

      // Init-time state: the RTP API alone in a module of its own, arena top minus heap base.
      const work = join(repoRoot, "build", "bench-rtp");
      mkdirSync(work, { recursive: true });
      writeFileSync(join(work, "entry.ts"), [
        'import "../../assembly/abi/abort";',
        'export { apiRtpParse } from "../../assembly/rtp/api";',
        'export { arenaTop } from "../../assembly/util/arena";',
        "export function heapBase(): usize { return __heap_base; }",
      ].join("\n") + "\n");
      const alone = join(dir, "rtp.wasm");
      compile("build/bench-rtp/entry.ts", alone);
      const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(alone)), {
        vsdk: new Proxy({}, { get: () => () => -1004 }),
      });
      const ex = instance.exports as { arenaTop(): number; heapBase(): number };
      const stateBytes = ex.arenaTop() - ex.heapBase();

      const breakdown = [...perModule.entries()].sort((a, b) => b[1] - a[1]).map(([m, s]) => `${m} ${s}`).join(", ");
      const figures: Record<string, unknown> = { rtp_code_bytes: total, rtp_state_bytes_at_init: stateBytes };
      const lines = [
        `rtp modules in the release image: ${total} bytes of function bodies of ${releaseBytes} (${breakdown})`,
        `rtp state placed at init (one header record, one receive stream, RTCP summary and scratch): ${stateBytes} bytes`,
      ];
      try {
        const cost = wasm3Costs(work);
        Object.assign(figures, { rtp_wasm3_export_call_instructions: cost.call, rtp_wasm3_parse_instructions: cost.parse,
          rtp_wasm3_receive_instructions: cost.receive, rtp_wasm3_write_instructions: cost.write });
        lines.push(`wasm3 instructions (x86-64, callgrind), beyond the ${cost.call} of an export call: parse ${cost.parse}, ` +
          `receive (parse, checks, statistics) ${cost.receive}, write ${cost.write}, per 172-byte PCMU packet`);
      } catch (err) {
        lines.push(`wasm3 instructions: n/a (${(err as Error).message.split("\n")[0]})`);
      }
      return { figures, lines };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
