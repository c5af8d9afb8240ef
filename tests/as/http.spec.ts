// Pieces of the HTTP client that need no network (assembly/net/chunked.ts, http.ts): chunked
// decoding in place (RFC 9112 section 7.1), number and path checks. Whole exchanges, which need
// the stream imports, are tested over sockets in tests/node/http.test.ts.
import { dechunk } from "../../assembly/net/chunked";
import { parseDecimal, pathIsSafe } from "../../assembly/net/http";
import { E_AGAIN, E_MALFORMED } from "../../assembly/abi/errors";

const buf = memory.data(256);
function put(s: string): i32 {
  const b = String.UTF8.encode(s);
  memory.copy(buf, changetype<usize>(b), <usize>b.byteLength);
  return b.byteLength;
}

describe("chunked", () => {
  it("decodes chunks in place, with extensions and trailers", () => {
    const n = put("4;ext=1\r\nWiki\r\nA\r\npedia in\r\n\r\n0\r\nT: v\r\n\r\n");
    expect(dechunk(buf, n, false)).toBe(14);
    expect(dechunk(buf, n, true)).toBe(14);
    expect(String.UTF8.decodeUnsafe(buf, 14)).toBe("Wikipedia in\r\n");
  });
  it("asks for more while incomplete, at every cut point", () => {
    const full = "3\r\nabc\r\n0\r\n\r\n";
    for (let cut = 0; cut < full.length; cut++) {
      const n = put(full.substring(0, cut));
      expect(dechunk(buf, n, false)).toBe(E_AGAIN);
    }
  });
  it("refuses bad sizes, missing CRLFs and huge chunks", () => {
    expect(dechunk(buf, put("g\r\n"), false)).toBe(E_MALFORMED);
    expect(dechunk(buf, put("3\nabc\r\n0\r\n\r\n"), false)).toBe(E_MALFORMED);
    expect(dechunk(buf, put("3\r\nabcX\n0\r\n\r\n"), false)).toBe(E_MALFORMED);
    expect(dechunk(buf, put("1000000\r\n"), false)).toBe(E_MALFORMED);
    expect(dechunk(buf, put("0\r\nT: v\n\n"), false)).toBe(E_MALFORMED);
  });
});

describe("http helpers", () => {
  it("reads short decimals only", () => {
    expect(parseDecimal(buf, put("1234"))).toBe(1234);
    expect(parseDecimal(buf, put(""))).toBe(-1);
    expect(parseDecimal(buf, put("12a"))).toBe(-1);
    expect(parseDecimal(buf, put("1234567890"))).toBe(-1);
  });
  it("accepts only absolute paths of visible ASCII", () => {
    expect(pathIsSafe(buf, put("/v1/calls?x=1"))).toBe(true);
    expect(pathIsSafe(buf, put("v1"))).toBe(false);
    expect(pathIsSafe(buf, put("/a b"))).toBe(false);
    expect(pathIsSafe(buf, put("/a\r\nX: y"))).toBe(false);
  });
});
