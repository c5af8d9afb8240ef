// Whether a device may install a release package. The checks run in a fixed order (docs/ota.md)
// and the first failure is the answer, so a package gets one code and a device one decision:
// structure and size (from the header, before the image is trusted or even read), then who
// signed it, then whether the image is the one signed, then whether it suits this device.
import type { KeyObject } from "node:crypto";
import { E_AUTH, E_STATE, E_STORAGE_CORRUPT, E_UNSUPPORTED } from "../host-node/errors.js";
import { DEFAULT_MAX_IMAGE_BYTES, sha256, unpack, type Package } from "./package.js";
import { OtaRefusal } from "./refusal.js";
import { keyId, verifyBytes } from "./sign.js";
import { formatAbi, unpackVersion } from "./version.js";

export interface DevicePolicy {
  /** The release public key built into the runtime: the root of trust. */
  publicKey: KeyObject;
  /** Largest image the inactive slot holds. */
  maxImageBytes?: number;
  /** The ABI the running runtime speaks (major << 16 | minor); omitted: not checked. */
  runningAbi?: number;
  /** The running runtime's packed version, for the manifest's min_runtime_version; omitted: not checked. */
  runtimeVersion?: number;
  /** Packed version of the last image confirmed healthy; omitted: no downgrade floor. */
  lastConfirmedVersion?: number;
}

/**
 * An image built against ABI image.major.image.minor runs on a runtime speaking running.major.running.minor
 * when the majors agree and the image has at least every export the runtime calls (minor only adds).
 */
export function abiCompatible(imageAbi: number, runningAbi: number): boolean {
  return imageAbi >>> 16 === runningAbi >>> 16 && (imageAbi & 0xffff) >= (runningAbi & 0xffff);
}

/** Returns the package when every check passes; otherwise throws the first OtaRefusal. */
export function acceptPackage(bytes: Uint8Array, policy: DevicePolicy): Package {
  const pkg = unpack(bytes, policy.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES);
  const h = pkg.header;
  if (Buffer.compare(h.keyId, keyId(policy.publicKey)) !== 0) {
    throw new OtaRefusal(E_AUTH, `signed by key ${Buffer.from(h.keyId).toString("hex")}, this device trusts ${Buffer.from(keyId(policy.publicKey)).toString("hex")}`);
  }
  if (!verifyBytes(policy.publicKey, pkg.manifest, pkg.signature)) {
    throw new OtaRefusal(E_AUTH, "signature does not verify with the trusted key");
  }
  if (Buffer.compare(sha256(pkg.image), h.sha256) !== 0) {
    throw new OtaRefusal(E_STORAGE_CORRUPT, "image SHA-256 differs from the signed manifest's");
  }
  if (policy.runningAbi !== undefined && !abiCompatible(h.abiVersion, policy.runningAbi)) {
    throw new OtaRefusal(E_UNSUPPORTED, `image ABI ${formatAbi(h.abiVersion)} does not suit runtime ABI ${formatAbi(policy.runningAbi)}`);
  }
  if (policy.runtimeVersion !== undefined && h.minRuntimeVersion > policy.runtimeVersion) {
    throw new OtaRefusal(E_UNSUPPORTED, `image needs runtime ${unpackVersion(h.minRuntimeVersion)}, this is ${unpackVersion(policy.runtimeVersion)}`);
  }
  if (policy.lastConfirmedVersion !== undefined && h.imageVersion < policy.lastConfirmedVersion) {
    throw new OtaRefusal(E_STATE, `image ${unpackVersion(h.imageVersion)} is older than the confirmed ${unpackVersion(policy.lastConfirmedVersion)}`);
  }
  return pkg;
}
