// ECDSA P-256 keys and signatures for release packages, through node:crypto. P-256 (not
// Ed25519) because mbedTLS verifies it on every MCU we target, with ESP32's hardware ECC
// accelerating it. Signatures are DER (what OpenSSL and mbedtls_pk_verify take), over the
// SHA-256 of the signed bytes.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";

export const KEY_ID_BYTES = 8;
/** A DER ECDSA P-256 signature is at most 72 bytes (two 33-byte integers plus framing). */
export const MAX_SIGNATURE_BYTES = 72;

export interface KeyPairPem { privatePem: string; publicPem: string; }

export function generateKeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

function requireP256(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new Error(`${what} is not an ECDSA P-256 key`);
  }
  return key;
}

export function loadPrivateKey(pem: string): KeyObject {
  return requireP256(createPrivateKey(pem), "private key");
}

export function loadPublicKey(pem: string): KeyObject {
  return requireP256(createPublicKey(pem), "public key");
}

/**
 * The first 8 bytes of SHA-256 over the public key's DER SubjectPublicKeyInfo: lets a device
 * tell "signed by a key I do not trust" from "signature broken" without trying every key.
 */
export function keyId(key: KeyObject): Uint8Array {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  const spki = pub.export({ type: "spki", format: "der" });
  return new Uint8Array(createHash("sha256").update(spki).digest().subarray(0, KEY_ID_BYTES));
}

export function signBytes(privateKey: KeyObject, data: Uint8Array): Uint8Array {
  return new Uint8Array(sign("sha256", data, { key: privateKey, dsaEncoding: "der" }));
}

export function verifyBytes(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify("sha256", data, { key: publicKey, dsaEncoding: "der" }, signature);
  } catch {
    return false; // a signature that is not even valid DER is just a bad signature
  }
}
