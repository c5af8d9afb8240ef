// The vendor cloud: one HTTPS server carrying the device API (/v1, signed), the vendor's
// back-office API (/admin/v1, bearer token), WeChat's push address (/wechat/push) and a health
// check. Instances keep no state of their own beyond call workers, so several can share one
// PostgreSQL database.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { CallControl, type DeviceOp } from "./calls.js";
import { defaultConfig, type CloudConfig } from "./config.js";
import { EventChannel } from "./device-api/event-channel.js";
import { SN_PATTERN } from "./device-api/signing.js";
import { verifyDeviceRequest } from "./device-api/verify.js";
import { ApiError, badRequest, E_DUPLICATE, lingerOnClose, methodNotAllowed, notFound, optionalString, parseJsonObject, readBody, sendJson } from "./http.js";
import { createLogger, type Logger } from "./log.js";
import { MAX_PACKAGE_BYTES } from "./ota/releases.js";
import { isOtaDevicePath, isPackageUpload, loadReleaseKey, OtaRoutes } from "./ota/routes.js";
import { AlreadyProvisioned, provisionDevice } from "./provision.js";
import { openDatabase } from "./store/db.js";
import { migrate } from "./store/migrations.js";
import { Store } from "./store/store.js";
import { developmentCertificate, loadTls } from "./tls.js";
import { WechatClient, WechatError } from "./wechat/client.js";
import { PushReceiver } from "./wechat/push-receiver.js";

const OPENID = /^[0-9A-Za-z_-]{1,128}$/;
const CALL_OPS = new Set(["answer", "reject", "busy", "hangup", "cancel"]);
const NONCE_PURGE_MS = 60_000;
const PUSH_MEMORY_MS = 24 * 3600_000; // WeChat resends within seconds; a day of memory is ample
const LINGER_MS = 2000; // how long a refused upload may go on being read and dropped
// Paths whose GET needs no signature: HEAD gets the same answer without the body.
const UNSIGNED_GET = new Set(["/healthz", "/v1/time"]);

export class Cloud {
  readonly log: Logger;
  readonly wechat: WechatClient;
  readonly events: EventChannel;
  readonly calls: CallControl;
  readonly push: PushReceiver;
  readonly ota: OtaRoutes;
  private server!: Server;
  private closing!: Promise<void>;
  private close!: () => void;
  private purgeTimer?: NodeJS.Timeout;
  private startedAt = Date.now();
  caFile: string | null = null;
  url = "";

  private constructor(readonly config: CloudConfig, readonly store: Store) {
    this.log = createLogger(`cloud:${config.instanceId}`);
    this.wechat = new WechatClient(config.wechat);
    this.events = new EventChannel(store);
    this.calls = new CallControl(store, this.events, this.wechat, config, this.log);
    this.push = new PushReceiver(config.wechat, store, this.calls, this.log);
    this.ota = new OtaRoutes(store.db, this.events, loadReleaseKey(config.releasePublicKey), this.log);
    this.closing = new Promise((r) => { this.close = r; });
  }

  static async start(overrides: Partial<CloudConfig> = {}): Promise<Cloud> {
    const config = defaultConfig(overrides);
    const db = await openDatabase(config.databaseUrl);
    await migrate(db);
    const cloud = new Cloud(config, new Store(db));
    await cloud.events.start();
    await cloud.calls.start();
    const orphans = await cloud.calls.endOrphans();
    if (orphans > 0) cloud.log.warn("ended calls a previous run left open", { calls: orphans });
    await cloud.listen();
    cloud.purgeTimer = setInterval(() => {
      void cloud.store.purgeNonces(Date.now()).catch(() => undefined);
      void cloud.store.purgePushes(Date.now() - PUSH_MEMORY_MS).catch(() => undefined);
    }, NONCE_PURGE_MS);
    cloud.purgeTimer.unref();
    cloud.log.info("cloud listening", { url: cloud.url, database: db.kind, ca: cloud.caFile });
    if (config.adminToken === "dev-admin-token" && config.host !== "127.0.0.1") cloud.log.warn("the back-office token is the development default; set VSDK_ADMIN_TOKEN");
    return cloud;
  }

  private async listen(): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => { void this.handle(req, res); };
    // A slow client (headers or body dribbled in) is cut off with 408 after these; the long-poll
    // is not affected: its request is complete when it parks. Node checks them on this interval.
    const timeouts = { headersTimeout: this.config.headersTimeoutMs, requestTimeout: this.config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, this.config.headersTimeoutMs) };
    if (this.config.tls === "none") {
      this.server = createHttpServer(timeouts, handler);
    } else {
      const files = this.config.tls.cert && this.config.tls.key ? { cert: this.config.tls.cert, key: this.config.tls.key }
        : developmentCertificate(join(this.config.dataDir, "tls"));
      if ("ca" in files) this.caFile = files.ca;
      // Node offers only http/1.1 by ALPN and aborts the handshake of a client that offers just
      // http/1.0 (curl --http1.0); HTTP/1.0 is served fine once the handshake is through.
      this.server = createHttpsServer({ ...loadTls(files), ...timeouts, ALPNProtocols: ["http/1.1", "http/1.0"] }, handler);
    }
    // Expect: 100-continue with a declared body over the limit: answer 413 without inviting the body.
    this.server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
      if (Number(req.headers["content-length"] ?? 0) <= this.bodyLimit(req, new URL(req.url ?? "/", "http://x"))) res.writeContinue();
      handler(req, res);
    });
    this.server.keepAliveTimeout = 60_000;
    this.server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
      const status = err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout"
        : err.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.config.port, this.config.host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `${this.config.tls === "none" ? "http" : "https"}://${this.config.host}:${port}`;
  }

  get port(): number { return (this.server.address() as AddressInfo).port; }

  async stop(): Promise<void> {
    this.close();
    clearInterval(this.purgeTimer);
    await this.calls.stop();
    await new Promise<void>((r) => { this.server.close(() => r()); this.server.closeAllConnections(); });
    await this.store.db.close();
  }

  /** Only the back office may send a whole release package; everyone else keeps the small limit. */
  private bodyLimit(req: IncomingMessage, url: URL): number {
    const upload = isPackageUpload(req.method ?? "GET", url.pathname) && req.headers.authorization === `Bearer ${this.config.adminToken}`;
    return upload ? MAX_PACKAGE_BYTES : this.config.maxBodyBytes;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    try {
      const body = await readBody(req, this.bodyLimit(req, url));
      const answer = await this.route(req, url, body, res);
      if (answer !== undefined && !res.headersSent) sendJson(res, 200, answer);
    } catch (err) {
      if (err instanceof ApiError) {
        if (err.status === 413) { // the rest of an oversize body is not worth reading
          res.setHeader("connection", "close");
          lingerOnClose(req.socket, LINGER_MS);
        }
        for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
        // WeChat's push address answers in WeChat's style: 47001 "data format error", 43002 "require POST".
        if (url.pathname === "/wechat/push") sendJson(res, err.status, { errcode: err.status === 405 ? 43002 : 47001, errmsg: String(err.extra.detail ?? err.error) });
        else sendJson(res, err.status, { error: err.error, code: err.code, ...err.extra });
      } else {
        this.log.error("request failed", { path: url.pathname, error: err instanceof Error ? err.stack : String(err) });
        if (!res.headersSent) sendJson(res, 500, { error: "internal", code: -1010 });
      }
    }
  }

  private async route(req: IncomingMessage, url: URL, body: Buffer, res: ServerResponse): Promise<unknown> {
    const path = url.pathname, method = req.method ?? "GET";
    const expect = (...allowed: string[]) => { if (!allowed.includes(method)) throw methodNotAllowed(...allowed); };
    if (path === "/healthz") {
      expect("GET", "HEAD"); // Node leaves the body out of a HEAD answer
      await this.store.db.all("SELECT 1");
      return { ok: true, instance: this.config.instanceId, database: this.store.db.kind, uptime_s: Math.round((Date.now() - this.startedAt) / 1000),
        active_calls: this.calls.active(), waiting_devices: this.events.waiting() };
    }
    if (path === "/v1/time") { expect("GET", "HEAD"); return { server_time: Math.floor(Date.now() / 1000) }; }
    if (path === "/wechat/push") {
      expect("GET", "POST");
      const answer = method === "GET" ? this.push.verifyUrl(url.searchParams) // WeChat's check of the address
        : await this.push.receive(url.searchParams, parseJsonObject(body));
      if (typeof answer.body === "string") { res.writeHead(answer.status, { "content-type": "text/plain" }); res.end(answer.body); }
      else sendJson(res, answer.status, answer.body);
      return undefined;
    }
    if (path.startsWith("/admin/v1/")) return this.admin(req, method, path.slice("/admin/v1/".length).split("/"), body);
    if (!path.startsWith("/v1/")) throw notFound();

    const known = ["/v1/device/register", "/v1/device/ticket", "/v1/device/events", "/v1/calls"];
    const callOp = /^\/v1\/calls\/(c_[0-9a-f]{1,64})\/([a-z]+)$/.exec(path);
    if (!known.includes(path) && !(callOp && CALL_OPS.has(callOp[2])) && !isOtaDevicePath(path)) throw notFound();
    const device = await verifyDeviceRequest(this.store, method, (req.url ?? "/"), req.headers, body, this.config.replayWindowSeconds);
    if (isOtaDevicePath(path)) return this.ota.device(method, path, url, device.sn, body, req, res);
    const json = parseJsonObject(body);

    if (path === "/v1/device/register") { expect("POST"); return this.register(device.sn, device.model_id); }
    if (path === "/v1/device/ticket") {
      expect("GET");
      const ticket = await this.ticket(device.sn, device.model_id);
      return { sn_ticket: ticket, ticket_expires_in: 300 };
    }
    if (path === "/v1/device/events") {
      expect("GET");
      // Plain decimal digits only: Number() would also take "1e3", "0x10" or "" and act on a guess.
      const whole = (name: string, fallback: number) => {
        const text = url.searchParams.get(name);
        if (text === null) return fallback;
        return /^[0-9]{1,16}$/.test(text) ? Number(text) : NaN;
      };
      const after = whole("after", 0), wait = whole("wait", 25);
      if (!Number.isSafeInteger(after)) throw badRequest("after must be a whole number >= 0");
      if (!Number.isInteger(wait) || wait > 30) throw badRequest("wait must be 0 to 30 seconds");
      const gone = new Promise<void>((r) => { res.once("close", () => r()); });
      const events = await this.events.poll(device.sn, after, wait * 1000, Promise.race([gone, this.closing]));
      return { events: events.map((e) => ({ seq: e.seq, type: e.type, ...e.body })) };
    }
    if (path === "/v1/calls") {
      expect("POST");
      const callee = json.callee_openid, roomType = json.room_type ?? "voice";
      if (typeof callee !== "string" || !OPENID.test(callee)) throw badRequest("callee_openid must be 1 to 128 of [0-9A-Za-z_-]");
      if (roomType !== "voice" && roomType !== "video") throw badRequest("room_type must be voice or video");
      const dev = await this.store.device(device.sn);
      if (!dev?.registered_at) throw new ApiError(409, "not_registered", -1014);
      return this.calls.deviceCalls(device.sn, device.model_id, { callee_openid: callee, room_type: roomType,
        payload: optionalString(json, "payload", 1024), custom_query: optionalString(json, "custom_query", 1024) });
    }
    expect("POST");
    return this.calls.deviceOp(device.sn, callOp![1], callOp![2] as DeviceOp);
  }

  private async ticket(sn: string, modelId: string): Promise<string> {
    try {
      return await this.wechat.getSnTicket(sn, modelId);
    } catch (err) {
      if (err instanceof WechatError) throw new ApiError(err.errcode === -1 ? 503 : 502, "wechat", -1010, { errcode: err.errcode, errmsg: err.errmsg });
      throw err;
    }
  }

  private async register(sn: string, modelId: string) {
    const ticket = await this.ticket(sn, modelId);
    const at = Math.floor(Date.now() / 1000);
    const dev = await this.store.device(sn);
    const registeredAt = dev?.registered_at ?? at; // registering again keeps the first date: the device's record stays valid
    if (!dev?.registered_at) await this.store.markRegistered(sn, at);
    return { device_id: sn, model_id: modelId, wxa_appid: this.config.wechat.appid, sn_ticket: ticket, ticket_expires_in: 300, registered_at: registeredAt };
  }

  private async admin(req: IncomingMessage, method: string, parts: string[], body: Buffer): Promise<unknown> {
    if (req.headers.authorization !== `Bearer ${this.config.adminToken}`) throw new ApiError(401, "admin_auth", -1012);
    const release = await this.ota.admin(method, parts, body); // before JSON parsing: a package is bytes
    if (release !== undefined) return release;
    const json = parseJsonObject(body);
    const str = (k: string, re: RegExp) => {
      const v = json[k];
      if (typeof v !== "string" || !re.test(v)) throw badRequest(`${k} is missing or malformed`);
      return v;
    };
    const route = (matches: boolean, m: string) => {
      if (matches && method !== m) throw methodNotAllowed(m);
      return matches;
    };
    if (route(parts[0] === "devices" && parts.length === 1, "POST")) {
      const identity = { sn: str("sn", SN_PATTERN), model_id: str("model_id", /^[0-9A-Za-z_-]{1,64}$/), name: optionalString(json, "name", 64) };
      try {
        return await provisionDevice(this.store, identity);
      } catch (err) {
        if (err instanceof AlreadyProvisioned) throw new ApiError(409, "already_provisioned", E_DUPLICATE, { detail: err.message });
        throw err;
      }
    }
    if (route(parts[0] === "devices" && parts.length === 2, "GET")) {
      const d = await this.store.device(parts[1]);
      if (!d) throw notFound();
      const { secret: _secret, ...visible } = d;
      return visible;
    }
    if (route(parts[0] === "authorisations" && (parts.length === 1 || (parts.length === 2 && parts[1] === "revoke")), "POST")) {
      const sn = str("sn", SN_PATTERN), openid = str("openid", OPENID);
      if (!await this.store.device(sn)) throw notFound();
      if (parts[1] === "revoke") return { revoked: await this.store.revoke(sn, openid) };
      await this.store.authorise(sn, openid);
      return { authorised: true };
    }
    if (route(parts[0] === "calls" && parts.length === 2, "GET")) {
      const call = await this.store.call(parts[1]);
      if (!call) throw notFound();
      return { call, history: await this.store.callHistory(call.id) };
    }
    throw notFound();
  }
}
