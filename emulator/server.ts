// The WeChat platform emulator's HTTP side: WeChat's server API paths the vendor cloud calls
// (token, stable_token, getsnticket, the call API), the room signalling link room workers open
// (an HTTP upgrade on the same port), and /emulator/* controls with which a test plays the
// phone user (authorise, script, call the device, hang up) and reads back what happened.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { StringDecoder } from "node:string_decoder";
import { createLogger, type Logger } from "../cloud/log.js";
import { encodeWav } from "../host-node/wav.js";
import { ApiError, lingerOnClose, readBody, utf8Text } from "../cloud/http.js";
import { mulawToLinear } from "./mulaw.js";
import { Platform, WxError } from "./platform.js";
import { Pusher, type PushTarget } from "./pusher.js";
import { DEFAULT_SCRIPT, Room, type UserScript } from "./room.js";
import { wavSpeech } from "./speech.js";

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
  headersTimeoutMs: number;    // a request's headers must all arrive within this
  requestTimeoutMs: number;    // and its whole body within this
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
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    ...overrides,
  };
}

const MAX_BODY = 64 * 1024;
const MAX_LINK_LINE = 4096; // a room link's JSON lines are a few hundred bytes
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
    // Slow clients are cut off (408) rather than holding a connection for Node's minute-long default.
    this.server = createServer({ headersTimeout: this.options.headersTimeoutMs, requestTimeout: this.options.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, this.options.headersTimeoutMs) }, (req, res) => { void this.handle(req, res); });
    this.server.on("upgrade", (req, socket, head) => this.roomLink(req, socket as Socket, head));
    // Expect: 100-continue with a declared body over the limit: the 413 comes instead of the invitation.
    this.server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
      if (Number(req.headers["content-length"] ?? 0) <= MAX_BODY) res.writeContinue();
      void this.handle(req, res);
    });
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
  private roomLink(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on("error", () => undefined);
    if (req.url !== "/room/connect" || req.headers.upgrade !== "vsdk-room") { socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"); return; }
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: vsdk-room\r\nConnection: Upgrade\r\n\r\n");
    this.links.add(socket);
    socket.on("close", () => this.links.delete(socket));
    let room: Room | null = null;
    const reply = (m: unknown, end = false) => {
      if (!socket.writable) return; // the worker went away while we were opening its media port
      if (end) socket.end(JSON.stringify(m) + "\n");
      else socket.write(JSON.stringify(m) + "\n");
    };
    // Lines are handled one after another (a join opens a media port before the next line counts),
    // and a line may not grow without bound: a peer that never sends a newline is cut off.
    let pending = "", queue = Promise.resolve();
    const feed = (text: string) => {
      pending += text;
      for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        queue = queue.then(() => onLine(line)).catch((err) => { this.log.warn("room link line failed", { error: String(err) }); socket.destroy(); });
      }
      if (pending.length > MAX_LINK_LINE) {
        socket.off("data", onData);
        pending = "";
        reply({ error: `a line is at most ${MAX_LINK_LINE} bytes` }, true);
        setTimeout(() => socket.destroy(), 1000).unref();
      }
    };
    const onLine = async (line: string) => {
      if (line.trim() === "" || !socket.writable) return;
      let m: Record<string, unknown>;
      try { m = JSON.parse(line); } catch { m = null as never; }
      if (typeof m !== "object" || m === null || Array.isArray(m)) { reply({ error: "each line must be a JSON object" }, true); return; }
      if (!room) {
        const candidate = typeof m.join === "string" ? this.rooms.get(m.join) : undefined;
        const refusal = candidate ? candidate.join(socket, m) : "roomid wrong";
        if (!candidate || refusal) { reply({ joined: false, errcode: 1, errmsg: refusal }, true); return; }
        if (candidate.ended) { reply({ joined: true, media_port: 0, state: candidate.state, reason: candidate.reason }, true); return; }
        room = candidate;
        const mediaPort = await room.openMedia(this.options.host);
        reply({ joined: true, media_port: mediaPort, state: room.state, reason: room.reason });
      } else if (typeof m.op === "string") room.workerOp(m.op);
    };
    // (Node's HTTP server forbids setEncoding on its sockets, even upgraded ones.)
    const utf8 = new StringDecoder("utf8");
    const onData = (chunk: Buffer) => feed(utf8.write(chunk));
    socket.on("data", onData);
    onData(head); // bytes the peer sent right behind its upgrade request
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
    let json: Record<string, any> = {};
    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY);
    } catch (err) {
      if (!(err instanceof ApiError)) return; // the client went away mid-body: nobody to answer
      res.setHeader("connection", "close");
      lingerOnClose(req.socket, 2000); // so the client reads this answer rather than a reset
      send(413, { errcode: 40002, errmsg: "body too large" });
      return;
    }
    if (body.length > 0) {
      // WeChat's 47001 "data format error" for anything but a JSON object in UTF-8.
      const text = utf8Text(body);
      try { json = text === null ? null : JSON.parse(text); } catch { json = null as never; }
      if (typeof json !== "object" || json === null || Array.isArray(json)) { send(200, { errcode: 47001, errmsg: "data format error" }); return; }
    }
    try {
      send(200, await this.route(req.method === "HEAD" ? "GET" : req.method ?? "GET", url, json, res));
    } catch (err) {
      if (err instanceof WxError) send(err.status, { errcode: err.errcode, errmsg: err.errmsg });
      else if (err instanceof RawAnswer) { res.writeHead(200, { "content-type": err.type, "content-length": err.body.length }); res.end(err.body); }
      else { this.log.error("emulator request failed", { error: String(err) }); send(500, { errcode: -1, errmsg: "system error" }); }
    }
  }

  private async route(method: string, url: URL, json: Record<string, any>, _res: ServerResponse): Promise<unknown> {
    const q = url.searchParams, p = url.pathname;
    const ok = (extra: Record<string, unknown> = {}) => ({ errcode: 0, errmsg: "ok", ...extra });
    // The path is known: with the wrong method it is WeChat's 43001 "require GET" or 43002 "require POST".
    const is = (matches: boolean, m: "GET" | "POST") => {
      if (matches && method !== m) throw new WxError(m === "GET" ? 43001 : 43002, `require ${m} method`);
      return matches;
    };
    // WeChat's server API
    if (is(p === "/cgi-bin/token", "GET")) {
      if (q.get("grant_type") !== "client_credential") throw new WxError(40002, "invalid grant_type");
      return this.platform.issueToken(q.get("appid"), q.get("secret"));
    }
    if (is(p === "/cgi-bin/stable_token", "POST")) {
      if (json.grant_type !== "client_credential") throw new WxError(40002, "invalid grant_type");
      return this.platform.issueToken(json.appid ?? null, json.secret ?? null);
    }
    if (is(p === "/wxa/getsnticket", "POST")) {
      this.platform.checkToken(q.get("access_token"));
      return ok({ sn_ticket: this.platform.getSnTicket(json.sn, json.model_id) });
    }
    if (is(p === "/wxa/business/iot/voip/call", "POST")) {
      this.platform.checkToken(q.get("access_token"));
      this.platform.checkCall(json.openid, json.sn, json.model_id, json.room_type);
      const room = await this.openRoom(json.sn, json.model_id, json.openid, json.room_type, String(json.payload ?? ""), false);
      return ok({ roomid: room.id });
    }
    if (is(p === "/healthz", "GET")) return { ok: true, rooms: this.rooms.size, tokens_issued: this.platform.tokensIssued, pushes_sent: this.pusher.sent };
    // Controls for tests and people: the phone user's side
    const parts = p.split("/").filter(Boolean);
    if (parts[0] === "emulator" && parts.length === 2) {
      if (is(parts[1] === "grant", "POST")) {
        this.platform.grant(json.openid, json.sn, json.model_id, json.sn_ticket, json.device_name ?? "device");
        return ok();
      }
      if (is(parts[1] === "revoke", "POST")) return ok({ revoked: this.platform.revoke(String(json.openid), String(json.sn)) });
      if (is(parts[1] === "models", "POST")) {
        if (typeof json.model_id !== "string" || !MODEL_ID.test(json.model_id)) throw new WxError(40097, "model_id must be 1 to 64 of [0-9A-Za-z_-]");
        this.platform.models.add(json.model_id);
        return ok();
      }
      if (is(parts[1] === "faults", "POST")) {
        const count = (k: string) => {
          const v = json[k];
          if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 1000)) throw new WxError(40097, `${k} must be a whole number 0..1000`);
          return v as number | undefined;
        };
        const busy = count("getsnticket_busy"), ignore = count("ignore_push_answers");
        if (busy !== undefined) this.platform.busyTickets = busy;
        if (ignore !== undefined) this.pusher.ignoreAnswers = ignore;
        if (json.expire_tokens === true) this.platform.expireTokens();
        return ok();
      }
    }
    if (parts[0] === "emulator" && parts[1] === "users" && parts.length === 4) {
      let openid: string;
      try { openid = decodeURIComponent(parts[2]); } catch { throw new WxError(20, "openid invalid"); }
      if (is(parts[3] === "script", "POST")) {
        this.scripts.set(openid, userScript(json));
        return ok();
      }
      if (is(parts[3] === "call", "POST")) { // the Mini Program's callDevice({isCloud: true})
        this.platform.checkCall(openid, json.sn, json.model_id, json.room_type ?? "voice");
        const room = await this.openRoom(json.sn, json.model_id, openid, json.room_type ?? "voice", String(json.payload ?? ""), true);
        const push = await room.pushOutcome!;
        return ok({ roomid: room.id, push_errcode: push.errcode, push_attempts: push.attempts });
      }
    }
    if (parts[0] === "emulator" && parts[1] === "rooms" && (parts.length === 3 || parts.length === 4)) {
      const room = this.rooms.get(parts[2]);
      const found = () => { if (!room) throw new WxError(1, "roomid wrong"); return room; };
      if (is(parts.length === 3, "GET")) return { ...ok(), ...found().summary() };
      if (is(parts[3] === "hangup", "POST")) { found().userHangsUp(); return ok({ state: found().state }); }
      if (is(parts[3] === "recording.wav", "GET")) {
        const pcmu = Buffer.concat(found().recording);
        const pcm = new Int16Array(pcmu.length);
        for (let i = 0; i < pcmu.length; i++) pcm[i] = mulawToLinear(pcmu[i]);
        throw new RawAnswer("audio/wav", Buffer.from(encodeWav(pcm, 8000)));
      }
      if (is(parts[3] === "push", "GET")) return ok({ ...await found().pushOutcome! });
    }
    throw new WxError(404, `no such path ${p}`, 404);
  }
}

const MODEL_ID = /^[0-9A-Za-z_-]{1,64}$/;
const LONGEST_SCRIPT_MS = 3_600_000;

/** A user's script from its JSON, every field checked, so a bad one fails here, not in a later call. */
function userScript(json: Record<string, any>): UserScript {
  const bad = (why: string) => new WxError(40097, `invalid args: ${why}`);
  const answer = json.answer ?? "answer";
  if (!["answer", "reject", "busy", "no_answer"].includes(answer)) throw bad("answer must be answer, reject, busy or no_answer");
  const ms = (k: string) => {
    const v = json[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > LONGEST_SCRIPT_MS)) throw bad(`${k} must be a whole number 0..${LONGEST_SCRIPT_MS}`);
    return v as number | undefined;
  };
  const script: UserScript = { answer, after_ms: ms("after_ms") ?? DEFAULT_SCRIPT.after_ms };
  const hangup = ms("hangup_after_ms"), cancel = ms("cancel_after_ms");
  if (hangup !== undefined) script.hangup_after_ms = hangup;
  if (cancel !== undefined) script.cancel_after_ms = cancel;
  const speech = json.speech ?? DEFAULT_SCRIPT.speech;
  if (typeof speech !== "object" || speech === null || Array.isArray(speech)) throw bad("speech must be {tone_hz} or {wav}");
  if (speech.wav !== undefined) {
    if (typeof speech.wav !== "string") throw bad("speech.wav must be a path");
    try { wavSpeech(speech.wav); } catch (err) { throw bad(`speech.wav: ${err instanceof Error ? err.message : String(err)}`); }
    script.speech = { wav: speech.wav };
  } else {
    const hz = speech.tone_hz ?? 440;
    if (!Number.isInteger(hz) || hz < 1 || hz >= 4000) throw bad("speech.tone_hz must be a whole number 1..3999 (8 kHz sampling)");
    script.speech = { tone_hz: hz };
  }
  return script;
}

/** A non-JSON answer (a recording), thrown past the JSON path. */
class RawAnswer extends Error {
  constructor(readonly type: string, readonly body: Buffer) { super("raw"); }
}
