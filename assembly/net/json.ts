// A JSON reader that never allocates: values are found in place inside a received body and
// read out on demand. Positions are absolute addresses; `end` is one past the last byte.
// Every function returns 0 (or an error code) for bad input instead of trapping, and nesting is
// bounded by JSON_MAX_DEPTH so hostile input cannot run long or deep.
import { E_MALFORMED, E_TRUNCATED, E_NOSPACE, E_ARG } from "../abi/errors";
import { equalsAscii, hexValue } from "./writer";

export const JSON_MAX_DEPTH: i32 = 16;

@inline function isWs(c: i32): bool { return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09; }

export function jsonSkipWs(p: usize, end: usize): usize {
  while (p < end && isWs(load<u8>(p))) p++;
  return p;
}

// One past the end of the string whose opening quote is at p, or 0 when it is unterminated or
// holds a raw control character.
function stringEnd(p: usize, end: usize): usize {
  p++;
  while (p < end) {
    const c = <i32>load<u8>(p);
    if (c == 0x22) return p + 1;
    if (c < 0x20) return 0;
    if (c == 0x5c) p++;
    p++;
  }
  return 0;
}

function literalEnd(p: usize, end: usize): usize {
  const start = p;
  while (p < end) {
    const c = <i32>load<u8>(p);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || c == 0x2d || c == 0x2b || c == 0x2e || (c >= 0x41 && c <= 0x5a);
    if (!ok) break;
    p++;
  }
  return p > start ? p : 0;
}

// One past the end of the value starting at p (after whitespace), or 0 when the value is
// malformed, truncated, or nested deeper than JSON_MAX_DEPTH. Containers are checked for
// balanced brackets and well-formed strings; scalars are checked when read.
export function jsonValueEnd(p: usize, end: usize): usize {
  p = jsonSkipWs(p, end);
  if (p >= end) return 0;
  let c = <i32>load<u8>(p);
  if (c == 0x22) return stringEnd(p, end);
  if (c != 0x7b && c != 0x5b) return literalEnd(p, end);
  // Containers: track the open brackets in a small bit stack (1 = object, 0 = array).
  let depth: i32 = 0;
  let kinds: u32 = 0;
  while (p < end) {
    c = <i32>load<u8>(p);
    if (c == 0x22) {
      p = stringEnd(p, end);
      if (p == 0) return 0;
      continue;
    }
    if (c == 0x7b || c == 0x5b) {
      if (depth >= JSON_MAX_DEPTH) return 0;
      kinds = (kinds << 1) | (c == 0x7b ? 1 : 0);
      depth++;
    } else if (c == 0x7d || c == 0x5d) {
      if (depth == 0 || ((kinds & 1) == 1) != (c == 0x7d)) return 0;
      kinds >>= 1;
      depth--;
      if (depth == 0) return p + 1;
    }
    p++;
  }
  return 0;
}

// Address of the value of `key` in the object at p, or 0 when p is not an object or the key is
// absent. Keys are compared byte for byte (the device API's keys are plain ASCII).
export function jsonGet(p: usize, end: usize, key: string): usize {
  p = jsonSkipWs(p, end);
  if (p >= end || load<u8>(p) != 0x7b) return 0;
  p = jsonSkipWs(p + 1, end);
  if (p < end && load<u8>(p) == 0x7d) return 0;
  while (p < end) {
    if (load<u8>(p) != 0x22) return 0;
    const keyEnd = stringEnd(p, end);
    if (keyEnd == 0) return 0;
    const match = equalsAscii(p + 1, <i32>(keyEnd - p - 2), key);
    p = jsonSkipWs(keyEnd, end);
    if (p >= end || load<u8>(p) != 0x3a) return 0;
    const value = jsonSkipWs(p + 1, end);
    const valueEnd = jsonValueEnd(value, end);
    if (valueEnd == 0) return 0;
    if (match) return value;
    p = jsonSkipWs(valueEnd, end);
    if (p >= end) return 0;
    const sep = load<u8>(p);
    if (sep == 0x7d) return 0;
    if (sep != 0x2c) return 0;
    p = jsonSkipWs(p + 1, end);
  }
  return 0;
}

// First element of the array at p, or 0 when p is not an array or it is empty.
export function jsonFirst(p: usize, end: usize): usize {
  p = jsonSkipWs(p, end);
  if (p >= end || load<u8>(p) != 0x5b) return 0;
  p = jsonSkipWs(p + 1, end);
  if (p >= end || load<u8>(p) == 0x5d) return 0;
  return p;
}

// The element after the one at p inside an array, or 0 at the end of the array (or on bad input).
export function jsonNext(p: usize, end: usize): usize {
  const valueEnd = jsonValueEnd(p, end);
  if (valueEnd == 0) return 0;
  p = jsonSkipWs(valueEnd, end);
  if (p >= end || load<u8>(p) != 0x2c) return 0;
  return jsonSkipWs(p + 1, end);
}

// Set by the readers below when they return 0 for a reason other than the value being 0.
export let jsonError: i32 = 0;

// The integer at p (no fraction or exponent; at most 18 digits), or 0 with jsonError set.
export function jsonInt(p: usize, end: usize): i64 {
  jsonError = 0;
  if (p == 0 || p >= end) { jsonError = E_MALFORMED; return 0; }
  let negative = false;
  if (load<u8>(p) == 0x2d) { negative = true; p++; }
  let value: i64 = 0;
  let digits: i32 = 0;
  while (p < end) {
    const c = <i32>load<u8>(p);
    if (c < 0x30 || c > 0x39) break;
    if (digits == 18) { jsonError = E_MALFORMED; return 0; }
    value = value * 10 + <i64>(c - 0x30);
    digits++;
    p++;
  }
  if (digits == 0) { jsonError = E_MALFORMED; return 0; }
  if (p < end) {
    const c = <i32>load<u8>(p);
    if (c == 0x2e || c == 0x65 || c == 0x45) { jsonError = E_MALFORMED; return 0; }
  }
  return negative ? -value : value;
}

export function jsonIsNull(p: usize, end: usize): bool {
  return p != 0 && p + 4 <= end && load<u32>(p) == 0x6c6c756e; // "null" little-endian
}

export function jsonIsString(p: usize, end: usize): bool {
  return p != 0 && p < end && load<u8>(p) == 0x22;
}

function putUtf8(cp: i32, out: usize, n: i32, cap: i32): i32 {
  if (cp < 0x80) {
    if (n + 1 > cap) return E_NOSPACE;
    store<u8>(out + <usize>n, <u8>cp);
    return n + 1;
  }
  if (cp < 0x800) {
    if (n + 2 > cap) return E_NOSPACE;
    store<u8>(out + <usize>n, <u8>(0xc0 | (cp >> 6)));
    store<u8>(out + <usize>n + 1, <u8>(0x80 | (cp & 0x3f)));
    return n + 2;
  }
  if (cp < 0x10000) {
    if (n + 3 > cap) return E_NOSPACE;
    store<u8>(out + <usize>n, <u8>(0xe0 | (cp >> 12)));
    store<u8>(out + <usize>n + 1, <u8>(0x80 | ((cp >> 6) & 0x3f)));
    store<u8>(out + <usize>n + 2, <u8>(0x80 | (cp & 0x3f)));
    return n + 3;
  }
  if (n + 4 > cap) return E_NOSPACE;
  store<u8>(out + <usize>n, <u8>(0xf0 | (cp >> 18)));
  store<u8>(out + <usize>n + 1, <u8>(0x80 | ((cp >> 12) & 0x3f)));
  store<u8>(out + <usize>n + 2, <u8>(0x80 | ((cp >> 6) & 0x3f)));
  store<u8>(out + <usize>n + 3, <u8>(0x80 | (cp & 0x3f)));
  return n + 4;
}

function hex4(p: usize, end: usize): i32 {
  if (p + 4 > end) return -1;
  let v: i32 = 0;
  for (let i = 0; i < 4; i++) {
    const d = hexValue(load<u8>(p + <usize>i));
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}

// Decodes the string at p (escapes resolved, UTF-8 out) into out. Returns its length in bytes,
// E_ARG when p is not a string, E_MALFORMED for a bad escape, E_TRUNCATED when unterminated,
// E_NOSPACE when it does not fit in cap.
export function jsonString(p: usize, end: usize, out: usize, cap: i32): i32 {
  if (!jsonIsString(p, end)) return E_ARG;
  p++;
  let n: i32 = 0;
  while (p < end) {
    const c = <i32>load<u8>(p);
    if (c == 0x22) return n;
    if (c < 0x20) return E_MALFORMED;
    if (c != 0x5c) {
      if (n >= cap) return E_NOSPACE;
      store<u8>(out + <usize>n, <u8>c);
      n++;
      p++;
      continue;
    }
    if (p + 1 >= end) return E_TRUNCATED;
    const e = <i32>load<u8>(p + 1);
    p += 2;
    let cp: i32 = -1;
    if (e == 0x22 || e == 0x5c || e == 0x2f) cp = e;
    else if (e == 0x62) cp = 8;
    else if (e == 0x66) cp = 12;
    else if (e == 0x6e) cp = 10;
    else if (e == 0x72) cp = 13;
    else if (e == 0x74) cp = 9;
    else if (e == 0x75) {
      cp = hex4(p, end);
      if (cp < 0) return E_MALFORMED;
      p += 4;
      if (cp >= 0xd800 && cp < 0xdc00) {
        // A high surrogate must be followed by an escaped low one.
        if (p + 6 > end || load<u8>(p) != 0x5c || load<u8>(p + 1) != 0x75) return E_MALFORMED;
        const lo = hex4(p + 2, end);
        if (lo < 0xdc00 || lo > 0xdfff) return E_MALFORMED;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        p += 6;
      } else if (cp >= 0xdc00 && cp < 0xe000) {
        return E_MALFORMED;
      }
    }
    if (cp < 0) return E_MALFORMED;
    n = putUtf8(cp, out, n, cap);
    if (n < 0) return n;
  }
  return E_TRUNCATED;
}
