// Device identity helpers and the stored-record checksum (assembly/device/): the sn rule from
// WeChat, hex, and CRC-32 against the standard check value (CRC-32/ISO-HDLC of "123456789" is
// 0xCBF43926) and a second value computed by zlib (python3 -c 'import zlib; print(hex(zlib.crc32(b"vsdk")))').
import { crc32 } from "../../assembly/device/crc32";
import { snIsValid } from "../../assembly/device/identity";
import { hexDecode, hexValue, Writer } from "../../assembly/net/writer";

const buf = memory.data(256);
function put(s: string): i32 {
  const b = String.UTF8.encode(s);
  memory.copy(buf, changetype<usize>(b), <usize>b.byteLength);
  return b.byteLength;
}

describe("crc32", () => {
  it("matches the standard check value and zlib", () => {
    expect(crc32(buf, put("123456789"))).toBe(0xcbf43926);
    expect(crc32(buf, 0)).toBe(0);
    expect(crc32(buf, put("vsdk"))).toBe(0xe256e026);
  });
});

describe("sn", () => {
  it("allows 1..128 of [0-9A-Za-z_-] only", () => {
    expect(snIsValid(buf, put("SN_1-a"))).toBe(true);
    expect(snIsValid(buf, 0)).toBe(false);
    expect(snIsValid(buf, put("a b"))).toBe(false);
    expect(snIsValid(buf, put("a.b"))).toBe(false);
    expect(snIsValid(buf, put("é"))).toBe(false);
    let long = "";
    for (let i = 0; i < 128; i++) long += "x";
    expect(snIsValid(buf, put(long))).toBe(true);
    expect(snIsValid(buf, put(long + "x"))).toBe(false);
  });
});

describe("hex", () => {
  it("round-trips bytes through lowercase hex", () => {
    const bytes = memory.data(4);
    store<u32>(bytes, 0xdeadbeef);
    const w = Writer.place(buf, 16)!;
    w.hex(bytes, 4);
    expect(String.UTF8.decodeUnsafe(buf, 8)).toBe("efbeadde");
    expect(hexDecode(buf, 8, bytes)).toBe(4);
    expect(load<u32>(bytes)).toBe(0xdeadbeef);
    expect(hexDecode(buf, put("0g"), bytes)).toBe(-1);
    expect(hexDecode(buf, put("abc"), bytes)).toBe(-1);
    expect(hexValue(0x46)).toBe(15);
  });
});
