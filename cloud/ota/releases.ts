// Accepting an uploaded release package: the structure checks every device runs (ota/package.ts),
// the image hash, and the signature when the cloud knows the release public key (ota/rules.ts),
// so a package the cloud stores is one a device can install. A refusal carries the same code a
// device would give (docs/ota.md).
import { createHash, type KeyObject } from "node:crypto";
import { E_STORAGE_CORRUPT } from "../../host-node/errors.js";
import { DEFAULT_MAX_IMAGE_BYTES, HEADER_BYTES, MAX_MANIFEST_BYTES, sha256, unpack, type Package } from "../../ota/package.js";
import { OtaRefusal } from "../../ota/refusal.js";
import { acceptPackage } from "../../ota/rules.js";
import { MAX_SIGNATURE_BYTES } from "../../ota/sign.js";
import { unpackVersion } from "../../ota/version.js";
import type { Release } from "./store.js";

/** The largest package a device slot can take: the upload limit of POST /admin/v1/releases. */
export const MAX_PACKAGE_BYTES = HEADER_BYTES + MAX_MANIFEST_BYTES + MAX_SIGNATURE_BYTES + DEFAULT_MAX_IMAGE_BYTES;

export const releaseIdOf = (packageSha256: string): string => `r_${packageSha256.slice(0, 16)}`;

/** Checks a package and describes it as a release; throws OtaRefusal with the device's code. */
export function inspectPackage(bytes: Uint8Array, publicKey: KeyObject | null): Release {
  let pkg: Package;
  if (publicKey) pkg = acceptPackage(bytes, { publicKey });
  else {
    pkg = unpack(bytes);
    if (Buffer.compare(sha256(pkg.image), pkg.header.sha256) !== 0) {
      throw new OtaRefusal(E_STORAGE_CORRUPT, "image SHA-256 differs from the signed manifest's");
    }
  }
  const h = pkg.header;
  const packageSha256 = createHash("sha256").update(bytes).digest("hex");
  return {
    id: releaseIdOf(packageSha256),
    image_version: h.imageVersion,
    abi_version: h.abiVersion,
    min_runtime_version: h.minRuntimeVersion,
    image_size: h.imageSize,
    image_sha256: Buffer.from(h.sha256).toString("hex"),
    key_id: Buffer.from(h.keyId).toString("hex"),
    package_size: bytes.length,
    package_sha256: packageSha256,
    created_at: Date.now(),
  };
}

/** What a device is told about a release: the `ota.available` event's fields (docs/ota.md). */
export function announcement(r: Release) {
  return { release_id: r.id, image_version: unpackVersion(r.image_version), abi_version: r.abi_version,
    package_size: r.package_size, package_sha256: r.package_sha256 };
}

/** The release as the admin API shows it, versions written out. */
export function describe(r: Release) {
  return { ...r, image_version: unpackVersion(r.image_version), min_runtime_version: unpackVersion(r.min_runtime_version) };
}
