// G.711 companding (ITU-T G.711): µ-law (PCMU, law 0) and A-law (PCMA, law 1) between 16-bit
// linear PCM and 8-bit codes, bit-exact with the ITU-T G.191 STL's reading of the standard:
//   - a negative sample is taken in one's complement (~x) before scaling, so -1 encodes like 0
//     with the sign bit cleared (no "zero trap" in µ-law);
//   - µ-law uses the 14 most significant bits, A-law the 13 most significant bits;
//   - decoding returns the middle of the quantisation interval, left-justified in 16 bits.
// docs/g711.md says which independent implementations agree with this on every input.
//
// Cost in the interpreter: decoding is one table load per sample (two 256-entry i16 tables,
// filled once at start-up by the arithmetic below, so the image carries no table bytes);
// encoding is arithmetic around one `clz` (a 64 KiB encode table would not fit the memory budget).
import { E_ARG } from "../abi/errors";
import { inMemory } from "../util/memcheck";

export const LAW_MU: i32 = 0;
export const LAW_A: i32 = 1;

// --- encoding -------------------------------------------------------------------------------

// µ-law: the 14-bit magnitude plus 33 puts every segment boundary on a power of two, so the
// segment is the position of the leading one and the four bits below it are the step. Worked in
// 16-bit units (bias 33 << 2 = 132), so the two bits below the 14 fall out with the step bits:
//   zeros = clz(biased), 17..24, and the segment is 25 - zeros;
//   (biased << zeros) >>> 27 is the leading one and the four step bits, 16..31;
//   the code is 0xFF minus the interval (every bit is inverted on the line), less 0x80 for a
//   negative sample: (zeros << 4) - 113 - that, mod 256.
// A negative sample's magnitude is shifted 9 bits up first: its leading zeros then fall in 7..15
// and a positive one's in 16..24, so one byte of ULAW_BASE, indexed by the leading zeros alone,
// holds the part that depends on the segment and the sign, and normalising by the leading zeros
// undoes the shift. The largest magnitudes overflow by one segment (zeros 16 and 7), where the
// table holds what encodes them as the top of segment 8 (the clip). Branch-free and without
// masks: the interpreter charges by the wasm operation (docs/build.md).
const ULAW_BASE: usize = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0,                              // never: magnitudes are below 2^25
  16, 31, 47, 63, 79, 95, 111, 127, 143,            // negative samples, zeros 7..15
  144, 159, 175, 191, 207, 223, 239, 255, 15,       // positive samples, zeros 16..24
]);

// The µ-law code of one sample, in the low byte (the bits above it are not zero).
@inline function ulawCode(sample: i32): i32 {
  const sign = sample >> 31;                                 // -1 for negative samples, else 0
  const biased = ((sample ^ sign) + 132) << (sign & 9);      // one's complement magnitude, biased
  const zeros = <i32>clz(biased);                            // 7..24
  return <i32>load<u8>(<usize>zeros, ULAW_BASE) - ((biased << zeros) >>> 27);
}

@inline export function linearToUlaw(sample: i32): u8 {
  return <u8>ulawCode(sample);
}

// A-law: segments 0 and 1 share the same step, so the 12-bit magnitude (in steps of two) below
// 32 is the interval itself; above it the leading one gives the segment. In the manner of µ-law:
//   zeros = clz(magnitude | 16), 21..27: the bit 16 makes every magnitude below 32 count as
//   segment 1, whose interval is the magnitude's low five bits, which is what both segments
//   below 32 need;
//   (magnitude << zeros) >>> 27 is the leading one and the four step bits (or, below 32, the
//   magnitude itself);
//   the interval is 432 - (zeros << 4) plus that; 0x80 is added for a positive sample and the
//   even bits are toggled on the line (^ 0x55). The part that depends on zeros and the sign is
//   one byte of ALAW_BASE, at zeros (+ 32 when negative).
const ALAW_BASE: usize = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   // zeros 0..20 never occur
  224, 208, 192, 176, 160, 144, 128,                              // positive samples, zeros 21..27
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  96, 80, 64, 48, 32, 16, 0,                                      // negative samples, zeros + 32
]);

// The A-law code of one sample, in the low byte.
@inline function alawCode(sample: i32): i32 {
  const sign = sample >> 31;                           // -1 for negative samples, else 0
  const magnitude = (sample ^ sign) >> 4;              // one's complement, 0..2047
  const zeros = <i32>clz(magnitude | 16);              // 21..27
  return (<i32>load<u8>(<usize>(zeros - (sign << 5)), ALAW_BASE) + ((magnitude << zeros) >>> 27)) ^ 0x55;
}

@inline export function linearToAlaw(sample: i32): u8 {
  return <u8>alawCode(sample);
}

// --- decoding -------------------------------------------------------------------------------

// The middle of µ-law interval `code`, in 16-bit units: the inverse of linearToUlaw.
function ulawValue(code: i32): i32 {
  const bits = ~code;
  const exponent = (bits >> 4) & 7;
  const mantissa = bits & 15;
  // Interval start (2^(segment+5) - 33) plus mantissa steps plus half a step, in 14-bit units.
  const magnitude = ((((mantissa << 1) | 33) << exponent) - 33) << 2;
  return (code & 0x80) != 0 ? magnitude : -magnitude;
}

// The middle of A-law interval `code`, in 16-bit units: the inverse of linearToAlaw.
function alawValue(code: i32): i32 {
  const bits = (code ^ 0x55) & 0x7F;
  const exponent = bits >> 4;
  let step = ((bits & 15) << 4) | 8;                   // mantissa and half a step
  if (exponent > 0) step = (step | 0x100) << (exponent - 1);  // leading one of segments >= 1
  return (code & 0x80) != 0 ? step : -step;
}

const ulawTable: usize = memory.data(512, 2);
const alawTable: usize = memory.data(512, 2);
for (let code = 0; code < 256; code++) {
  store<i16>(ulawTable + (<usize>code << 1), <i16>ulawValue(code));
  store<i16>(alawTable + (<usize>code << 1), <i16>alawValue(code));
}

@inline export function ulawToLinear(code: u8): i16 {
  return load<i16>(ulawTable + (<usize>code << 1));
}

@inline export function alawToLinear(code: u8): i16 {
  return load<i16>(alawTable + (<usize>code << 1));
}

// --- buffers --------------------------------------------------------------------------------

// Encodes n 16-bit samples at pcm into n bytes at out (out may equal pcm). Unchecked: callers
// inside the image pass their own buffers; the exports below check what hosts pass.
export function g711Encode(law: i32, pcm: usize, n: i32, out: usize): void {
  if (law == LAW_MU) {
    // Four samples a step, each a 16-bit load and a byte store at constant offsets from two
    // pointers: a quarter of the loop's cost per sample. Bytes are written at or before the
    // samples read, so out may equal pcm.
    const end = pcm + (<usize>(n >> 2) << 3);
    let p = pcm;
    let o = out;
    if (p < end) do {                                  // tested at the end: one branch a step
      store<u8>(o, ulawCode(<i32>load<i16>(p)));
      store<u8>(o, ulawCode(<i32>load<i16>(p, 2)), 1);
      store<u8>(o, ulawCode(<i32>load<i16>(p, 4)), 2);
      store<u8>(o, ulawCode(<i32>load<i16>(p, 6)), 3);
      p += 8;
      o += 4;
    } while (p < end);
    for (let i = n & ~3; i < n; i++) store<u8>(out + <usize>i, ulawCode(<i32>load<i16>(pcm + (<usize>i << 1))));
  } else {
    // The same four-a-step loop for A-law.
    const end = pcm + (<usize>(n >> 2) << 3);
    let p = pcm;
    let o = out;
    if (p < end) do {
      store<u8>(o, alawCode(<i32>load<i16>(p)));
      store<u8>(o, alawCode(<i32>load<i16>(p, 2)), 1);
      store<u8>(o, alawCode(<i32>load<i16>(p, 4)), 2);
      store<u8>(o, alawCode(<i32>load<i16>(p, 6)), 3);
      p += 8;
      o += 4;
    } while (p < end);
    for (let i = n & ~3; i < n; i++) store<u8>(out + <usize>i, alawCode(<i32>load<i16>(pcm + (<usize>i << 1))));
  }
}

// Decodes n bytes at bytes into n 16-bit samples at pcm. Runs from the end, so pcm may equal
// bytes (each sample lands at or after the byte it came from, and earlier bytes are unread).
// Four codes a step from one 32-bit load: each code, times two, comes out of it by one shift and
// one mask and is looked up with the table's address as the load's constant offset, so the
// interpreter does no address arithmetic for the table. That offset must be a literal, hence a
// loop per law.
export function g711Decode(law: i32, bytes: usize, n: i32, pcm: usize): void {
  const table = law == LAW_MU ? ulawTable : alawTable;
  const whole = n & ~3;
  for (let i = n - 1; i >= whole; i--) {
    store<i16>(pcm + (<usize>i << 1), load<i16>(table + (<usize>load<u8>(bytes + <usize>i) << 1)));
  }
  let b = bytes + <usize>whole;
  let p = pcm + (<usize>whole << 1);
  if (law == LAW_MU) {
    if (b > bytes) do {                                // tested at the end: one branch a step
      b -= 4;
      p -= 8;
      const four = load<u32>(b);
      store<i16>(p, load<i16>((four << 1) & 0x1FE, ulawTable));
      store<i16>(p, load<i16>((four >> 7) & 0x1FE, ulawTable), 2);
      store<i16>(p, load<i16>((four >> 15) & 0x1FE, ulawTable), 4);
      store<i16>(p, load<i16>((four >> 23) & 0x1FE, ulawTable), 6);
    } while (b > bytes);
  } else {
    if (b > bytes) do {
      b -= 4;
      p -= 8;
      const four = load<u32>(b);
      store<i16>(p, load<i16>((four << 1) & 0x1FE, alawTable));
      store<i16>(p, load<i16>((four >> 7) & 0x1FE, alawTable), 2);
      store<i16>(p, load<i16>((four >> 15) & 0x1FE, alawTable), 4);
      store<i16>(p, load<i16>((four >> 23) & 0x1FE, alawTable), 6);
    } while (b > bytes);
  }
}

// Two regions either start at the same byte or do not overlap: the in-place cases the loops
// above allow. Anything else would read bytes already overwritten.
function sameOrApart(a: usize, aLen: usize, b: usize, bLen: usize): bool {
  return a == b || a + aLen <= b || b + bLen <= a;
}

// Checked entry points behind vsdk_g711_encode/decode: E_ARG for an unknown law, a negative
// count, or buffers outside memory or partly overlapping; otherwise the count.
export function g711EncodeChecked(law: i32, pcm: usize, samples: i32, out: usize): i32 {
  if (<u32>law > 1 || samples < 0) return E_ARG;
  if (samples == 0) return 0;
  const pcmLen = <usize>samples << 1;
  if (!inMemory(pcm, pcmLen) || !inMemory(out, <usize>samples)) return E_ARG;
  if (!sameOrApart(pcm, pcmLen, out, <usize>samples)) return E_ARG;
  g711Encode(law, pcm, samples, out);
  return samples;
}

export function g711DecodeChecked(law: i32, bytes: usize, count: i32, pcm: usize): i32 {
  if (<u32>law > 1 || count < 0) return E_ARG;
  if (count == 0) return 0;
  const pcmLen = <usize>count << 1;
  if (!inMemory(bytes, <usize>count) || !inMemory(pcm, pcmLen)) return E_ARG;
  if (!sameOrApart(bytes, <usize>count, pcm, pcmLen)) return E_ARG;
  g711Decode(law, bytes, count, pcm);
  return count;
}
