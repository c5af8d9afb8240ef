// One whole call on the posix device (the C runtime on wasm3, mbedTLS, the host shims), for the
// RAM it needs: provisioning, registration over TLS through the real vendor cloud and WeChat
// emulator, the user's authorisation, an outgoing call answered by the emulated phone, two
// seconds of G.711 both ways, hang-up. wasm3's heap peak over all of it is what the device must
// have during a call (signalling compiles much more of the image than the media frames do).
// The posix device is an x86-64 build (8-byte pointers). So that bench/wasm3.ts can measure the
// same call with 4-byte pointers, the functions wasm3 compiled are read from the running device
// with gdb (its debug information names the runtime's engine) when gdb is installed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalSystem } from "../cloud/local-system.js";
import { authoriseUser } from "../tests/node/helpers/authorise.js";
import { DEVICE_BINARY, PosixDevice } from "../tests/c/posix-device.js";

const OK = 0, TALKING = 5, ENDED = 7;

export interface FullCallRam {
  heap_peak: number; heap_in_use: number; linear_memory_used: number; frames: number;
  compiled?: number[];   // indices of the functions compiled at the end of the call (gdb)
}

// gdb commands: every function of the loaded module that wasm3 has compiled, one "F index" a line.
const listCompiled = `set pagination off
set $m = 'api.c'::engine.module
set $i = 0
while $i < $m->numFunctions
  if $m->functions[$i].compiled != 0
    printf "F %d\\n", $i
  end
  set $i = $i + 1
end
detach
quit
`;

// The device process started with this storage folder (its command line names it).
function devicePid(storage: string): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (args[0] === DEVICE_BINARY && args.includes(storage)) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  return undefined;
}

function compiledFunctions(pid: number, dir: string): number[] | undefined {
  const script = join(dir, "list-compiled.gdb");
  writeFileSync(script, listCompiled);
  const r = spawnSync("gdb", ["-p", String(pid), "-batch", "-x", script], { encoding: "utf8", timeout: 60000 });
  if (r.status !== 0 || r.error) return undefined;
  const found = r.stdout.split("\n").filter((l) => l.startsWith("F ")).map((l) => Number(l.slice(2)));
  return found.length > 0 ? found : undefined;
}

export async function fullCallRam(): Promise<FullCallRam> {
  if (!existsSync(DEVICE_BINARY)) throw new Error(`${DEVICE_BINARY} is not built (run \`npm run build\`)`);
  const previousLog = process.env.VSDK_LOG;
  process.env.VSDK_LOG = "silent";
  const dir = mkdtempSync(join(tmpdir(), "vsdk-full-call-"));
  const sys = await startLocalSystem({ cloud: { dataDir: join(dir, "cloud") }, emulator: { ringTimeoutMs: 5000 } });
  const d = new PosixDevice({ storage: join(dir, "flash"), ca: sys.ca });
  try {
    const sn = "SN-BENCH-RAM", openid = "o_bench_ram";
    const id = await sys.provision(sn);
    const step = async (what: string, r: Promise<number>) => { const rc = await r; if (rc !== OK) throw new Error(`${what}: ${rc}`); };
    await step("provision", d.provision({ sn, secret: id.secret, cloud: sys.cloud.url }));
    await step("init", d.init());
    await step("timeouts", d.setTimeouts(2, 60000, 60000));
    await step("start", d.start());
    await step("register", d.register());
    await authoriseUser(sys, sn, id.secret, openid);
    await sys.emulatorCall(`/emulator/users/${openid}/script`, { answer: "answer", after_ms: 100, speech: { tone_hz: 440 } });
    await step("call", d.call(openid));
    await d.waitPhase(TALKING, 15000);
    await step("tone", d.tone(1000, 100));
    await new Promise((r) => setTimeout(r, 2600));
    const heard = await d.played();
    await step("hangup", d.hangup());
    await d.waitPhase(ENDED, 15000);
    const s = await d.stats();
    const pid = devicePid(join(dir, "flash"));
    const compiled = pid === undefined ? undefined : compiledFunctions(pid, dir);
    return { heap_peak: s.heap_peak, heap_in_use: s.heap_in_use, linear_memory_used: s.linear_memory_used, frames: heard.frames, compiled };
  } finally {
    await d.stop();
    await sys.stop();
    rmSync(dir, { recursive: true, force: true });
    if (previousLog === undefined) delete process.env.VSDK_LOG; else process.env.VSDK_LOG = previousLog;
  }
}
