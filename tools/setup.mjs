// Idempotent set-up for a fresh machine: npm packages (from the lockfile), Debian packages
// (tools/apt-packages.txt), Python packages (requirements.txt, pinned) and crates (Cargo.lock).
// Every step checks first and does nothing when all is there, so `npm start` and `npm test`
// can run it every time. VSDK_SKIP_SETUP=1 skips it altogether.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const log = (msg) => process.stderr.write(`[setup] ${msg}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed with ${r.status}`);
}

function npmPackages() {
  const stamp = join(root, "node_modules", ".package-lock.json");
  const lock = join(root, "package-lock.json");
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= statSync(lock).mtimeMs) return;
  log("installing npm packages from package-lock.json");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
}

function debianPackages() {
  const wanted = readFileSync(join(root, "tools", "apt-packages.txt"), "utf8")
    .split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);
  const missing = wanted.filter((name) => {
    const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", name], { encoding: "utf8" });
    return r.status !== 0 || !r.stdout.includes("install ok installed");
  });
  if (missing.length === 0) return;
  log(`installing Debian packages: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const sudo = process.getuid && process.getuid() !== 0 ? ["sudo"] : [];
  const apt = (args) => sudo.length ? run("sudo", ["apt-get", ...args], { env }) : run("apt-get", args, { env });
  apt(["update"]);
  apt(["install", "-y", "--no-install-recommends", ...missing]);
}

function pythonPackages() {
  const req = join(root, "requirements.txt");
  if (!existsSync(req)) return;
  const check = spawnSync("python3", ["-c", `
import sys
from importlib.metadata import version, PackageNotFoundError
for line in open(sys.argv[1]):
    line = line.split('#')[0].strip()
    if not line: continue
    name, _, want = line.partition('==')
    try:
        if version(name) != want: sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
`, req]);
  if (check.status === 0) return;
  log("installing Python packages from requirements.txt");
  run("python3", ["-m", "pip", "install", "--quiet", "-r", req]);
}

function crates() {
  const manifest = join(root, "runtime", "wasm3-source", "Cargo.toml");
  if (!existsSync(manifest)) return;
  // Fetches the pinned crate that carries wasm3's C source into cargo's registry cache.
  try {
    execFileSync("cargo", ["fetch", "--locked", "--manifest-path", manifest], { stdio: "ignore" });
  } catch {
    log("fetching crates (wasm3 C source)");
    run("cargo", ["fetch", "--locked", "--manifest-path", manifest]);
  }
}

if (process.env.VSDK_SKIP_SETUP !== "1") {
  npmPackages();
  debianPackages();
  pythonPackages();
  crates();
}
