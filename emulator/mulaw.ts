// G.711 µ-law for the simulated phone user's audio (the room speaks PCMU to the vendor cloud).
// The segment/bias algorithm of ITU-T G.711, written for this emulator, with the ITU-T STL's
// one's-complement magnitude for negative inputs; tests check it against PyPI g711 (which agrees
// with the STL, docs/g711.md) on every input and code.
const BIAS = 0x84;
const CLIP = 32635;

export function linearToMulaw(sample: number): number {
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s - 1;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function mulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const exponent = (u >> 4) & 7;
  const magnitude = ((((u & 0x0f) << 3) + BIAS) << exponent) - BIAS;
  return u & 0x80 ? -magnitude | 0 : magnitude; // | 0: no negative zero
}
