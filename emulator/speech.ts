// What the simulated phone user says: a generated tone, or a WAV file's samples, as 8 kHz
// PCMU frames of 20 ms. A WAV at another rate is reduced by keeping every n-th sample (enough
// for a test signal; this is no resampler).
import { readFileSync } from "node:fs";
import { parseWav } from "../host-node/wav.js";
import { linearToMulaw } from "./mulaw.js";

export const FRAME_SAMPLES = 160; // 20 ms at 8 kHz

export interface SpeechSource { frame(index: number): Buffer }

export function toneSpeech(hz: number, amplitude = 8000): SpeechSource {
  return {
    frame(index) {
      const out = Buffer.alloc(FRAME_SAMPLES);
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        const n = index * FRAME_SAMPLES + i;
        out[i] = linearToMulaw(Math.round(amplitude * Math.sin((2 * Math.PI * hz * n) / 8000)));
      }
      return out;
    },
  };
}

export function wavSpeech(path: string): SpeechSource {
  const wav = parseWav(new Uint8Array(readFileSync(path)));
  if (wav.sampleRate % 8000 !== 0) throw new Error(`${path}: sample rate ${wav.sampleRate} is not a multiple of 8000`);
  const step = (wav.sampleRate / 8000) * wav.channels;
  const mono = new Int16Array(Math.floor(wav.samples.length / step));
  for (let i = 0; i < mono.length; i++) mono[i] = wav.samples[i * step];
  return {
    frame(index) {
      const out = Buffer.alloc(FRAME_SAMPLES, 0xff); // µ-law silence once the file has ended
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        const n = index * FRAME_SAMPLES + i;
        if (n < mono.length) out[i] = linearToMulaw(mono[n]);
      }
      return out;
    },
  };
}
