// A release as the cloud offers it (assembly/ota/release.ts): the version rule of docs/ota.md
// ("MAJOR.MINOR.PATCH", decimal, no leading zeros, 255.255.65535 at most, packed as
// MAJOR << 24 | MINOR << 16 | PATCH) and the fields of an ota.available event.
import { Release, releasePlace, releaseRead, versionParse, versionWrite, releaseIdIs } from "../../assembly/ota/release";
import { Writer } from "../../assembly/net/writer";

const text = memory.data(600);

function put(s: string): i32 {
  const b = String.UTF8.encode(s);
  memory.copy(text, changetype<usize>(b), <usize>b.byteLength);
  return b.byteLength;
}
function version(s: string): i64 { return versionParse(text, put(s)); }
function read(r: Release, json: string): bool { const n = put(json); return releaseRead(r, text, text + <usize>n); }

const SHA = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
function event(id: string, version: string, size: string, sha: string): string {
  return `{"seq":7,"type":"ota.available","release_id":"${id}","image_version":"${version}","abi_version":65537,"package_size":${size},"package_sha256":"${sha}"}`;
}

describe("ota release", () => {
  it("packs versions component by component", () => {
    expect(version("0.0.0")).toBe(0);
    expect(version("1.2.3")).toBe((<i64>1 << 24) | (<i64>2 << 16) | 3);
    expect(version("255.255.65535")).toBe(<i64>0xffffffff);
    expect(version("1.10.0") > version("1.9.65535")).toBe(true);
  });
  it("refuses anything but MAJOR.MINOR.PATCH in range", () => {
    expect(version("")).toBe(-1);
    expect(version("1.2")).toBe(-1);
    expect(version("1.2.3.4")).toBe(-1);
    expect(version("1..3")).toBe(-1);
    expect(version("01.2.3")).toBe(-1);
    expect(version("1.2.03")).toBe(-1);
    expect(version("256.0.0")).toBe(-1);
    expect(version("0.256.0")).toBe(-1);
    expect(version("0.0.65536")).toBe(-1);
    expect(version("0.0.100000")).toBe(-1);
    expect(version("1.2.x")).toBe(-1);
    expect(version("-1.2.3")).toBe(-1);
    expect(version("1.2.3 ")).toBe(-1);
  });
  it("writes a packed version back as text", () => {
    const buf = memory.data(32);
    const w = Writer.place(buf, 32)!;
    versionWrite(w, <u32>((<i64>12 << 24) | (<i64>0 << 16) | 65535));
    expect(String.UTF8.decodeUnsafe(buf, <usize>w.len)).toBe("12.0.65535");
  });
  it("reads an ota.available event's fields", () => {
    const r = releasePlace()!;
    expect(read(r, event("r_0123456789abcdef", "2.1.0", "48123", SHA))).toBe(true);
    expect(String.UTF8.decodeUnsafe(r.id, <usize>r.idLen)).toBe("r_0123456789abcdef");
    expect(r.size).toBe(48123);
    expect(r.version).toBe(<u32>((2 << 24) | (1 << 16)));
    expect(load<u8>(r.sha)).toBe(0x00);
    expect(load<u8>(r.sha, 1)).toBe(0x11);
    expect(load<u8>(r.sha, 31)).toBe(0xff);
    const id = memory.data(32);
    memory.copy(id, r.id, <usize>r.idLen);
    expect(releaseIdIs(r, id, r.idLen)).toBe(true);
    expect(releaseIdIs(r, id, r.idLen - 1)).toBe(false);
  });
  it("refuses an event with a field missing or malformed", () => {
    const r = releasePlace()!;
    expect(read(r, event("r_1", "2.1.0", "0", SHA))).toBe(false);
    expect(read(r, event("r_1", "2.1.0", "-5", SHA))).toBe(false);
    expect(read(r, event("r_1", "2.1.0", "4294967296", SHA))).toBe(false);
    expect(read(r, event("r_1", "2.1", "10", SHA))).toBe(false);
    expect(read(r, event("r_1", "2.1.0", "10", SHA.slice(2)))).toBe(false);
    expect(read(r, event("r_1", "2.1.0", "10", "zz" + SHA.slice(2)))).toBe(false);
    expect(read(r, event("", "2.1.0", "10", SHA))).toBe(false);
    expect(read(r, event("r_" + "a".repeat(60), "2.1.0", "10", SHA))).toBe(false);
    expect(read(r, `{"release_id":"r_1","image_version":"2.1.0","package_size":10}`)).toBe(false);
  });
});
