// The layout of every value the image stores through the key-value import, so corruption is
// detected rather than trusted: "VS", kind, version, payload length (u16 LE), the payload, and a
// CRC-32 of all of that (u32 LE). Payloads are fields, each a u16 LE length and its bytes.
import { OK, E_STORAGE_CORRUPT, E_NOSPACE, E_IO } from "../abi/errors";
import { host_kv_get, host_kv_set, host_kv_delete } from "../abi/imports";
import { arenaAlloc } from "../util/arena";
import { crc32 } from "./crc32";

// The largest record: identity = sn (128) + secret (32) + URL (160) + 6 field lengths and
// 10 bytes of head and tail = 336.
export const RECORD_CAP: i32 = 384;
const HEAD: i32 = 6;
const TAIL: i32 = 4;

export const KIND_IDENTITY: u8 = 1;
export const KIND_REGISTRATION: u8 = 2;
export const KIND_EVENT_SEQ: u8 = 3;
export const KIND_ACTIVE_CALL: u8 = 4;

let scratch: usize = 0;
let fill: i32 = 0;
let readAt: i32 = 0;
let readEnd: i32 = 0;
let readFailed: bool = false;

function ensureScratch(): bool {
  if (scratch == 0) scratch = arenaAlloc(RECORD_CAP);
  return scratch != 0;
}

// Starts a record of the given kind in the scratch buffer.
export function recordBegin(kind: u8): void {
  if (!ensureScratch()) return;
  store<u8>(scratch, 0x56);
  store<u8>(scratch + 1, 0x53);
  store<u8>(scratch + 2, kind);
  store<u8>(scratch + 3, 1);
  fill = HEAD;
}

export function recordField(ptr: usize, n: i32): void {
  if (scratch == 0 || n < 0 || fill + 2 + n + TAIL > RECORD_CAP) { fill = RECORD_CAP + 1; return; }
  store<u16>(scratch + <usize>fill, <u16>n);
  memory.copy(scratch + <usize>fill + 2, ptr, <usize>n);
  fill += 2 + n;
}

export function recordInt(v: i64): void {
  const tmp = memory.data(8);
  store<i64>(tmp, v);
  recordField(tmp, 8);
}

// Seals the record and stores it under key, atomically (the host guarantees that per key).
export function recordStore(key: string): i32 {
  if (scratch == 0) return E_NOSPACE;
  if (fill > RECORD_CAP - TAIL) return E_NOSPACE;
  store<u16>(scratch + 4, <u16>(fill - HEAD));
  store<u32>(scratch + <usize>fill, crc32(scratch, fill));
  const total = fill + TAIL;
  const k = keyBytes(key);
  const r = host_kv_set(k, key.length, scratch, total);
  if (r < 0) return r;
  return r == total ? OK : E_IO;
}

// Loads and checks the record under key. Returns 1 when a valid record of `kind` is ready to be
// read with recordNext*, 0 when the key is absent, E_STORAGE_CORRUPT when it fails its checks,
// or the import's error.
export function recordLoad(key: string, kind: u8): i32 {
  if (!ensureScratch()) return E_NOSPACE;
  const k = keyBytes(key);
  const n = host_kv_get(k, key.length, scratch, RECORD_CAP);
  if (n == 0) return 0;
  if (n == E_NOSPACE) return E_STORAGE_CORRUPT; // we never store more than RECORD_CAP
  if (n < 0) return n;
  if (n < HEAD + TAIL) return E_STORAGE_CORRUPT;
  if (load<u8>(scratch) != 0x56 || load<u8>(scratch + 1) != 0x53 || load<u8>(scratch + 2) != kind || load<u8>(scratch + 3) != 1) return E_STORAGE_CORRUPT;
  const payload = <i32>load<u16>(scratch + 4);
  if (HEAD + payload + TAIL != n) return E_STORAGE_CORRUPT;
  if (load<u32>(scratch + <usize>(HEAD + payload)) != crc32(scratch, HEAD + payload)) return E_STORAGE_CORRUPT;
  readAt = HEAD;
  readEnd = HEAD + payload;
  readFailed = false;
  return 1;
}

// Copies the next field into out (cap bytes) and returns its length, or E_STORAGE_CORRUPT when
// the record has no such field or it is longer than cap.
export function recordNextField(out: usize, cap: i32): i32 {
  if (readAt + 2 > readEnd) { readFailed = true; return E_STORAGE_CORRUPT; }
  const n = <i32>load<u16>(scratch + <usize>readAt);
  if (readAt + 2 + n > readEnd || n > cap) { readFailed = true; return E_STORAGE_CORRUPT; }
  memory.copy(out, scratch + <usize>readAt + 2, <usize>n);
  readAt += 2 + n;
  return n;
}

export function recordNextInt(): i64 {
  const tmp = memory.data(8);
  if (recordNextField(tmp, 8) != 8) { readFailed = true; return 0; }
  return load<i64>(tmp);
}

// True when every field read so far was present and the whole payload was consumed.
export function recordReadOk(): bool { return !readFailed && readAt == readEnd; }

export function recordDelete(key: string): i32 {
  const r = host_kv_delete(keyBytes(key), key.length);
  return r < 0 ? r : OK;
}

// The key as ASCII bytes (keys are short literals).
function keyBytes(key: string): usize {
  const buf = memory.data(32);
  const n = key.length;
  if (n > 32) return 0;
  for (let i = 0; i < n; i++) store<u8>(buf + <usize>i, <u8>key.charCodeAt(i));
  return buf;
}

