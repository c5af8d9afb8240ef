// Call control, both ways. The WeChat room is the authority on a call's session state: the
// device's decisions go to the room through the call's worker, and the states the room reports
// are recorded (with their history) and sent to the device as call.state events.
//   device -> user: POST /v1/calls -> WeChat call API -> push join_voip_room -> worker joins as caller
//   user -> device: push join_voip_room -> call.ring event -> worker joins as callee -> answer/reject/busy
import { randomBytes, randomInt } from "node:crypto";
import { EventEmitter } from "node:events";
import type { CloudConfig } from "./config.js";
import type { EventChannel } from "./device-api/event-channel.js";
import { ApiError, badState, notFound } from "./http.js";
import type { Logger } from "./log.js";
import { STATE, TERMINAL_STATES } from "./rooms/protocol.js";
import { defaultWorkerCommand, WorkerProcess } from "./rooms/worker-process.js";
import { Store, type Call } from "./store/store.js";
import { WechatError, type WechatClient } from "./wechat/client.js";

/** The decrypted iot_voip_notify push, as far as call control needs it. */
export interface JoinRoomPush {
  RoomId: string; SessionKey: string; ServerToken: string; Payload: string;
  ModelId: string; Sn: string; FromUserName: string; RoomType?: string;
}

export type DeviceOp = "answer" | "reject" | "busy" | "hangup" | "cancel";

// The cloud's own marker in the payload it hands WeChat, so the push finds its call even when it
// overtakes the call API's answer.
const PAYLOAD_PREFIX = "vsdk1:";
const JOIN_DEADLINE_MS = 60_000;
const OPS_CHANNEL = "vsdk_call_ops";

export class CallControl {
  private workers = new Map<string, WorkerProcess>();
  private placing = new Set<string>(); // devices with a POST /v1/calls under way on this instance
  private changes = new EventEmitter();

  constructor(private store: Store, private events: EventChannel, private wechat: WechatClient,
    private config: CloudConfig, private log: Logger) {
    this.changes.setMaxListeners(0);
  }

  /**
   * Ends the calls a previous run of this instance left open: their workers died with it. On
   * SQLite there is only ever one instance, so that is every open call.
   */
  async endOrphans(): Promise<number> {
    const orphans = await this.store.openCallsOf(this.store.db.kind === "sqlite" ? null : this.config.instanceId);
    for (const c of orphans) await this.recordState(c.id, STATE.ABORTED, 0, "restart");
    return orphans.length;
  }

  async start(): Promise<void> {
    // A device's decision may land on an instance that does not run the call's worker.
    await this.store.db.listen(OPS_CHANNEL, (text) => {
      const { call_id, op } = JSON.parse(text);
      this.workers.get(call_id)?.send({ op });
    });
  }

  async stop(): Promise<void> {
    for (const w of this.workers.values()) w.stop();
    this.workers.clear();
  }

  active(): number { return this.workers.size; }

  private async startWorker(callId: string, ssrc: number, peerSsrc: number): Promise<{ worker: WorkerProcess; port: number }> {
    const worker = new WorkerProcess(this.config.roomWorker ?? defaultWorkerCommand());
    this.workers.set(callId, worker);
    let ended = false;
    worker.on("event", (e) => {
      if (e.ev === "state") {
        if (TERMINAL_STATES.has(e.state)) ended = true;
        void this.recordState(callId, e.state, e.reason, "room");
      } else if (e.ev === "error") this.log.warn("room worker error", { call_id: callId, message: e.message });
      else if (e.ev === "stats") this.log.info("call media", { call_id: callId, ...e });
    });
    worker.on("exit", () => {
      this.workers.delete(callId);
      if (!ended) void this.recordState(callId, STATE.ABORTED, 0, "worker-exit");
    });
    const joinWatch = setTimeout(() => { if (!ended) worker.stop(); }, JOIN_DEADLINE_MS);
    worker.on("event", (e) => { if (e.ev === "joined") clearTimeout(joinWatch); });
    worker.on("exit", () => clearTimeout(joinWatch));
    worker.send({ op: "init", bind_host: this.config.relayHost, ssrc, peer_ssrc: peerSsrc });
    try {
      const ready = await worker.next("ready", 15_000);
      return { worker, port: ready.media_port };
    } catch (err) {
      worker.stop();
      this.log.error("room worker did not start", { call_id: callId, error: String(err) });
      throw new ApiError(503, "room_unavailable", -1010);
    }
  }

  private media(port: number, ssrc: number, peerSsrc: number) {
    return { relay_host: this.config.relayHost, relay_port: port, ssrc, peer_ssrc: peerSsrc, codec: "PCMU",
      payload_type: 0, clock_rate: 8000, ptime_ms: 20, token: randomBytes(16).toString("hex") };
  }

  private async recordState(callId: string, state: number, reason: number, source: string): Promise<void> {
    try {
      const call = await this.store.transition(callId, state, reason, source, TERMINAL_STATES.has(state),
        (c) => ({ call_id: c.id, state, reason, ...(state === STATE.TALKING ? { media: c.media } : {}) }));
      if (call) {
        this.log.info("call state", { call_id: callId, state, reason, source });
        await this.events.announce(call.sn);
      }
      this.changes.emit(callId);
    } catch (err) {
      this.log.error("recording a call state failed", { call_id: callId, error: String(err) });
    }
  }

  /** A device asks to call a user. WeChat's refusal comes back as its errcode, as the closed SDK returns it. */
  async deviceCalls(sn: string, modelId: string, req: { callee_openid: string; room_type: string; payload: string; custom_query: string }) {
    // One call being placed per device at a time: parallel requests (a retry storm) would each
    // start a room worker process before the database could tell them apart.
    if (this.placing.has(sn)) throw new ApiError(409, "bad_state", -1016, { detail: "the device is already placing a call" });
    this.placing.add(sn);
    try {
      return await this.placeCall(sn, modelId, req);
    } finally {
      this.placing.delete(sn);
    }
  }

  private async placeCall(sn: string, modelId: string, req: { callee_openid: string; room_type: string; payload: string; custom_query: string }) {
    if (await this.store.openCallOf(sn)) throw new ApiError(409, "bad_state", -1016, { detail: "the device is already in a call" });
    const id = `c_${randomBytes(10).toString("hex")}`;
    const ssrc = randomInt(1, 2 ** 32 - 1), peerSsrc = randomInt(1, 2 ** 32 - 1);
    const { worker, port } = await this.startWorker(id, ssrc, peerSsrc);
    const media = this.media(port, ssrc, peerSsrc);
    try {
      await this.store.createCall({ id, sn, openid: req.callee_openid, direction: "device_to_user", room_type: req.room_type,
        room_id: null, payload: req.payload, state: STATE.CALLING, media, source: "device", instance: this.config.instanceId });
    } catch (err) {
      worker.stop();
      // Another request of this device won the race past the open-call check above.
      if (Store.isUniqueViolation(err)) throw new ApiError(409, "bad_state", -1016, { detail: "the device is already in a call" });
      throw err;
    }
    try {
      const roomId = await this.wechat.call({ sn, model_id: modelId, openid: req.callee_openid, room_type: req.room_type,
        payload: `${PAYLOAD_PREFIX}${id}:${req.payload}`, custom_query: req.custom_query });
      await this.store.setRoom(id, roomId);
      await this.store.authorise(sn, req.callee_openid); // WeChat accepted: the user has authorised the device
    } catch (err) {
      worker.stop();
      const errcode = err instanceof WechatError ? err.errcode : -1;
      const errmsg = err instanceof WechatError ? err.errmsg : String(err);
      await this.store.transition(id, STATE.ABORTED, 0, `wechat:${errcode}`, true);
      this.log.info("call refused by wechat", { call_id: id, errcode, errmsg });
      return { call_id: null, errcode, errmsg };
    }
    return { call_id: id, state: STATE.CALLING, media };
  }

  /** Decides the answer to a join_voip_room push (0 lets the phone ring) and starts handling it. */
  async decidePush(p: JoinRoomPush): Promise<{ errcode: number; start: () => Promise<void> }> {
    if (p.Payload?.startsWith(PAYLOAD_PREFIX)) {
      const callId = p.Payload.slice(PAYLOAD_PREFIX.length).split(":")[0];
      const call = await this.store.call(callId);
      if (!call || call.ended_at !== null) return { errcode: 1, start: async () => undefined };
      return { errcode: 0, start: () => this.join(call.id, p, "caller") };
    }
    const device = await this.store.device(p.Sn);
    if (!device || device.model_id !== p.ModelId) return { errcode: 2, start: async () => undefined };
    return { errcode: 0, start: () => this.ring(p) };
  }

  private async join(callId: string, p: JoinRoomPush, role: "caller" | "callee"): Promise<void> {
    await this.store.setRoom(callId, p.RoomId);
    const worker = this.workers.get(callId);
    if (!worker) return; // the call ended while WeChat was pushing
    worker.send({ op: "join", api_base: this.config.wechat.apiBase, room_id: p.RoomId, session_key: p.SessionKey,
      server_token: p.ServerToken, role });
  }

  /** A user calls the device: record the call, join the room as the listener, ring the device. */
  private async ring(p: JoinRoomPush): Promise<void> {
    const id = `c_${randomBytes(10).toString("hex")}`;
    const ssrc = randomInt(1, 2 ** 32 - 1), peerSsrc = randomInt(1, 2 ** 32 - 1);
    const busy = (await this.store.openCallOf(p.Sn)) !== null;
    const { port } = await this.startWorker(id, ssrc, peerSsrc);
    const media = this.media(port, ssrc, peerSsrc);
    const roomType = p.RoomType === "video" ? "video" : "voice";
    await this.store.createCall({ id, sn: p.Sn, openid: p.FromUserName, direction: "user_to_device", room_type: roomType,
      room_id: p.RoomId, payload: p.Payload ?? "", state: STATE.CALLING, media, source: "wechat", instance: this.config.instanceId });
    await this.store.authorise(p.Sn, p.FromUserName);
    await this.join(id, p, "callee");
    if (busy) { this.workers.get(id)?.send({ op: "busy" }); return; } // one call at a time per device
    await this.events.publish(p.Sn, "call.ring", { call_id: id, from_openid: p.FromUserName, room_type: roomType, media });
  }

  /** The device's answer/reject/busy/cancel/hangup; resolves once the room has reported the result. */
  async deviceOp(sn: string, callId: string, op: DeviceOp) {
    const call = await this.store.call(callId);
    if (!call || call.sn !== sn) throw notFound();
    if (call.ended_at !== null) throw badState(`the call has ended (state ${call.state})`);
    const inbound = call.direction === "user_to_device";
    const ringing = call.state === STATE.CALLING, talking = call.state === STATE.TALKING;
    const allowed = (op === "answer" || op === "reject" || op === "busy") ? inbound && ringing
      : op === "cancel" ? !inbound && ringing
      : ringing || talking;
    if (!allowed) throw badState(`${op} is not possible in state ${call.state}`);
    const roomOp = op === "answer" ? "accept" : op === "hangup" && ringing ? (inbound ? "reject" : "cancel") : op;
    const changed = this.waitForChange(callId, call.state);
    const local = this.workers.get(callId);
    if (local) local.send({ op: roomOp });
    else await this.store.db.notify(OPS_CHANNEL, JSON.stringify({ call_id: callId, op: roomOp }));
    const after = await changed;
    if (!after) throw new ApiError(504, "room_timeout", -1013);
    return { call_id: after.id, state: after.state, reason: after.reason, media: after.media };
  }

  private async waitForChange(callId: string, from: number): Promise<Call | null> {
    const deadline = Date.now() + this.config.roomOpTimeoutMs;
    while (Date.now() < deadline) {
      // Woken at once by a local worker; the short timeout covers a worker on another instance.
      await new Promise<void>((resolve) => {
        const done = () => { clearTimeout(t); this.changes.off(callId, done); resolve(); };
        const t = setTimeout(done, 50);
        this.changes.on(callId, done);
      });
      const call = await this.store.call(callId);
      if (call && (call.state !== from || call.ended_at !== null)) return call;
    }
    return null;
  }
}
