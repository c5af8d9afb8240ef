// RTP/RTCP in the image (assembly/rtp/): code bytes in the release image, per module, and the
// linear memory its state takes at init. The release image is rebuilt once with a name section
// (same optimisation, names kept), and each function body is charged to the module its name
// says; the vsdk_rtp_*/vsdk_rtcp_* export wrappers, into which binaryen inlines much of the
// API, count as RTP too. Figures only.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
      return {
        figures: { rtp_code_bytes: total, rtp_state_bytes_at_init: stateBytes },
        lines: [
          `rtp modules in the release image: ${total} bytes of function bodies of ${releaseBytes} (${breakdown})`,
          `rtp state placed at init (one header record, one receive stream, RTCP summary and scratch): ${stateBytes} bytes`,
        ],
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
