// `vsdk g711 encode|decode`: G.711 files through the built image, so the desktop tool and a
// device produce the same bytes. Audio crosses into the image through its shared I/O buffer, a
// chunk at a time, and is converted in place there.
import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "../command.js";
import { parseOptions } from "../command.js";
import { Image } from "../../host-node/image.js";
import { encodeWav, parseWav } from "../../host-node/wav.js";

export const G711_RATE = 8000;
export type Law = 0 | 1;

const LAW_NAMES: Record<string, Law> = { mu: 0, u: 0, ulaw: 0, pcmu: 0, a: 1, alaw: 1, pcma: 1 };

export function parseLaw(name: string): Law {
  const law = LAW_NAMES[name.toLowerCase()];
  if (law === undefined) throw new Error(`unknown law '${name}' (mu or a)`);
  return law;
}

function checked(result: number, what: string): number {
  if (result < 0) throw new Error(`image ${what} failed with error ${result}`);
  return result;
}

/** G.711-encodes 16-bit samples with the image, one I/O buffer of samples at a time. */
export function g711EncodeWithImage(image: Image, law: Law, samples: Int16Array): Uint8Array {
  const chunk = image.ioCapacity >> 1;
  const io = image.ioPtr;
  const out = new Uint8Array(samples.length);
  for (let at = 0; at < samples.length; at += chunk) {
    const part = samples.subarray(at, Math.min(at + chunk, samples.length));
    image.writeIo(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
    checked(image.exports.vsdk_g711_encode(law, io, part.length, io), "vsdk_g711_encode");
    out.set(image.readIo(part.length), at);
  }
  return out;
}

/** Decodes G.711 bytes to 16-bit samples with the image, in place in the I/O buffer. */
export function g711DecodeWithImage(image: Image, law: Law, bytes: Uint8Array): Int16Array {
  const chunk = image.ioCapacity >> 1;
  const io = image.ioPtr;
  const out = new Int16Array(bytes.length);
  for (let at = 0; at < bytes.length; at += chunk) {
    const part = bytes.subarray(at, Math.min(at + chunk, bytes.length));
    image.writeIo(part);
    checked(image.exports.vsdk_g711_decode(law, io, part.length, io), "vsdk_g711_decode");
    const pcm = image.readIo(part.length * 2);
    out.set(new Int16Array(pcm.buffer, pcm.byteOffset, part.length), at);
  }
  return out;
}

const USAGE = `usage: vsdk g711 encode|decode --law mu|a IN OUT
  encode  IN is an 8 kHz 16-bit mono WAV file; OUT gets raw G.711 bytes
  decode  IN is raw G.711 bytes; OUT gets an 8 kHz 16-bit mono WAV file
  --law   mu (PCMU, µ-law) or a (PCMA, A-law)`;

export const g711: Command = {
  summary: "encode a WAV file to raw G.711 (µ-law/A-law) or decode it back, through the image",
  async run(argv) {
    const opts = parseOptions(argv, ["help"]);
    if (opts.help) { console.log(USAGE); return 0; }
    const [verb, input, output] = opts._;
    if ((verb !== "encode" && verb !== "decode") || !input || !output || typeof opts.law !== "string") {
      console.error(USAGE);
      return 2;
    }
    const law = parseLaw(opts.law);
    const image = Image.load();
    if (verb === "encode") {
      let wav;
      try { wav = parseWav(new Uint8Array(readFileSync(input))); } catch (err) {
        throw new Error(`${input}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (wav.channels !== 1) throw new Error(`${input}: ${wav.channels} channels; G.711 here takes mono (e.g. sox IN -c 1 OUT)`);
      if (wav.sampleRate !== G711_RATE) throw new Error(`${input}: ${wav.sampleRate} Hz; G.711 carries 8000 Hz (e.g. sox IN -r 8000 OUT)`);
      writeFileSync(output, g711EncodeWithImage(image, law, wav.samples));
    } else {
      writeFileSync(output, encodeWav(g711DecodeWithImage(image, law, new Uint8Array(readFileSync(input))), G711_RATE));
    }
    return 0;
  },
};
