// The bit-exact parts checked against an independent implementation, the openssl command:
// WeChat's push encryption (AES-256-CBC, 32-byte PKCS#7-style padding, IV = key prefix), its
// SHA-1 message signature, the device's HMAC-SHA256 request signature; and µ-law against PyPI g711.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { aesKeyOf, decryptMessage, encryptMessage, messageSignature, PushCryptoError } from "../../cloud/wechat/message-crypto.js";
import { sign, stringToSign } from "../../cloud/device-api/signing.js";
import { linearToMulaw, mulawToLinear } from "../../emulator/mulaw.js";
import { join } from "node:path";
import { repoRoot } from "../../host-node/paths.js";

const KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID = "wx0123456789abcdef";

const openssl = (args: string[], input: Buffer) => execFileSync("openssl", args, { input });

test("our push ciphertext decrypts with openssl to the framed plaintext", () => {
  const key = aesKeyOf(KEY);
  assert.equal(key.length, 32);
  const random = randomBytes(16);
  const message = JSON.stringify({ MsgType: "event", Event: "iot_voip_notify", text: "中文 ünïcode" });
  const encrypted = encryptMessage(KEY, APPID, message, random);
  const plain = openssl(["enc", "-d", "-aes-256-cbc", "-nopad", "-K", key.toString("hex"), "-iv", key.subarray(0, 16).toString("hex")],
    Buffer.from(encrypted, "base64"));
  assert.equal(plain.length % 32, 0, "padded to 32-byte blocks");
  const pad = plain[plain.length - 1];
  assert.ok(pad >= 1 && pad <= 32);
  assert.ok(plain.subarray(plain.length - pad).every((b) => b === pad));
  assert.deepEqual(plain.subarray(0, 16), random);
  const len = plain.readUInt32BE(16);
  assert.equal(plain.subarray(20, 20 + len).toString("utf8"), message);
  assert.equal(plain.subarray(20 + len, plain.length - pad).toString("utf8"), APPID);
});

test("a ciphertext made by openssl decrypts with ours; wrong appid and bad padding are refused", () => {
  const key = aesKeyOf(KEY);
  const msg = Buffer.from('{"a":1}');
  const len = Buffer.alloc(4); len.writeUInt32BE(msg.length);
  const body = Buffer.concat([randomBytes(16), len, msg, Buffer.from(APPID)]);
  const pad = 32 - (body.length % 32);
  const framed = Buffer.concat([body, Buffer.alloc(pad, pad)]);
  const cipher = openssl(["enc", "-aes-256-cbc", "-nopad", "-K", key.toString("hex"), "-iv", key.subarray(0, 16).toString("hex")], framed);
  assert.equal(decryptMessage(KEY, APPID, cipher.toString("base64")), '{"a":1}');
  assert.throws(() => decryptMessage(KEY, "wxsomeoneelse00000", cipher.toString("base64")), PushCryptoError);
  assert.throws(() => decryptMessage(KEY, APPID, "AAAA"), PushCryptoError);
  const badPad = Buffer.concat([body, Buffer.alloc(pad, 0)]);
  const c2 = openssl(["enc", "-aes-256-cbc", "-nopad", "-K", key.toString("hex"), "-iv", key.subarray(0, 16).toString("hex")], badPad);
  assert.throws(() => decryptMessage(KEY, APPID, c2.toString("base64")), PushCryptoError);
  assert.throws(() => aesKeyOf("short"), PushCryptoError);
});

test("msg_signature is SHA-1 over the sorted parts (openssl dgst)", () => {
  const parts = ["tok", "1700000000", "nonce123", "ENCRYPTED+/="];
  const expected = openssl(["dgst", "-sha1", "-r"], Buffer.from([...parts].sort().join(""))).toString().split(" ")[0];
  assert.equal(messageSignature(parts[0], parts[1], parts[2], parts[3]), expected);
  assert.equal(messageSignature("b", "a", "c"), createHash("sha1").update("abc").digest("hex"));
});

test("the device signature is HMAC-SHA256 of the documented string-to-sign (openssl dgst -mac HMAC)", () => {
  const secret = randomBytes(32).toString("hex");
  const body = Buffer.from('{"callee_openid":"o1"}');
  const s2s = stringToSign("post", "/v1/calls?x=1", "1700000000", "00112233445566778899aabbccddeeff", body);
  const bodyHash = openssl(["dgst", "-sha256", "-r"], body).toString().split(" ")[0];
  assert.equal(s2s, `POST\n/v1/calls?x=1\n1700000000\n00112233445566778899aabbccddeeff\n${bodyHash}`);
  const mac = openssl(["dgst", "-sha256", "-mac", "HMAC", "-macopt", `hexkey:${secret}`, "-r"], Buffer.from(s2s)).toString().split(" ")[0];
  assert.equal(sign(secret, "POST", "/v1/calls?x=1", "1700000000", "00112233445566778899aabbccddeeff", body), mac);
  const empty = openssl(["dgst", "-sha256", "-r"], Buffer.alloc(0)).toString().split(" ")[0];
  assert.ok(stringToSign("GET", "/v1/time", "1", "00".repeat(8), Buffer.alloc(0)).endsWith(empty));
});

test("the emulator's µ-law agrees with PyPI g711 (ITU-T STL) on every input and every code", () => {
  const oracle = join(repoRoot, "tools", "oracles", "g711_pypi.py");
  const pcm = Buffer.alloc(65536 * 2);
  for (let i = 0; i < 65536; i++) pcm.writeInt16LE(i - 32768, i * 2);
  const codes = execFileSync("python3", [oracle, "encode", "mu"], { input: pcm, maxBuffer: 1 << 20 });
  assert.equal(codes.length, 65536);
  let mismatches = 0;
  for (let i = 0; i < 65536; i++) if (linearToMulaw(i - 32768) !== codes[i]) mismatches++;
  assert.equal(mismatches, 0);
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const levels = execFileSync("python3", [oracle, "decode", "mu"], { input: all });
  for (let c = 0; c < 256; c++) assert.equal(mulawToLinear(c), levels.readInt16LE(c * 2), `code ${c}`);
});
