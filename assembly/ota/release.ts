// A release the cloud offers (the ota.available event, or GET /v1/device/ota): its id, the SHA-256
// of the whole package (which names the download, so a device resumes only the same bytes), the
// package size and the image version. Read from JSON in place, without allocating.
import { jsonGet, jsonInt, jsonError, jsonString, jsonValueEnd } from "../net/json";
import { Writer, hexDecode } from "../net/writer";
import { arenaAlloc } from "../util/arena";

// Release ids are "r_" and some hex; anything longer is not one of the cloud's.
export const RELEASE_ID_MAX: i32 = 48;
export const PACKAGE_ID_BYTES: i32 = 32;
// Largest package a device asks about: the size travels as an i32 through ota_begin.
const PACKAGE_SIZE_MAX: i64 = 0x7fffffff;

@unmanaged
export class Release {
  id: usize = 0;      // RELEASE_ID_MAX bytes
  idLen: i32 = 0;
  sha: usize = 0;     // PACKAGE_ID_BYTES bytes
  size: i32 = 0;
  version: u32 = 0;   // packed MAJOR << 24 | MINOR << 16 | PATCH (docs/ota.md)
}

export function releasePlace(): Release | null {
  const at = arenaAlloc(<i32>offsetof<Release>());
  const buf = arenaAlloc(RELEASE_ID_MAX + PACKAGE_ID_BYTES);
  if (at == 0 || buf == 0) return null;
  const r = changetype<Release>(at);
  r.id = buf;
  r.sha = buf + <usize>RELEASE_ID_MAX;
  return r;
}

export function releaseCopy(to: Release, from: Release): void {
  memory.copy(to.id, from.id, <usize>from.idLen);
  to.idLen = from.idLen;
  memory.copy(to.sha, from.sha, <usize>PACKAGE_ID_BYTES);
  to.size = from.size;
  to.version = from.version;
}

export function releaseIdIs(r: Release, id: usize, idLen: i32): bool {
  return r.idLen > 0 && r.idLen == idLen && memory.compare(r.id, id, <usize>idLen) == 0;
}

// "MAJOR.MINOR.PATCH" (decimal, no leading zeros, MAJOR and MINOR <= 255, PATCH <= 65535) packed,
// or -1.
export function versionParse(p: usize, n: i32): i64 {
  let part: i32 = 0;
  let value: i64 = 0;
  let digits: i32 = 0;
  let packed: i64 = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? <i32>load<u8>(p + <usize>i) : 0x2e;
    if (c == 0x2e) {
      if (digits == 0 || part > 2) return -1;
      if (value > (part == 2 ? 65535 : 255)) return -1;
      packed = part == 0 ? value << 24 : part == 1 ? packed | (value << 16) : packed | value;
      part++;
      value = 0;
      digits = 0;
      continue;
    }
    if (c < 0x30 || c > 0x39 || digits == 5 || (digits == 1 && value == 0)) return -1;
    value = value * 10 + <i64>(c - 0x30);
    digits++;
  }
  return part == 3 ? packed : -1;
}

export function versionWrite(w: Writer, v: u32): void {
  w.dec(<i64>(v >>> 24));
  w.byte(0x2e);
  w.dec(<i64>((v >>> 16) & 0xff));
  w.byte(0x2e);
  w.dec(<i64>(v & 0xffff));
}

// The characters of the JSON string at p when it has no escapes (hex digits, versions), read in
// place: their count, with the first at p + 1; -1 otherwise.
function plainString(p: usize, end: usize): i32 {
  const e = jsonValueEnd(p, end);
  if (p == 0 || e == 0 || load<u8>(p) != 0x22) return -1;
  const n = <i32>(e - p) - 2;
  for (let i = 0; i < n; i++) if (load<u8>(p + 1 + <usize>i) == 0x5c) return -1;
  return n;
}

// Reads a release object at p into r. False, with r unusable, when a field is missing or
// malformed (callers read into a scratch release and copy only a good one).
export function releaseRead(r: Release, p: usize, end: usize): bool {
  const n = jsonString(jsonGet(p, end, "release_id"), end, r.id, RELEASE_ID_MAX);
  if (n <= 0) return false;
  r.idLen = n;
  const sha = jsonGet(p, end, "package_sha256");
  if (plainString(sha, end) != 2 * PACKAGE_ID_BYTES || hexDecode(sha + 1, 2 * PACKAGE_ID_BYTES, r.sha) != PACKAGE_ID_BYTES) return false;
  const size = jsonInt(jsonGet(p, end, "package_size"), end);
  if (jsonError != 0 || size <= 0 || size > PACKAGE_SIZE_MAX) return false;
  r.size = <i32>size;
  const ver = jsonGet(p, end, "image_version");
  const vn = plainString(ver, end);
  if (vn <= 0) return false;
  const v = versionParse(ver + 1, vn);
  if (v < 0) return false;
  r.version = <u32>v;
  return true;
}
