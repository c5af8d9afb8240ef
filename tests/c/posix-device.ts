// The posix device (C runtime + real wasm3 + host shims + mbedTLS) driven through
// `vsdk-device --stdio`, with the shape of the Node host's Device (host-node/device.ts) so the
// same scenarios run against both. Every method sends one command line and awaits its reply.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { EventEmitter } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { EVENT_NAMES, type CallReport, type DeviceEvent, type DeviceReport, type Identity } from "../../host-node/device.js";
import { repoRoot } from "../../host-node/paths.js";

const E_BUSY = -1016;

export const DEVICE_BINARY = process.env.VSDK_DEVICE ?? join(repoRoot, "build", "native", "ports", "posix", "vsdk-device");

export class PosixDevice extends EventEmitter {
  readonly events: DeviceEvent[] = [];
  private child: ChildProcessWithoutNullStreams;
  private replies: Array<{ resolve: (line: string) => void; reject: (err: Error) => void }> = [];
  private ready: Promise<number>;
  stderr = "";

  constructor(readonly options: { storage: string; ca: string | Buffer }) {
    super();
    const caFile = join(options.storage, "..", `${Date.now()}-${Math.random().toString(16).slice(2)}-ca.pem`);
    writeFileSync(caFile, options.ca);
    this.child = spawn(DEVICE_BINARY, ["--stdio", "--data", options.storage, "--ca", caFile, "--log-level", "0"]);
    this.child.stderr.on("data", (d) => { this.stderr += String(d); });
    const lines = createInterface({ input: this.child.stdout });
    let onReady: (rc: number) => void = () => {};
    this.child.once("exit", () => onReady(-1));
    this.ready = new Promise((resolve) => { onReady = resolve; });
    lines.on("line", (line) => {
      if (line.startsWith("ready ")) onReady(Number(line.slice(6)));
      else if (line.startsWith("event ")) {
        const [kind, a, b] = line.slice(6).split(" ").map(Number);
        const e = { name: EVENT_NAMES[kind] ?? `event${kind}`, kind, a, b, at: Date.now() };
        this.events.push(e);
        this.emit("event", e);
      } else if (line.startsWith("= ")) this.replies.shift()?.resolve(line.slice(2));
    });
    // A device that dies fails every pending and later command instead of leaving it waiting.
    this.child.once("exit", (code, signal) => {
      const err = new Error(`vsdk-device exited (${code ?? signal}): ${this.stderr.slice(-2000)}`);
      for (const r of this.replies.splice(0)) r.reject(err);
    });
  }

  private async send(line: string, timeoutMs = 15000): Promise<string> {
    if ((await this.ready) !== 0) throw new Error(`vsdk-device did not start: ${this.stderr}`);
    if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`vsdk-device has exited: ${this.stderr.slice(-2000)}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to "${line.slice(0, 40)}" within ${timeoutMs} ms`)), timeoutMs);
      this.replies.push({
        resolve: (v) => { clearTimeout(timer); resolve(v); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.child.stdin.write(`${line}\n`);
    });
  }
  private async num(line: string): Promise<number> { return Number(await this.send(line)); }

  provision(identity: Identity): Promise<number> { return this.num(`provision ${JSON.stringify(identity)}`); }
  init(): Promise<number> { return this.num("init"); }
  /** Starts ticking (the Node device's start()). */
  start(): Promise<number> { return this.num("start"); }
  isRegistered(): Promise<number> { return this.num("is_registered"); }
  setTimeouts(wait: number, call: number, ring: number, request = 10000): Promise<number> {
    return this.num(`timeouts ${wait} ${call} ${ring} ${request}`);
  }
  async deviceReport(): Promise<DeviceReport> { return JSON.parse(await this.send("device")) as DeviceReport; }
  async callReport(): Promise<CallReport> { return JSON.parse(await this.send("report")) as CallReport; }
  phase(): Promise<number> { return this.num("phase"); }
  call(openid: string, opts: { video?: boolean; payload?: string; customQuery?: string } = {}): Promise<number> {
    return this.num(`call ${opts.video ? 1 : 0}\t${openid}\t${opts.payload ?? ""}\t${opts.customQuery ?? ""}`);
  }
  answer(): Promise<number> { return this.num("answer"); }
  reject(): Promise<number> { return this.num("reject"); }
  cancel(): Promise<number> { return this.num("cancel"); }
  hangup(): Promise<number> { return this.num("hangup"); }
  /** Plays a sine of `hz` into the microphone for `frames` 20 ms frames, recording the speaker. */
  tone(hz: number, frames: number): Promise<number> { return this.num(`tone ${hz} ${frames}`); }
  /** What the speaker got since the last tone() began. */
  async played(): Promise<{ frames: number; rate: number; pcm: Int16Array }> {
    const r = JSON.parse(await this.send("played")) as { frames: number; rate: number; pcm: string };
    const bytes = Buffer.from(r.pcm, "base64");
    return { frames: r.frames, rate: r.rate, pcm: new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1) };
  }
  async stats(): Promise<{ heap_in_use: number; heap_peak: number; linear_memory_used: number; traps: number }> {
    return JSON.parse(await this.send("stats"));
  }

  /** Registers; resolves with OK or the error the image reports. The Node Device issues its
   * first request in the same JS turn as start(), before any tick; over stdio a tick may come
   * first and put the clock request in flight, which makes register answer E_BUSY: retried. */
  async register(timeoutMs = 20000): Promise<number> {
    const waiting = this.waitEvent((e) => e.name === "registered", timeoutMs);
    const deadline = Date.now() + timeoutMs;
    let r = await this.num("register");
    while (r === E_BUSY && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 10));
      r = await this.num("register");
    }
    if (r !== 0) { waiting.catch(() => {}); return r; }
    return (await waiting).a;
  }

  waitEvent(match: (e: DeviceEvent) => boolean, timeoutMs = 20000): Promise<DeviceEvent> {
    return new Promise((resolve, reject) => {
      const onEvent = (e: DeviceEvent) => { if (match(e)) { clearTimeout(timer); this.off("event", onEvent); resolve(e); } };
      const timer = setTimeout(() => { this.off("event", onEvent); reject(new Error(`no matching event within ${timeoutMs} ms`)); }, timeoutMs);
      this.on("event", onEvent);
    });
  }

  async waitPhase(phase: number, timeoutMs = 20000): Promise<CallReport> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.phase()) === phase) return this.callReport();
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`call phase ${await this.phase()}, not ${phase}, after ${timeoutMs} ms`);
  }

  /** Asks the device to quit; resolves with its exit code (a sanitizer's leak report is non-zero). */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((r) => this.child.once("exit", (code) => r(code)));
    this.child.stdin.write("quit\n");
    return exited;
  }
}
