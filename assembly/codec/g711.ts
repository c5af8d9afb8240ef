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
// segment is the position of the leading one and the four bits below it are the step.
@inline export function linearToUlaw(sample: i32): u8 {
  const negative = sample >> 31;                       // -1 for negative samples, else 0
  let biased = ((sample ^ negative) >> 2) + 33;        // one's complement magnitude, 14 bits
  if (biased > 0x1FFF) biased = 0x1FFF;                // clip to the top of the last segment
  const segment = 27 - <i32>clz(biased);               // 1..8 (biased is 33..8191)
  const interval = ((segment - 1) << 4) | ((biased >> segment) & 15);
  // µ-law transmits every bit inverted; the sign bit is 1 for positive samples.
  return <u8>(interval ^ (0xFF ^ (negative & 0x80)));
}

// A-law: segments 0 and 1 share the same step, so the 12-bit magnitude (in steps of two) below
// 32 is the code itself; above it the leading one gives the segment.
@inline export function linearToAlaw(sample: i32): u8 {
  const negative = sample >> 31;
  const magnitude = (sample ^ negative) >> 4;          // 0..2047
  let interval = magnitude;
  if (magnitude >= 32) {
    const top = 31 - <i32>clz(magnitude);              // 5..10
    interval = ((top - 3) << 4) | ((magnitude >> (top - 4)) & 15);
  }
  // Sign bit 1 for positive samples; even bits toggled on the line.
  return <u8>((interval | (~negative & 0x80)) ^ 0x55);
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
  // Two samples a step: one 32-bit load, one 16-bit store and half the loop overhead, which is
  // what an interpreter charges most for (docs/build.md has the measurement).
  const pairs = n >> 1;
  if (law == LAW_MU) {
    for (let i = 0; i < pairs; i++) {
      const two = load<u32>(pcm + (<usize>i << 2));
      store<u16>(out + (<usize>i << 1), <u16>(<u32>linearToUlaw(<i32>(<i16>two)) | (<u32>linearToUlaw(<i32>two >> 16) << 8)));
    }
    if (n & 1) store<u8>(out + <usize>(n - 1), linearToUlaw(<i32>load<i16>(pcm + (<usize>(n - 1) << 1))));
  } else {
    for (let i = 0; i < pairs; i++) {
      const two = load<u32>(pcm + (<usize>i << 2));
      store<u16>(out + (<usize>i << 1), <u16>(<u32>linearToAlaw(<i32>(<i16>two)) | (<u32>linearToAlaw(<i32>two >> 16) << 8)));
    }
    if (n & 1) store<u8>(out + <usize>(n - 1), linearToAlaw(<i32>load<i16>(pcm + (<usize>(n - 1) << 1))));
  }
}

// Decodes n bytes at bytes into n 16-bit samples at pcm. Runs from the end, so pcm may equal
// bytes (each sample lands at or after the byte it came from, and earlier bytes are unread).
export function g711Decode(law: i32, bytes: usize, n: i32, pcm: usize): void {
  const table = law == LAW_MU ? ulawTable : alawTable;
  for (let i = n - 1; i >= 0; i--) {
    store<i16>(pcm + (<usize>i << 1), load<i16>(table + (<usize>load<u8>(bytes + <usize>i) << 1)));
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
