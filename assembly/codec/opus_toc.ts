// The framing of an Opus packet (RFC 6716 section 3): the table-of-contents byte, the four
// frame-count codes, frame lengths, padding, and every rule (R1-R7 of section 3.4) whose breach
// makes a packet malformed. Nothing here decodes audio: the RTP code uses it to learn how many
// samples a packet carries and to refuse a malformed one before it reaches a decoder.
// docs/opus.md lists the error each breach gets; tests/node/opus-toc.test.ts checks every answer
// against libopus's own parser.
import { E_ARG, E_MALFORMED, E_NOSPACE, E_TRUNCATED } from "../abi/errors";

// Coding modes and audio bandwidths a TOC byte selects (section 3.1, Table 2).
export const OPUS_MODE_SILK: i32 = 0;
export const OPUS_MODE_HYBRID: i32 = 1;
export const OPUS_MODE_CELT: i32 = 2;
export const OPUS_BANDWIDTH_NB: i32 = 0;   // 4 kHz
export const OPUS_BANDWIDTH_MB: i32 = 1;   // 6 kHz
export const OPUS_BANDWIDTH_WB: i32 = 2;   // 8 kHz
export const OPUS_BANDWIDTH_SWB: i32 = 3;  // 12 kHz
export const OPUS_BANDWIDTH_FB: i32 = 4;   // 20 kHz

export const OPUS_MAX_FRAME_BYTES: i32 = 1275;     // R2
export const OPUS_MAX_PACKET_SAMPLES: i32 = 5760;  // 120 ms at 48 kHz (R5)
export const OPUS_MAX_FRAMES: i32 = 48;            // 120 ms of 2.5 ms frames

// --- the TOC byte -------------------------------------------------------------------------

// Configurations 0-11 are SILK-only, 12-15 hybrid, 16-31 CELT-only.
@inline export function opusTocConfig(toc: i32): i32 { return (toc >> 3) & 31; }
@inline export function opusTocStereo(toc: i32): bool { return (toc & 4) != 0; }
@inline export function opusTocFrameCountCode(toc: i32): i32 { return toc & 3; }

export function opusTocMode(toc: i32): i32 {
  const config = opusTocConfig(toc);
  return config < 12 ? OPUS_MODE_SILK : config < 16 ? OPUS_MODE_HYBRID : OPUS_MODE_CELT;
}

export function opusTocBandwidth(toc: i32): i32 {
  const config = opusTocConfig(toc);
  if (config < 12) return config >> 2;                               // NB, MB, WB
  if (config < 16) return OPUS_BANDWIDTH_SWB + ((config - 12) >> 1); // SWB, FB
  const group = (config - 16) >> 2;                                  // NB, WB, SWB, FB (no MB)
  return group == 0 ? OPUS_BANDWIDTH_NB : group + 1;
}

// Samples per channel of one frame at 48 kHz: SILK 10/20/40/60 ms, hybrid 10/20 ms,
// CELT 2.5/5/10/20 ms.
export function opusTocFrameSamples(toc: i32): i32 {
  const config = opusTocConfig(toc);
  if (config < 12) {
    const size = config & 3;
    return size == 3 ? 2880 : 480 << size;
  }
  if (config < 16) return 480 << (config & 1);
  return 120 << (config & 3);
}

// --- the packet ---------------------------------------------------------------------------

// Bytes taken by the frame length read last (1 or 2): a second result of readFrameLength.
let lengthBytes: i32 = 0;

// A frame length (section 3.2.1): one byte below 252, else two bytes, 4 * second + first.
// `avail` bytes are readable at p.
@inline function readFrameLength(p: usize, avail: i32): i32 {
  if (avail < 1) return E_TRUNCATED;
  const first = <i32>load<u8>(p);
  if (first < 252) { lengthBytes = 1; return first; }
  if (avail < 2) return E_TRUNCATED;
  lengthBytes = 2;
  return (<i32>load<u8>(p + 1) << 2) + first;
}

// Where each frame starts and how long it is, when the caller asks: two u16 per frame, the
// offset from the start of the packet and the length in bytes.
@inline function putFrame(out: usize, index: i32, offset: i32, size: i32): void {
  store<u16>(out + (<usize>index << 2), <u16>offset);
  store<u16>(out + (<usize>index << 2) + 2, <u16>size);
}

// Parses and validates a whole packet. Returns the number of frames (1-48) or an error:
//   E_ARG        null pointer, negative length, a packet or frame list outside linear memory,
//                or a frame list overlapping the packet
//   E_TRUNCATED  R1 (empty), or bytes missing that the packet's own fields announce: a frame
//                length (code 2/3), the frame count byte, padding, VBR frames (R4, R7)
//   E_MALFORMED  complete but illegal: a frame over 1275 bytes (R2), code 1 with an odd payload
//                (R3), code 3 with no frames or more than 120 ms (R5), CBR payload not a
//                multiple of the frame count (R6)
//   E_NOSPACE    `out` is given and holds fewer than the packet's frames
// With out != 0 it receives (offset, length) for each frame; `cap` is its size in frames.
export function opusPacketParse(ptr: usize, len: i32, out: usize, cap: i32): i32 {
  if (len < 0 || ptr == 0 || <u64>ptr + <u64>len > (<u64>memory.size() << 16)) return E_ARG;
  if (len < 1) return E_TRUNCATED;                                   // R1
  const toc = <i32>load<u8>(ptr);
  let p = ptr + 1;
  let left = len - 1;          // bytes after everything parsed so far, padding excluded
  let count = 1;
  let lastSize = 0;            // the length of the last frame, which is never coded
  let firstSize = 0;           // code 2: the coded length of the first frame
  let equalSize = -1;          // code 1 and code 3 CBR: the length of every frame
  let vbrLengths: usize = 0;   // code 3 VBR: where the M-1 coded lengths start
  switch (toc & 3) {
    case 0: {
      lastSize = left;
      break;
    }
    case 1: {
      if (left & 1) return E_MALFORMED;                              // R3
      count = 2;
      lastSize = left >> 1;
      equalSize = lastSize;
      break;
    }
    case 2: {
      count = 2;
      firstSize = readFrameLength(p, left);
      if (firstSize < 0) return firstSize;                           // R4
      p += lengthBytes;
      left -= lengthBytes;
      if (firstSize > left) return E_TRUNCATED;                      // R4
      lastSize = left - firstSize;
      break;
    }
    default: {
      if (left < 1) return E_TRUNCATED;
      const header = <i32>load<u8>(p);
      p++;
      left--;
      count = header & 63;
      if (count == 0) return E_MALFORMED;                            // R5
      if (count * opusTocFrameSamples(toc) > OPUS_MAX_PACKET_SAMPLES) return E_MALFORMED; // R5
      if (header & 0x40) {
        // Padding length: each 255 adds 254 bytes and means another length byte follows.
        let more = true;
        while (more) {
          if (left < 1) return E_TRUNCATED;
          const b = <i32>load<u8>(p);
          p++;
          left--;
          more = b == 255;
          left -= more ? 254 : b;
        }
        if (left < 0) return E_TRUNCATED;
      }
      if (header & 0x80) {
        vbrLengths = p;
        let coded = 0;
        for (let i = 0; i < count - 1; i++) {
          const size = readFrameLength(p, left);
          if (size < 0) return size;                                 // R7
          p += lengthBytes;
          left -= lengthBytes;
          coded += size;
        }
        lastSize = left - coded;
        if (lastSize < 0) return E_TRUNCATED;                        // R7
      } else {
        lastSize = left / count;
        if (lastSize * count != left) return E_MALFORMED;           // R6
        equalSize = lastSize;
      }
    }
  }
  if (lastSize > OPUS_MAX_FRAME_BYTES) return E_MALFORMED;          // R2
  if (out != 0) {
    if (cap < count) return E_NOSPACE;
    // The frame list must lie in memory and apart from the packet, whose VBR lengths are
    // read again below while the list is written.
    const outEnd = <u64>out + (<u64>count << 2);
    if (outEnd > (<u64>memory.size() << 16)) return E_ARG;
    if (outEnd > <u64>ptr && <u64>out < <u64>ptr + <u64>len) return E_ARG;
    let offset = <i32>(p - ptr);
    let q = vbrLengths;
    for (let i = 0; i < count - 1; i++) {
      let size = equalSize;                                          // code 1, code 3 CBR
      if (vbrLengths != 0) { size = readFrameLength(q, 2); q += lengthBytes; } // code 3 VBR
      else if (equalSize < 0) size = firstSize;                      // code 2
      putFrame(out, i, offset, size);
      offset += size;
    }
    putFrame(out, count - 1, offset, lastSize);
  }
  return count;
}

// Frames in a valid packet (1-48), or the error opusPacketParse gives.
export function opusPacketFrameCount(ptr: usize, len: i32): i32 {
  return opusPacketParse(ptr, len, 0, 0);
}

// Samples per channel at 48 kHz in a valid packet (120-5760), or the error opusPacketParse
// gives. At another decoder rate r the count is this * r / 48000.
export function opusPacketSamples(ptr: usize, len: i32): i32 {
  const count = opusPacketParse(ptr, len, 0, 0);
  if (count < 0) return count;
  return count * opusTocFrameSamples(<i32>load<u8>(ptr));
}
