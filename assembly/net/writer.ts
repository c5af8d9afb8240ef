// A bounded output region that text and bytes are appended to. Writing past the end sets
// `overflow` instead of trapping, so a builder can write a whole message and check once.
// Placed in the arena at init (`Writer.place`); reused for every message, never reallocated.
import { arenaAlloc } from "../util/arena";

@unmanaged
export class Writer {
  base: usize = 0;
  cap: i32 = 0;
  len: i32 = 0;
  overflow: bool = false;

  // A writer over [base, base+cap), or null when the arena is exhausted.
  static place(base: usize, cap: i32): Writer | null {
    const at = arenaAlloc(<i32>offsetof<Writer>());
    if (at == 0) return null;
    const w = changetype<Writer>(at);
    w.base = base;
    w.cap = cap;
    return w;
  }

  reset(): void { this.len = 0; this.overflow = false; }

  byte(b: i32): void {
    if (this.len >= this.cap) { this.overflow = true; return; }
    store<u8>(this.base + <usize>this.len, <u8>b);
    this.len++;
  }

  bytes(ptr: usize, n: i32): void {
    if (n < 0 || this.len + n > this.cap) { this.overflow = true; return; }
    memory.copy(this.base + <usize>this.len, ptr, <usize>n);
    this.len += n;
  }

  // An ASCII string literal (the image's own constants; never user data).
  ascii(s: string): void {
    const n = s.length;
    if (this.len + n > this.cap) { this.overflow = true; return; }
    const src = changetype<usize>(s);
    const dst = this.base + <usize>this.len;
    for (let i = 0; i < n; i++) store<u8>(dst + <usize>i, <u8>load<u16>(src + (<usize>i << 1)));
    this.len += n;
  }

  // Decimal digits of a signed integer.
  dec(value: i64): void {
    if (value < 0) {
      this.byte(0x2d);
      // -(i64.MIN) does not fit; handled by working on the unsigned magnitude.
      this.udec(<u64>(0 - value));
      return;
    }
    this.udec(<u64>value);
  }

  udec(value: u64): void {
    let digits: i32 = 1;
    for (let v = value; v >= 10; v /= 10) digits++;
    if (this.len + digits > this.cap) { this.overflow = true; return; }
    let at = this.base + <usize>(this.len + digits);
    let v = value;
    for (let i = 0; i < digits; i++) {
      at--;
      store<u8>(at, <u8>(0x30 + <i32>(v % 10)));
      v /= 10;
    }
    this.len += digits;
  }

  // Lowercase hex of n bytes.
  hex(ptr: usize, n: i32): void {
    if (n < 0 || this.len + 2 * n > this.cap) { this.overflow = true; return; }
    const dst = this.base + <usize>this.len;
    for (let i = 0; i < n; i++) {
      const b = <i32>load<u8>(ptr + <usize>i);
      store<u8>(dst + <usize>(2 * i), hexDigit(b >> 4));
      store<u8>(dst + <usize>(2 * i + 1), hexDigit(b & 15));
    }
    this.len += 2 * n;
  }

  get end(): usize { return this.base + <usize>this.len; }
}

@inline export function hexDigit(v: i32): u8 { return <u8>(v < 10 ? 0x30 + v : 0x57 + v); }

// Value of one hex digit, or -1.
export function hexValue(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

// Decodes 2n hex characters at src into n bytes at dst. Returns n or -1 on a non-hex character.
export function hexDecode(src: usize, chars: i32, dst: usize): i32 {
  if (chars & 1) return -1;
  const n = chars >> 1;
  for (let i = 0; i < n; i++) {
    const hi = hexValue(load<u8>(src + <usize>(2 * i)));
    const lo = hexValue(load<u8>(src + <usize>(2 * i + 1)));
    if (hi < 0 || lo < 0) return -1;
    store<u8>(dst + <usize>i, <u8>((hi << 4) | lo));
  }
  return n;
}

// True when [ptr, ptr+n) equals the ASCII literal s.
export function equalsAscii(ptr: usize, n: i32, s: string): bool {
  if (n != s.length) return false;
  const src = changetype<usize>(s);
  for (let i = 0; i < n; i++) {
    if (<u16>load<u8>(ptr + <usize>i) != load<u16>(src + (<usize>i << 1))) return false;
  }
  return true;
}

// Same, ignoring ASCII case (HTTP header names).
export function equalsAsciiNoCase(ptr: usize, n: i32, s: string): bool {
  if (n != s.length) return false;
  const src = changetype<usize>(s);
  for (let i = 0; i < n; i++) {
    let a = <i32>load<u8>(ptr + <usize>i);
    let b = <i32>load<u16>(src + (<usize>i << 1));
    if (a >= 0x41 && a <= 0x5a) a += 32;
    if (b >= 0x41 && b <= 0x5a) b += 32;
    if (a != b) return false;
  }
  return true;
}
