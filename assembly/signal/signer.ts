// Writes a complete signed device request (docs/device-api.md, "Request signing"):
// string-to-sign = METHOD \n PATH_WITH_QUERY \n TIMESTAMP \n NONCE \n hex(SHA-256(body)),
// signed with HMAC-SHA256 under the device secret through the host's crypto imports (an MCU's
// accelerator does the hashing), sent as X-Vsdk-* headers.
import { OK, E_IO, E_NOSPACE } from "../abi/errors";
import { host_sha256, host_hmac_sha256, host_random } from "../abi/imports";
import { Writer } from "../net/writer";
import { snPtr, snLen, secretPtr, SECRET_BYTES, cloudUrl } from "../device/identity";
import { unixNow } from "./clock";

// METHOD, a path of at most PATH_CAP (192), timestamp, 32-char nonce, 64-char hash, 4 newlines.
const SIGN_CAP: i32 = 320;
let signBuf: usize = 0;
let signWriter: Writer = changetype<Writer>(0);

export function signerInit(buf: usize): bool {
  signBuf = buf;
  const w = Writer.place(buf, SIGN_CAP);
  if (w == null) return false;
  signWriter = w;
  return true;
}
export const SIGNER_BYTES: i32 = SIGN_CAP;

// "METHOD path HTTP/1.1", Host, the signing headers, the body. `signed` false for GET /v1/time.
export function writeRequest(w: Writer, method: string, path: usize, pathLen: i32, body: usize, bodyLen: i32,
                             signed: bool, keepAlive: bool, nowMs: u32): i32 {
  const digest = memory.data(32);
  const nonce = memory.data(16);
  w.ascii(method);
  w.byte(0x20);
  w.bytes(path, pathLen);
  w.ascii(" HTTP/1.1\r\nHost: ");
  const url = cloudUrl();
  w.bytes(url.hostPtr, url.hostLen);
  w.ascii("\r\nAccept: application/json\r\n");
  if (!keepAlive) w.ascii("Connection: close\r\n");
  if (bodyLen > 0 || method.length == 4) {
    w.ascii("Content-Type: application/json\r\nContent-Length: ");
    w.dec(bodyLen);
    w.ascii("\r\n");
  }
  if (signed) {
    if (host_random(nonce, 16) != 16) return E_IO;
    if (host_sha256(body, bodyLen, digest) != 32) return E_IO;
    const timestamp = unixNow(nowMs);
    const s = signWriter;
    s.reset();
    s.ascii(method);
    s.byte(0x0a);
    s.bytes(path, pathLen);
    s.byte(0x0a);
    s.dec(timestamp);
    s.byte(0x0a);
    s.hex(nonce, 16);
    s.byte(0x0a);
    s.hex(digest, 32);
    if (s.overflow) return E_NOSPACE;
    if (host_hmac_sha256(secretPtr(), SECRET_BYTES, signBuf, s.len, digest) != 32) return E_IO;
    w.ascii("X-Vsdk-Device: ");
    w.bytes(snPtr(), snLen());
    w.ascii("\r\nX-Vsdk-Timestamp: ");
    w.dec(timestamp);
    w.ascii("\r\nX-Vsdk-Nonce: ");
    w.hex(nonce, 16);
    w.ascii("\r\nX-Vsdk-Signature: ");
    w.hex(digest, 32);
    w.ascii("\r\n");
  }
  w.ascii("\r\n");
  w.bytes(body, bodyLen);
  return w.overflow ? E_NOSPACE : OK;
}
