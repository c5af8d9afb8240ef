// Loads sdk.wasm in Node and links its imports (module "vsdk"). The Node host is the desktop
// simulator of a device: each import here has a C twin in host-shims/. Imports a caller does not
// supply answer E_UNSUPPORTED, so a media-only tool needs no network or codec.
import { readFileSync } from "node:fs";
import { randomFillSync } from "node:crypto";
import { join } from "node:path";
import { repoRoot } from "./paths.js";
import { E_UNSUPPORTED } from "./errors.js";
import { hostClockMs } from "./clock.js";

export const DEFAULT_IMAGE = join(repoRoot, "build", "sdk.wasm");
export const SUPPORTED_ABI_MAJOR = 1;

export type ImportFn = (...args: number[]) => number | void;
export type HostImports = Record<string, ImportFn>;

export interface ImageExports {
  memory: WebAssembly.Memory;
  vsdk_abi_version(): number;
  vsdk_io_buffer(): number;
  vsdk_io_capacity(): number;
  vsdk_memory_used(): number;
  [name: string]: any;
}

export class Image {
  readonly exports: ImageExports;
  private constructor(readonly instance: WebAssembly.Instance, readonly module: WebAssembly.Module) {
    this.exports = instance.exports as unknown as ImageExports;
  }

  static load(imports: HostImports = {}, path = DEFAULT_IMAGE): Image {
    const module = new WebAssembly.Module(new Uint8Array(readFileSync(path)));
    let image: Image | undefined;
    const memoryBytes = () => new Uint8Array(image!.exports.memory.buffer);
    const defaults: HostImports = {
      log: (level: number, ptr: number, len: number) => {
        const text = Buffer.from(memoryBytes().subarray(ptr, ptr + len)).toString("utf8");
        if (process.env.VSDK_IMAGE_LOG) process.stderr.write(`[image:${level}] ${text}\n`);
      },
      clock_ms: hostClockMs,
      random: (ptr: number, len: number) => { randomFillSync(memoryBytes(), ptr, len); return len; },
    };
    const vsdk: Record<string, ImportFn> = {};
    for (const desc of WebAssembly.Module.imports(module)) {
      if (desc.module !== "vsdk" || desc.kind !== "function") {
        throw new Error(`sdk.wasm imports ${desc.module}.${desc.name}, which no vsdk host provides`);
      }
      vsdk[desc.name] = imports[desc.name] ?? defaults[desc.name] ?? (() => E_UNSUPPORTED);
    }
    const instance = new WebAssembly.Instance(module, { vsdk });
    image = new Image(instance, module);
    const abi = image.exports.vsdk_abi_version();
    if (abi >>> 16 !== SUPPORTED_ABI_MAJOR) {
      throw new Error(`sdk.wasm ABI ${abi >>> 16}.${abi & 0xffff}; this host speaks ${SUPPORTED_ABI_MAJOR}.x`);
    }
    return image;
  }

  get memory(): Uint8Array { return new Uint8Array(this.exports.memory.buffer); }
  get ioPtr(): number { return this.exports.vsdk_io_buffer(); }
  get ioCapacity(): number { return this.exports.vsdk_io_capacity(); }

  /** Copies bytes into the shared I/O buffer; throws when they do not fit. */
  writeIo(bytes: Uint8Array, offset = 0): void {
    if (offset + bytes.length > this.ioCapacity) throw new RangeError(`${bytes.length} bytes exceed the I/O buffer`);
    this.memory.set(bytes, this.ioPtr + offset);
  }

  /** A copy of `len` bytes of the I/O buffer. */
  readIo(len: number, offset = 0): Uint8Array {
    return this.memory.slice(this.ioPtr + offset, this.ioPtr + offset + len);
  }
}
