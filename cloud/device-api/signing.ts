// Device request signing (docs/device-api.md, "Request signing"). The device signs with the
// per-device secret; the cloud recomputes and compares in constant time.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const HEADER_DEVICE = "x-vsdk-device";
export const HEADER_TIMESTAMP = "x-vsdk-timestamp";
export const HEADER_NONCE = "x-vsdk-nonce";
export const HEADER_SIGNATURE = "x-vsdk-signature";

export const SN_PATTERN = /^[0-9A-Za-z_-]{1,128}$/;
export const NONCE_PATTERN = /^[0-9a-f]{16,64}$/i;
export const SECRET_PATTERN = /^[0-9a-f]{64}$/;

export function stringToSign(method: string, pathWithQuery: string, timestamp: string, nonce: string, body: Uint8Array): string {
  const bodyHash = createHash("sha256").update(body).digest("hex");
  return `${method.toUpperCase()}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${bodyHash}`;
}

export function sign(secretHex: string, method: string, pathWithQuery: string, timestamp: string, nonce: string, body: Uint8Array): string {
  return createHmac("sha256", Buffer.from(secretHex, "hex"))
    .update(stringToSign(method, pathWithQuery, timestamp, nonce, body)).digest("hex");
}

export function signatureMatches(expectedHex: string, givenHex: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(givenHex)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, "hex"), Buffer.from(givenHex, "hex"));
}
