// The image's key-value imports over files, one file per key in a directory. A set is atomic:
// the value goes to "<key>.tmp", is flushed to disk, then renamed over "<key>" (rename replaces
// atomically on POSIX file systems), and the directory is flushed. A store opened after a crash
// deletes leftover .tmp files.
//
// For tests the store can "lose power": after `powerCutAfterWrites` file writes (a data write,
// a rename or an unlink each count one) the next one is torn (a data write keeps only its first
// half; a rename or unlink does not happen) and nothing reaches the disk after it. Reopening the
// directory with a new KvFiles is the reboot. `atomic: false` writes values in place instead,
// which a power cut can tear: the image must then detect the corruption.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { E_ARG, E_IO, E_NOSPACE, OK } from "../errors.js";
import type { MemoryView } from "./memory.js";

const KEY_PATTERN = /^[a-z0-9_.]{1,32}$/;
const VALUE_MAX = 512;

export interface KvOptions {
  atomic?: boolean;
  powerCutAfterWrites?: number;
}

export class KvFiles {
  /** File writes done so far (data writes, renames, unlinks). */
  writes = 0;
  powerLost = false;
  constructor(readonly dir: string, private readonly options: KvOptions = {}) {
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(dir)) if (f.endsWith(".tmp")) unlinkSync(join(dir, f));
  }

  /** Counts one write; false when power is (now) gone: the caller does the torn version, or nothing. */
  private step(): "ok" | "torn" | "off" {
    if (this.powerLost) return "off";
    this.writes++;
    const cut = this.options.powerCutAfterWrites;
    if (cut !== undefined && this.writes > cut) { this.powerLost = true; return "torn"; }
    return "ok";
  }

  private writeFile(path: string, data: Uint8Array): boolean {
    const s = this.step();
    if (s === "off") return false;
    const fd = openSync(path, "w");
    try {
      writeSync(fd, data, 0, s === "torn" ? data.length >> 1 : data.length);
      fsyncSync(fd);
    } finally { closeSync(fd); }
    return s === "ok";
  }

  private syncDir(): void {
    const fd = openSync(this.dir, "r");
    try { fsyncSync(fd); } catch { /* some file systems refuse directory fsync */ } finally { closeSync(fd); }
  }

  get(key: string): Buffer | null {
    const path = join(this.dir, key);
    return existsSync(path) ? readFileSync(path) : null;
  }

  set(key: string, value: Uint8Array): boolean {
    const path = join(this.dir, key);
    if (this.options.atomic === false) return this.writeFile(path, value);
    const tmp = `${path}.tmp`;
    if (!this.writeFile(tmp, value)) return false;
    const s = this.step();
    if (s !== "ok") return false;
    renameSync(tmp, path);
    this.syncDir();
    return true;
  }

  delete(key: string): boolean {
    const path = join(this.dir, key);
    if (!existsSync(path)) return true;
    if (this.step() !== "ok") return false;
    unlinkSync(path);
    this.syncDir();
    return true;
  }
}

export class KvImports {
  constructor(private readonly mem: MemoryView, readonly files: KvFiles) {}

  // Keys beginning "vsdk." belong to the host (the C runtime keeps its OTA boot record there), so
  // an image cannot rewrite them; the Node host refuses them the same way.
  private key(ptr: number, len: number): string | null {
    const k = this.mem.text(ptr, len);
    return k !== null && KEY_PATTERN.test(k) && !k.startsWith("vsdk.") ? k : null;
  }

  get(keyPtr: number, keyLen: number, out: number, cap: number): number {
    const key = this.key(keyPtr, keyLen);
    const dst = this.mem.range(out, cap);
    if (!key || !dst) return E_ARG;
    let value: Buffer | null;
    try { value = this.files.get(key); } catch { return E_IO; }
    if (!value) return 0;
    if (value.length > cap) return E_NOSPACE;
    dst.set(value);
    return value.length;
  }

  set(keyPtr: number, keyLen: number, ptr: number, len: number): number {
    const key = this.key(keyPtr, keyLen);
    const value = this.mem.range(ptr, len);
    if (!key || !value || len < 1 || len > VALUE_MAX) return E_ARG;
    try { return this.files.set(key, Buffer.from(value)) ? len : E_IO; } catch { return E_IO; }
  }

  delete(keyPtr: number, keyLen: number): number {
    const key = this.key(keyPtr, keyLen);
    if (!key) return E_ARG;
    try { return this.files.delete(key) ? OK : E_IO; } catch { return E_IO; }
  }
}
