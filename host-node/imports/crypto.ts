// The image's crypto imports over node:crypto (an MCU host uses its accelerator instead).
import { createHash, createHmac } from "node:crypto";
import { E_ARG } from "../errors.js";
import type { MemoryView } from "./memory.js";

export class CryptoImports {
  constructor(private readonly mem: MemoryView) {}

  sha256(ptr: number, len: number, out: number): number {
    const data = this.mem.range(ptr, len);
    const dst = this.mem.range(out, 32);
    if (!data || !dst) return E_ARG;
    dst.set(createHash("sha256").update(data).digest());
    return 32;
  }

  hmacSha256(key: number, keyLen: number, msg: number, msgLen: number, out: number): number {
    const k = this.mem.range(key, keyLen);
    const m = this.mem.range(msg, msgLen);
    const dst = this.mem.range(out, 32);
    if (!k || !m || !dst) return E_ARG;
    dst.set(createHmac("sha256", k).update(m).digest());
    return 32;
  }
}
