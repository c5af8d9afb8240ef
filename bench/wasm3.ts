// The C runtime on wasm3: instructions per 20 ms full-duplex G.711 frame under wasm3 and in a
// native C reference of the same work (callgrind, bench/native/), wasm3's start-up cost and heap,
// RAM during a call, and the cross-compiled text size of wasm3 and of runtime + shims for
// Cortex-M4 (arm-none-eabi-gcc -Os, nano specs) and rv32imc (riscv64-unknown-elf-gcc, picolibc).
// Figures only; nothing here asserts. Needs the native build (build/native, `npm run build`).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../host-node/paths.js";
import type { BenchPart } from "./part.js";
import { fullCallRam } from "./wasm3_full_call.js";

const native = join(repoRoot, "build", "native");
const frameWasm3 = join(native, "bench", "native", "frame_wasm3");
const frameNative = join(native, "bench", "native", "frame_native");
const image = join(repoRoot, "build", "sdk.wasm");

function run(cmd: string, args: string[], cwd = repoRoot): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(" ")}: ${(r.stderr || r.stdout || "").trim().slice(-400)}`);
  return r.stdout + r.stderr;
}

// Instructions callgrind collected inside `fn` (and what it calls) for one run of argv.
function callgrind(fn: string, argv: string[]): number {
  const dir = mkdtempSync(join(tmpdir(), "vsdk-cg-"));
  try {
    const out = run("valgrind", ["--tool=callgrind", `--callgrind-out-file=${join(dir, "cg.out")}`, `--toggle-collect=${fn}`, ...argv], dir);
    const m = /Collected : (\d+)/.exec(out);
    if (!m) throw new Error(`callgrind printed no count for ${fn}`);
    return Number(m[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Per-frame cost: two runs of different length, so start-up and the first frame cancel out.
function perFrame(fn: string, program: string[], short: number, long: number, extra: string[] = []): number {
  return (callgrind(fn, [...program, String(long), ...extra]) - callgrind(fn, [...program, String(short), ...extra])) / (long - short);
}

interface FrameRun { path?: string; tx_checksum: number; rx_checksum: number; played: number; checksum: number; heap_peak?: number; linear_memory_bytes?: number; linear_memory_used?: number; stack_bytes?: number }
const frameRun = (program: string[], frames: number, extra: string[] = []): FrameRun =>
  JSON.parse(run(program[0], [...program.slice(1), String(frames), ...extra]).trim().split("\n").pop()!);

// --- cross-compiled sizes ---

function wasm3SourceDir(): string {
  const cache = readFileSync(join(native, "CMakeCache.txt"), "utf8");
  // The integrator's folder when one was given, else the pinned sdist unpacked by the build.
  const given = /^VSDK_WASM3_SOURCE_DIR:PATH=(.*)$/m.exec(cache)?.[1];
  const dir = given || join(native, "_deps", "pywasm3-0.5.0", "wasm3");
  if (!existsSync(join(dir, "wasm3.h"))) throw new Error("no wasm3 sources in build/native (run `npm run build`)");
  return dir;
}

const wasm3Files = ["m3_bind", "m3_code", "m3_compile", "m3_core", "m3_emit", "m3_env", "m3_exec", "m3_function", "m3_info", "m3_module", "m3_parse"];
// The runtime's and shims' C sources as every build lists them (runtime/sources.cmake), with the
// OTA release key the native build generates.
function runtimeSources(): string[] {
  const text = readFileSync(join(repoRoot, "runtime", "sources.cmake"), "utf8");
  const block = /set\(VSDK_RUNTIME_SOURCES([^)]*)\)/.exec(text)?.[1] ?? "";
  const files = block.split(/\s+/).filter((f) => f.endsWith(".c"))
    .map((f) => f.replace("${VSDK_RUNTIME_DIR}/../", "").replace("${VSDK_RUNTIME_DIR}/", "runtime/"));
  const key = join(native, "ota-key", "vsdk_ota_key.c");
  if (text.includes("VSDK_OTA_KEY_C")) {
    if (!existsSync(key)) throw new Error(`${key} is missing (run \`npm run build\`)`);
    files.push(key);
  }
  return files;
}
// The embedded settings of runtime/wasm3.cmake, float support off.
const wasm3Defines = ["-Dd_m3CodePageAlignSize=1024", "-Dd_m3MaxFunctionStackHeight=128", "-Dd_m3MaxDuplicateFunctionImpl=1", "-Dd_m3MaxConstantTableSize=64", "-Dd_m3VerboseErrorMessages=0",
  "-Dd_m3LogOutput=0", "-Dd_m3HasFloat=0", "-Dd_m3NoFloatDynamic=0"];

interface Target { name: string; cc: string; size: string; cflags: string[]; ldflags: string[] }
const targets: Target[] = [
  { name: "cortex_m4", cc: "arm-none-eabi-gcc", size: "arm-none-eabi-size",
    cflags: ["-mcpu=cortex-m4", "-mthumb"], ldflags: ["--specs=nano.specs", "--specs=nosys.specs"] },
  { name: "rv32", cc: "riscv64-unknown-elf-gcc", size: "riscv64-unknown-elf-size",
    // picolibc's default memory map has 64 KiB of flash: give it 1 MiB, as real parts have.
    cflags: ["-march=rv32imc", "-mabi=ilp32", "--specs=picolibc.specs"], ldflags: ["-Wl,--defsym=__flash_size=0x100000"] },
];

interface Sizes { text: number; data: number; bss: number }

function sizeOf(t: Target, elf: string): Sizes {
  const line = run(t.size, [elf]).trim().split("\n")[1].trim().split(/\s+/).map(Number);
  return { text: line[0], data: line[1], bss: line[2] };
}

// Links size_main.c twice: wasm3 alone, then with runtime + shims; the difference is ours.
function crossSizes(t: Target): { wasm3: Sizes; total: Sizes; runtimeShims: Sizes } {
  const w3 = wasm3SourceDir();
  const dir = mkdtempSync(join(tmpdir(), `vsdk-size-${t.name}-`));
  try {
    const cc = (args: string[]) => run(t.cc, [...t.cflags, "-Os", "-ffunction-sections", "-fdata-sections", "-w", ...args]);
    const inc = [`-I${w3}`, "-Iruntime/include", "-Ihost-shims/include", "-Iruntime/src", "-Ibuild", ...wasm3Defines];
    const objs: string[] = [];
    for (const f of wasm3Files) {
      const o = join(dir, `${f}.o`);
      const heapRename = f === "m3_core" ? ["-Dcalloc=vsdk_heap_calloc", "-Drealloc=vsdk_heap_realloc", "-Dfree=vsdk_heap_free"] : [];
      cc([...inc, ...heapRename, "-c", join(w3, `${f}.c`), "-o", o]);
      objs.push(o);
    }
    cc(["-c", "runtime/src/heap.c", "-o", join(dir, "heap.o")]);
    objs.push(join(dir, "heap.o"));
    const ours = runtimeSources().map((f, i) => { const o = join(dir, `rt${i}.o`); cc([...inc, "-c", f, "-o", o]); return o; });
    cc([...inc, "-DSIZE_WASM3_ONLY", "-c", "bench/native/size_main.c", "-o", join(dir, "main_w3.o")]);
    cc([...inc, "-c", "bench/native/size_main.c", "-o", join(dir, "main_full.o")]);
    const link = (out: string, inputs: string[]) => cc(["-Wl,--gc-sections", ...t.ldflags, "-o", out, ...inputs]);
    link(join(dir, "w3.elf"), [join(dir, "main_w3.o"), ...objs]);
    link(join(dir, "full.elf"), [join(dir, "main_full.o"), ...ours, ...objs]);
    const wasm3 = sizeOf(t, join(dir, "w3.elf"));
    const total = sizeOf(t, join(dir, "full.elf"));
    const runtimeShims = { text: total.text - wasm3.text, data: total.data - wasm3.data, bss: total.bss - wasm3.bss };
    return { wasm3, total, runtimeShims };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The heap and code probes (bench/native/heap_probe.c, code_probe.c) built with 4-byte pointers,
// as on a 32-bit MCU (gcc -m32, Debian gcc-multilib), or with 8 for the like-for-like ratio; they
// run the media frames with a clock-only platform.
interface HeapProbe { pointer_bytes: number; heap_after_load: number; heap_peak: number; linear_memory_bytes: number; linear_memory_used: number; stack_bytes: number }
// options: heap_probe's flags (--eager, --memory-limit=, --stack=, --lose-every=)
interface Probes {
  run(frames: number, options?: string[], wasm?: string): HeapProbe;
  breakdown(frames: number, options?: string[]): Record<string, number>;
  // bench/native/code_probe.c: "load|call INDEX WASM_BYTES CODE_BYTES" per compiled function
  code(frames: number, loseEvery: number): { when: string; index: number; wasm: number; code: number }[];
  // bench/native/compile_set_probe.c: the heap with exactly these functions compiled
  compileSet(indices: number[]): { heap_in_use: number; heap_peak: number };
  close(): void;
}

function buildProbes(bits: 32 | 64 = 32): Probes {
  const w3 = wasm3SourceDir();
  const dir = mkdtempSync(join(tmpdir(), `vsdk-heap${bits}-`));
  const cc = (args: string[]) => run("gcc", [`-m${bits}`, "-O2", "-w", ...wasm3Defines, `-I${w3}`, "-Iruntime/include",
    "-Ihost-shims/include", "-Iruntime/src", "-Ibuild", "-Ibench/native", ...args]);
  const objs = wasm3Files.map((f) => {
    const o = join(dir, `${f}.o`);
    const heapRename = f === "m3_core" ? ["-Dcalloc=vsdk_heap_calloc", "-Drealloc=vsdk_heap_realloc", "-Dfree=vsdk_heap_free"] : [];
    cc([...heapRename, "-c", join(w3, `${f}.c`), "-o", o]);
    return o;
  });
  const ours = [...runtimeSources(), "runtime/src/heap.c"].map((f, i) => { const o = join(dir, `rt${i}.o`); cc(["-c", f, "-o", o]); return o; });
  const probe = join(dir, "heap_probe");
  cc(["-o", probe, "bench/native/heap_probe.c", "bench/native/frame_cycle.c", ...ours, "build/sdk_wasm.c", ...objs]);
  const codeProbe = join(dir, "code_probe"), setProbe = join(dir, "compile_set_probe");
  cc(["-o", codeProbe, "bench/native/code_probe.c", ...ours, "build/sdk_wasm.c", ...objs]);
  cc(["-o", setProbe, "bench/native/compile_set_probe.c", ...ours, "build/sdk_wasm.c", ...objs]);
  return {
    run: (frames, options = [], wasm = image) => JSON.parse(run(probe, [wasm, String(frames), ...options]).trim()) as HeapProbe,
    breakdown: (frames, options = []) => massifBreakdown(probe, [image, String(frames), ...options]),
    code: (frames, loseEvery) => run(codeProbe, [image, String(frames), String(loseEvery)]).trim().split("\n").map((l) => {
      const [when, index, wasm, code] = l.split(" ");
      return { when, index: Number(index), wasm: Number(wasm), code: Number(code) };
    }),
    compileSet: (indices) => {
      const list = join(dir, "compiled.txt");
      writeFileSync(list, indices.join("\n") + "\n");
      return JSON.parse(run(setProbe, [image, list]).trim()) as { heap_in_use: number; heap_peak: number };
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// The image's function names by wasm function index (imports first), from build/sdk.wat.
function functionNames(): string[] {
  const wat = readFileSync(join(repoRoot, "build", "sdk.wat"), "utf8");
  const imports = [...wat.matchAll(/^ \(import "[^"]*" "([^"]*)" \(func/gm)].map((m) => `import ${m[1]}`);
  return [...imports, ...[...wat.matchAll(/^ \(func \$(\S+)/gm)].map((m) => m[1])];
}

// The module a function comes from: its folder under assembly/ (the export wrappers apart).
function moduleOf(name: string): string {
  if (name.startsWith("assembly/abi/exports")) return "export_wrappers";
  const m = /^assembly\/([a-z_]+)\//.exec(name);
  return m ? m[1] : name.startsWith("~lib") ? "stdlib" : "other";
}

// Where wasm3's heap goes at its peak, by the function that asked for each block (valgrind
// massif on the 32-bit probe). Bytes include the counting allocator's 8-byte block headers.
const heapKinds: [string, RegExp][] = [
  ["code_pages", /NewCodePage/],
  ["linear_memory", /ResizeMemory|InitMemory/],
  ["runtime_and_value_stack", /m3_NewRuntime/],
  ["function_records", /Module_AddFunction|ParseSection_Function/],
  ["names", /Read_utf8|ParseSection_Export|ParseSection_Import/],
  ["compiled_constants", /CompileFunction|m3_CopyMem/],
  ["globals", /Module_AddGlobal|ParseSection_Global/],
  ["types", /FuncType|ParseSection_Type|m3_NewEnvironment/],
  ["data_segments", /ParseSection_Data/],
];
function massifBreakdown(probe: string, args: string[]): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), "vsdk-massif-"));
  try {
    const out = join(dir, "massif.out");
    run("valgrind", ["--tool=massif", `--massif-out-file=${out}`, "--peak-inaccuracy=0", "--threshold=0.01",
      "--alloc-fn=vsdk_heap_calloc", "--alloc-fn=vsdk_heap_realloc", "--alloc-fn=m3_Malloc", "--alloc-fn=m3_Realloc",
      "--alloc-fn=m3_CopyMem", probe, ...args]);
    const lines = readFileSync(out, "utf8").split("\n");
    const peak = lines.indexOf("heap_tree=peak");
    if (peak < 0) throw new Error("massif recorded no peak");
    const kinds: Record<string, number> = {};
    // The peak tree's first level: " nK: BYTES 0xADDR: Function (...)", one per calling function.
    for (let i = peak + 2; i < lines.length && !lines[i].startsWith("snapshot="); i++) {
      const m = /^ n\d+: (\d+) (.*)$/.exec(lines[i]);
      if (!m || /libc\.so|below massif's threshold/.test(m[2])) continue; // the probe's stdio buffer: not wasm3's
      const kind = heapKinds.find(([, re]) => re.test(m[2]))?.[0] ?? "other";
      kinds[kind] = (kinds[kind] ?? 0) + Number(m[1]);
    }
    return kinds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const wasm3Runtime: BenchPart = {
  name: "C runtime on wasm3",
  async run({ quick }) {
    if (!existsSync(frameWasm3)) throw new Error("build/native is not built (run `npm run build`)");
    const [short, long] = quick ? [20, 120] : [100, 600];
    const wasm3Program = [frameWasm3, image];
    // The image's media session (capture, receive, playout: G.711, RTP, jitter buffer, PLC),
    // and the primitives path the native reference reproduces exactly.
    const wasm3Frame = Math.round(perFrame("image_cycle", wasm3Program, short, long));
    const primitivesFrame = Math.round(perFrame("image_cycle", wasm3Program, short, long, ["--primitives"]));
    const alawFrame = Math.round(perFrame("image_cycle", wasm3Program, short, long, ["--alaw"]));
    const nativeFrame = Math.round(perFrame("native_cycle", [frameNative], short, long));
    const startup = Math.round(callgrind("start_and_first_frame", [...wasm3Program, "0"]) - wasm3Frame);
    // The same work: identical packets sent and identical audio decoded from them.
    const a = frameRun(wasm3Program, 200), b = frameRun([frameNative], 200);
    const p = frameRun(wasm3Program, 200, ["--primitives"]);
    const same = a.tx_checksum === b.tx_checksum && a.rx_checksum === b.rx_checksum && p.tx_checksum === b.tx_checksum;
    const eager = frameRun(wasm3Program, 0, ["--eager"]);
    const linear = a.linear_memory_bytes ?? 0;
    const heapPeak = a.heap_peak ?? 0;
    const figures: Record<string, unknown> = {
      g711_frame_instructions_wasm3: wasm3Frame,
      g711_frame_instructions_native: nativeFrame,
      g711_frame_ratio: Math.round((wasm3Frame / nativeFrame) * 10) / 10,
      g711_frame_path_wasm3: a.path,
      g711_frame_instructions_wasm3_primitives: primitivesFrame,
      g711_frame_instructions_wasm3_alaw: alawFrame,
      wasm3_startup_instructions: startup,
      // On x86-64 (8-byte pointers in wasm3's code and tables): wasm3's own heap at its peak
      // during the media call (its value stack included, the linear memory not), compiling
      // functions as they are first called; and with every function compiled.
      wasm3_heap_bytes_x86_64: heapPeak - linear,
      wasm3_heap_bytes_all_compiled_x86_64: (eager.heap_peak ?? 0) - linear,
      call_ram_bytes_x86_64: heapPeak,
      image_linear_memory_used_bytes: a.linear_memory_used,
    };
    const lines = [
      `full-duplex G.711 20 ms frame: ${wasm3Frame} instructions on wasm3 (${a.path ?? "?"} path), ${nativeFrame} native (${figures.g711_frame_ratio}x; budget 60000 and 10x); export by export: ${primitivesFrame}; A-law (PCMA) through the media session: ${alawFrame}`,
      `same payloads sent and same audio decoded as the native reference: ${same ? "yes" : "NO"}; frames played by the image ${a.played} of 201, by the reference ${b.played}`,
      `wasm3 start-up (parse, load, link, start, first frame's compilation): ${startup} instructions`,
      `x86-64: wasm3 heap at peak ${figures.wasm3_heap_bytes_x86_64} bytes (lazy compilation), ${figures.wasm3_heap_bytes_all_compiled_x86_64} with every function compiled; RAM during the media call ${heapPeak} bytes (including ${linear} bytes of linear memory, ${a.linear_memory_used} in use)`,
    ];
    // Static RAM (.data + .bss) of wasm3, runtime and shims as linked for each MCU (with the C
    // library's few bytes): counted in the RAM during a call, as the shims' buffers.
    const staticRam: Record<string, number> = {};
    for (const t of targets) {
      try {
        const s = crossSizes(t);
        figures[`${t.name}_text_bytes_wasm3`] = s.wasm3.text;
        figures[`${t.name}_text_bytes_runtime_shims`] = s.runtimeShims.text;
        figures[`${t.name}_text_bytes_total`] = s.total.text;
        staticRam[t.name] = s.total.data + s.total.bss;
        lines.push(`${t.name} -Os text/data/bss: wasm3 ${s.wasm3.text}/${s.wasm3.data}/${s.wasm3.bss}, runtime + shims ${s.runtimeShims.text}/${s.runtimeShims.data}/${s.runtimeShims.bss}, linked together ${s.total.text} (budgets 73728 total, 16384 ours)`);
      } catch (err) {
        lines.push(`${t.name}: size report failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    // The budget figures come from the 32-bit build when this machine can make one.
    try {
      const probe = buildProbes();
      try {
        // A call loses packets now and then, and concealing them compiles code a clean run never
        // needs: one packet in ten is lost (the figure without loss is kept as _lossless).
        const frames = quick ? 50 : 200, lossy = ["--lose-every=10"];
        const lazy = probe.run(frames, lossy), clean = probe.run(frames), all = probe.run(0, ["--eager"]);
        figures.wasm3_heap_bytes = lazy.heap_peak - lazy.linear_memory_bytes;
        figures.wasm3_heap_bytes_after_load = lazy.heap_after_load - lazy.linear_memory_bytes;
        figures.wasm3_heap_bytes_all_compiled = all.heap_peak - all.linear_memory_bytes;
        const staticBytes = staticRam.cortex_m4 ?? 0;
        figures.runtime_static_ram_bytes = staticBytes;
        // RAM during a (media) call: wasm3's heap (its value stack included) + the image's linear
        // memory + what the runtime, shims and wasm3 keep in .data/.bss; TLS excluded.
        figures.call_ram_bytes = lazy.heap_peak + staticBytes;
        figures.call_ram_bytes_lossless = clean.heap_peak + staticBytes;
        figures.call_ram_bytes_all_compiled = all.heap_peak + staticBytes;
        // The media core alone (build/audio.wasm, one image per role) with its linear memory
        // limited to 16 KiB (it uses ~15 KB) and a 2 KiB value stack (its calls need 1.75 KiB since the time-scaling lag search; 1.5 KiB traps).
        const media = probe.run(frames, [...lossy, "--memory-limit=16384", "--stack=2048"], join(repoRoot, "build", "audio.wasm"));
        const mediaClean = probe.run(frames, ["--memory-limit=16384", "--stack=2048"], join(repoRoot, "build", "audio.wasm"));
        figures.call_ram_bytes_media_image = media.heap_peak + staticBytes;
        figures.call_ram_bytes_media_image_lossless = mediaClean.heap_peak + staticBytes;
        // The media call's compiled code by module (bench/native/code_probe.c): what the call
        // compiles beyond load, each function compiled alone.
        const names = functionNames(), byModule: Record<string, number> = {};
        const compiled = probe.code(frames, 10).filter((c) => c.when === "call");
        for (const c of compiled) {
          const mod = moduleOf(names[c.index] ?? "");
          byModule[mod] = (byModule[mod] ?? 0) + c.code;
        }
        for (const [mod, bytes] of Object.entries(byModule)) figures[`call_code_bytes_${mod}`] = bytes;
        const biggest = [...compiled].sort((x, y) => y.code - x.code).slice(0, 6)
          .map((c) => `${(names[c.index] ?? "?").replace(/^assembly\//, "")} ${c.code} (${c.wasm} B of wasm)`);
        const kinds = probe.breakdown(frames, lossy);
        for (const [k, v] of Object.entries(kinds)) figures[`call_ram_${k}_bytes`] = v;
        lines.push(`32-bit (gcc -m32): wasm3 heap ${figures.wasm3_heap_bytes_after_load} bytes after load, ${figures.wasm3_heap_bytes} at the media call's peak, ${figures.wasm3_heap_bytes_all_compiled} with every function compiled; RAM during the media call (1 packet in 10 lost) ${figures.call_ram_bytes} bytes (${lazy.heap_peak} heap with ${lazy.linear_memory_bytes} of linear memory and a ${lazy.stack_bytes}-byte value stack, + ${staticBytes} of .data/.bss on Cortex-M4; budget 65536), ${figures.call_ram_bytes_lossless} without loss; with every function compiled ${figures.call_ram_bytes_all_compiled}`);
        lines.push(`  the media core alone (build/audio.wasm, 16 KiB memory limit, ${media.linear_memory_used} bytes used, 2 KiB value stack): ${figures.call_ram_bytes_media_image} bytes (1 in 10 lost), ${figures.call_ram_bytes_media_image_lossless} without loss`);
        lines.push(`  where the media call's heap goes (massif): ${Object.entries(kinds).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(", ")}`);
        lines.push(`  code the call compiles beyond load, by module: ${Object.entries(byModule).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(", ")}; largest: ${biggest.join(", ")}`);
      } finally {
        probe.close();
      }
    } catch (err) {
      figures.wasm3_heap_bytes = figures.wasm3_heap_bytes_x86_64;
      figures.call_ram_bytes = figures.call_ram_bytes_x86_64;
      lines.push(`32-bit heap probe failed (${err instanceof Error ? err.message : String(err)}); budget figures are x86-64's`);
    }
    // A whole call (signalling over TLS + media) on the posix device, x86-64. Its 32-bit figure:
    // the same functions compiled in the 32-bit probe (the set read from the device with gdb),
    // checked by the 64-bit probe reproducing the device's own heap; without gdb, an estimate
    // from the 32-bit/x86-64 ratios of the media call measured above.
    try {
      const full = await fullCallRam();
      const linear = a.linear_memory_bytes ?? 32768;
      figures.call_ram_bytes_full_call_x86_64 = full.heap_peak;
      figures.full_call_frames_played = full.frames;
      figures.full_call_functions_compiled = full.compiled?.length;
      const staticBytes = figures.runtime_static_ram_bytes;
      let measured32 = "";
      if (full.compiled && staticBytes !== undefined) {
        const probe32 = buildProbes(32), probe64 = buildProbes(64);
        try {
          const heap32 = probe32.compileSet(full.compiled), heap64 = probe64.compileSet(full.compiled);
          figures.call_ram_bytes_full_call = heap32.heap_peak + Number(staticBytes);
          figures.full_call_heap_x86_64_reproduced = heap64.heap_peak;
          measured32 = `; 32-bit with the same ${full.compiled.length} functions compiled: ${figures.call_ram_bytes_full_call} bytes (budget 65536; the x86-64 build of that probe gives ${heap64.heap_peak}, the device ${full.heap_peak})`;
        } finally {
          probe32.close();
          probe64.close();
        }
      } else if (staticBytes !== undefined) {
        const probe64 = buildProbes(64);
        try {
          const lazy64 = probe64.run(quick ? 50 : 200, ["--lose-every=10"]), all64 = probe64.run(0, ["--eager"]);
          const ratios = [Number(figures.wasm3_heap_bytes) / (lazy64.heap_peak - lazy64.linear_memory_bytes),
            Number(figures.wasm3_heap_bytes_all_compiled) / (all64.heap_peak - all64.linear_memory_bytes)];
          if (ratios.every((r) => r > 0 && r < 1)) {
            figures.call_ram_bytes_full_call = Math.round(linear + (full.heap_peak - linear) * Math.max(...ratios) + Number(staticBytes));
            measured32 = `; 32-bit estimate (no gdb to read what was compiled) ${figures.call_ram_bytes_full_call} bytes (budget 65536)`;
          }
        } finally {
          probe64.close();
        }
      }
      lines.push(`whole call on the posix device (TLS signalling + ${full.frames} frames of G.711 both ways), x86-64: wasm3 heap peak ${full.heap_peak} bytes with ${linear} of linear memory${measured32}`);
    } catch (err) {
      lines.push(`whole-call RAM not measured: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { figures, lines };
  },
};
