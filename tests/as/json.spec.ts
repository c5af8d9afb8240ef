// The image's JSON reader and writer (assembly/net/json.ts, json-writer.ts) on RFC 8259 text:
// lookups, escapes decoded to UTF-8, integers, arrays, and the refusals that keep hostile input
// bounded (depth, unterminated strings, lone surrogates, numbers that are not integers).
import { jsonGet, jsonString, jsonInt, jsonError, jsonFirst, jsonNext, jsonValueEnd, jsonIsNull, JSON_MAX_DEPTH } from "../../assembly/net/json";
import { jsonWriteString, jsonWriteKey } from "../../assembly/net/json-writer";
import { Writer } from "../../assembly/net/writer";
import { E_MALFORMED, E_NOSPACE, E_TRUNCATED, E_ARG } from "../../assembly/abi/errors";

const text = memory.data(1024);
const out = memory.data(256);
let textEnd: usize = 0;

// Puts an ASCII/UTF-8 string at `text`; returns its start.
function put(s: string): usize {
  const bytes = String.UTF8.encode(s);
  const n = bytes.byteLength;
  memory.copy(text, changetype<usize>(bytes), <usize>n);
  textEnd = text + <usize>n;
  return text;
}

function str(at: usize): string {
  const n = jsonString(at, textEnd, out, 256);
  if (n < 0) return "<" + n.toString() + ">";
  return String.UTF8.decodeUnsafe(out, <usize>n);
}

describe("json reader", () => {
  it("finds keys at the top level only, skipping nested values", () => {
    const p = put(' { "a" : {"b": 1, "x": [1, {"x": 9}]}, "x" : 42 , "s":"t"} ');
    expect(jsonInt(jsonGet(p, textEnd, "x"), textEnd)).toBe(42);
    const a = jsonGet(p, textEnd, "a");
    expect(jsonInt(jsonGet(a, textEnd, "b"), textEnd)).toBe(1);
    expect(jsonGet(p, textEnd, "b")).toBe(0);
    expect(jsonGet(p, textEnd, "nope")).toBe(0);
    expect(str(jsonGet(p, textEnd, "s"))).toBe("t");
  });
  it("decodes escapes, \\u escapes and surrogate pairs to UTF-8", () => {
    const p = put('{"s":"q\\"b\\\\s\\/n\\n\\t\\u00e9\\u4e2d\\ud83d\\ude00"}');
    expect(str(jsonGet(p, textEnd, "s"))).toBe("q\"b\\s/n\n\t\u00e9\u4e2d\u{1F600}");
  });
  it("passes raw UTF-8 through", () => {
    const p = put('{"s":"日本"}');
    expect(str(jsonGet(p, textEnd, "s"))).toBe("日本");
  });
  it("refuses a lone or reversed surrogate, a bad escape and raw control characters", () => {
    expect(str(jsonGet(put('{"s":"\\ud83d"}'), textEnd, "s"))).toBe("<" + E_MALFORMED.toString() + ">");
    expect(str(jsonGet(put('{"s":"\\ude00\\ud83d"}'), textEnd, "s"))).toBe("<" + E_MALFORMED.toString() + ">");
    expect(str(jsonGet(put('{"s":"\\x41"}'), textEnd, "s"))).toBe("<" + E_MALFORMED.toString() + ">");
    expect(jsonGet(put('{"s":"a\nb"}'), textEnd, "s")).toBe(0);
  });
  it("reports an unterminated string, a string too long for the output, and a non-string", () => {
    const p = put('"abc');
    expect(jsonString(p, textEnd, out, 256)).toBe(E_TRUNCATED);
    put('"abcdef"');
    expect(jsonString(text, textEnd, out, 3)).toBe(E_NOSPACE);
    put("12");
    expect(jsonString(text, textEnd, out, 3)).toBe(E_ARG);
  });
  it("reads integers and refuses fractions, exponents and more than 18 digits", () => {
    expect(jsonInt(put("-1764000000"), textEnd)).toBe(-1764000000);
    expect(jsonError).toBe(0);
    expect(jsonInt(put("999999999999999999"), textEnd)).toBe(999999999999999999);
    jsonInt(put("1.5"), textEnd);
    expect(jsonError).toBe(E_MALFORMED);
    jsonInt(put("1e3"), textEnd);
    expect(jsonError).toBe(E_MALFORMED);
    jsonInt(put("1234567890123456789"), textEnd);
    expect(jsonError).toBe(E_MALFORMED);
    jsonInt(put("-"), textEnd);
    expect(jsonError).toBe(E_MALFORMED);
    jsonInt(0, 0);
    expect(jsonError).toBe(E_MALFORMED);
  });
  it("walks arrays element by element", () => {
    const p = put('{"events":[{"seq":1},{"seq":2} , {"seq":3}]}');
    let e = jsonFirst(jsonGet(p, textEnd, "events"), textEnd);
    let sum: i64 = 0;
    let count = 0;
    while (e != 0) {
      sum += jsonInt(jsonGet(e, textEnd, "seq"), textEnd);
      count++;
      e = jsonNext(e, textEnd);
    }
    expect(count).toBe(3);
    expect(sum).toBe(6);
    expect(jsonFirst(jsonGet(put('{"events":[]}'), textEnd, "events"), textEnd)).toBe(0);
  });
  it("knows null", () => {
    const p = put('{"a":null,"b":"null"}');
    expect(jsonIsNull(jsonGet(p, textEnd, "a"), textEnd)).toBe(true);
    expect(jsonIsNull(jsonGet(p, textEnd, "b"), textEnd)).toBe(false);
  });
  it("refuses unbalanced, truncated and too deeply nested documents", () => {
    expect(jsonValueEnd(put('{"a":[1,2}'), textEnd)).toBe(0);
    expect(jsonValueEnd(put('{"a":1'), textEnd)).toBe(0);
    expect(jsonValueEnd(put("]"), textEnd)).toBe(0);
    let deep = "";
    for (let i = 0; i < JSON_MAX_DEPTH; i++) deep += "[";
    for (let i = 0; i < JSON_MAX_DEPTH; i++) deep += "]";
    expect(jsonValueEnd(put(deep), textEnd)).toBe(textEnd);
    expect(jsonValueEnd(put("[" + deep + "]"), textEnd)).toBe(0);
    expect(jsonGet(put('{"a" 1}'), textEnd, "a")).toBe(0);
    expect(jsonGet(put('{"a":1 "b":2}'), textEnd, "b")).toBe(0);
  });
});

describe("json writer", () => {
  it("escapes what RFC 8259 requires and the reader decodes it back", () => {
    const buf = memory.data(128);
    const w = Writer.place(buf, 128)!;
    const src = put("a\"b\\c\n\x01é");
    const n = <i32>(textEnd - src);
    w.byte(0x7b);
    jsonWriteKey(w, "k");
    jsonWriteString(w, src, n);
    w.byte(0x7d);
    expect(w.overflow).toBe(false);
    expect(String.UTF8.decodeUnsafe(buf, <usize>w.len)).toBe('{"k":"a\\"b\\\\c\\n\\u0001é"}');
    const m = jsonString(jsonGet(buf, buf + <usize>w.len, "k"), buf + <usize>w.len, out, 256);
    expect(String.UTF8.decodeUnsafe(out, <usize>m)).toBe("a\"b\\c\n\x01é");
  });
  it("sets overflow instead of writing past its end", () => {
    const buf = memory.data(8);
    const w = Writer.place(buf, 4)!;
    w.ascii("abcdef");
    expect(w.overflow).toBe(true);
    expect(w.len).toBe(0);
    w.reset();
    w.dec(-9223372036854775808);
    expect(w.overflow).toBe(true);
    w.reset();
    w.dec(-123);
    expect(String.UTF8.decodeUnsafe(buf, <usize>w.len)).toBe("-123");
  });
});
