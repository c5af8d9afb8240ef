// A simulated device: the image (build/sdk.wasm) with the Node host's I/O imports, ticked on a
// timer. The image does all the protocol work; this class only moves strings in and out, turns
// the image's `event` import into Node events, and offers promises for tests and the CLI.
import { EventEmitter } from "node:events";
import { join } from "node:path";
import { Image, DEFAULT_IMAGE, type HostImports } from "./image.js";
import { OtaHost, type Boot, type OtaHostOptions } from "./ota/host.js";
import { ioImports, KvFiles, type IoImports, type StreamOptions } from "./imports/index.js";
import type { KvOptions } from "./imports/kv.js";
import { OK, E_STATE, E_TIMEOUT } from "./errors.js";

// Kinds of the image's event import (assembly/signal/events.ts).
export const EVENT_NAMES: Record<number, string> = {
  1: "link", 2: "registered", 3: "ring", 4: "state", 5: "media", 6: "command", 7: "busy_sent", 8: "ota",
  10: "ota_ready",
};
export const COMMAND_NAMES: Record<number, string> = {
  1: "time", 2: "register", 3: "call", 4: "answer", 5: "reject", 6: "hangup", 7: "cancel", 8: "busy", 9: "ticket",
};
export const PHASE_NAMES = ["idle", "dialing", "calling", "ringing", "answering", "talking", "ending", "ended"];
export const STATE_NAMES = ["idle", "calling", "talking", "rejected", "cancelled", "caller hung up", "callee hung up",
  "aborted", "busy", "no answer"];

export interface DeviceEvent { name: string; kind: number; a: number; b: number; at: number }

export interface CallMedia {
  relay_host: string; relay_port: number; ssrc: number; peer_ssrc: number; payload_type: number;
  clock_rate: number; ptime_ms: number; token: string;
}
export interface CallReport {
  phase: number; state: number; reason: number; direction: "outgoing" | "incoming"; room_type: "voice" | "video";
  error: number; link: boolean; last_seq: number; call_id: string; peer: string; media: CallMedia | null;
}
export interface DeviceReport {
  registered: number; sn: string; device_id?: string; model_id?: string; wxa_appid?: string; registered_at?: number;
}
export interface Identity { sn: string; secret: string; cloud: string }

export interface DeviceOptions {
  /** Directory of the device's key-value storage (its "flash"). */
  storage: string;
  kv?: KvOptions;
  /** CA certificates the device trusts for its cloud (PEM). */
  ca?: string | Buffer;
  /** Refuse new connections while it returns false (a simulated network cut). */
  gate?: StreamOptions["gate"];
  image?: string;
  /** Tick period in ms (default 5). */
  tickMs?: number;
  /** Over-the-air updates: the release public key, slot size, health timeout (host-node/ota/host.ts). */
  ota?: OtaHostOptions;
}

export function nowMs(): number { return Number(process.hrtime.bigint() / 1_000_000n) >>> 0; }

export class Device extends EventEmitter {
  /** The running image; replaced when the device restarts into an update or rolls back. */
  image: Image;
  readonly io: IoImports;
  readonly ota: OtaHost;
  private readonly imports: HostImports;
  private initialised = false;
  private timeouts: [number, number, number, number] | null = null;
  /** When a trial image must have confirmed by (Date.now() ms), or 0. */
  private trialDeadline = 0;
  readonly kvFiles: KvFiles;
  readonly events: DeviceEvent[] = [];
  private pending: DeviceEvent[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly options: DeviceOptions) {
    super();
    this.kvFiles = new KvFiles(options.storage, options.kv);
    this.io = ioImports({
      kv: this.kvFiles,
      stream: { ca: options.ca, gate: options.gate },
      onEvent: (kind, a, b) => { this.pending.push({ name: EVENT_NAMES[kind] ?? `event${kind}`, kind, a, b, at: Date.now() }); },
    });
    this.ota = new OtaHost(options.ota?.dir ?? join(options.storage, "ota-slots"), options.image ?? DEFAULT_IMAGE, options.ota);
    this.imports = { ...this.io.imports, ...this.ota.imports(this.io.mem) };
    this.image = this.load(this.ota.boot());
  }

  /** Loads the image a boot chose; a trial image that does not even load is rolled back. */
  private load(boot: Boot): Image {
    let image: Image;
    try { image = Image.load(this.imports, boot.path); } catch (e) {
      if (!boot.trial) throw e;
      return this.load(this.ota.rollback(E_STATE));
    }
    this.io.mem.attach(image.exports.memory);
    this.trialDeadline = boot.trial ? Date.now() + this.ota.healthTimeoutMs : 0;
    return image;
  }

  /**
   * Restarts the image, as a device's runtime does after an update is staged (event 10) or when a
   * trial image fails (`rollbackReason`: E_STATE trap, E_TIMEOUT no confirm). Connections are
   * dropped, the boot record decides which image runs, and an initialised device is initialised
   * again (its timeouts re-applied) so it carries on by itself. Returns that init's result (OK
   * when the device was not initialised).
   */
  restart(rollbackReason = 0): number {
    this.io.streams.closeAll();
    this.io.udp.closeAll();
    this.pending = [];
    this.image = this.load(rollbackReason !== 0 ? this.ota.rollback(rollbackReason) : this.ota.boot());
    this.emit("restart", { slot: this.ota.record.active, version: this.ota.record.activeVersion, rollback: rollbackReason });
    if (!this.initialised) return OK;
    const r = this.init();
    if (this.timeouts) this.setTimeouts(...this.timeouts);
    return r;
  }

  /** Runs an export; a trap of a trial image rolls it back and answers what the restart did. */
  private guard(fn: () => number): number {
    try { return fn(); } catch (e) {
      if (!(e instanceof WebAssembly.RuntimeError) || !this.ota.onTrial) throw e;
      return this.restart(E_STATE);
    }
  }

  private get x() { return this.image.exports; }

  private writeString(text: string): number {
    const bytes = Buffer.from(text, "utf8");
    this.image.writeIo(bytes);
    return bytes.length;
  }

  private readJson<T>(fn: (out: number, cap: number) => number): T {
    const n = fn(this.image.ioPtr, this.image.ioCapacity);
    if (n < 0) throw new Error(`image report failed: ${n}`);
    return JSON.parse(Buffer.from(this.image.readIo(n)).toString("utf8")) as T;
  }

  provision(identity: Identity): number {
    const n = this.writeString(JSON.stringify(identity));
    return this.x.vsdk_device_provision(this.image.ioPtr, n);
  }

  init(): number {
    this.initialised = true;
    return this.guard(() => this.x.vsdk_device_init(nowMs()));
  }
  isRegistered(): number { return this.x.vsdk_device_is_registered(); }
  deviceReport(): DeviceReport { return this.readJson((o, c) => this.x.vsdk_device_report(o, c)); }
  callReport(): CallReport { return this.readJson((o, c) => this.x.vsdk_signal_report(o, c)); }
  get phase(): number { return this.x.vsdk_signal_phase(); }
  get state(): number { return this.x.vsdk_signal_state(); }
  get memoryUsed(): number { return this.x.vsdk_memory_used(); }

  setTimeouts(waitSeconds: number, callTimeoutMs: number, ringTimeoutMs: number, requestTimeoutMs = 10000): number {
    this.timeouts = [waitSeconds, callTimeoutMs, ringTimeoutMs, requestTimeoutMs];
    return this.x.vsdk_signal_set_timeouts(waitSeconds, callTimeoutMs, ringTimeoutMs, requestTimeoutMs);
  }

  /** Registers with the cloud; resolves with OK or the error the image reports. */
  async register(timeoutMs = 20000): Promise<number> {
    const r = this.x.vsdk_device_register(nowMs());
    if (r !== OK) return r;
    const e = await this.waitEvent((ev) => ev.name === "registered", timeoutMs);
    return e.a;
  }

  /** A fresh device ticket from the cloud (for the user's authorisation), or the error code. */
  async ticket(timeoutMs = 20000): Promise<string | number> {
    const r = this.x.vsdk_device_ticket(nowMs());
    if (r !== OK) return r;
    const e = await this.waitEvent((ev) => ev.name === "command" && ev.a === 9, timeoutMs);
    if (e.b !== OK) return e.b;
    const n = this.x.vsdk_device_ticket_read(this.image.ioPtr, this.image.ioCapacity);
    return n < 0 ? n : Buffer.from(this.image.readIo(n)).toString("utf8");
  }

  call(openid: string, opts: { video?: boolean; payload?: string; customQuery?: string } = {}): number {
    const o = Buffer.from(openid, "utf8"), p = Buffer.from(opts.payload ?? "", "utf8"), q = Buffer.from(opts.customQuery ?? "", "utf8");
    this.image.writeIo(Buffer.concat([o, p, q]));
    return this.x.vsdk_signal_call(nowMs(), opts.video ? 1 : 0, this.image.ioPtr, o.length, p.length, q.length);
  }
  answer(): number { return this.x.vsdk_signal_answer(nowMs()); }
  reject(): number { return this.x.vsdk_signal_reject(nowMs()); }
  cancel(): number { return this.x.vsdk_signal_cancel(nowMs()); }
  hangup(): number { return this.x.vsdk_signal_hangup(nowMs()); }

  /** One tick, then the events it raised (delivered after the image returned). A test may
   *  pass its own clock (ms, wrapping u32) to skip through backoff and timeouts. */
  tick(now: number = nowMs()): void {
    if (this.trialDeadline !== 0 && Date.now() >= this.trialDeadline) {
      this.trialDeadline = 0;
      if (this.ota.onTrial) { this.restart(E_TIMEOUT); return; }
    }
    this.guard(() => this.x.vsdk_signal_tick(now >>> 0));
    const batch = this.pending;
    this.pending = [];
    let update = false;
    for (const e of batch) {
      this.events.push(e);
      if (this.events.length > 1000) this.events.shift();
      this.emit("event", e);
      this.emit(e.name, e);
      if (e.kind === 10) update = true;
    }
    // The image staged an update and no call is in progress: boot it now.
    if (update) this.restart();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 5);
  }

  /** From now on the network tick runs every `ms` (a host whose network task is held up). */
  setTickMs(ms: number): void {
    this.options.tickMs = ms;
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    this.start();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.io.streams.closeAll();
    this.io.udp.closeAll();
  }

  /** Resolves with the first event (from now on) that matches, or rejects after timeoutMs. */
  waitEvent(match: (e: DeviceEvent) => boolean, timeoutMs = 20000): Promise<DeviceEvent> {
    return new Promise((resolve, reject) => {
      const onEvent = (e: DeviceEvent) => {
        if (!match(e)) return;
        clearTimeout(timer);
        this.off("event", onEvent);
        resolve(e);
      };
      const timer = setTimeout(() => {
        this.off("event", onEvent);
        reject(new Error(`no matching device event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on("event", onEvent);
    });
  }

  /** Resolves when the call reaches `phase` (see PHASE_NAMES). */
  async waitPhase(phase: number, timeoutMs = 20000): Promise<CallReport> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.phase === phase) return this.callReport();
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`call phase ${PHASE_NAMES[this.phase]}, not ${PHASE_NAMES[phase]}, after ${timeoutMs} ms`);
  }
}
