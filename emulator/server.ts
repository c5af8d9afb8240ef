// The WeChat platform emulator's HTTP side: WeChat's server API paths the vendor cloud calls
// (token, stable_token, getsnticket, the call API), the room signalling link room workers open
// (an HTTP upgrade on the same port), and /emulator/* controls with which a test plays the
// phone user (authorise, script, call the device, hang up) and reads back what happened.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createInterface } from "node:readline";
import { createLogger, type Logger } from "../cloud/log.js";
import { encodeWav } from "../host-node/wav.js";
import { mulawToLinear } from "./mulaw.js";
import { Platform, WxError } from "./platform.js";
import { Pusher, type PushTarget } from "./pusher.js";
import { DEFAULT_SCRIPT, Room, type UserScript } from "./room.js";

export interface EmulatorOptions {
  host: string;
  port: number;
  appid: string;
  secret: string;
  models: string[];
  pushUrl: string | null;      // the vendor cloud's /wechat/push
  pushCa: Buffer | undefined;  // the CA to trust for it (the cloud's development CA)
  pushToken: string;
  encodingAesKey: string;
  tokenTtlSeconds: number;
  ticketTtlSeconds: number;
  ringTimeoutMs: number;
  pushAnswerTimeoutMs: number;
}

export function defaultEmulatorOptions(overrides: Partial<EmulatorOptions> = {}): EmulatorOptions {
  const env = process.env;
  return {
    host: "127.0.0.1",
    port: Number(env.VSDK_EMULATOR_PORT ?? 8480),
    appid: env.VSDK_WXA_APPID ?? "wx0123456789abcdef",
    secret: env.VSDK_WXA_SECRET ?? "dev-app-secret",
    models: (env.VSDK_MODEL_IDS ?? "vsdk-model-1").split(","),
    pushUrl: env.VSDK_PUSH_URL ?? "https://127.0.0.1:8443/wechat/push",
    pushCa: undefined,
    pushToken: env.VSDK_PUSH_TOKEN ?? "devpushtoken",
    encodingAesKey: env.VSDK_ENCODING_AES_KEY ?? "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    tokenTtlSeconds: 7200,
    ticketTtlSeconds: 300,
    ringTimeoutMs: 30_000,
    pushAnswerTimeoutMs: 5000,
    ...overrides,
  };
}

const MAX_BODY = 64 * 1024;
const ROOM_MEMORY_MS = 10 * 60_000;

export class Emulator {
  readonly platform: Platform;
  readonly pusher: Pusher;
  readonly rooms = new Map<string, Room>();
  private scripts = new Map<string, UserScript>();
  private server!: Server;
  private links = new Set<Socket>();
  readonly log: Logger = createLogger("emulator");
  url = "";

  private constructor(readonly options: EmulatorOptions) {
    this.platform = new Platform(options);
    this.pusher = new Pusher(() => this.pushTarget(), options.pushAnswerTimeoutMs);
  }

  static async start(overrides: Partial<EmulatorOptions> = {}): Promise<Emulator> {
    const emulator = new Emulator(defaultEmulatorOptions(overrides));
    await emulator.listen();
    emulator.log.info("emulator listening", { url: emulator.url, push_url: emulator.options.pushUrl });
    return emulator;
  }

  private pushTarget(): PushTarget | null {
    const o = this.options;
    return o.pushUrl ? { url: o.pushUrl, ca: o.pushCa, token: o.pushToken, encodingAesKey: o.encodingAesKey, appid: o.appid, toUser: "gh_emulated" } : null;
  }

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => { void this.handle(req, res); });
    this.server.on("upgrade", (req, socket) => this.roomLink(req, socket as Socket));
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.url = `http://${this.options.host}:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const room of this.rooms.values()) room.close();
    for (const link of this.links) link.destroy();
    await new Promise<void>((r) => { this.server.close(() => r()); this.server.closeAllConnections(); });
  }

  /** Where the room workers connect: one JSON line to join, then states one way and decisions the other. */
  private roomLink(req: IncomingMessage, socket: Socket): void {
    if (req.url !== "/room/connect" || req.headers.upgrade !== "vsdk-room") { socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"); return; }
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: vsdk-room\r\nConnection: Upgrade\r\n\r\n");
    this.links.add(socket);
    socket.on("close", () => this.links.delete(socket));
    socket.on("error", () => undefined);
    let room: Room | null = null;
    const reply = (m: unknown, end = false) => {
      if (!socket.writable) return; // the worker went away while we were opening its media port
      if (end) socket.end(JSON.stringify(m) + "\n");
      else socket.write(JSON.stringify(m) + "\n");
    };
    createInterface({ input: socket }).on("error", () => undefined).on("line", async (line) => {
      let m: Record<string, unknown>;
      try { m = JSON.parse(line); } catch { socket.destroy(); return; }
      if (!room) {
        const candidate = typeof m.join === "string" ? this.rooms.get(m.join) : undefined;
        const refusal = candidate ? candidate.join(socket, m) : "roomid wrong";
        if (!candidate || refusal) { reply({ joined: false, errcode: 1, errmsg: refusal }, true); return; }
        if (candidate.ended) { reply({ joined: true, media_port: 0, state: candidate.state, reason: candidate.reason }, true); return; }
        room = candidate;
        const mediaPort = await room.openMedia(this.options.host);
        reply({ joined: true, media_port: mediaPort, state: room.state, reason: room.reason });
      } else if (typeof m.op === "string") room.workerOp(m.op);
    });
  }

  private scriptFor(openid: string): UserScript { return this.scripts.get(openid) ?? DEFAULT_SCRIPT; }

  /** A room is made, WeChat pushes join_voip_room to the vendor cloud, and the phone rings only on errcode 0. */
  private async openRoom(sn: string, modelId: string, openid: string, roomType: string, payload: string, userIsCaller: boolean): Promise<Room> {
    const room = new Room(sn, modelId, openid, roomType, userIsCaller, this.scriptFor(openid), this.options.ringTimeoutMs);
    // Ended rooms stay readable for a while (tests read their records), then go: memory stays bounded.
    for (const [id, old] of this.rooms) if ((old.endedAt ?? Infinity) < Date.now() - ROOM_MEMORY_MS) this.rooms.delete(id);
    this.rooms.set(room.id, room);
    const outcome = this.pusher.push({
      ToUserName: "gh_emulated", FromUserName: openid, CreateTime: Math.floor(Date.now() / 1000), MsgType: "event",
      Event: "iot_voip_notify", Action: "join_voip_room", RoomId: room.id, SessionKey: room.sessionKey,
      ServerToken: room.serverToken, Payload: payload, ModelId: modelId, Sn: sn, RoomType: roomType,
    }).then((o) => {
      this.log.info("push answered", { room: room.id, ...o });
      if (o.errcode === 0) room.startRinging();
      else room.abort("vendor-cloud");
      return o;
    });
    room.pushOutcome = outcome;
    return room;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req) { size += (c as Buffer).length; if (size > MAX_BODY) { send(413, { errcode: 40002, errmsg: "body too large" }); return; } chunks.push(c as Buffer); }
      let json: Record<string, any> = {};
      if (size > 0) {
        try { json = JSON.parse(Buffer.concat(chunks).toString("utf8")); } catch { send(200, { errcode: 47001, errmsg: "data format error" }); return; }
        if (typeof json !== "object" || json === null) { send(200, { errcode: 47001, errmsg: "data format error" }); return; }
      }
      send(200, await this.route(req.method ?? "GET", url, json, res));
    } catch (err) {
      if (err instanceof WxError) send(200, { errcode: err.errcode, errmsg: err.errmsg });
      else if (err instanceof RawAnswer) { res.writeHead(200, { "content-type": err.type }); res.end(err.body); }
      else { this.log.error("emulator request failed", { error: String(err) }); send(500, { errcode: -1, errmsg: "system error" }); }
    }
  }

  private async route(method: string, url: URL, json: Record<string, any>, _res: ServerResponse): Promise<unknown> {
    const q = url.searchParams, p = url.pathname;
    const ok = (extra: Record<string, unknown> = {}) => ({ errcode: 0, errmsg: "ok", ...extra });
    // WeChat's server API
    if (p === "/cgi-bin/token" && method === "GET") {
      if (q.get("grant_type") !== "client_credential") throw new WxError(40002, "invalid grant_type");
      return this.platform.issueToken(q.get("appid"), q.get("secret"));
    }
    if (p === "/cgi-bin/stable_token" && method === "POST") {
      if (json.grant_type !== "client_credential") throw new WxError(40002, "invalid grant_type");
      return this.platform.issueToken(json.appid ?? null, json.secret ?? null);
    }
    if (p === "/wxa/getsnticket" && method === "POST") {
      this.platform.checkToken(q.get("access_token"));
      return ok({ sn_ticket: this.platform.getSnTicket(json.sn, json.model_id) });
    }
    if (p === "/wxa/business/iot/voip/call" && method === "POST") {
      this.platform.checkToken(q.get("access_token"));
      this.platform.checkCall(json.openid, json.sn, json.model_id, json.room_type);
      const room = await this.openRoom(json.sn, json.model_id, json.openid, json.room_type, String(json.payload ?? ""), false);
      return ok({ roomid: room.id });
    }
    if (p === "/healthz") return { ok: true, rooms: this.rooms.size, tokens_issued: this.platform.tokensIssued, pushes_sent: this.pusher.sent };
    // Controls for tests and people: the phone user's side
    const parts = p.split("/").filter(Boolean);
    if (parts[0] !== "emulator") throw new WxError(404, `no such path ${p}`);
    if (parts[1] === "grant" && method === "POST") {
      this.platform.grant(json.openid, json.sn, json.model_id, json.sn_ticket, json.device_name ?? "device");
      return ok();
    }
    if (parts[1] === "revoke" && method === "POST") return ok({ revoked: this.platform.revoke(String(json.openid), String(json.sn)) });
    if (parts[1] === "models" && method === "POST") { this.platform.models.add(String(json.model_id)); return ok(); }
    if (parts[1] === "faults" && method === "POST") {
      if (typeof json.getsnticket_busy === "number") this.platform.busyTickets = json.getsnticket_busy;
      if (typeof json.ignore_push_answers === "number") this.pusher.ignoreAnswers = json.ignore_push_answers;
      if (json.expire_tokens === true) this.platform.expireTokens();
      return ok();
    }
    if (parts[1] === "users" && parts.length === 4 && method === "POST") {
      const openid = decodeURIComponent(parts[2]);
      if (parts[3] === "script") {
        const answer = json.answer ?? "answer";
        if (!["answer", "reject", "busy", "no_answer"].includes(answer)) throw new WxError(40097, "answer must be answer, reject, busy or no_answer");
        this.scripts.set(openid, { ...DEFAULT_SCRIPT, ...json, answer });
        return ok();
      }
      if (parts[3] === "call") { // the Mini Program's callDevice({isCloud: true})
        this.platform.checkCall(openid, json.sn, json.model_id, json.room_type ?? "voice");
        const room = await this.openRoom(json.sn, json.model_id, openid, json.room_type ?? "voice", String(json.payload ?? ""), true);
        const push = await room.pushOutcome!;
        return ok({ roomid: room.id, push_errcode: push.errcode, push_attempts: push.attempts });
      }
    }
    if (parts[1] === "rooms" && parts.length >= 3) {
      const room = this.rooms.get(parts[2]);
      if (!room) throw new WxError(1, "roomid wrong");
      if (parts.length === 3 && method === "GET") return { ...ok(), ...room.summary() };
      if (parts[3] === "hangup" && method === "POST") { room.userHangsUp(); return ok({ state: room.state }); }
      if (parts[3] === "recording.wav" && method === "GET") {
        const pcmu = Buffer.concat(room.recording);
        const pcm = new Int16Array(pcmu.length);
        for (let i = 0; i < pcmu.length; i++) pcm[i] = mulawToLinear(pcmu[i]);
        throw new RawAnswer("audio/wav", Buffer.from(encodeWav(pcm, 8000)));
      }
      if (parts[3] === "push" && method === "GET") return ok({ ...await room.pushOutcome! });
    }
    throw new WxError(404, `no such path ${p}`);
  }
}

/** A non-JSON answer (a recording), thrown past the JSON path. */
class RawAnswer extends Error {
  constructor(readonly type: string, readonly body: Buffer) { super("raw"); }
}
