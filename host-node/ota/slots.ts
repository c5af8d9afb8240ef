// The Node host's OTA flash: two image slots (a, b) beside the built-in factory image, the
// download in progress, and the boot record, as files in one folder of the device's state dir.
// Every record is written atomically (temporary file, fsync, rename, directory fsync), so a power
// cut leaves the old or the new record; a slot's bytes are appended and flushed chunk by chunk, so
// its length is what survived and a download resumes from there.
import { createHash } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";

export type SlotName = "factory" | "a" | "b";

/** Which image boots, and what happened to the others (docs/ota.md, "Imports"). */
export interface BootRecord {
  active: SlotName;
  /** Packed version of the active image; 0 for the factory image. */
  activeVersion: number;
  /** SHA-256 (hex) of each slot's image as verified when staged; "" for the factory image. */
  activeSha: string;
  previousSha: string;
  stagedSha: string;
  /** Where a failed trial goes back to. */
  previous: SlotName;
  previousVersion: number;
  /** A verified package waiting for the next boot. */
  staged: SlotName | null;
  stagedVersion: number;
  /** The active image has not confirmed yet; trialsLeft boots remain before it is rolled back. */
  trial: boolean;
  trialsLeft: number;
  lastConfirmed: number;
  /** The reason of the last rollback (0 none); kept until the next package is staged. */
  rollbackReason: number;
}

/** The download into the inactive slot: which package (its SHA-256), how big, where. */
export interface DownloadRecord { slot: SlotName; id: string; size: number }

const FRESH: BootRecord = {
  active: "factory", activeVersion: 0, activeSha: "", previousSha: "", stagedSha: "", previous: "factory", previousVersion: 0, staged: null, stagedVersion: 0,
  trial: false, trialsLeft: 0, lastConfirmed: 0, rollbackReason: 0,
};

// The folder is made on the first write, so a device that never updates has none.
export class SlotStore {
  constructor(readonly dir: string) {
    for (const f of ["boot.json.tmp", "download.json.tmp", "a.wasm.tmp", "b.wasm.tmp"]) {
      if (existsSync(join(dir, f))) unlinkSync(join(dir, f));
    }
  }

  private ensureDir(): void { mkdirSync(this.dir, { recursive: true }); }

  private syncDir(): void {
    const fd = openSync(this.dir, "r");
    try { fsyncSync(fd); } catch { /* some file systems refuse directory fsync */ } finally { closeSync(fd); }
  }

  /** Replaces a file atomically. */
  writeAtomic(name: string, data: Uint8Array | string): void {
    this.ensureDir();
    const path = join(this.dir, name);
    const fd = openSync(`${path}.tmp`, "w");
    try {
      writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
      fsyncSync(fd);
    } finally { closeSync(fd); }
    renameSync(`${path}.tmp`, path);
    this.syncDir();
  }

  remove(name: string): void {
    const path = join(this.dir, name);
    if (!existsSync(path)) return;
    unlinkSync(path);
    this.syncDir();
  }

  private readJson<T>(name: string): T | null {
    const path = join(this.dir, name);
    if (!existsSync(path)) return null;
    try { return JSON.parse(readFileSync(path, "utf8")) as T; } catch { return null; }
  }

  get boot(): BootRecord { return { ...FRESH, ...(this.readJson<BootRecord>("boot.json") ?? {}) }; }
  set boot(r: BootRecord) { this.writeAtomic("boot.json", JSON.stringify(r)); }

  get download(): DownloadRecord | null { return this.readJson<DownloadRecord>("download.json"); }
  set download(r: DownloadRecord | null) {
    if (r) this.writeAtomic("download.json", JSON.stringify(r));
    else this.remove("download.json");
  }

  /** The slot a new package goes to: the one not running. */
  inactive(boot: BootRecord): SlotName { return boot.active === "a" ? "b" : "a"; }

  packagePath(slot: SlotName): string { return join(this.dir, `${slot}.vota`); }
  imagePath(slot: SlotName): string { return join(this.dir, `${slot}.wasm`); }

  /** Bytes of the package stored in a slot (what survived). */
  stored(slot: SlotName): number {
    const p = this.packagePath(slot);
    return existsSync(p) ? statSync(p).size : 0;
  }

  /** Empties a slot's package. */
  clear(slot: SlotName): void {
    this.ensureDir();
    const fd = openSync(this.packagePath(slot), "w");
    try { fsyncSync(fd); } finally { closeSync(fd); }
    this.syncDir();
  }

  /** Appends bytes to a slot's package and flushes them. */
  append(slot: SlotName, bytes: Uint8Array): void {
    const fd = openSync(this.packagePath(slot), "a");
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally { closeSync(fd); }
  }

  readPackage(slot: SlotName): Buffer { return readFileSync(this.packagePath(slot)); }

  /** SHA-256 (hex) of the image in a slot, or "" when there is none. */
  imageSha(slot: SlotName): string {
    const p = this.imagePath(slot);
    return existsSync(p) ? createHash("sha256").update(readFileSync(p)).digest("hex") : "";
  }
}
