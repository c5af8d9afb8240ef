// G.711 in the image: code points the standard itself fixes (G.711 Tables 1a and 2a), the error
// bound companding promises, and the buffer functions. Bit-exactness over all inputs is checked
// against independent implementations in tests/node/g711.test.ts.
import {
  LAW_A, LAW_MU, alawToLinear, g711Decode, g711DecodeChecked, g711Encode, g711EncodeChecked,
  linearToAlaw, linearToUlaw, ulawToLinear,
} from "../../assembly/codec/g711";
import { E_ARG } from "../../assembly/abi/errors";

const scratch = memory.data(64, 2);

describe("µ-law", () => {
  it("maps zero, one's complement zero and full scale to the standard's characters", () => {
    expect(linearToUlaw(0)).toBe(0xFF);       // positive zero: all ones on the line
    expect(linearToUlaw(-1)).toBe(0x7F);      // ~(-1) == 0: negative zero
    expect(linearToUlaw(32767)).toBe(0x80);   // top of segment 8
    expect(linearToUlaw(-32768)).toBe(0x00);
  });
  it("decodes to interval midpoints, scaled from the 8159 range to 16 bits (x4)", () => {
    expect(ulawToLinear(0xFF)).toBe(0);
    expect(ulawToLinear(0x7F)).toBe(0);
    expect(ulawToLinear(0xFE)).toBe(2 * 4);        // interval 1: decision values 1 and 3
    expect(ulawToLinear(0xEF)).toBe(33 * 4);       // first interval of segment 2: 31..35
    expect(ulawToLinear(0x80)).toBe(8031 * 4);     // last interval: 7903..8159
    expect(ulawToLinear(0x00)).toBe(-8031 * 4);
  });
});

describe("A-law", () => {
  it("maps zero, one's complement zero and full scale to the standard's characters", () => {
    expect(linearToAlaw(0)).toBe(0xD5);       // 1000 0000 with even bits inverted
    expect(linearToAlaw(-1)).toBe(0x55);
    expect(linearToAlaw(32767)).toBe(0xAA);
    expect(linearToAlaw(-32768)).toBe(0x2A);
  });
  it("decodes to interval midpoints, scaled from the 4096 range to 16 bits (x8)", () => {
    expect(alawToLinear(0xD5)).toBe(1 * 8);        // interval 0: 0..2
    expect(alawToLinear(0x55)).toBe(-1 * 8);
    expect(alawToLinear(0xAA)).toBe(4032 * 8);     // last interval: 3968..4096
    expect(alawToLinear(0x2A)).toBe(-4032 * 8);
  });
});

describe("both laws", () => {
  it("keep every 16-bit input within half a step (plus truncation) of its decoded value", () => {
    for (let x = -32768; x < 32768; x++) {
      const mag = x < 0 ? -x : x;
      // Steps grow with the segment: at most 1/16 of the magnitude (the first segments are finer).
      const bound = (mag >> 4) + 16;
      const u = <i32>ulawToLinear(linearToUlaw(x)) - x;
      const a = <i32>alawToLinear(linearToAlaw(x)) - x;
      if ((u < 0 ? -u : u) > bound + (mag > 32124 ? mag - 32124 : 0)) { expect(x).toBe(-999999); return; }
      if ((a < 0 ? -a : a) > bound + (mag > 32256 ? mag - 32256 : 0)) { expect(x).toBe(-999999); return; }
    }
  });
  it("re-encode every decoded level to the same code, except negative zero", () => {
    for (let code = 0; code < 256; code++) {
      const u = linearToUlaw(ulawToLinear(<u8>code));
      expect(u).toBe(<u8>(code == 0x7F ? 0xFF : code));
      expect(linearToAlaw(alawToLinear(<u8>code))).toBe(<u8>code);
    }
  });
  it("encode and decode buffers, decoding in place", () => {
    store<i16>(scratch, 1000);
    store<i16>(scratch + 2, -1000);
    store<i16>(scratch + 4, 0);
    g711Encode(LAW_MU, scratch, 3, scratch + 32);
    expect(load<u8>(scratch + 32)).toBe(linearToUlaw(1000));
    expect(load<u8>(scratch + 33)).toBe(linearToUlaw(-1000));
    expect(load<u8>(scratch + 34)).toBe(0xFF);
    g711Encode(LAW_A, scratch, 3, scratch);           // in place
    expect(load<u8>(scratch)).toBe(linearToAlaw(1000));
    expect(load<u8>(scratch + 2)).toBe(0xD5);
    g711Decode(LAW_A, scratch, 3, scratch);           // in place
    expect(load<i16>(scratch)).toBe(alawToLinear(linearToAlaw(1000)));
    expect(load<i16>(scratch + 2)).toBe(alawToLinear(linearToAlaw(-1000)));
    expect(load<i16>(scratch + 4)).toBe(8);
  });
  it("encode and decode every length 0..13 (whole steps of four and the rest), apart and in place", () => {
    const pcm = memory.data(64, 2), apart = memory.data(64, 2), inPlace = memory.data(64, 2);
    for (let law = LAW_MU; law <= LAW_A; law++) {
      for (let n = 0; n <= 13; n++) {
        // Samples across every segment and both signs, different at each position.
        for (let i = 0; i < 14; i++) store<i16>(pcm + (<usize>i << 1), <i16>((i * 4973 + n * 131) * (i & 1 ? -1 : 1)));
        memory.fill(apart, 0xEE, 64);
        g711Encode(law, pcm, n, apart);
        memory.copy(inPlace, pcm, 28);
        g711Encode(law, inPlace, n, inPlace);
        for (let i = 0; i < n; i++) {
          const x = <i32>load<i16>(pcm + (<usize>i << 1));
          const code = law == LAW_MU ? linearToUlaw(x) : linearToAlaw(x);
          expect(load<u8>(apart + <usize>i)).toBe(code);
          expect(load<u8>(inPlace + <usize>i)).toBe(code);
        }
        expect(load<u8>(apart + <usize>n)).toBe(0xEE);   // nothing written past n codes
        memory.fill(pcm, 0xEE, 64);
        g711Decode(law, apart, n, pcm);
        g711Decode(law, inPlace, n, inPlace);
        for (let i = 0; i < n; i++) {
          const code = load<u8>(apart + <usize>i);
          const value = law == LAW_MU ? ulawToLinear(code) : alawToLinear(code);
          expect(load<i16>(pcm + (<usize>i << 1))).toBe(value);
          expect(load<i16>(inPlace + (<usize>i << 1))).toBe(value);
        }
        expect(load<u16>(pcm + (<usize>n << 1))).toBe(0xEEEE);   // nothing written past n samples
      }
    }
  });
  it("checked entry points refuse bad arguments", () => {
    expect(g711EncodeChecked(2, scratch, 1, scratch + 32)).toBe(E_ARG);
    expect(g711DecodeChecked(LAW_MU, scratch, -1, scratch + 32)).toBe(E_ARG);
    expect(g711DecodeChecked(LAW_MU, scratch + 1, 4, scratch)).toBe(E_ARG);  // partial overlap
    expect(g711DecodeChecked(LAW_MU, scratch, 4, scratch)).toBe(4);         // in place is fine
  });
});
