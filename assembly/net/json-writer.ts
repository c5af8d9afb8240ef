// Writes JSON into a Writer: strings escaped per RFC 8259, integers in decimal. The structure
// ({ , : }) is written by the caller, so a message reads like the JSON it produces.
import { Writer, hexDigit } from "./writer";

// A quoted JSON string of the n UTF-8 bytes at ptr (passed through; control characters, quote
// and backslash escaped).
export function jsonWriteString(w: Writer, ptr: usize, n: i32): void {
  w.byte(0x22);
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(ptr + <usize>i);
    if (c == 0x22 || c == 0x5c) { w.byte(0x5c); w.byte(c); }
    else if (c == 0x0a) { w.byte(0x5c); w.byte(0x6e); }
    else if (c == 0x0d) { w.byte(0x5c); w.byte(0x72); }
    else if (c == 0x09) { w.byte(0x5c); w.byte(0x74); }
    else if (c < 0x20) {
      w.ascii("\\u00");
      w.byte(hexDigit(c >> 4));
      w.byte(hexDigit(c & 15));
    } else w.byte(c);
  }
  w.byte(0x22);
}

// `"key":` for an ASCII literal key.
export function jsonWriteKey(w: Writer, key: string): void {
  w.byte(0x22);
  w.ascii(key);
  w.ascii("\":");
}
