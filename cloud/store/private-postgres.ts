// A private PostgreSQL server for tests and benchmarks: initdb into a temporary folder, pg_ctl on a free
// loopback port with its own socket folder, stopped and removed at the end. PostgreSQL refuses
// to run as root, so as root the server runs as the `postgres` user (Debian's package makes it).
// Nothing is skipped: if the server cannot start, this throws and the tests fail loudly.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface PostgresServer { url: (database?: string) => string; createDatabase(name: string): Promise<string>; stop(): Promise<void> }

function binDir(): string {
  const base = "/usr/lib/postgresql";
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, "bin", "pg_ctl"))) : [];
  if (versions.length === 0) throw new Error("PostgreSQL is not installed (Debian package `postgresql`, tools/apt-packages.txt)");
  versions.sort((a, b) => Number(b) - Number(a));
  return join(base, versions[0], "bin");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  const root = mkdtempSync(join(tmpdir(), "vsdk-pg-"));
  const data = join(root, "data"), sockets = join(root, "sockets"), log = join(root, "server.log");
  const asRoot = process.getuid?.() === 0;
  const run = (tool: string, args: string[]) => {
    const cmd = asRoot ? ["runuser", "-u", "postgres", "--", join(bin, tool), ...args] : [join(bin, tool), ...args];
    const r = spawnSync(cmd[0], cmd.slice(1), { encoding: "utf8", cwd: root });
    if (r.status !== 0) {
      const serverLog = existsSync(log) ? readFileSync(log, "utf8") : "";
      throw new Error(`${tool} failed (${r.status}): ${r.stderr}${r.stdout}\n${serverLog}`);
    }
  };
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
    chownSync(root, uid, gid);
    chmodSync(root, 0o700);
  }
  run("initdb", ["-D", data, "-U", "vsdk", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  const port = await freePort();
  spawnSync("mkdir", ["-p", sockets]);
  if (asRoot) execFileSync("chown", ["postgres:postgres", sockets]);
  // fsync off: a test database need not survive a power cut, and it makes the tests fast.
  run("pg_ctl", ["-D", data, "-l", log, "-w", "-t", "30", "-o",
    `-p ${port} -k ${sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60`, "start"]);
  const url = (database = "postgres") => `postgres://vsdk@127.0.0.1:${port}/${database}`;
  return {
    url,
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      try { await c.query(`CREATE DATABASE ${name}`); } finally { await c.end(); }
      return url(name);
    },
    async stop() {
      try { run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]); } finally { rmSync(root, { recursive: true, force: true }); }
    },
  };
}
