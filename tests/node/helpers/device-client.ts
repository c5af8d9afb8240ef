// A test client that signs like a device (docs/device-api.md): HMAC-SHA256 over method, path,
// timestamp, nonce and body hash, over HTTPS trusting the cloud's development CA. Options let a
// test forge, age or replay a request on purpose.
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:https";
import { sign } from "../../../cloud/device-api/signing.js";

export interface SignedRequestOptions {
  body?: unknown;            // JSON-encoded unless rawBody is given
  rawBody?: Buffer;
  timestamp?: number;        // seconds; default now
  nonce?: string;
  secret?: string;           // sign with another secret (a forgery)
  omit?: string[];           // leave these signing headers out
  tamperBody?: boolean;      // sign one body, send another
}

export interface Answer { status: number; json: any; text: string }

export class DeviceClient {
  readonly agent: Agent;
  lastNonce = "";
  constructor(readonly baseUrl: string, readonly sn: string, readonly secret: string, readonly ca: Buffer) {
    this.agent = new Agent({ keepAlive: true, ca, maxSockets: 16 });
  }

  request(method: string, path: string, o: SignedRequestOptions = {}): Promise<Answer> {
    const body = o.rawBody ?? (o.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(o.body)));
    const ts = String(o.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = o.nonce ?? randomBytes(16).toString("hex");
    this.lastNonce = nonce;
    const signature = sign(o.secret ?? this.secret, method, path, ts, nonce, body);
    const headers: Record<string, string | number> = {
      "x-vsdk-device": this.sn, "x-vsdk-timestamp": ts, "x-vsdk-nonce": nonce, "x-vsdk-signature": signature,
      "content-type": "application/json",
    };
    for (const h of o.omit ?? []) delete headers[h];
    const sent = o.tamperBody ? Buffer.concat([body, Buffer.from(" ")]) : body;
    headers["content-length"] = sent.length;
    return send(this.agent, this.baseUrl, method, path, headers, sent);
  }

  get(path: string, o: SignedRequestOptions = {}) { return this.request("GET", path, o); }
  post(path: string, body: unknown = {}, o: SignedRequestOptions = {}) { return this.request("POST", path, { ...o, body }); }

  /** Long-polls the event channel. */
  events(after: number, wait = 0) { return this.get(`/v1/device/events?after=${after}&wait=${wait}`); }

  close() { this.agent.destroy(); }
}

export function send(agent: Agent, baseUrl: string, method: string, path: string, headers: Record<string, string | number>, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, baseUrl), { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, json, text });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}
