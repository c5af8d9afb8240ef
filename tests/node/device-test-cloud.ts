// A small vendor cloud for the device tests, written from docs/device-api.md alone (not from
// cloud/), so the image's side of the contract is checked by a second reading of it. HTTPS with
// a self-signed certificate made by openssl at test time; every signed request is verified
// (HMAC-SHA256 over the string-to-sign, timestamp window, nonce replay). Tests script the calls,
// push events, and switch on faults: chunked bodies, closing after each answer, a wrong clock,
// refusing connections, restarting.
import { createServer as createHttpsServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCert { cert: Buffer; key: Buffer }

export function selfSignedCert(): TestCert {
  const dir = mkdtempSync(join(tmpdir(), "vsdk-cert-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "2", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { stdio: "ignore" });
  return { cert: readFileSync(join(dir, "cert.pem")), key: readFileSync(join(dir, "key.pem")) };
}

export interface Logged { method: string; path: string; body: string; status: number; auth: string }
export interface TestEvent { seq: number; type: string; [k: string]: unknown }

export interface CallPlan {
  /** Answer to POST /v1/calls: "ok" (state 1 + media), or a WeChat errcode, or an HTTP status. */
  outcome: "ok" | { errcode: number } | { status: number };
}

export class TestCloud {
  readonly secret = randomBytes(32).toString("hex");
  readonly log: Logged[] = [];
  events: TestEvent[] = [];
  acked = 0;
  private seq = 0;
  private server: Server | null = null;
  private sockets = new Set<Socket>();
  private waiters = new Set<() => void>();
  private nonces = new Set<string>();
  port = 0;
  // Faults and knobs.
  chunked = false;
  closeAfterAnswer = false;
  clockSkewS = 0;         // what GET /v1/time claims, relative to the real clock
  refuse = false;         // close every new connection at once
  nextStatus: number[] = []; // statuses to answer the next requests with (503 etc.)
  callPlan: CallPlan = { outcome: "ok" };
  registerErrcode = 0;
  maxEvents = 16;
  /** Runs before POST /v1/calls is answered (to let events overtake the answer). */
  beforeCallAnswer: ((callId: string) => Promise<void> | void) | null = null;         // events per answer, as cloud/ sends at most
  registeredAt = 1764000000;
  tickets = 0;
  modelId = "MODEL_T";
  calls = new Map<string, { state: number; sn: string }>();
  private callCounter = 0;

  constructor(readonly sn: string, readonly cert: TestCert) {}

  get url(): string { return `https://127.0.0.1:${this.port}`; }
  get identity() { return { sn: this.sn, secret: this.secret, cloud: this.url }; }

  async start(port = 0): Promise<void> {
    const server = createHttpsServer({ cert: this.cert.cert, key: this.cert.key, keepAlive: true }, (req, res) => {
      void this.handle(req, res);
    });
    server.keepAliveTimeout = 60000;
    server.on("secureConnection", (s: Socket) => {
      if (this.refuse) { s.destroy(); return; }
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Stops listening and drops every connection (the cloud "crashes"); state is kept for a restart. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    this.waiters.forEach((w) => w());
    await new Promise<void>((r) => server.close(() => r()));
  }

  dropConnections(): void { for (const s of this.sockets) s.destroy(); }

  push(type: string, body: Record<string, unknown>): number {
    const seq = ++this.seq;
    this.events.push({ seq, type, ...body });
    this.waiters.forEach((w) => w());
    return seq;
  }

  /** Re-offers an already delivered event, as a confused cloud might. */
  replay(e: TestEvent): void { this.replays.push(e); this.waiters.forEach((w) => w()); }
  private replays: TestEvent[] = [];

  media(ssrc = 1111, peer = 2222) {
    return { relay_host: "127.0.0.1", relay_port: 40000, ssrc, peer_ssrc: peer, codec: "PCMU", payload_type: 0,
      clock_rate: 8000, ptime_ms: 20, token: "ab12" };
  }

  requests(path: string): Logged[] { return this.log.filter((l) => l.path.startsWith(path)); }

  private send(res: ServerResponse, status: number, body: unknown) {
    const text = Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { "content-type": "application/json" };
    if (this.closeAfterAnswer) headers.connection = "close";
    if (this.chunked) {
      res.writeHead(status, headers);
      // Several chunks of uneven size, so the device reassembles across them.
      for (let i = 0; i < text.length; i += 7) res.write(text.subarray(i, Math.min(text.length, i + 7)));
      res.end();
    } else {
      headers["content-length"] = text.length;
      res.writeHead(status, headers);
      res.end(text);
    }
  }

  private verify(req: IncomingMessage, body: Buffer): { ok: true } | { ok: false; status: number; body: unknown } {
    const h = (n: string) => String(req.headers[n] ?? "");
    const now = Math.floor(Date.now() / 1000);
    const [device, ts, nonce, sig] = [h("x-vsdk-device"), h("x-vsdk-timestamp"), h("x-vsdk-nonce"), h("x-vsdk-signature")];
    if (!device || !/^\d+$/.test(ts) || !/^[0-9a-f]{16,64}$/.test(nonce) || !/^[0-9a-f]{64}$/.test(sig)) {
      return { ok: false, status: 401, body: { error: "missing_auth", code: -1012, server_time: now } };
    }
    if (device !== this.sn) return { ok: false, status: 401, body: { error: "unknown_device", code: -1012, server_time: now } };
    const toSign = `${req.method}\n${req.url}\n${ts}\n${nonce}\n${createHash("sha256").update(body).digest("hex")}`;
    const expected = createHmac("sha256", Buffer.from(this.secret, "hex")).update(toSign).digest("hex");
    if (expected !== sig) return { ok: false, status: 401, body: { error: "bad_signature", code: -1012, server_time: now } };
    if (Math.abs(Number(ts) - now) > 300) return { ok: false, status: 401, body: { error: "stale_timestamp", code: -1013, server_time: now } };
    if (this.nonces.has(nonce)) return { ok: false, status: 401, body: { error: "replayed_nonce", code: -1007, server_time: now } };
    this.nonces.add(nonce);
    return { ok: true };
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", "https://x");
    const entry: Logged = { method: req.method ?? "", path: req.url ?? "", body: body.toString(), status: 0, auth: "" };
    this.log.push(entry);
    const reply = (status: number, b: unknown) => { entry.status = status; this.send(res, status, b); };
    const forced = this.nextStatus.shift();
    if (forced) { reply(forced, { error: "forced", code: -1010 }); return; }
    if (url.pathname === "/v1/time") { reply(200, { server_time: Math.floor(Date.now() / 1000) + this.clockSkewS }); return; }
    const v = this.verify(req, body);
    if (!v.ok) { entry.auth = (v.body as { error: string }).error; reply(v.status, v.body); return; }
    let json: Record<string, unknown> = {};
    if (req.method === "POST") {
      try { json = JSON.parse(body.toString() || "null"); } catch { reply(400, { error: "bad_request", code: -1003 }); return; }
    }
    if (req.method === "POST" && url.pathname === "/v1/device/register") {
      if (this.registerErrcode) { reply(502, { error: "wechat", errcode: this.registerErrcode, errmsg: "test" }); return; }
      reply(200, { device_id: this.sn, model_id: this.modelId, wxa_appid: "wx0123456789abcdef", sn_ticket: "t",
        ticket_expires_in: 300, registered_at: this.registeredAt });
      return;
    }
    if (req.method === "GET" && url.pathname === "/v1/device/ticket") {
      reply(200, { sn_ticket: `tkt_${++this.tickets}`, ticket_expires_in: 300 });
      return;
    }
    if (req.method === "GET" && url.pathname === "/v1/device/events") {
      const after = Number(url.searchParams.get("after") ?? "0");
      const wait = Math.min(30, Number(url.searchParams.get("wait") ?? "25"));
      if (after > this.acked) this.acked = after;
      this.events = this.events.filter((e) => e.seq > after);
      const deadline = Date.now() + wait * 1000;
      for (;;) {
        const ready = [...this.replays, ...this.events];
        if (ready.length > 0 || Date.now() >= deadline || !this.server) {
          this.replays = [];
          reply(200, { events: ready.slice(0, this.maxEvents) });
          return;
        }
        await new Promise<void>((r) => {
          const t = setTimeout(r, Math.max(0, deadline - Date.now()));
          const w = () => { clearTimeout(t); this.waiters.delete(w); r(); };
          this.waiters.add(w);
        });
      }
    }
    if (req.method === "POST" && url.pathname === "/v1/calls") {
      const plan = this.callPlan.outcome;
      if (plan !== "ok" && "status" in plan) { reply(plan.status, { error: "bad_state", code: -1006 }); return; }
      if (plan !== "ok") { reply(200, { call_id: null, errcode: plan.errcode, errmsg: "refused" }); return; }
      if (typeof json.callee_openid !== "string" || (json.room_type !== "voice" && json.room_type !== "video")) {
        reply(400, { error: "bad_request", code: -1003 }); return;
      }
      const id = `c_${++this.callCounter}`;
      this.calls.set(id, { state: 1, sn: this.sn });
      if (this.beforeCallAnswer) await this.beforeCallAnswer(id);
      reply(200, { call_id: id, state: 1, media: this.media() });
      return;
    }
    const m = /^\/v1\/calls\/([^/]+)\/(answer|reject|busy|hangup|cancel)$/.exec(url.pathname);
    if (req.method === "POST" && m) {
      const call = this.calls.get(m[1]) ?? { state: 1, sn: this.sn };
      const next = { answer: 2, reject: 3, busy: 8, hangup: 6, cancel: 4 }[m[2] as "answer"];
      call.state = next;
      this.calls.set(m[1], call);
      reply(200, { call_id: m[1], state: next, ...(next === 2 ? { media: this.media(3333, 4444) } : {}) });
      return;
    }
    reply(404, { error: "not_found", code: -1003 });
  }
}
