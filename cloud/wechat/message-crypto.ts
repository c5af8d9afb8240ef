// WeChat's message push "security mode", both directions (the emulator encrypts with it too):
//   key = base64decode(EncodingAESKey + "="), 32 bytes; IV = the key's first 16 bytes;
//   plaintext = 16 random bytes | message length (u32, big-endian) | message | appid,
//   padded PKCS#7-style to a multiple of 32 bytes, AES-256-CBC, base64;
//   msg_signature = hex SHA-1 of token, timestamp, nonce and Encrypt sorted and concatenated.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const BLOCK = 32;

export class PushCryptoError extends Error {}

export function aesKeyOf(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) throw new PushCryptoError("EncodingAESKey must be 43 base64 characters");
  return Buffer.from(encodingAesKey + "=", "base64");
}

export function messageSignature(token: string, timestamp: string, nonce: string, encrypted = ""): string {
  const parts = encrypted ? [token, timestamp, nonce, encrypted] : [token, timestamp, nonce];
  return createHash("sha1").update(parts.sort().join("")).digest("hex");
}

export function encryptMessage(encodingAesKey: string, appid: string, message: string, random = randomBytes(16)): string {
  const key = aesKeyOf(encodingAesKey);
  const body = Buffer.from(message, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const plain = Buffer.concat([random, length, body, Buffer.from(appid, "utf8")]);
  const pad = BLOCK - (plain.length % BLOCK);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString("base64");
}

/** Decrypts and checks the framing and the appid; throws PushCryptoError on anything wrong. */
export function decryptMessage(encodingAesKey: string, appid: string, encrypted: string): string {
  const key = aesKeyOf(encodingAesKey);
  const data = Buffer.from(encrypted, "base64");
  if (data.length === 0 || data.length % 16 !== 0) throw new PushCryptoError("ciphertext length is not a multiple of the AES block");
  const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(data), decipher.final()]);
  const pad = plain[plain.length - 1];
  if (pad < 1 || pad > BLOCK || pad > plain.length) throw new PushCryptoError("bad padding");
  const unpadded = plain.subarray(0, plain.length - pad);
  if (unpadded.length < 20) throw new PushCryptoError("plaintext too short");
  const length = unpadded.readUInt32BE(16);
  if (20 + length > unpadded.length) throw new PushCryptoError("message length exceeds the plaintext");
  const from = unpadded.subarray(20 + length).toString("utf8");
  if (from !== appid) throw new PushCryptoError("message is for another appid");
  return unpadded.subarray(20, 20 + length).toString("utf8");
}
