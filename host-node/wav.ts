// RIFF/WAVE files of 16-bit linear PCM: what the desktop tools read from and write to disk.
// Reading walks the RIFF chunks (skipping the ones we do not need, honouring the pad byte of
// odd-sized chunks) and refuses, with a message that names the problem, anything that is not
// plain 16-bit PCM or that ends before its own chunk sizes say it should.

export class WavError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WavError";
  }
}

export interface Wav {
  sampleRate: number;
  channels: number;
  /** Interleaved 16-bit samples (frames × channels). */
  samples: Int16Array;
}

const FORMAT_PCM = 1;
const FORMAT_EXTENSIBLE = 0xfffe;

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/** Parses a WAV file of 16-bit PCM (any rate and channel count; callers check what they need). */
export function parseWav(bytes: Uint8Array): Wav {
  if (bytes.length < 12) throw new WavError(`truncated: ${bytes.length} bytes is shorter than a RIFF header`);
  if (fourcc(bytes, 0) !== "RIFF" || fourcc(bytes, 8) !== "WAVE") throw new WavError("not a WAV file (no RIFF/WAVE header)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riffEnd = 8 + view.getUint32(4, true);
  if (riffEnd > bytes.length) throw new WavError(`truncated: the RIFF header announces ${riffEnd} bytes, the file has ${bytes.length}`);

  let format: { tag: number; channels: number; rate: number; bits: number; blockAlign: number } | undefined;
  let data: Uint8Array | undefined;
  let at = 12;
  while (at + 8 <= riffEnd) {
    const id = fourcc(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (body + size > riffEnd) throw new WavError(`truncated: chunk '${id}' announces ${size} bytes, ${riffEnd - body} remain`);
    if (id === "fmt ") {
      if (size < 16) throw new WavError(`malformed: 'fmt ' chunk of ${size} bytes (at least 16 expected)`);
      let tag = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE carries the real format in the first two bytes of its sub-format GUID.
      if (tag === FORMAT_EXTENSIBLE && size >= 40) tag = view.getUint16(body + 24, true);
      format = {
        tag,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === "data") {
      data = bytes.subarray(body, body + size);
    }
    at = body + size + (size & 1);
  }
  // Up to one stray pad byte may trail the last chunk; more is a chunk header cut short.
  if (riffEnd - at > 1) throw new WavError("truncated: a chunk header is cut short");
  if (!format) throw new WavError("malformed: no 'fmt ' chunk");
  if (!data) throw new WavError("malformed: no 'data' chunk");
  if (format.tag !== FORMAT_PCM) throw new WavError(`unsupported: format tag ${format.tag} is not linear PCM (1)`);
  if (format.bits !== 16) throw new WavError(`unsupported: ${format.bits}-bit samples (16-bit expected)`);
  if (format.channels < 1) throw new WavError("malformed: zero channels");
  if (format.blockAlign !== 2 * format.channels) throw new WavError(`malformed: block align ${format.blockAlign} for ${format.channels} channel(s) of 16 bits`);
  if (data.length % format.blockAlign !== 0) throw new WavError(`truncated: ${data.length} data bytes is not a whole number of ${format.blockAlign}-byte frames`);

  const samples = new Int16Array(data.length / 2);
  const dataView = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < samples.length; i++) samples[i] = dataView.getInt16(i * 2, true);
  return { sampleRate: format.rate, channels: format.channels, samples };
}

/** A canonical 44-byte-header WAV file of 16-bit PCM. */
export function encodeWav(samples: Int16Array, sampleRate: number, channels = 1): Uint8Array {
  const dataBytes = samples.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string) => { for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i); };
  ascii(0, "RIFF");
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  ascii(36, "data");
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + i * 2, samples[i], true);
  return out;
}
