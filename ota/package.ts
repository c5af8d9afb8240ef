// The signed release package (docs/ota.md): a fixed 72-byte little-endian header with every
// field a device checks, the canonical JSON manifest (a pure function of the header, so a C
// verifier rebuilds it with snprintf and never parses JSON), the DER signature over the
// manifest, then the image.
import { createHash } from "node:crypto";
import { E_MALFORMED, E_NOSPACE, E_TRUNCATED, E_UNSUPPORTED } from "../host-node/errors.js";
import { OtaRefusal } from "./refusal.js";
import { KEY_ID_BYTES, MAX_SIGNATURE_BYTES } from "./sign.js";
import { unpackVersion } from "./version.js";

export const MAGIC = Uint8Array.of(0x56, 0x4f, 0x54, 0x41); // "VOTA"
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 72;
/** The canonical manifest of any header is about 260 bytes; anything longer is not one of ours. */
export const MAX_MANIFEST_BYTES = 512;
/** Default inactive-slot size when the caller names none; devices pass their real slot size. */
export const DEFAULT_MAX_IMAGE_BYTES = 256 * 1024;

export interface Header {
  abiVersion: number;        // major << 16 | minor, as assembly/abi/version.ts
  imageVersion: number;      // packed MAJOR.MINOR.PATCH (ota/version.ts)
  minRuntimeVersion: number; // packed MAJOR.MINOR.PATCH
  imageSize: number;
  sha256: Uint8Array;        // 32 bytes, of the image
  keyId: Uint8Array;         // 8 bytes (ota/sign.ts keyId)
  manifestLength: number;
  signatureLength: number;
}

export interface Package {
  header: Header;
  headerBytes: Uint8Array;
  manifest: Uint8Array;
  signature: Uint8Array;
  image: Uint8Array;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** The manifest's one byte form: keys sorted, no whitespace, ASCII (so also UTF-8). */
export function canonicalManifest(h: Omit<Header, "manifestLength" | "signatureLength">): Uint8Array {
  const text = `{"abi_version":${h.abiVersion},"format":${FORMAT_VERSION},"image_version":"${unpackVersion(h.imageVersion)}",` +
    `"key_id":"${hex(h.keyId)}","min_runtime_version":"${unpackVersion(h.minRuntimeVersion)}",` +
    `"sha256":"${hex(h.sha256)}","size":${h.imageSize}}`;
  return new TextEncoder().encode(text);
}

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

export function encodeHeader(h: Header): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  const v = new DataView(out.buffer);
  out.set(MAGIC, 0);
  v.setUint16(4, FORMAT_VERSION, true);
  v.setUint16(6, HEADER_BYTES, true);
  v.setUint32(8, h.abiVersion, true);
  v.setUint32(12, h.imageVersion, true);
  v.setUint32(16, h.minRuntimeVersion, true);
  v.setUint32(20, h.imageSize, true);
  out.set(h.sha256, 24);
  out.set(h.keyId, 56);
  v.setUint16(64, h.manifestLength, true);
  v.setUint16(66, h.signatureLength, true);
  // 68..71 reserved, zero
  return out;
}

/**
 * Reads the header alone, as a device does from the first bytes of a download, so an oversize
 * or foreign package is refused before any of its image is fetched.
 */
export function parseHeader(bytes: Uint8Array, maxImageBytes = DEFAULT_MAX_IMAGE_BYTES): Header {
  if (bytes.length < HEADER_BYTES) throw new OtaRefusal(E_TRUNCATED, `${bytes.length} bytes, the header alone is ${HEADER_BYTES}`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw new OtaRefusal(E_MALFORMED, "not a vsdk release package (magic is not VOTA)");
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const format = v.getUint16(4, true);
  if (format !== FORMAT_VERSION) throw new OtaRefusal(E_UNSUPPORTED, `package format ${format}; this verifier reads format ${FORMAT_VERSION}`);
  if (v.getUint16(6, true) !== HEADER_BYTES) throw new OtaRefusal(E_MALFORMED, `header size ${v.getUint16(6, true)}, format 1 has ${HEADER_BYTES}`);
  if (v.getUint32(68, true) !== 0) throw new OtaRefusal(E_MALFORMED, "reserved header bytes are not zero");
  const header: Header = {
    abiVersion: v.getUint32(8, true),
    imageVersion: v.getUint32(12, true),
    minRuntimeVersion: v.getUint32(16, true),
    imageSize: v.getUint32(20, true),
    sha256: bytes.slice(24, 56),
    keyId: bytes.slice(56, 56 + KEY_ID_BYTES),
    manifestLength: v.getUint16(64, true),
    signatureLength: v.getUint16(66, true),
  };
  if (header.manifestLength === 0 || header.manifestLength > MAX_MANIFEST_BYTES) {
    throw new OtaRefusal(E_MALFORMED, `manifest length ${header.manifestLength} (1..${MAX_MANIFEST_BYTES})`);
  }
  if (header.signatureLength < 8 || header.signatureLength > MAX_SIGNATURE_BYTES) {
    throw new OtaRefusal(E_MALFORMED, `signature length ${header.signatureLength} (8..${MAX_SIGNATURE_BYTES})`);
  }
  if (header.imageSize === 0) throw new OtaRefusal(E_MALFORMED, "image size 0");
  if (header.imageSize > maxImageBytes) {
    throw new OtaRefusal(E_NOSPACE, `image of ${header.imageSize} bytes does not fit the ${maxImageBytes}-byte slot`);
  }
  return header;
}

export function packageLength(h: Header): number {
  return HEADER_BYTES + h.manifestLength + h.signatureLength + h.imageSize;
}

/** Splits a whole package; checks structure only (rules.ts checks signature, hash and policy). */
export function unpack(bytes: Uint8Array, maxImageBytes = DEFAULT_MAX_IMAGE_BYTES): Package {
  const header = parseHeader(bytes, maxImageBytes);
  const total = packageLength(header);
  if (bytes.length < total) throw new OtaRefusal(E_TRUNCATED, `${bytes.length} of ${total} bytes`);
  if (bytes.length > total) throw new OtaRefusal(E_MALFORMED, `${bytes.length - total} bytes after the image`);
  let at = HEADER_BYTES;
  const manifest = bytes.slice(at, at += header.manifestLength);
  const signature = bytes.slice(at, at += header.signatureLength);
  const image = bytes.slice(at, at + header.imageSize);
  const expected = canonicalManifest(header);
  if (Buffer.compare(manifest, expected) !== 0) {
    throw new OtaRefusal(E_MALFORMED, "manifest is not the canonical form of the header's fields");
  }
  return { header, headerBytes: bytes.slice(0, HEADER_BYTES), manifest, signature, image };
}

export interface PackInput {
  image: Uint8Array;
  abiVersion: number;
  imageVersion: number;
  minRuntimeVersion: number;
  keyId: Uint8Array;
  /** Signs the canonical manifest bytes (ota/sign.ts signBytes with the release key). */
  sign(manifest: Uint8Array): Uint8Array;
}

export function pack(input: PackInput): Uint8Array {
  if (input.image.length === 0) throw new Error("the image is empty");
  if (input.image.length > 0xffffffff) throw new Error("the image is larger than 4 GiB");
  if (input.keyId.length !== KEY_ID_BYTES) throw new Error(`key id must be ${KEY_ID_BYTES} bytes`);
  const fields = {
    abiVersion: input.abiVersion >>> 0,
    imageVersion: input.imageVersion >>> 0,
    minRuntimeVersion: input.minRuntimeVersion >>> 0,
    imageSize: input.image.length,
    sha256: sha256(input.image),
    keyId: input.keyId,
  };
  const manifest = canonicalManifest(fields);
  const signature = input.sign(manifest);
  if (signature.length < 8 || signature.length > MAX_SIGNATURE_BYTES) throw new Error(`signature of ${signature.length} bytes`);
  const header = encodeHeader({ ...fields, manifestLength: manifest.length, signatureLength: signature.length });
  const out = new Uint8Array(HEADER_BYTES + manifest.length + signature.length + input.image.length);
  out.set(header, 0);
  out.set(manifest, HEADER_BYTES);
  out.set(signature, HEADER_BYTES + manifest.length);
  out.set(input.image, HEADER_BYTES + manifest.length + signature.length);
  return out;
}
