// A signed package of a wasm image in one call, for the tools that make releases on the fly
// (the OTA demonstration, the benchmark, the tests): the image's ABI read from the image itself,
// the package packed and signed with the given key, and optionally its signature spoiled.
import type { KeyObject } from "node:crypto";
import { pack, HEADER_BYTES } from "./package.js";
import { keyId, signBytes } from "./sign.js";
import { packVersion } from "./version.js";

/** The image's own ABI version (vsdk_abi_version), from an instance with inert imports. */
export function imageAbi(wasm: Uint8Array): number {
  const module = new WebAssembly.Module(Uint8Array.from(wasm));
  const vsdk: Record<string, () => number> = {};
  for (const i of WebAssembly.Module.imports(module)) vsdk[i.name] = () => 0;
  return (new WebAssembly.Instance(module, { vsdk }).exports.vsdk_abi_version as () => number)() >>> 0;
}

export interface ReleaseOptions {
  /** Override the ABI the header declares (default: the image's own). */
  abi?: number;
  /** MAJOR.MINOR.PATCH (default 0.0.0). */
  minRuntime?: string;
  /** Flip the last byte of the DER signature: still well-formed, no longer the signer's. */
  badSignature?: boolean;
}

export function signedPackage(wasm: Uint8Array, version: string, key: KeyObject, o: ReleaseOptions = {}): Uint8Array {
  const pkg = pack({ image: wasm, abiVersion: o.abi ?? imageAbi(wasm), imageVersion: packVersion(version),
    minRuntimeVersion: packVersion(o.minRuntime ?? "0.0.0"), keyId: keyId(key), sign: (m) => signBytes(key, m) });
  if (o.badSignature) {
    const manifestLength = pkg[64] | (pkg[65] << 8), signatureLength = pkg[66] | (pkg[67] << 8);
    pkg[HEADER_BYTES + manifestLength + signatureLength - 1] ^= 0x01;
  }
  return pkg;
}
