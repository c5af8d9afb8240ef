// Cloud URLs (assembly/net/url.ts): scheme, host, default and explicit ports, path prefix.
import { Url, parseUrl } from "../../assembly/net/url";
import { OK, E_MALFORMED, E_UNSUPPORTED, E_ARG } from "../../assembly/abi/errors";

const text = memory.data(600);
const url = changetype<Url>(memory.data(<i32>offsetof<Url>()));

function parse(s: string): i32 {
  const b = String.UTF8.encode(s);
  memory.copy(text, changetype<usize>(b), <usize>b.byteLength);
  return parseUrl(text, b.byteLength, url);
}
const host = (): string => String.UTF8.decodeUnsafe(url.hostPtr, <usize>url.hostLen);
const path = (): string => String.UTF8.decodeUnsafe(url.pathPtr, <usize>url.pathLen);

describe("url", () => {
  it("takes https with an explicit port", () => {
    expect(parse("https://127.0.0.1:8443")).toBe(OK);
    expect(url.tls).toBe(true);
    expect(host()).toBe("127.0.0.1");
    expect(url.port).toBe(8443);
    expect(path()).toBe("");
  });
  it("defaults ports by scheme, keeps a path prefix and drops trailing slashes", () => {
    expect(parse("HTTPS://cloud.example.com/vsdk/")).toBe(OK);
    expect(url.port).toBe(443);
    expect(host()).toBe("cloud.example.com");
    expect(path()).toBe("/vsdk");
    expect(parse("http://h")).toBe(OK);
    expect(url.tls).toBe(false);
    expect(url.port).toBe(80);
  });
  it("refuses other schemes, bad ports, user info, queries and empty hosts", () => {
    expect(parse("ftp://h")).toBe(E_UNSUPPORTED);
    expect(parse("https://h:0")).toBe(E_MALFORMED);
    expect(parse("https://h:65536")).toBe(E_MALFORMED);
    expect(parse("https://h:123456")).toBe(E_MALFORMED);
    expect(parse("https://h:")).toBe(E_MALFORMED);
    expect(parse("https://user@h")).toBe(E_MALFORMED);
    expect(parse("https://h/p?q=1")).toBe(E_MALFORMED);
    expect(parse("https://h/a b")).toBe(E_MALFORMED);
    expect(parse("https:///x")).toBe(E_MALFORMED);
    expect(parse("https://[::1]:80")).toBe(E_MALFORMED);
    expect(parseUrl(text, 0, url)).toBe(E_ARG);
  });
});
