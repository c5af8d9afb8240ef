// The image's Opus imports (`opus_encode`, `opus_decode`, assembly/abi/imports.ts) for the Node
// host, over libopus itself: Debian's libopus0 (installed with libopus-dev, tools/apt-packages.txt)
// called through koffi, an FFI whose npm package carries its prebuilt native part. docs/opus.md
// says why neither opusscript (no FEC, fixed 60 ms concealment) nor @discordjs/opus (a native
// build or a download at install time) fits. The C twin is ports/posix/src/opus_native.c; both
// follow the same rules:
//   - one mono encoder and one mono decoder per host, VoIP tuning, created on first use;
//   - the encoder runs at the rate opus_encode is given (re-created if it changes); the decoder
//     runs at the rate of the last encode, 48 kHz before any (or at `decoderRate` when given);
//   - len 0 asks for concealment of a lost packet, fec 1 for the lost packet's in-band FEC copy
//     carried by the packet given; in both cases maxSamples is the lost duration (a multiple of
//     2.5 ms), as libopus defines it;
//   - results: a count, or E_ARG (bad pointer, rate or size), E_NOSPACE (output too small),
//     E_CODEC (libopus refused, e.g. a malformed packet).
import koffi from "koffi";
import { E_ARG, E_CODEC, E_NOSPACE } from "./errors.js";
import type { HostImports } from "./image.js";

const OPUS_APPLICATION_VOIP = 2048;
const OPUS_BAD_ARG = -1;
const OPUS_BUFFER_TOO_SMALL = -2;
const OPUS_SET_BITRATE_REQUEST = 4002;
const OPUS_SET_INBAND_FEC_REQUEST = 4012;
const OPUS_SET_PACKET_LOSS_PERC_REQUEST = 4014;
const RATES = [8000, 12000, 16000, 24000, 48000];
const MAX_FRAME_SAMPLES = 5760;  // 120 ms at 48 kHz: the most one call can produce
const MAX_PACKET_BYTES = 4000;   // more than libopus ever writes for one mono packet

export interface OpusHostOptions {
  /** Decoder rate; by default the rate of the last encode, 48000 before any. */
  decoderRate?: number;
  /** Encoder bit rate in bit/s (libopus chooses by default). */
  bitrate?: number;
  /** Put an in-band FEC copy of each frame in the next packet (for opus_decode with fec 1). */
  inbandFec?: boolean;
  /** The loss rate the encoder should expect, in percent; FEC is only sent when it is above 0. */
  expectedLossPercent?: number;
}

export interface OpusHost {
  /** Merge into the imports given to Image.load. */
  imports: HostImports;
  /** libopus's version string, e.g. "libopus 1.3.1". */
  version: string;
  /** Frees the encoder and decoder. */
  close(): void;
}

interface Libopus {
  version: () => string;
  encoderCreate: (rate: number, channels: number, application: number, error: number[]) => unknown;
  encoderDestroy: (st: unknown) => void;
  encoderCtl: (st: unknown, request: number, ...args: unknown[]) => number;
  encode: (st: unknown, pcm: Int16Array, frameSize: number, data: Uint8Array, max: number) => number;
  decoderCreate: (rate: number, channels: number, error: number[]) => unknown;
  decoderDestroy: (st: unknown) => void;
  decode: (st: unknown, data: Uint8Array | null, len: number, pcm: Int16Array, frameSize: number, fec: number) => number;
}

let libopus: Libopus | undefined;

function loadLibopus(): Libopus {
  if (libopus) return libopus;
  let lib: koffi.IKoffiLib;
  try {
    lib = koffi.load("libopus.so.0");
  } catch (err) {
    throw new Error(`libopus not found (install Debian's libopus-dev, listed in tools/apt-packages.txt): ${err instanceof Error ? err.message : err}`);
  }
  koffi.opaque("OpusEncoder");
  koffi.opaque("OpusDecoder");
  libopus = {
    version: lib.func("const char *opus_get_version_string(void)"),
    encoderCreate: lib.func("OpusEncoder *opus_encoder_create(int32_t Fs, int channels, int application, _Out_ int *error)"),
    encoderDestroy: lib.func("void opus_encoder_destroy(OpusEncoder *st)"),
    encoderCtl: lib.func("int opus_encoder_ctl(OpusEncoder *st, int request, ...)"),
    encode: lib.func("int32_t opus_encode(OpusEncoder *st, const int16_t *pcm, int frame_size, uint8_t *data, int32_t max_data_bytes)"),
    decoderCreate: lib.func("OpusDecoder *opus_decoder_create(int32_t Fs, int channels, _Out_ int *error)"),
    decoderDestroy: lib.func("void opus_decoder_destroy(OpusDecoder *st)"),
    decode: lib.func("int opus_decode(OpusDecoder *st, const uint8_t *data, int32_t len, int16_t *pcm, int frame_size, int decode_fec)"),
  };
  return libopus;
}

function fromOpusError(code: number): number {
  if (code === OPUS_BUFFER_TOO_SMALL) return E_NOSPACE;
  if (code === OPUS_BAD_ARG) return E_ARG;
  return E_CODEC;
}

/**
 * The Opus imports over libopus. `memory` returns the image's linear memory as it is now (it is
 * read on every call, since a memory may be replaced when it grows).
 */
export function createOpusHost(memory: () => Uint8Array, options: OpusHostOptions = {}): OpusHost {
  const opus = loadLibopus();
  if (options.decoderRate !== undefined && !RATES.includes(options.decoderRate)) {
    throw new RangeError(`decoder rate ${options.decoderRate} is not one of ${RATES.join(", ")}`);
  }
  let encoder: unknown = null;
  let encoderRate = 0;
  let decoder: unknown = null;
  let decoderRate = 0;
  // Scratch buffers owned here: wasm pointers need not be aligned for Int16Array, so PCM is
  // copied through these rather than viewed in place.
  const pcmScratch = new Int16Array(MAX_FRAME_SAMPLES);
  const packetScratch = new Uint8Array(MAX_PACKET_BYTES);

  const inMemory = (mem: Uint8Array, ptr: number, len: number) =>
    Number.isInteger(ptr) && Number.isInteger(len) && ptr > 0 && len >= 0 && ptr + len <= mem.length;

  function freeEncoder() { if (encoder) opus.encoderDestroy(encoder); encoder = null; encoderRate = 0; }
  function freeDecoder() { if (decoder) opus.decoderDestroy(decoder); decoder = null; decoderRate = 0; }

  function encoderFor(rate: number): unknown {
    if (encoder && encoderRate === rate) return encoder;
    freeEncoder();
    const error = [0];
    const st = opus.encoderCreate(rate, 1, OPUS_APPLICATION_VOIP, error);
    if (!st || error[0] !== 0) return null;
    if (options.bitrate !== undefined) opus.encoderCtl(st, OPUS_SET_BITRATE_REQUEST, "int", options.bitrate);
    if (options.inbandFec) opus.encoderCtl(st, OPUS_SET_INBAND_FEC_REQUEST, "int", 1);
    if (options.expectedLossPercent !== undefined) opus.encoderCtl(st, OPUS_SET_PACKET_LOSS_PERC_REQUEST, "int", options.expectedLossPercent);
    encoder = st;
    encoderRate = rate;
    return st;
  }

  function decoderFor(rate: number): unknown {
    if (decoder && decoderRate === rate) return decoder;
    freeDecoder();
    const error = [0];
    const st = opus.decoderCreate(rate, 1, error);
    if (!st || error[0] !== 0) return null;
    decoder = st;
    decoderRate = rate;
    return st;
  }

  const opus_encode = (pcm: number, samples: number, rate: number, out: number, cap: number): number => {
    const mem = memory();
    if (!RATES.includes(rate) || samples <= 0 || samples > MAX_FRAME_SAMPLES || cap <= 0) return E_ARG;
    if (!inMemory(mem, pcm, samples * 2) || !inMemory(mem, out, cap)) return E_ARG;
    const st = encoderFor(rate);
    if (!st) return E_CODEC;
    const input = pcmScratch.subarray(0, samples);
    new Uint8Array(input.buffer, 0, samples * 2).set(mem.subarray(pcm, pcm + samples * 2));
    const n = opus.encode(st, input, samples, packetScratch, Math.min(cap, MAX_PACKET_BYTES));
    if (n < 0) return fromOpusError(n);
    mem.set(packetScratch.subarray(0, n), out);
    return n;
  };

  const opus_decode = (pkt: number, len: number, pcm: number, maxSamples: number, fec: number): number => {
    const mem = memory();
    if (len < 0 || maxSamples <= 0 || len > MAX_PACKET_BYTES) return E_ARG;
    if ((len > 0 && !inMemory(mem, pkt, len)) || !inMemory(mem, pcm, maxSamples * 2)) return E_ARG;
    if (fec && len === 0) return E_ARG;  // FEC data travels in the packet after the lost one
    const rate = options.decoderRate ?? (encoderRate || 48000);
    const st = decoderFor(rate);
    if (!st) return E_CODEC;
    const frame = Math.min(maxSamples, MAX_FRAME_SAMPLES);
    let data: Uint8Array | null = null;
    if (len > 0) {
      packetScratch.set(mem.subarray(pkt, pkt + len));
      data = packetScratch.subarray(0, len);
    }
    const n = opus.decode(st, data, len, pcmScratch, frame, fec ? 1 : 0);
    if (n < 0) return fromOpusError(n);
    mem.set(new Uint8Array(pcmScratch.buffer, 0, n * 2), pcm);
    return n;
  };

  return {
    imports: { opus_encode, opus_decode },
    version: opus.version(),
    close() { freeEncoder(); freeDecoder(); },
  };
}
