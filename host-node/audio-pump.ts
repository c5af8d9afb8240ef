// The simulated device's microphone and speaker: while its call is talking, every 20 ms one frame
// of the microphone signal goes into the image (vsdk_audio_in) and one frame to play comes out
// (vsdk_audio_out). Frames are scheduled against the monotonic clock, not counted timer ticks,
// so a late timer does not make the device's audio clock drift.
import type { Device } from "./device.js";
import { recordTick } from "./rx-record.js";

export interface PumpTrace {
  /** ms since the pump started, the jitter buffer's target and current delay, and what was played. */
  t: number; target: number; delay: number; kind: number;
}

export class AudioPump {
  private timer: NodeJS.Timeout | null = null;
  private frameIndex = 0;
  private started = 0;
  private heard: Int16Array[] = [];
  private firstHeardAt = -1;
  readonly trace: PumpTrace[] = [];

  constructor(private device: Device, private mic: Int16Array, private frameMs = 20) {}

  /** Starts pumping; frames run until stop(). The microphone loops if the call outlasts it. */
  start(): void {
    if (this.timer) return;
    this.started = performance.now();
    this.timer = setInterval(() => this.catchUp(), 5);
    this.timer.unref(); // the device's own timers decide whether the process lives on
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Everything the speaker played, as one signal. */
  get received(): Int16Array {
    const total = this.heard.reduce((n, f) => n + f.length, 0);
    const out = new Int16Array(total);
    let at = 0;
    for (const f of this.heard) { out.set(f, at); at += f.length; }
    return out;
  }

  /** ms from start() to the first frame that was not silence, or -1. */
  get firstAudioMs(): number { return this.firstHeardAt; }

  private catchUp(): void {
    const x = this.device.image.exports;
    const due = Math.floor((performance.now() - this.started) / this.frameMs);
    while (this.frameIndex <= due) {
      const frame = x.vsdk_media_frame_samples();
      if (frame <= 0) return;                 // the call is not talking (yet, or any more)
      const at = (this.frameIndex * frame) % Math.max(frame, this.mic.length - frame);
      const pcm = this.mic.subarray(at, at + frame);
      this.device.image.writeIo(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
      x.vsdk_audio_in(frame);
      const got = x.vsdk_audio_out(frame);
      recordTick();  // after: the packets audio_out read before playing come first in a recording
      if (got > 0) {
        const out = new Int16Array(this.device.image.readIo(got * 2).buffer);
        this.heard.push(out);
        if (this.firstHeardAt < 0 && out.some((s) => s !== 0)) this.firstHeardAt = this.frameIndex * this.frameMs;
        this.trace.push({ t: this.frameIndex * this.frameMs, target: x.vsdk_media_stat(8), delay: x.vsdk_media_stat(9), kind: x.vsdk_media_stat(10) });
      }
      this.frameIndex++;
    }
  }
}
