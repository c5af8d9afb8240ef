// A WeChat VoIP room as the emulator runs it: the phone user on one side (behaving as the test
// scripted), the vendor cloud's room worker on the other (joined with the room's keys over the
// signalling link). The room owns the session state (0-9) and the hang-up reason, tells the
// worker each change, speaks PCMU to the worker while talking and records what it receives.
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import type { Socket as NetSocket } from "node:net";
import { randomBytes, randomInt } from "node:crypto";
import { FRAME_SAMPLES, toneSpeech, wavSpeech, type SpeechSource } from "./speech.js";

export const STATE = { IDLE: 0, CALLING: 1, TALKING: 2, REJECTED: 3, CANCELLED: 4, CALLER_HUNG_UP: 5, CALLEE_HUNG_UP: 6, ABORTED: 7, BUSY: 8, NO_ANSWER: 9 } as const;
export const REASON = { UNKNOWN: 0, MANUAL: 1, TIMEOUT: 10, REJECTED: 11 } as const;
const TERMINAL = new Set([3, 4, 5, 6, 7, 8, 9]);
const MAX_RECORDED_BYTES = 8000 * 120; // two minutes of PCMU, then counting only

/** How the simulated user behaves in a call, as a test scripts it (POST /emulator/users/{openid}/script). */
export interface UserScript {
  answer: "answer" | "reject" | "busy" | "no_answer";
  after_ms: number;             // delay before answering/rejecting/being busy
  hangup_after_ms?: number;     // once talking, the user hangs up after this long
  cancel_after_ms?: number;     // the user, calling the device, gives up ringing after this long
  speech?: { tone_hz?: number; wav?: string };
}
export const DEFAULT_SCRIPT: UserScript = { answer: "answer", after_ms: 200, speech: { tone_hz: 440 } };

export class Room {
  readonly id = `room_${randomBytes(8).toString("hex")}`;
  readonly sessionKey = randomBytes(16).toString("hex");
  readonly serverToken = randomBytes(16).toString("hex");
  state: number = STATE.CALLING;
  reason: number = REASON.UNKNOWN;
  history: { at: number; state: number; reason: number; by: string }[] = [];
  received = { packets: 0, bytes: 0, payload_types: new Set<number>(), ssrcs: new Set<number>() };
  // What the user heard, on the media timeline: each payload lands at its RTP timestamp, so a
  // lost packet is a gap of silence and a reordered one still lands in its place, as a phone's
  // playout would have it (the recording is for comparing speech, not for counting packets).
  private timeline: Buffer | null = null;
  private firstTimestamp = 0;
  private recordedEnd = 0;
  get recording(): Buffer[] { return this.timeline ? [this.timeline.subarray(0, this.recordedEnd)] : []; }
  sent = 0;
  /** WeChat's push of this room to the vendor cloud and its outcome. */
  pushOutcome: Promise<{ errcode: number; attempts: number; answered: boolean }> | null = null;
  private link: NetSocket | null = null;
  private media: Socket | null = null;
  private workerAddr: RemoteInfo | null = null;
  private timers: NodeJS.Timeout[] = [];
  private speechTimer: NodeJS.Timeout | null = null;
  private speech: SpeechSource;
  private ssrc = randomInt(1, 2 ** 32 - 1);

  constructor(readonly sn: string, readonly modelId: string, readonly openid: string, readonly roomType: string,
    readonly userIsCaller: boolean, private script: UserScript, private ringTimeoutMs: number) {
    this.history.push({ at: Date.now(), state: this.state, reason: 0, by: "room" });
    this.speech = script.speech?.wav ? wavSpeech(script.speech.wav) : toneSpeech(script.speech?.tone_hz ?? 440);
  }

  get ended(): boolean { return TERMINAL.has(this.state); }
  get endedAt(): number | null { return this.ended ? this.history[this.history.length - 1].at : null; }

  /** Called once the vendor cloud accepted WeChat's push: the phone rings (or, for the user's own call, waits). */
  startRinging(): void {
    this.later(this.ringTimeoutMs, () => { if (this.state === STATE.CALLING) this.set(STATE.NO_ANSWER, REASON.TIMEOUT, "room"); });
    if (this.userIsCaller) {
      if (this.script.cancel_after_ms !== undefined) {
        this.later(this.script.cancel_after_ms, () => { if (this.state === STATE.CALLING) this.set(STATE.CALLER_HUNG_UP, REASON.MANUAL, "user"); });
      }
      return;
    }
    this.later(this.script.after_ms, () => {
      if (this.state !== STATE.CALLING) return;
      if (this.script.answer === "answer") this.talk("user");
      else if (this.script.answer === "reject") this.set(STATE.REJECTED, REASON.REJECTED, "user");
      else if (this.script.answer === "busy") this.set(STATE.BUSY, REASON.UNKNOWN, "user");
    });
  }

  private talk(by: string): void {
    this.set(STATE.TALKING, REASON.UNKNOWN, by);
    if (this.script.hangup_after_ms !== undefined) {
      this.later(this.script.hangup_after_ms, () => this.userHangsUp());
    }
    // The phone's audio clock is real time: frames are due by the monotonic clock, and a timer
    // that fires late (a loaded machine) sends the frames it owes at once rather than letting the
    // stream's timestamps fall behind the wall clock, which would look like ever-growing delay.
    let frame = 0;
    const start = performance.now();
    this.speechTimer = setInterval(() => {
      const due = Math.floor((performance.now() - start) / 20);
      while (frame <= due) this.sendFrame(frame++);
    }, 10);
  }

  /** The phone user hangs up now, whatever the state. */
  userHangsUp(): void {
    if (this.state === STATE.CALLING) {
      if (this.userIsCaller) this.set(STATE.CALLER_HUNG_UP, REASON.MANUAL, "user");
      else this.set(STATE.REJECTED, REASON.REJECTED, "user");
    } else if (this.state === STATE.TALKING) {
      this.set(this.userIsCaller ? STATE.CALLER_HUNG_UP : STATE.CALLEE_HUNG_UP, REASON.MANUAL, "user");
    }
  }

  abort(by: string): void { if (!this.ended) this.set(STATE.ABORTED, REASON.UNKNOWN, by); }

  /** The vendor cloud's worker joins over its signalling link. Returns an error message or null. */
  join(link: NetSocket, m: Record<string, unknown>): string | null {
    if (m.session_key !== this.sessionKey || m.server_token !== this.serverToken) return "room keys do not match";
    if (this.link) return "the room already has its device side";
    if (this.ended) return null; // the joiner learns the final state from the join answer
    this.link = link;
    link.on("close", () => { this.link = null; this.abort("worker-lost"); });
    return null;
  }

  async openMedia(host: string): Promise<number> {
    const media = createSocket("udp4");
    this.media = media;
    media.on("message", (packet, from) => this.onMedia(packet, from));
    await new Promise<void>((r) => media.bind(0, host, () => r()));
    if (this.media !== media) return 0; // the call ended while the port was opening; close() let it go
    return media.address().port;
  }

  /** A decision of the device, relayed by the worker. */
  workerOp(op: string): void {
    const by = "device";
    if (op === "accept" && this.userIsCaller && this.state === STATE.CALLING) this.talk(by);
    else if (op === "reject" && this.state === STATE.CALLING) this.set(STATE.REJECTED, REASON.REJECTED, by);
    else if (op === "busy" && this.state === STATE.CALLING) this.set(STATE.BUSY, REASON.UNKNOWN, by);
    else if (op === "cancel" && !this.userIsCaller && this.state === STATE.CALLING) this.set(STATE.CANCELLED, REASON.MANUAL, by);
    else if (op === "hangup" && this.state === STATE.TALKING) this.set(this.userIsCaller ? STATE.CALLEE_HUNG_UP : STATE.CALLER_HUNG_UP, REASON.MANUAL, by);
    else if (op === "hangup" && this.state === STATE.CALLING) this.set(this.userIsCaller ? STATE.REJECTED : STATE.CANCELLED, this.userIsCaller ? REASON.REJECTED : REASON.MANUAL, by);
    else this.tell({ error: `${op} not possible in state ${this.state}` });
  }

  private onMedia(packet: Buffer, from: RemoteInfo): void {
    if (!this.workerAddr || this.workerAddr.port !== from.port) this.workerAddr = from;
    if (packet.length < 12 || packet[0] >> 6 !== 2) return; // the worker's empty hello, or not RTP
    if (this.state !== STATE.TALKING) return;
    this.received.packets++;
    this.received.bytes += packet.length - 12;
    this.received.payload_types.add(packet[1] & 0x7f);
    this.received.ssrcs.add(packet.readUInt32BE(8));
    this.record(packet);
  }

  private record(packet: Buffer): void {
    const cc = packet[0] & 0x0f;
    const ext = (packet[0] & 0x10) !== 0;
    let at = 12 + cc * 4;
    if (ext) at += 4 + (packet.length >= at + 4 ? packet.readUInt16BE(at + 2) * 4 : 0);
    let end = packet.length;
    if ((packet[0] & 0x20) !== 0 && end > at) end -= packet[end - 1];
    if (end <= at) return;
    const ts = packet.readUInt32BE(4);
    if (!this.timeline) {
      this.timeline = Buffer.alloc(16000, 0xff); // 0xff: µ-law silence; grows as the call goes on
      this.firstTimestamp = ts;
    }
    const offset = (ts - this.firstTimestamp) | 0;
    if (offset < 0 || offset + (end - at) > MAX_RECORDED_BYTES) return;
    if (offset + (end - at) > this.timeline.length) {
      const grown = Buffer.alloc(Math.min(MAX_RECORDED_BYTES, Math.max(this.timeline.length * 2, offset + (end - at))), 0xff);
      this.timeline.copy(grown);
      this.timeline = grown;
    }
    packet.copy(this.timeline, offset, at, end);
    this.recordedEnd = Math.max(this.recordedEnd, offset + (end - at));
  }

  private sendFrame(index: number): void {
    if (!this.media || !this.workerAddr) return;
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header[1] = 0; // PCMU
    header.writeUInt16BE(index & 0xffff, 2);
    header.writeUInt32BE((index * FRAME_SAMPLES) >>> 0, 4);
    header.writeUInt32BE(this.ssrc, 8);
    this.media.send(Buffer.concat([header, this.speech.frame(index)]), this.workerAddr.port, this.workerAddr.address);
    this.sent++;
  }

  private set(state: number, reason: number, by: string): void {
    if (this.ended) return;
    this.state = state;
    this.reason = reason;
    this.history.push({ at: Date.now(), state, reason, by });
    this.tell({ state, reason });
    if (this.ended) this.close();
  }

  private tell(m: Record<string, unknown>): void {
    if (this.link?.writable) this.link.write(JSON.stringify(m) + "\n");
  }

  private later(ms: number, fn: () => void): void { this.timers.push(setTimeout(fn, ms)); }

  close(): void {
    this.timers.forEach(clearTimeout);
    if (this.speechTimer) clearInterval(this.speechTimer);
    this.speechTimer = null;
    const media = this.media;
    this.media = null;
    if (media) setTimeout(() => media.close(), 50); // let the last packets land before the port goes
    const link = this.link;
    if (link) setTimeout(() => link.end(), 20);
  }

  summary() {
    return { roomid: this.id, sn: this.sn, openid: this.openid, room_type: this.roomType, caller: this.userIsCaller ? "user" : "device",
      state: this.state, reason: this.reason, history: this.history, sent_packets: this.sent,
      received: { packets: this.received.packets, bytes: this.received.bytes, payload_types: [...this.received.payload_types], ssrcs: [...this.received.ssrcs] } };
  }
}
